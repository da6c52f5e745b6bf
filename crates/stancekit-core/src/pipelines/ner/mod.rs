//! Named-entity recognition over texts of any length.
//!
//! Texts are tokenized with code-point offsets, cut into overlapping windows that fit the encoder, run in
//! length-sorted batches, stitched back (each token from the window where it is most central), aggregated to
//! words and decoded into entities.
//!
//! Memory stays bounded by [`NerOptions::segment_bytes`], not by the input: a text longer than that is cut into
//! pieces at line breaks (else at whitespace) and a batch is tokenized and run a group of pieces at a time, so a
//! 100k-token document or a batch of thousands of documents holds only one group's tokens, windows and
//! probabilities at once (plus the entities found so far).
//!
//! ```no_run
//! use stancekit_core::EntityRecognizer;
//! let ner = EntityRecognizer::from_dir("models/ner")?;
//! let text = "Vice President JD Vance spoke in Munich.";
//! for entity in ner.predict(text)? {
//!     let chars: String = text.chars().skip(entity.start).take(entity.end - entity.start).collect();
//!     assert_eq!(chars, entity.text);
//!     println!("{} {} {:.2}", entity.label, entity.text, entity.score);
//! }
//! # Ok::<(), stancekit_core::Error>(())
//! ```

pub mod decode;
pub mod roles;
mod segments;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ndarray::{s, Array2, ArrayView2};

use crate::error::{Error, Result};
use crate::model::dir::Task;
use crate::model::heads::{runs_extra_heads, TokenModel};
use crate::nn::precision::Precision;
use crate::pipelines::ner::decode::{
    aggregate_words, group_entities, join_name_words, words_from_tokens, Span, Word, WordGrouping,
};
use crate::pipelines::ner::roles::{role_spans, RoleSpan};
use crate::pipelines::ner::segments::{segments, Piece};
use crate::pipelines::softmax::softmax_rows;
use crate::resources::resolve::open_model;
use crate::runtime::cpu::CpuFeatures;
use crate::runtime::scheduler::{self, Row};
use crate::runtime::threads;
use crate::runtime::windows::{assign_tokens, plan_windows, validate};
use crate::text::offsets::CharIndex;
use crate::text::tokenize::{casing_ids, Encoded, TextTokenizer};
use crate::types::{Aggregation, Entity};

/// Options of an [`EntityRecognizer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NerOptions {
    /// How sub-word predictions become word predictions.
    pub aggregation: Aggregation,
    /// Which tokens form one word (one label): name words by default, the pre-tokenizer's for parity with
    /// `transformers`.
    pub words: WordGrouping,
    /// Windows per forward pass.
    pub batch_size: usize,
    /// Tokens per window, special tokens included (default: the model's setting, else its maximum).
    pub window: Option<usize>,
    /// Tokens shared by consecutive windows (default: the model's setting, else a quarter of the window).
    pub stride: Option<usize>,
    /// Texts longer than this many bytes are processed in pieces cut at line breaks (else at whitespace), and
    /// a batch is processed in groups of about this many bytes. Entities never cross a cut.
    pub segment_bytes: usize,
    /// Which of the model's token heads labels the text.
    pub head: TokenHeadKind,
    /// The precision the encoder runs in (`Auto`: chosen for this CPU at load).
    pub precision: Precision,
}

/// The token heads a model directory may have on one encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenHeadKind {
    /// The named-entity head (`classifier`, labels from `id2label`).
    #[default]
    Entities,
    /// The attribution head (`attribution_classifier`, labels from `attribution_labels`: source, cue and content
    /// spans of reported speech).
    Attribution,
}

impl Default for NerOptions {
    fn default() -> Self {
        NerOptions {
            aggregation: Aggregation::First,
            words: WordGrouping::Names,
            batch_size: 16,
            window: None,
            stride: None,
            segment_bytes: 1 << 16,
            head: TokenHeadKind::Entities,
            precision: Precision::Float32,
        }
    }
}

/// What one forward pass over a text finds: entities, and the spans of reported speech where the model has an
/// attribution head (code-point offsets).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Labelled {
    /// Named entities.
    pub entities: Vec<Entity>,
    /// Source, cue and content spans, in text order.
    pub roles: Vec<RoleSpan>,
}

/// Per-token label probabilities of one text.
#[derive(Debug, Clone)]
pub struct TokenScores {
    /// `tokens x labels` probabilities (special tokens excluded).
    pub probabilities: Array2<f32>,
    /// Label names, in column order.
    pub labels: Vec<String>,
    /// Token strings.
    pub tokens: Vec<String>,
    /// Code-point offsets of the tokens.
    pub offsets: Vec<(usize, usize)>,
}

/// A token-classification model with its tokenizer. `Send + Sync`: calls from several threads take turns
/// on the model while tokenization and decoding run in parallel.
pub struct EntityRecognizer {
    path: PathBuf,
    tokenizer: TextTokenizer,
    model: Mutex<TokenModel>,
    labels: Vec<String>,
    /// The attribution head's labels when it runs beside the entity head (in the same forward pass).
    roles: Option<Vec<String>>,
    casing: bool,
    pad_id: i64,
    content: usize,
    stride: usize,
    options: NerOptions,
    precision: Precision,
}

impl EntityRecognizer {
    /// Loads a model directory with default options.
    pub fn from_dir(path: impl AsRef<Path>) -> Result<EntityRecognizer> {
        EntityRecognizer::with_options(path, NerOptions::default())
    }

    /// Loads a model directory.
    pub fn with_options(path: impl AsRef<Path>, options: NerOptions) -> Result<EntityRecognizer> {
        threads::apply_env()?;
        let precision = CpuFeatures::detect().resolve(options.precision)?;
        let dir = open_model(path, Task::TokenClassification)?;
        if options.batch_size == 0 {
            return Err(Error::InvalidInput("batch_size must be at least 1".into()));
        }
        if options.segment_bytes < 64 {
            return Err(Error::InvalidInput(
                "segment_bytes must be at least 64".into(),
            ));
        }
        let tokenizer = TextTokenizer::load(&dir.tokenizer_path())?;
        let window = options
            .window
            .or(dir.settings.window)
            .unwrap_or(dir.max_positions)
            .min(dir.max_positions);
        let content = window
            .checked_sub(tokenizer.special_count())
            .filter(|&content| content > 0)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "window {window} leaves no room for text next to the special tokens"
                ))
            })?;
        let stride = options
            .stride
            .or(dir.settings.stride)
            .unwrap_or(window / 4)
            .min(content.saturating_sub(1));
        validate(content, stride)?;
        let (model, labels, roles) = match options.head {
            TokenHeadKind::Entities => match &dir.attribution_labels {
                Some(roles) if runs_extra_heads(&dir) => (
                    TokenModel::load(&dir, &["classifier", "attribution_classifier"], precision)?,
                    dir.labels.clone(),
                    Some(roles.clone()),
                ),
                _ => (
                    TokenModel::load(&dir, &["classifier"], precision)?,
                    dir.labels.clone(),
                    None,
                ),
            },
            TokenHeadKind::Attribution => {
                let labels = dir.attribution_labels.clone().ok_or_else(|| {
                    Error::model_load(
                        dir.path.join("config.json"),
                        "this model has no attribution head (config.json lists no attribution_labels)",
                    )
                })?;
                (
                    TokenModel::load(&dir, &["attribution_classifier"], precision)?,
                    labels,
                    None,
                )
            }
        };
        Ok(EntityRecognizer {
            path: dir.path.clone(),
            tokenizer,
            model: Mutex::new(model),
            labels,
            roles,
            casing: dir.casing,
            pad_id: dir.pad_id,
            content,
            stride,
            options,
            precision,
        })
    }

    /// The model directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The precision the encoder runs in (`Auto` resolved).
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Label names in the model's order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The options in force.
    pub fn options(&self) -> &NerOptions {
        &self.options
    }

    /// Whether the model's attribution head runs beside its entity head (see [`EntityRecognizer::predict_labelled`]).
    pub fn has_attribution(&self) -> bool {
        self.roles.is_some()
    }

    /// Entities of one text.
    pub fn predict(&self, text: &str) -> Result<Vec<Entity>> {
        Ok(self.predict_batch(&[text])?.pop().unwrap_or_default())
    }

    /// Entities of each text, in order. The windows of a group of texts (up to
    /// [`NerOptions::segment_bytes`]) are batched together.
    pub fn predict_batch(&self, texts: &[&str]) -> Result<Vec<Vec<Entity>>> {
        Ok(self
            .predict_labelled(texts)?
            .into_iter()
            .map(|labelled| labelled.entities)
            .collect())
    }

    /// Entities and, when the model has an attribution head beside its entity head, the source, cue and content
    /// spans of reported speech, from one forward pass per window. `roles` is empty for other models.
    pub fn predict_labelled(&self, texts: &[&str]) -> Result<Vec<Labelled>> {
        let mut results: Vec<Labelled> = vec![Labelled::default(); texts.len()];
        let pieces: Vec<Piece<'_>> = texts
            .iter()
            .enumerate()
            .flat_map(|(text, &body)| {
                segments(body, self.options.segment_bytes).map(move |(chars, piece)| Piece {
                    text,
                    chars,
                    piece,
                })
            })
            .collect();
        let mut begin = 0;
        while begin < pieces.len() {
            let mut end = begin + 1;
            let mut bytes = pieces[begin].piece.len();
            while end < pieces.len()
                && bytes + pieces[end].piece.len() <= self.options.segment_bytes
            {
                bytes += pieces[end].piece.len();
                end += 1;
            }
            let group = &pieces[begin..end];
            let bodies: Vec<&str> = group.iter().map(|piece| piece.piece).collect();
            for (piece, labelled) in group.iter().zip(self.predict_pieces(&bodies)?) {
                let result = &mut results[piece.text];
                result
                    .entities
                    .extend(labelled.entities.into_iter().map(|mut entity| {
                        entity.start += piece.chars;
                        entity.end += piece.chars;
                        entity
                    }));
                result
                    .roles
                    .extend(labelled.roles.into_iter().map(|mut role| {
                        role.start += piece.chars;
                        role.end += piece.chars;
                        role
                    }));
            }
            begin = end;
        }
        Ok(results)
    }

    /// Entities (and roles) of each piece, offsets relative to the piece.
    fn predict_pieces(&self, texts: &[&str]) -> Result<Vec<Labelled>> {
        let encoded = self.tokenizer.encode_batch(texts)?;
        let indexes: Vec<CharIndex<'_>> = texts.iter().map(|text| CharIndex::new(text)).collect();
        let probabilities = self.token_probabilities(&indexes, &encoded)?;
        Ok(indexes
            .iter()
            .zip(&encoded)
            .zip(&probabilities)
            .map(|((index, encoding), probabilities)| {
                let labels = self.labels.len();
                let words = self.words(index, encoding);
                let entities = self
                    .spans(&words, probabilities.slice(s![.., ..labels]), &self.labels)
                    .into_iter()
                    .map(|span| Entity {
                        text: index.slice(span.start, span.end).to_owned(),
                        label: span.label,
                        start: span.start,
                        end: span.end,
                        score: span.score,
                    })
                    .collect();
                let roles = match &self.roles {
                    Some(roles) => role_spans(
                        index,
                        &self.spans(&words, probabilities.slice(s![.., labels..]), roles),
                    ),
                    None => Vec::new(),
                };
                Labelled { entities, roles }
            })
            .collect())
    }

    /// The tokens of `text` as the model sees them (special tokens excluded): `(token, start, end)` with
    /// code-point offsets; the rows of [`EntityRecognizer::token_scores`] follow this order.
    pub fn tokens(&self, text: &str) -> Result<Vec<(String, usize, usize)>> {
        let encoding = self
            .tokenizer
            .encode_batch(&[text])?
            .pop()
            .unwrap_or_default();
        Ok(encoding
            .tokens
            .into_iter()
            .zip(encoding.offsets)
            .map(|(token, (start, end))| (token, start, end))
            .collect())
    }

    /// Label probabilities of each token of `text`.
    pub fn token_scores(&self, text: &str) -> Result<TokenScores> {
        let mut encoded = self.tokenizer.encode_batch(&[text])?;
        let probabilities = self
            .token_probabilities(&[CharIndex::new(text)], &encoded)?
            .pop()
            .unwrap_or_else(|| Array2::zeros((0, self.labels.len())))
            .slice(s![.., ..self.labels.len()])
            .to_owned();
        let encoding = encoded.pop().unwrap_or_default();
        Ok(TokenScores {
            probabilities,
            labels: self.labels.clone(),
            tokens: encoding.tokens,
            offsets: encoding.offsets,
        })
    }

    /// The words that take one label each.
    fn words(&self, index: &CharIndex<'_>, encoding: &Encoded) -> Vec<Word> {
        let words = words_from_tokens(&encoding.word_ids, &encoding.offsets);
        match self.options.words {
            WordGrouping::Names => join_name_words(words, |start, end| index.slice(start, end)),
            WordGrouping::Pretokenizer => words,
        }
    }

    /// One head's labelled spans: its columns of `probabilities` aggregated to `words`, then BIO-decoded.
    fn spans(
        &self,
        words: &[Word],
        probabilities: ArrayView2<'_, f32>,
        labels: &[String],
    ) -> Vec<Span> {
        let predictions = aggregate_words(probabilities, words, self.options.aggregation);
        group_entities(&predictions, words, labels)
    }

    /// Softmax probabilities `tokens x labels` for each text (`indexes` supply the casing classes' surfaces).
    fn token_probabilities(
        &self,
        indexes: &[CharIndex<'_>],
        encoded: &[Encoded],
    ) -> Result<Vec<Array2<f32>>> {
        let heads = [self.labels.len(), self.roles.as_ref().map_or(0, Vec::len)];
        let label_count = heads.iter().sum::<usize>();
        let windows: Vec<Vec<Range<usize>>> = encoded
            .iter()
            .map(|encoding| plan_windows(encoding.ids.len(), self.content, self.stride))
            .collect();
        let prefix = &self.tokenizer.prefix;
        let suffix = &self.tokenizer.suffix;
        let mut rows: Vec<Row> = Vec::new();
        for (text, ranges) in windows.iter().enumerate() {
            for tokens in ranges {
                let mut ids = Vec::with_capacity(tokens.len() + prefix.len() + suffix.len());
                ids.extend_from_slice(prefix);
                ids.extend_from_slice(&encoded[text].ids[tokens.clone()]);
                ids.extend_from_slice(suffix);
                let casing = self.casing.then(|| {
                    casing_ids(
                        &indexes[text],
                        &encoded[text].offsets[tokens.clone()],
                        prefix.len(),
                        suffix.len(),
                    )
                });
                rows.push(Row {
                    type_ids: vec![0; ids.len()],
                    ids,
                    casing,
                });
            }
        }
        let logits = scheduler::run(
            &self.model,
            &rows,
            self.options.batch_size,
            self.pad_id,
            label_count,
        )?;
        let mut output = Vec::with_capacity(encoded.len());
        let mut first_window = 0;
        for (encoding, ranges) in encoded.iter().zip(&windows) {
            let own = &logits[first_window..first_window + ranges.len()];
            first_window += ranges.len();
            let length = encoding.ids.len();
            let owner = assign_tokens(length, ranges);
            let mut stitched = Array2::<f32>::zeros((length, label_count));
            for (token, &window) in owner.iter().enumerate() {
                // The window's row starts with the special tokens before the text.
                let offset = (prefix.len() + token - ranges[window].start) * label_count;
                let Some(values) = own[window].get(offset..offset + label_count) else {
                    return Err(Error::Inference {
                        message: "a window was not computed".into(),
                        source: None,
                    });
                };
                for (column, value) in values.iter().enumerate() {
                    stitched[[token, column]] = *value;
                }
            }
            let mut probabilities = Array2::<f32>::zeros((length, label_count));
            let mut column = 0;
            for width in heads.into_iter().filter(|&width| width > 0) {
                let columns = s![.., column..column + width];
                probabilities
                    .slice_mut(columns)
                    .assign(&softmax_rows(stitched.slice(columns)));
                column += width;
            }
            output.push(probabilities);
        }
        Ok(output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizer_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<EntityRecognizer>();
    }
}
