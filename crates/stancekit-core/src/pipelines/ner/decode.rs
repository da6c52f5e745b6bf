//! From per-token label probabilities to entities: sub-word aggregation and BIO decoding.
//!
//! These functions work on plain arrays and know nothing of models, so they are tested on synthetic
//! probabilities. The rules follow the `transformers` token-classification pipeline: words are aggregated
//! with `first`, `average` or `max`; a word starts a new entity when its tag is `B-` or its type differs
//! from the previous word's; an `I-` after `O` starts an entity too; the entity score is the mean of its
//! words' scores.
//!
//! ```
//! use ndarray::array;
//! use stancekit_core::pipelines::ner::decode::{aggregate_words, group_entities, Word};
//! use stancekit_core::Aggregation;
//! let labels = vec!["O".to_string(), "B-PER".to_string(), "I-PER".to_string()];
//! let probabilities = array![[0.1f32, 0.8, 0.1], [0.2, 0.1, 0.7], [0.9, 0.05, 0.05]];
//! let words = vec![Word { tokens: 0..1, start: 0, end: 2 }, Word { tokens: 1..2, start: 3, end: 9 },
//!                  Word { tokens: 2..3, start: 10, end: 14 }];
//! let predictions = aggregate_words(probabilities.view(), &words, Aggregation::First);
//! let spans = group_entities(&predictions, &words, &labels);
//! assert_eq!(spans.len(), 1);
//! assert_eq!((spans[0].start, spans[0].end, spans[0].label.as_str()), (0, 9, "PER"));
//! ```

use std::ops::Range;

use ndarray::{Array1, ArrayView1, ArrayView2, Axis};

use crate::types::Aggregation;

/// A word: consecutive tokens that the tokenizer's pre-tokenizer kept together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Token indices (into the text's tokens, special tokens excluded).
    pub tokens: Range<usize>,
    /// Code-point offset of the word's first character.
    pub start: usize,
    /// Code-point offset one past its last character.
    pub end: usize,
}

/// The prediction for one word.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WordPrediction {
    /// Index into the label list.
    pub label: usize,
    /// Probability of that label.
    pub score: f32,
}

/// An entity span before its text is cut out of the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// The entity type.
    pub label: String,
    /// Code-point offset of the first character.
    pub start: usize,
    /// Code-point offset one past the last character.
    pub end: usize,
    /// Mean of the words' scores.
    pub score: f32,
    /// The first word's tag was `I-`: the span continues an earlier one of its type (the attribution head tags a
    /// content interrupted by its source and cue this way).
    pub continued: bool,
}

/// Groups tokens into words from the tokenizer's word ids and code-point offsets.
///
/// Tokens with the same word id in a row form one word; a token without a word id forms a word alone.
pub fn words_from_tokens(word_ids: &[Option<u32>], offsets: &[(usize, usize)]) -> Vec<Word> {
    let mut words: Vec<Word> = Vec::new();
    let mut previous: Option<u32> = None;
    for (index, (&word_id, &(start, end))) in word_ids.iter().zip(offsets).enumerate() {
        match (word_id, words.last_mut()) {
            (Some(id), Some(last)) if previous == Some(id) => {
                last.tokens.end = index + 1;
                last.end = last.end.max(end);
            }
            _ => words.push(Word {
                tokens: index..index + 1,
                start,
                end,
            }),
        }
        previous = word_id;
    }
    words
}

/// How tokens are grouped into the words that get one label each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WordGrouping {
    /// The tokenizer's pre-tokenizer words, joined where punctuation sits inside a name: a hyphen between two
    /// words with no space around it ("Jean-Luc", "non-European", "AL-AIN"), an apostrophe inside a name
    /// ("O'Neill", "N'Doram"; not a possessive or a contraction: "Trump's" stays "Trump" + "'s"), and the dots
    /// of initials and dotted acronyms ("U.S.", "J.", "D.C."). Punctuation at a word's edge stays apart ("Vance," "(US)" "Paris.").
    /// This is how CoNLL-style training data cuts tokens, so a name is labelled as one word.
    #[default]
    Names,
    /// The pre-tokenizer's words as they are, split at every punctuation mark: what the `transformers`
    /// token-classification pipeline does (for parity with it).
    Pretokenizer,
}

impl WordGrouping {
    /// The names accepted by `FromStr`.
    pub const NAMES: [&'static str; 2] = ["names", "pretokenizer"];
}

impl std::str::FromStr for WordGrouping {
    type Err = crate::error::Error;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "names" => Ok(WordGrouping::Names),
            "pretokenizer" => Ok(WordGrouping::Pretokenizer),
            other => Err(crate::error::Error::InvalidInput(format!(
                "unknown word grouping {other:?}; expected one of {}",
                WordGrouping::NAMES.join(", ")
            ))),
        }
    }
}

impl std::fmt::Display for WordGrouping {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            WordGrouping::Names => "names",
            WordGrouping::Pretokenizer => "pretokenizer",
        })
    }
}

/// What follows an apostrophe in a possessive or a contraction ("Trump's", "don't"): not part of a name.
const CLITICS: &[&str] = &["s", "t", "d", "m", "ll", "re", "ve"];

/// Joins pre-tokenizer words into name words as [`WordGrouping::Names`] describes; `surface(start, end)` gives
/// the text of a code-point range.
pub fn join_name_words<'a>(
    words: Vec<Word>,
    surface: impl Fn(usize, usize) -> &'a str,
) -> Vec<Word> {
    let text = |word: &Word| surface(word.start, word.end);
    let single_alphanumeric = |word: &Word| {
        let mut characters = text(word).chars();
        characters.next().is_some_and(char::is_alphanumeric) && characters.next().is_none()
    };
    // A hyphen, or an apostrophe that does not start a possessive or a contraction.
    let joins_a_name = |word: &Word, index: usize| match text(word) {
        "-" => true,
        "'" | "’" => !words
            .get(index + 1)
            .is_some_and(|next| CLITICS.contains(&text(next).to_lowercase().as_str())),
        _ => false,
    };
    let mut joined: Vec<Word> = Vec::with_capacity(words.len());
    // Whether the last joined word ends in the dot of an initial ("U." of "U.S.").
    let mut after_initial_dot = false;
    let mut index = 0;
    while index < words.len() {
        let word = &words[index];
        let adjacent = joined
            .last()
            .is_some_and(|last: &Word| last.end == word.start);
        let last_ends_alphanumeric = joined
            .last()
            .is_some_and(|last| text(last).chars().last().is_some_and(char::is_alphanumeric));
        let next_starts_alphanumeric = words.get(index + 1).is_some_and(|next| {
            next.start == word.end && text(next).chars().next().is_some_and(char::is_alphanumeric)
        });
        let previous_single = index > 0 && single_alphanumeric(&words[index - 1]);
        let (take, dot) = if !adjacent {
            (0, false)
        } else if joins_a_name(word, index) && last_ends_alphanumeric && next_starts_alphanumeric {
            (2, false)
        } else if text(word) == "." && previous_single {
            (1, true)
        } else if after_initial_dot && single_alphanumeric(word) {
            (1, false)
        } else {
            (0, false)
        };
        match (take, joined.last_mut()) {
            (0, _) | (_, None) => {
                joined.push(word.clone());
                after_initial_dot = false;
                index += 1;
            }
            (count, Some(last)) => {
                let through = &words[index + count - 1];
                last.tokens.end = through.tokens.end;
                last.end = through.end;
                after_initial_dot = dot;
                index += count;
            }
        }
    }
    joined
}

fn argmax(row: ArrayView1<'_, f32>) -> (usize, f32) {
    row.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (index, &value)| {
            if value > best.1 {
                (index, value)
            } else {
                best
            }
        })
}

/// One prediction per word from per-token probabilities (`tokens x labels`).
pub fn aggregate_words(
    probabilities: ArrayView2<'_, f32>,
    words: &[Word],
    aggregation: Aggregation,
) -> Vec<WordPrediction> {
    words
        .iter()
        .map(|word| {
            let rows = probabilities.slice(ndarray::s![word.tokens.clone(), ..]);
            let (label, score) = match aggregation {
                Aggregation::First => argmax(rows.row(0)),
                Aggregation::Average => {
                    let mean: Array1<f32> = rows
                        .mean_axis(Axis(0))
                        .unwrap_or_else(|| Array1::zeros(rows.ncols()));
                    argmax(mean.view())
                }
                Aggregation::Max => rows.axis_iter(Axis(0)).map(argmax).fold(
                    (0, f32::NEG_INFINITY),
                    |best, candidate| {
                        if candidate.1 > best.1 {
                            candidate
                        } else {
                            best
                        }
                    },
                ),
            };
            WordPrediction { label, score }
        })
        .collect()
}

/// Splits a label into its BIO prefix and its type, the way `transformers` does: `B-X` and `I-X` keep
/// their prefix, any other label (including `O`) counts as `I` of its own name.
fn split_tag(label: &str) -> (bool, &str) {
    if let Some(kind) = label.strip_prefix("B-") {
        (true, kind)
    } else if let Some(kind) = label.strip_prefix("I-") {
        (false, kind)
    } else {
        (false, label)
    }
}

/// Decodes word predictions into entity spans (words labelled `O` are not entities).
pub fn group_entities(
    predictions: &[WordPrediction],
    words: &[Word],
    labels: &[String],
) -> Vec<Span> {
    let mut spans = Vec::new();
    // type, start, end, score sum, words, continued
    type Open = (String, usize, usize, f32, usize, bool);
    let mut current: Option<Open> = None;
    let mut flush = |current: &mut Option<Open>| {
        if let Some((kind, start, end, sum, count, continued)) = current.take() {
            if kind != "O" {
                spans.push(Span {
                    label: kind,
                    start,
                    end,
                    score: sum / count as f32,
                    continued,
                });
            }
        }
    };
    for (prediction, word) in predictions.iter().zip(words) {
        let label = labels
            .get(prediction.label)
            .map(String::as_str)
            .unwrap_or("O");
        let (begins, kind) = split_tag(label);
        match current.as_mut() {
            Some((current_kind, _, end, sum, count, _)) if !begins && current_kind == kind => {
                *end = word.end;
                *sum += prediction.score;
                *count += 1;
            }
            _ => {
                flush(&mut current);
                let continued = !begins && label != "O" && label.starts_with("I-");
                current = Some((
                    kind.to_owned(),
                    word.start,
                    word.end,
                    prediction.score,
                    1,
                    continued,
                ));
            }
        }
    }
    flush(&mut current);
    spans
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    fn labels() -> Vec<String> {
        ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    fn word(tokens: Range<usize>, start: usize, end: usize) -> Word {
        Word { tokens, start, end }
    }

    #[test]
    fn words_follow_word_ids() {
        let words = words_from_tokens(
            &[Some(0), Some(0), Some(1), None, Some(2)],
            &[(0, 3), (3, 5), (6, 7), (7, 8), (9, 12)],
        );
        assert_eq!(
            words,
            vec![
                word(0..2, 0, 5),
                word(2..3, 6, 7),
                word(3..4, 7, 8),
                word(4..5, 9, 12)
            ]
        );
    }

    /// Pre-tokenizer words of `text` (alphanumeric runs and single punctuation marks), one token each.
    fn pretokenized(text: &str) -> Vec<Word> {
        let characters: Vec<char> = text.chars().collect();
        let mut words = Vec::new();
        let mut start = None;
        for (index, character) in characters.iter().copied().chain([' ']).enumerate() {
            if character.is_alphanumeric() {
                start = start.or(Some(index));
                continue;
            }
            if let Some(begin) = start.take() {
                words.push(word(words.len()..words.len() + 1, begin, index));
            }
            if !character.is_whitespace() {
                words.push(word(words.len()..words.len() + 1, index, index + 1));
            }
        }
        words
    }

    fn joined(text: &str) -> Vec<String> {
        let characters: Vec<char> = text.chars().collect();
        let words = join_name_words(pretokenized(text), |start, end| {
            let byte = |at: usize| characters[..at].iter().map(|c| c.len_utf8()).sum::<usize>();
            &text[byte(start)..byte(end)]
        });
        for pair in words.windows(2) {
            assert_eq!(
                pair[0].tokens.end, pair[1].tokens.start,
                "tokens stay contiguous"
            );
        }
        words
            .iter()
            .map(|w| characters[w.start..w.end].iter().collect())
            .collect()
    }

    #[test]
    fn names_keep_inner_hyphens_and_dots_and_lose_edge_punctuation() {
        assert_eq!(
            joined("Jean-Luc Brassard met U.S. and AL-AIN officials, non-European (US) in D.C."),
            [
                "Jean-Luc",
                "Brassard",
                "met",
                "U.S.",
                "and",
                "AL-AIN",
                "officials",
                ",",
                "non-European",
                "(",
                "US",
                ")",
                "in",
                "D.C."
            ]
        );
        assert_eq!(
            joined("Vance, J. D. Vance said - well - Paris. U.S.-led x-"),
            [
                "Vance", ",", "J.", "D.", "Vance", "said", "-", "well", "-", "Paris", ".", "U.S.",
                "-", "led", "x", "-"
            ]
        );
        assert_eq!(joined("Kyiv’s"), ["Kyiv", "’", "s"]);
        assert_eq!(
            joined("O'Neill and N’Doram don't"),
            ["O'Neill", "and", "N’Doram", "don", "'", "t"]
        );
    }

    #[test]
    fn aggregation_strategies_differ_as_in_transformers() {
        // One word of three sub-words: first says PER, the mean says LOC, the most confident says O.
        let probabilities = array![
            [0.1f32, 0.5, 0.0, 0.4, 0.0],
            [0.0, 0.1, 0.0, 0.9, 0.0],
            [0.95, 0.0, 0.0, 0.05, 0.0],
        ];
        let words = [word(0..3, 0, 10)];
        let first = aggregate_words(probabilities.view(), &words, Aggregation::First);
        let average = aggregate_words(probabilities.view(), &words, Aggregation::Average);
        let max = aggregate_words(probabilities.view(), &words, Aggregation::Max);
        assert_eq!(first[0].label, 1);
        assert_eq!(average[0].label, 3);
        assert!((average[0].score - 0.45).abs() < 1e-6);
        assert_eq!(max[0].label, 0);
        assert!((max[0].score - 0.95).abs() < 1e-6);
    }

    fn predictions(labels_and_scores: &[(usize, f32)]) -> Vec<WordPrediction> {
        labels_and_scores
            .iter()
            .map(|&(label, score)| WordPrediction { label, score })
            .collect()
    }

    #[test]
    fn bio_groups_split_on_b_and_on_type_changes() {
        let words: Vec<Word> = (0..6).map(|i| word(i..i + 1, i * 2, i * 2 + 1)).collect();
        // B-PER I-PER B-PER I-LOC O I-LOC
        let spans = group_entities(
            &predictions(&[(1, 0.9), (2, 0.7), (1, 0.8), (4, 0.6), (0, 0.9), (4, 0.5)]),
            &words,
            &labels(),
        );
        let summary: Vec<(&str, usize, usize)> = spans
            .iter()
            .map(|s| (s.label.as_str(), s.start, s.end))
            .collect();
        assert_eq!(
            summary,
            vec![("PER", 0, 3), ("PER", 4, 5), ("LOC", 6, 7), ("LOC", 10, 11)]
        );
        assert!((spans[0].score - 0.8).abs() < 1e-6);
    }

    #[test]
    fn labels_without_prefix_group_by_name() {
        let labels: Vec<String> = ["O", "PER"].iter().map(|s| s.to_string()).collect();
        let words: Vec<Word> = (0..3).map(|i| word(i..i + 1, i * 2, i * 2 + 1)).collect();
        let spans = group_entities(
            &predictions(&[(1, 0.9), (1, 0.7), (0, 0.9)]),
            &words,
            &labels,
        );
        assert_eq!(spans.len(), 1);
        assert_eq!((spans[0].start, spans[0].end), (0, 3));
    }

    #[test]
    fn all_outside_gives_nothing() {
        let words: Vec<Word> = (0..3).map(|i| word(i..i + 1, i, i + 1)).collect();
        assert!(group_entities(
            &predictions(&[(0, 0.9), (0, 0.9), (0, 0.9)]),
            &words,
            &labels()
        )
        .is_empty());
        assert!(group_entities(&[], &[], &labels()).is_empty());
    }
}
