//! Target-specific stance: a sequence-pair classifier on `(text, hypothesis)`.
//!
//! The model's `id2label` decides what each logit means: stance labels (`favor`, `against`, `none`, `agree`,
//! `support`, …) and NLI labels (`entailment` → favor, `contradiction` → against, `neutral` /
//! `not_entailment` → none) are mapped onto the three stance classes, and several labels of one class add
//! up. The target is turned into a hypothesis with a template (`"The author supports {}."`) when the
//! caller or the model's config gives one; NLI models get that default template.
//!
//! ```no_run
//! use stancekit_core::StanceClassifier;
//! let classifier = StanceClassifier::from_dir("models/stance")?;
//! let prediction = classifier.predict("We must lift the sanctions now.", "sanctions on Russia")?;
//! println!("{} {:.2} {:?}", prediction.label, prediction.score, prediction.scores);
//! # Ok::<(), stancekit_core::Error>(())
//! ```

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ndarray::Array3;

use ndarray::ArrayViewMut1;

use crate::error::{Error, Result};
use crate::model::dir::Task;
use crate::model::heads::SequenceModel;
use crate::nn::precision::Precision;
use crate::pipelines::softmax::softmax_in_place;
use crate::pipelines::stance::evidence::{evidence, DEFAULT_EVIDENCE_THRESHOLD};
use crate::pipelines::stance::labels::{stance_of_label, validate_template, DEFAULT_NLI_TEMPLATE};
use crate::pipelines::stance::windows::sentence_windows;
use crate::resources::resolve::open_model;
use crate::runtime::cpu::CpuFeatures;
use crate::runtime::scheduler::{self, Row};
use crate::runtime::threads;
use crate::text::tokenize::{PairEncoder, TextTokenizer};
use crate::types::{Stance, StancePrediction};

/// Options of a [`StanceClassifier`].
#[derive(Debug, Clone, PartialEq)]
pub struct StanceOptions {
    /// Hypothesis template with exactly one `{}` (default: the model's, or [`DEFAULT_NLI_TEMPLATE`] for NLI
    /// models, or the bare target).
    pub hypothesis_template: Option<String>,
    /// Pairs per forward pass.
    pub batch_size: usize,
    /// Tokens per pair, special tokens included (default and maximum: the model's maximum). A longer text is
    /// cut into windows of whole sentences that fit, each classified, and the windows' stances combined by the
    /// evidence rule ([`evidence`]).
    pub max_length: Option<usize>,
    /// The probability of favor or against from which a text (a window, a speaker's content) counts as evidence
    /// of that stance (default: the model's `evidence_threshold`, else 0.5).
    pub evidence_threshold: Option<f32>,
    /// The precision the encoder runs in (`Auto`: chosen for this CPU at load).
    pub precision: Precision,
}

impl Default for StanceOptions {
    fn default() -> Self {
        StanceOptions {
            hypothesis_template: None,
            batch_size: 32,
            max_length: None,
            evidence_threshold: None,
            precision: Precision::Float32,
        }
    }
}

/// A stance model with its tokenizer. `Send + Sync`.
pub struct StanceClassifier {
    path: PathBuf,
    encoder: PairEncoder,
    model: Mutex<SequenceModel>,
    labels: Vec<String>,
    classes: Vec<Stance>,
    template: Option<String>,
    pad_id: i64,
    batch_size: usize,
    threshold: f32,
    precision: Precision,
}

impl StanceClassifier {
    /// Loads a model directory with default options.
    pub fn from_dir(path: impl AsRef<Path>) -> Result<StanceClassifier> {
        StanceClassifier::with_options(path, StanceOptions::default())
    }

    /// Loads a model directory.
    pub fn with_options(
        path: impl AsRef<Path>,
        options: StanceOptions,
    ) -> Result<StanceClassifier> {
        threads::apply_env()?;
        let precision = CpuFeatures::detect().resolve(options.precision)?;
        let dir = open_model(path, Task::SequenceClassification)?;
        if options.batch_size == 0 {
            return Err(Error::InvalidInput("batch_size must be at least 1".into()));
        }
        let classes = dir
            .labels
            .iter()
            .map(|label| {
                stance_of_label(label).ok_or_else(|| {
                    Error::model_load(
                        dir.path.join("config.json"),
                        format!(
                            "label {label:?} of id2label {:?} maps to none of favor/against/none \
                             (known: favor, against, none, entailment, contradiction, neutral, agree, disagree, discuss, unrelated, support, undermine)",
                            dir.labels
                        ),
                    )
                })
            })
            .collect::<Result<Vec<Stance>>>()?;
        let is_nli = dir
            .labels
            .iter()
            .any(|label| label.eq_ignore_ascii_case("entailment"));
        let template = options
            .hypothesis_template
            .clone()
            .or_else(|| dir.settings.hypothesis_template.clone())
            .or_else(|| is_nli.then(|| DEFAULT_NLI_TEMPLATE.to_owned()));
        if let Some(template) = &template {
            validate_template(template)?;
        }
        let max_length = options
            .max_length
            .unwrap_or(dir.max_positions)
            .min(dir.max_positions);
        let tokenizer = TextTokenizer::load(&dir.tokenizer_path())?;
        if max_length < tokenizer.special_count() + 4 {
            return Err(Error::InvalidInput(format!(
                "max_length {max_length} is too small"
            )));
        }
        let encoder = tokenizer.pair_encoder(max_length)?;
        let threshold = options
            .evidence_threshold
            .or(dir.settings.evidence_threshold)
            .unwrap_or(DEFAULT_EVIDENCE_THRESHOLD);
        if !(0.0..=1.0).contains(&threshold) {
            return Err(Error::InvalidInput(format!(
                "evidence_threshold must lie in [0, 1], not {threshold}"
            )));
        }
        let model = SequenceModel::load(&dir, precision)?;
        Ok(StanceClassifier {
            path: dir.path.clone(),
            encoder,
            model: Mutex::new(model),
            labels: dir.labels.clone(),
            classes,
            template,
            pad_id: dir.pad_id,
            batch_size: options.batch_size,
            threshold,
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

    /// The model's own labels, in logit order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The hypothesis template in force, if any.
    pub fn hypothesis_template(&self) -> Option<&str> {
        self.template.as_deref()
    }

    /// The evidence threshold in force (see [`evidence`]).
    pub fn evidence_threshold(&self) -> f32 {
        self.threshold
    }

    /// The hypothesis the model sees for `target`.
    pub fn hypothesis(&self, target: &str) -> String {
        match &self.template {
            Some(template) => template.replacen("{}", target.trim(), 1),
            None => target.trim().to_owned(),
        }
    }

    /// The stance of `text` toward `target`.
    pub fn predict(&self, text: &str, target: &str) -> Result<StancePrediction> {
        self.predict_batch(&[(text, target)])?
            .pop()
            .ok_or_else(|| Error::Inference {
                message: "no prediction returned".into(),
                source: None,
            })
    }

    /// Stances of `(text, target)` pairs, in order. Repeated pairs are computed once; all pairs are batched
    /// together by length.
    pub fn predict_batch(&self, pairs: &[(&str, &str)]) -> Result<Vec<StancePrediction>> {
        let distributions = self.distributions(pairs)?;
        Ok(pairs
            .iter()
            .zip(distributions)
            .map(|(&(_, target), (probabilities, combined))| {
                let label = combined.unwrap_or_else(|| {
                    Stance::ALL
                        .iter()
                        .fold((Stance::None, f32::NEG_INFINITY), |best, &stance| {
                            let probability = probabilities[stance.index()];
                            if probability > best.1 {
                                (stance, probability)
                            } else {
                                best
                            }
                        })
                        .0
                });
                let score = probabilities[label.index()];
                let scores: BTreeMap<String, f32> = Stance::ALL
                    .iter()
                    .map(|&stance| (stance.as_str().to_owned(), probabilities[stance.index()]))
                    .collect();
                StancePrediction {
                    target: target.to_owned(),
                    label,
                    score,
                    scores,
                }
            })
            .collect())
    }

    /// Probabilities `texts x targets x [favor, against, none]` for every text against every target.
    pub fn score_matrix(&self, texts: &[&str], targets: &[&str]) -> Result<Array3<f32>> {
        let pairs: Vec<(&str, &str)> = texts
            .iter()
            .flat_map(|&text| targets.iter().map(move |&target| (text, target)))
            .collect();
        let distributions = self.distributions(&pairs)?;
        let flat: Vec<f32> = distributions
            .into_iter()
            .flat_map(|(distribution, _)| distribution)
            .collect();
        Array3::from_shape_vec((texts.len(), targets.len(), Stance::ALL.len()), flat)
            .map_err(|error| Error::inference("shaping the score matrix", error))
    }

    fn validate(&self, pairs: &[(&str, &str)]) -> Result<()> {
        let mut checked: HashSet<&str> = HashSet::new();
        for (index, &(text, target)) in pairs.iter().enumerate() {
            if text.trim().is_empty() {
                return Err(Error::InvalidInput(format!(
                    "pair {index}: the text is empty"
                )));
            }
            if target.trim().is_empty() {
                return Err(Error::InvalidInput(format!(
                    "pair {index}: the target is empty"
                )));
            }
            if checked.insert(target) {
                let tokens = self.encoder.count_tokens(&self.hypothesis(target))?;
                if tokens > self.encoder.max_hypothesis_tokens() {
                    let preview: String = target.chars().take(40).collect();
                    return Err(Error::InvalidInput(format!(
                        "target {preview:?}… is {tokens} tokens long; at most {} fit beside a text",
                        self.encoder.max_hypothesis_tokens()
                    )));
                }
            }
        }
        Ok(())
    }

    /// Stance distributions `[favor, against, none]` of each pair, with the label of the evidence rule where the
    /// text was classified in several windows.
    fn distributions(&self, pairs: &[(&str, &str)]) -> Result<Vec<([f32; 3], Option<Stance>)>> {
        self.validate(pairs)?;
        // De-duplicate (text, hypothesis) pairs.
        let hypotheses: Vec<String> = pairs
            .iter()
            .map(|&(_, target)| self.hypothesis(target))
            .collect();
        let mut unique: HashMap<(&str, &str), usize> = HashMap::new();
        let mut unique_pairs: Vec<(&str, &str)> = Vec::new();
        let slots: Vec<usize> = pairs
            .iter()
            .zip(&hypotheses)
            .map(|(&(text, _), hypothesis)| {
                *unique
                    .entry((text, hypothesis.as_str()))
                    .or_insert_with(|| {
                        unique_pairs.push((text, hypothesis.as_str()));
                        unique_pairs.len() - 1
                    })
            })
            .collect();
        let mut windowed: Vec<(&str, &str)> = Vec::with_capacity(unique_pairs.len());
        let mut owners: Vec<Range<usize>> = Vec::with_capacity(unique_pairs.len());
        // Text tokens that fit beside each hypothesis, counted once per hypothesis.
        let mut budgets: HashMap<&str, usize> = HashMap::new();
        for &(text, hypothesis) in &unique_pairs {
            let budget = match budgets.entry(hypothesis) {
                Entry::Occupied(known) => *known.get(),
                Entry::Vacant(slot) => *slot.insert(
                    self.encoder
                        .text_budget(self.encoder.count_tokens(hypothesis)?),
                ),
            };
            let begin = windowed.len();
            windowed.extend(
                sentence_windows(text, budget, |text| self.encoder.count_tokens(text))?
                    .into_iter()
                    .map(|window| (window, hypothesis)),
            );
            owners.push(begin..windowed.len());
        }
        let rows: Vec<Row> = self
            .encoder
            .encode_batch(&windowed)?
            .into_iter()
            .map(|pair| Row {
                ids: pair.ids,
                type_ids: pair.type_ids,
                casing: None,
            })
            .collect();
        let results: Vec<[f32; 3]> = scheduler::run(
            &self.model,
            &rows,
            self.batch_size,
            self.pad_id,
            self.labels.len(),
        )?
        .into_iter()
        .map(|logits| self.to_stance(logits))
        .collect();
        let combined: Vec<([f32; 3], Option<Stance>)> = owners
            .into_iter()
            .map(|windows| {
                if windows.len() == 1 {
                    (results[windows.start], None)
                } else {
                    let found = evidence(&results[windows], self.threshold);
                    (found.mean, Some(found.label))
                }
            })
            .collect();
        Ok(slots.into_iter().map(|slot| combined[slot]).collect())
    }

    /// Softmax over the model's labels, summed per stance class.
    fn to_stance(&self, mut logits: Vec<f32>) -> [f32; 3] {
        softmax_in_place(ArrayViewMut1::from(logits.as_mut_slice()));
        let mut out = [0.0f32; 3];
        for (class, probability) in self.classes.iter().zip(logits) {
            out[class.index()] += probability;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifier_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<StanceClassifier>();
    }
}
