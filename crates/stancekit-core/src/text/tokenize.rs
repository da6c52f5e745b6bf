//! The `tokenizers` tokenizer of a model directory, with code-point offsets.
//!
//! Truncation and padding stored in `tokenizer.json` are switched off: the engine windows long texts and
//! pads batches itself. Offsets are code points of the original text (Python `str` indices).

use tokenizers::{
    EncodeInput, Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy,
};

use std::path::Path;

use crate::error::{Error, Result};
use crate::text::casing::{casing_class, CasingClass};
use crate::text::offsets::CharIndex;

/// One text's tokens without special tokens.
#[derive(Debug, Clone, Default)]
pub struct Encoded {
    /// Token ids.
    pub ids: Vec<i64>,
    /// Code-point offsets of each token in the text.
    pub offsets: Vec<(usize, usize)>,
    /// The pre-tokenizer word each token belongs to.
    pub word_ids: Vec<Option<u32>>,
    /// Token strings, for inspection.
    pub tokens: Vec<String>,
}

/// A model's tokenizer and the special tokens it wraps single texts in.
#[derive(Clone)]
pub(crate) struct TextTokenizer {
    inner: Tokenizer,
    /// Special token ids before and after a single text (`[CLS]` and `[SEP]` for BERT).
    pub prefix: Vec<i64>,
    pub suffix: Vec<i64>,
}

fn tokenizer_error(error: tokenizers::Error) -> Error {
    Error::inference("tokenization", error)
}

impl TextTokenizer {
    /// Loads `tokenizer.json` (the path names the file in errors).
    pub(crate) fn load(path: &Path) -> Result<TextTokenizer> {
        let mut inner = Tokenizer::from_file(path).map_err(|error| {
            Error::model_load_from(path, "tokenizer.json cannot be parsed", error)
        })?;
        inner.with_truncation(None).map_err(|error| {
            Error::model_load_from(path, "tokenizer.json: cannot disable truncation", error)
        })?;
        inner.with_padding(None);
        let probe = inner.encode_char_offsets("a", true).map_err(|error| {
            Error::model_load_from(path, "tokenizer.json cannot encode a test text", error)
        })?;
        let mask = probe.get_special_tokens_mask();
        let ids = probe.get_ids();
        let first_content = mask
            .iter()
            .position(|&special| special == 0)
            .unwrap_or(mask.len());
        let last_content = mask
            .iter()
            .rposition(|&special| special == 0)
            .map_or(first_content, |index| index + 1);
        let prefix = ids[..first_content]
            .iter()
            .map(|&id| i64::from(id))
            .collect();
        let suffix = ids[last_content..]
            .iter()
            .map(|&id| i64::from(id))
            .collect();
        Ok(TextTokenizer {
            inner,
            prefix,
            suffix,
        })
    }

    /// Number of special tokens around a single text.
    pub(crate) fn special_count(&self) -> usize {
        self.prefix.len() + self.suffix.len()
    }

    /// Tokenizes texts (in parallel) without special tokens.
    pub(crate) fn encode_batch(&self, texts: &[&str]) -> Result<Vec<Encoded>> {
        let inputs: Vec<EncodeInput> = texts.iter().map(|&text| text.into()).collect();
        let encodings = self
            .inner
            .encode_batch_char_offsets(inputs, false)
            .map_err(tokenizer_error)?;
        Ok(encodings
            .into_iter()
            .map(|encoding| Encoded {
                ids: encoding.get_ids().iter().map(|&id| i64::from(id)).collect(),
                offsets: encoding.get_offsets().to_vec(),
                word_ids: encoding.get_word_ids().to_vec(),
                tokens: encoding.get_tokens().to_vec(),
            })
            .collect())
    }

    /// A copy that encodes `(text, hypothesis)` pairs with special tokens, truncating only the text.
    pub(crate) fn pair_encoder(&self, max_length: usize) -> Result<PairEncoder> {
        let mut inner = self.inner.clone();
        inner
            .with_truncation(Some(TruncationParams {
                max_length,
                strategy: TruncationStrategy::OnlyFirst,
                stride: 0,
                direction: TruncationDirection::Right,
            }))
            .map_err(|error| Error::inference("configuring truncation", error))?;
        let plain = self.inner.clone();
        let length = |input: EncodeInput<'_>, special: bool| -> Result<usize> {
            Ok(plain
                .encode_char_offsets(input, special)
                .map_err(tokenizer_error)?
                .len())
        };
        let pair_specials = length(("a", "b").into(), true)?
            .saturating_sub(length("a".into(), false)? + length("b".into(), false)?);
        Ok(PairEncoder {
            inner,
            plain,
            max_length,
            pair_specials,
        })
    }
}

/// Encodes text pairs for sequence-pair classification.
#[derive(Clone)]
pub(crate) struct PairEncoder {
    /// Truncates the text of a pair to `max_length`.
    inner: Tokenizer,
    /// Does not truncate, to measure hypotheses.
    plain: Tokenizer,
    max_length: usize,
    /// Special tokens around a pair (3 for BERT's `[CLS] a [SEP] b [SEP]`, 4 for MPNet).
    pair_specials: usize,
}

/// One encoded pair: ids and segment ids, special tokens included.
#[derive(Debug, Clone)]
pub(crate) struct EncodedPair {
    pub ids: Vec<i64>,
    pub type_ids: Vec<i64>,
}

impl PairEncoder {
    /// Number of tokens of `text` alone, without special tokens.
    pub(crate) fn count_tokens(&self, text: &str) -> Result<usize> {
        Ok(self
            .plain
            .encode_char_offsets(text, false)
            .map_err(tokenizer_error)?
            .len())
    }

    /// The longest hypothesis that leaves room for the text.
    pub(crate) fn max_hypothesis_tokens(&self) -> usize {
        self.max_length / 2
    }

    /// Text tokens that fit beside a hypothesis of `hypothesis_tokens` tokens.
    pub(crate) fn text_budget(&self, hypothesis_tokens: usize) -> usize {
        self.max_length
            .saturating_sub(self.pair_specials + hypothesis_tokens)
            .max(1)
    }

    pub(crate) fn encode_batch(&self, pairs: &[(&str, &str)]) -> Result<Vec<EncodedPair>> {
        let inputs: Vec<EncodeInput> = pairs
            .iter()
            .map(|&(text, hypothesis)| (text, hypothesis).into())
            .collect();
        let encodings = self
            .inner
            .encode_batch_char_offsets(inputs, true)
            .map_err(tokenizer_error)?;
        Ok(encodings
            .into_iter()
            .map(|encoding| EncodedPair {
                ids: encoding.get_ids().iter().map(|&id| i64::from(id)).collect(),
                type_ids: encoding
                    .get_type_ids()
                    .iter()
                    .map(|&id| i64::from(id))
                    .collect(),
            })
            .collect())
    }
}

/// Casing class ids of a window: special tokens around the content tokens' classes.
pub(crate) fn casing_ids(
    text_chars: &CharIndex<'_>,
    offsets: &[(usize, usize)],
    prefix: usize,
    suffix: usize,
) -> Vec<i64> {
    let special = CasingClass::Special as i64;
    let mut ids = Vec::with_capacity(prefix + offsets.len() + suffix);
    ids.extend(std::iter::repeat_n(special, prefix));
    ids.extend(
        offsets
            .iter()
            .map(|&(start, end)| casing_class(text_chars.slice(start, end)) as i64),
    );
    ids.extend(std::iter::repeat_n(special, suffix));
    ids
}
