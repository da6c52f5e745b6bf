//! Model directories: `config.json`, `tokenizer.json` and the weights, validated before any weight is read.
//!
//! A directory whose weights are a LoRA adapter names its base; finding that base (a directory beside it, the
//! store, the Hub cache) is [`crate::resources`]' job: [`ModelDir::open`] is given a function that does it.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::config::{ModelConfig, StancekitSettings};

/// What a model directory is loaded for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// One label per token (named-entity recognition).
    TokenClassification,
    /// One label per text or text pair (stance, NLI).
    SequenceClassification,
}

impl Task {
    /// The task's name as model arguments and preset folders spell it: `ner` or `stance`.
    pub fn name(self) -> &'static str {
        match self {
            Task::TokenClassification => "ner",
            Task::SequenceClassification => "stance",
        }
    }

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
    /// MPNet (stancekit's own forward).
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
    /// The whole config, typed.
    pub config: ModelConfig,
    /// The config as JSON, for rust-bert's config types.
    json: Value,
}

impl ModelDir {
    /// Validates a model directory for `task` without reading its weights. `base_of` is asked for the base model
    /// directory of an adapter directory (it gets the adapter directory; [`crate::resources::open_model`] looks
    /// the base up in the store); a directory with its own `model.safetensors` never asks.
    pub fn open(
        path: impl AsRef<Path>,
        task: Task,
        base_of: impl FnOnce(&Path) -> Result<PathBuf>,
    ) -> Result<ModelDir> {
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
        let (config, json) = ModelConfig::read(&config_path)?;
        let weights = if path.join("model.safetensors").is_file() {
            Weights::Full(path.join("model.safetensors"))
        } else if path.join("adapter_config.json").is_file() {
            Weights::Adapter {
                base: base_of(&path)?,
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
        let architecture = config.architecture().to_owned();
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
        let family = match config.model_type.as_deref().unwrap_or_default() {
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
        let labels = config.labels(&config_path)?;
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
        let settings = config.stancekit.clone().unwrap_or_default();
        let max_positions = config
            .encoder
            .max_position_embeddings
            .map_or(512, |value| value as usize);
        // RoBERTa and MPNet count positions from the padding id + 1: the first two are never used by tokens.
        let max_positions = if matches!(family, Family::Roberta | Family::Mpnet) {
            max_positions.saturating_sub(2)
        } else {
            max_positions
        };
        let attribution_labels = match &config.attribution_labels {
            None => None,
            Some(labels) if labels.len() >= 2 => Some(labels.clone()),
            Some(_) => {
                return Err(Error::model_load(
                    &config_path,
                    "attribution_labels must be a list of at least two label names",
                ))
            }
        };
        let pad_id = config.encoder.pad_token_id.unwrap_or(0);
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
            json,
        })
    }

    pub(crate) fn config_path(&self) -> PathBuf {
        self.path.join("config.json")
    }

    /// The config with `id2label` keyed by integers, as rust-bert's config structs expect it.
    pub(crate) fn rust_bert_config<T: for<'de> Deserialize<'de>>(&self) -> Result<T> {
        let mut config = self.json.clone();
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
