//! Model directories: `config.json`, `tokenizer.json` and the weights, validated before any weight is read.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// What a model directory is loaded for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// One label per token (named-entity recognition).
    TokenClassification,
    /// One label per text or text pair (stance, NLI).
    SequenceClassification,
}

impl Task {
    fn architecture_suffix(self) -> &'static str {
        match self {
            Task::TokenClassification => "ForTokenClassification",
            Task::SequenceClassification => "ForSequenceClassification",
        }
    }
}

/// Encoder families stancekit can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// BERT and BERT-shaped encoders such as MiniLM.
    Bert,
    /// DistilBERT.
    DistilBert,
    /// RoBERTa.
    Roberta,
    /// MPNet (stancekit's own forward, [`crate::mpnet`]).
    Mpnet,
}

/// Where a directory's weights come from.
#[derive(Debug, Clone)]
pub enum Weights {
    /// `model.safetensors` in the directory.
    Full(PathBuf),
    /// A PEFT LoRA adapter in the directory, merged at load into the weights of a base model directory.
    Adapter {
        /// The base model directory (holds `model.safetensors`).
        base: PathBuf,
        /// The adapter directory (holds `adapter_config.json` and `adapter_model.safetensors`).
        adapter: PathBuf,
    },
}

/// The architecture name of stancekit's BERT token classifier with casing embeddings.
pub const CASING_ARCHITECTURE: &str = "BertWithCasingForTokenClassification";

/// stancekit's own settings in `config.json` under the `"stancekit"` key.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StancekitSettings {
    /// Tokens per window, special tokens included (NER).
    pub window: Option<usize>,
    /// Overlap between consecutive windows, in tokens (NER).
    pub stride: Option<usize>,
    /// Hypothesis template with one `{}` for the target (stance).
    pub hypothesis_template: Option<String>,
    /// The probability of favor or against from which a text counts as evidence of that stance (stance; chosen
    /// on dev data, see `training.evaluate stance-threshold`).
    pub evidence_threshold: Option<f32>,
}

/// A validated model directory: its files exist and its config is consistent.
#[derive(Debug, Clone)]
pub struct ModelDir {
    /// The directory.
    pub path: PathBuf,
    /// The encoder family.
    pub family: Family,
    /// Label names in logit order, from `id2label`.
    pub labels: Vec<String>,
    /// Whether the model adds casing embeddings to its input.
    pub casing: bool,
    /// The largest number of positions the encoder accepts.
    pub max_positions: usize,
    /// The padding token id.
    pub pad_id: i64,
    /// stancekit's settings from the config.
    pub settings: StancekitSettings,
    /// The weights: the directory's own, or a base plus an adapter.
    pub weights: Weights,
    /// Labels of a second token head on the same encoder (`attribution_classifier`), from `attribution_labels`.
    pub attribution_labels: Option<Vec<String>>,
    pub(crate) config: Value,
}

fn read_config(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        let problem = if error.kind() == std::io::ErrorKind::NotFound {
            "config.json is missing".to_owned()
        } else {
            "config.json cannot be read".to_owned()
        };
        Error::model_load_from(path, problem, error)
    })?;
    serde_json::from_str(&text)
        .map_err(|error| Error::model_load_from(path, "config.json is not valid JSON", error))
}

fn parse_labels(config: &Value, path: &Path) -> Result<Vec<String>> {
    let Some(map) = config.get("id2label").and_then(Value::as_object) else {
        return Err(Error::model_load(
            path,
            "config.json has no id2label mapping; stancekit takes label names only from it",
        ));
    };
    let mut labels = vec![None; map.len()];
    for (key, value) in map {
        let index: usize = key
            .parse()
            .ok()
            .filter(|&index| index < map.len())
            .ok_or_else(|| {
                Error::model_load(
                    path,
                    format!("id2label key {key:?} is not an index below {}", map.len()),
                )
            })?;
        let name = value
            .as_str()
            .ok_or_else(|| Error::model_load(path, format!("id2label[{key}] is not a string")))?;
        labels[index] = Some(name.to_owned());
    }
    let labels: Vec<String> = labels.into_iter().flatten().collect();
    if labels.len() != map.len() || labels.is_empty() {
        return Err(Error::model_load(
            path,
            "id2label must map 0..n-1 to label names",
        ));
    }
    if let Some(label2id) = config.get("label2id").and_then(Value::as_object) {
        for (name, index) in label2id {
            let consistent = index
                .as_u64()
                .and_then(|i| labels.get(i as usize))
                .is_some_and(|label| label == name);
            if !consistent {
                return Err(Error::model_load(
                    path,
                    format!("label2id[{name:?}] = {index} disagrees with id2label"),
                ));
            }
        }
    }
    Ok(labels)
}

impl ModelDir {
    /// Validates a model directory for `task` without reading its weights.
    pub fn open(path: impl AsRef<Path>, task: Task) -> Result<ModelDir> {
        let path = path.as_ref().to_path_buf();
        if !path.is_dir() {
            let problem = if path.exists() {
                "not a directory"
            } else {
                "the model directory does not exist"
            };
            return Err(Error::model_load(&path, problem));
        }
        let config_path = path.join("config.json");
        let config = read_config(&config_path)?;
        let weights = if path.join("model.safetensors").is_file() {
            Weights::Full(path.join("model.safetensors"))
        } else if path.join("adapter_config.json").is_file() {
            Weights::Adapter {
                base: crate::store::adapter_base(&path)?,
                adapter: path.clone(),
            }
        } else {
            let problem = if path.join("pytorch_model.bin").is_file() {
                "model.safetensors is missing and pytorch_model.bin is refused: unpickling can run arbitrary code. \
                 Convert it once with `python -c \"import torch; from safetensors.torch import save_file; \
                 save_file(torch.load('pytorch_model.bin', weights_only=True), 'model.safetensors')\"`"
            } else {
                "model.safetensors is missing (and no adapter_config.json makes this an adapter directory)"
            };
            return Err(Error::model_load(path.join("model.safetensors"), problem));
        };
        if !path.join("tokenizer.json").is_file() {
            return Err(Error::model_load(
                path.join("tokenizer.json"),
                "tokenizer.json is missing",
            ));
        }
        let architecture = config
            .get("architectures")
            .and_then(Value::as_array)
            .and_then(|list| list.first())
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let other_task = match task {
            Task::TokenClassification => Task::SequenceClassification,
            Task::SequenceClassification => Task::TokenClassification,
        };
        if architecture.ends_with(other_task.architecture_suffix()) {
            return Err(Error::model_load(
                &config_path,
                format!(
                    "architecture {architecture} does not fit: this loader needs a *{} model",
                    task.architecture_suffix()
                ),
            ));
        }
        let model_type = config
            .get("model_type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let family = match model_type {
            "bert" => Family::Bert,
            "distilbert" => Family::DistilBert,
            "roberta" => Family::Roberta,
            "mpnet" => Family::Mpnet,
            other => {
                return Err(Error::model_load(
                    &config_path,
                    format!("model_type {other:?} ({architecture}) is not supported; expected bert, distilbert, roberta or mpnet"),
                ))
            }
        };
        let casing = architecture == CASING_ARCHITECTURE;
        if casing && (family != Family::Bert || task != Task::TokenClassification) {
            return Err(Error::model_load(
                &config_path,
                format!("{CASING_ARCHITECTURE} needs model_type bert"),
            ));
        }
        let labels = parse_labels(&config, &config_path)?;
        let min_labels = if task == Task::SequenceClassification {
            2
        } else {
            1
        };
        if labels.len() < min_labels {
            return Err(Error::model_load(
                &config_path,
                format!("id2label has {} label(s), need {min_labels}", labels.len()),
            ));
        }
        let settings: StancekitSettings = match config.get("stancekit") {
            Some(value) => serde_json::from_value(value.clone()).map_err(|error| {
                Error::model_load_from(
                    &config_path,
                    "the \"stancekit\" settings are malformed",
                    error,
                )
            })?,
            None => StancekitSettings::default(),
        };
        let max_positions = config
            .get("max_position_embeddings")
            .and_then(Value::as_u64)
            .map(|value| value as usize)
            .unwrap_or(512);
        // RoBERTa and MPNet count positions from the padding id + 1: the first two are never used by tokens.
        let max_positions = if matches!(family, Family::Roberta | Family::Mpnet) {
            max_positions.saturating_sub(2)
        } else {
            max_positions
        };
        let attribution_labels = match config.get("attribution_labels") {
            None => None,
            Some(value) => Some(
                serde_json::from_value::<Vec<String>>(value.clone())
                    .ok()
                    .filter(|labels| labels.len() >= 2)
                    .ok_or_else(|| {
                        Error::model_load(
                            &config_path,
                            "attribution_labels must be a list of at least two label names",
                        )
                    })?,
            ),
        };
        let pad_id = config
            .get("pad_token_id")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        Ok(ModelDir {
            path,
            family,
            labels,
            casing,
            max_positions,
            pad_id,
            settings,
            weights,
            attribution_labels,
            config,
        })
    }

    pub(crate) fn config_path(&self) -> PathBuf {
        self.path.join("config.json")
    }

    /// The config with `id2label` keyed by integers, as rust-bert's config structs expect it.
    pub(crate) fn typed_config<T: for<'de> Deserialize<'de>>(&self) -> Result<T> {
        let mut config = self.config.clone();
        if let Some(object) = config.as_object_mut() {
            object.remove("label2id");
        }
        serde_json::from_value(config).map_err(|error| {
            Error::model_load_from(
                self.config_path(),
                "config.json does not describe this architecture",
                error,
            )
        })
    }

    /// The tokenizer file.
    pub fn tokenizer_path(&self) -> PathBuf {
        self.path.join("tokenizer.json")
    }

    /// The weights file (the adapter directory for an adapter), for messages.
    pub(crate) fn weights_path(&self) -> PathBuf {
        match &self.weights {
            Weights::Full(path) => path.clone(),
            Weights::Adapter { adapter, .. } => adapter.clone(),
        }
    }
}
