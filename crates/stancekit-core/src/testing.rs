//! Tiny random models for tests: a WordPiece tokenizer over a small vocabulary and randomly initialised BERT
//! heads saved in Hugging Face layout. No download, no Python.
//!
//! ```
//! use stancekit_core::testing::{write_tiny_bert, TinyModel};
//! let dir = std::env::temp_dir().join(format!("stancekit-doc-{}", std::process::id()));
//! write_tiny_bert(&dir, &TinyModel::ner()).unwrap();
//! let ner = stancekit_core::EntityRecognizer::from_dir(&dir).unwrap();
//! assert_eq!(ner.labels().len(), 5);
//! # std::fs::remove_dir_all(&dir).ok();
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use rust_bert::bert::{BertConfig, BertForSequenceClassification, BertForTokenClassification};
use rust_bert::Activation;
use serde_json::{json, Value};
use tch::nn::{self, VarStore};
use tch::Device;

use crate::error::{Error, Result};
use crate::model::dir::{Task, CASING_ARCHITECTURE};

/// What to generate.
#[derive(Debug, Clone)]
pub struct TinyModel {
    /// Token or sequence classification.
    pub task: Task,
    /// `id2label` in order.
    pub labels: Vec<String>,
    /// Add casing embeddings (token classification only).
    pub casing: bool,
    /// Maximum positions (small values make windowing visible on short texts).
    pub max_positions: i64,
    /// Random seed.
    pub seed: i64,
    /// Extra `"stancekit"` settings for config.json.
    pub settings: Value,
}

impl TinyModel {
    /// A CoNLL-style NER model (O, B-PER, I-PER, B-LOC, I-LOC).
    pub fn ner() -> TinyModel {
        TinyModel {
            task: Task::TokenClassification,
            labels: ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
                .map(String::from)
                .to_vec(),
            casing: false,
            max_positions: 64,
            seed: 7,
            settings: json!({}),
        }
    }

    /// A three-way NLI model in the unusual order (contradiction, entailment, neutral).
    pub fn nli() -> TinyModel {
        TinyModel {
            task: Task::SequenceClassification,
            labels: ["contradiction", "entailment", "neutral"]
                .map(String::from)
                .to_vec(),
            casing: false,
            max_positions: 64,
            seed: 11,
            settings: json!({}),
        }
    }
}

/// The tiny vocabulary: special tokens, characters, continuation characters and a few words.
pub fn tiny_vocabulary() -> Vec<String> {
    let mut vocabulary: Vec<String> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        .map(String::from)
        .to_vec();
    let characters = "abcdefghijklmnopqrstuvwxyz0123456789.,;:!?'\"()-“”’éüñ";
    vocabulary.extend(characters.chars().map(String::from));
    vocabulary.extend(
        characters
            .chars()
            .filter(|c| c.is_alphanumeric())
            .map(|c| format!("##{c}")),
    );
    let words = "the of and to in a said that on for is was he she it with as by president russia ukraine \
                 united states europe vance trump macron peace talks sanctions troops war minister paris munich";
    vocabulary.extend(words.split_whitespace().map(String::from));
    vocabulary.extend(["##s", "##ed", "##ing"].map(String::from));
    let mut seen = std::collections::HashSet::new();
    vocabulary.retain(|token| seen.insert(token.clone()));
    vocabulary
}

fn tokenizer_json(vocabulary: &[String]) -> Value {
    let vocab: BTreeMap<&str, usize> = vocabulary
        .iter()
        .enumerate()
        .map(|(id, token)| (token.as_str(), id))
        .collect();
    let added: Vec<Value> = vocabulary[..5]
        .iter()
        .enumerate()
        .map(|(id, token)| {
            json!({"id": id, "content": token, "single_word": false, "lstrip": false, "rstrip": false,
                   "normalized": false, "special": true})
        })
        .collect();
    json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                        "strip_accents": null, "lowercase": true},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab}
    })
}

fn write_json(path: &Path, value: &Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|error| Error::Inference {
        message: format!("serialising {}: {error}", path.display()),
        source: None,
    })?;
    std::fs::write(path, text).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `config.json`, `tokenizer.json` and `model.safetensors` of a tiny random BERT into `dir`.
pub fn write_tiny_bert(dir: &Path, spec: &TinyModel) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let vocabulary = tiny_vocabulary();
    let id2label: BTreeMap<String, &String> = spec
        .labels
        .iter()
        .enumerate()
        .map(|(index, label)| (index.to_string(), label))
        .collect();
    let label2id: BTreeMap<&String, usize> = spec
        .labels
        .iter()
        .enumerate()
        .map(|(index, label)| (label, index))
        .collect();
    let architecture = match (spec.task, spec.casing) {
        (Task::TokenClassification, true) => CASING_ARCHITECTURE,
        (Task::TokenClassification, false) => "BertForTokenClassification",
        (Task::SequenceClassification, _) => "BertForSequenceClassification",
    };
    let mut config = json!({
        "architectures": [architecture],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_size": 32,
        "initializer_range": 0.02,
        "intermediate_size": 37,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": spec.max_positions,
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "type_vocab_size": 2,
        "vocab_size": vocabulary.len(),
        "pad_token_id": 0,
        "id2label": id2label,
        "label2id": label2id,
        "stancekit": spec.settings,
    });
    if spec.casing {
        config["casing_vocab_size"] = json!(crate::text::casing::CASING_CLASSES);
    }
    // libtorch's generator is global: tests that build tiny models on several threads at once would draw from
    // it in turn and get different weights from run to run. One build at a time keeps the seed meaningful.
    static BUILDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _building = BUILDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    tch::manual_seed(spec.seed);
    let store = VarStore::new(Device::Cpu);
    let bert_config = BertConfig {
        hidden_act: Activation::gelu,
        attention_probs_dropout_prob: 0.1,
        hidden_dropout_prob: 0.1,
        hidden_size: 32,
        initializer_range: 0.02,
        intermediate_size: 37,
        max_position_embeddings: spec.max_positions,
        num_attention_heads: 4,
        num_hidden_layers: 2,
        type_vocab_size: 2,
        vocab_size: vocabulary.len() as i64,
        output_attentions: None,
        output_hidden_states: None,
        is_decoder: None,
        id2label: Some(
            spec.labels
                .iter()
                .enumerate()
                .map(|(index, label)| (index as i64, label.clone()))
                .collect(),
        ),
        label2id: None,
    };
    let rust_bert_error = |error: rust_bert::RustBertError| Error::Inference {
        message: format!("building the tiny model: {error}"),
        source: None,
    };
    match spec.task {
        Task::TokenClassification => {
            BertForTokenClassification::new(store.root(), &bert_config).map_err(rust_bert_error)?;
            if spec.casing {
                let _casing_table = (store.root() / "casing_embeddings").var(
                    "weight",
                    &[crate::text::casing::CASING_CLASSES, 32],
                    nn::Init::Randn {
                        mean: 0.0,
                        stdev: 0.5,
                    },
                );
            }
        }
        Task::SequenceClassification => {
            BertForSequenceClassification::new(store.root(), &bert_config)
                .map_err(rust_bert_error)?;
        }
    }
    store
        .save(dir.join("model.safetensors"))
        .map_err(|error| Error::Inference {
            message: format!("saving the tiny model: {error}"),
            source: None,
        })?;
    write_json(&dir.join("config.json"), &config)?;
    write_json(&dir.join("tokenizer.json"), &tokenizer_json(&vocabulary))
}
