//! Model directories in Hugging Face layout, and the encoder heads built on rust-bert's modules.
//!
//! A directory holds `config.json` (architecture and `id2label`), `tokenizer.json` and
//! `model.safetensors` with Hugging Face parameter names. [`ModelDir::open`] validates all three before any
//! weight is read, so a bad directory fails with an [`Error::ModelLoad`] that names the file at fault.
//! Pickled `pytorch_model.bin` files are refused: unpickling can execute code.
//!
//! ```no_run
//! use stancekit_core::model::{ModelDir, Task};
//! let dir = ModelDir::open("models/ner", Task::TokenClassification)?;
//! println!("{} labels: {:?}", dir.labels.len(), dir.labels);
//! # Ok::<(), stancekit_core::Error>(())
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use rust_bert::bert::{BertConfig, BertForSequenceClassification, BertForTokenClassification};
use rust_bert::distilbert::{
    DistilBertConfig, DistilBertForTokenClassification, DistilBertModelClassifier,
};
use rust_bert::roberta::{RobertaForSequenceClassification, RobertaForTokenClassification};
use serde::Deserialize;
use serde_json::Value;
use tch::nn::{self, VarStore};
use tch::{Device, Kind, Tensor};

use crate::bert::{BertEncoder, Linear};
use crate::casing::CASING_CLASSES;
use crate::error::{catch_panic, Error, Result};

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
    config: Value,
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
        if !path.join("model.safetensors").is_file() {
            let problem = if path.join("pytorch_model.bin").is_file() {
                "model.safetensors is missing and pytorch_model.bin is refused: unpickling can run arbitrary code. \
                 Convert it once with `python -c \"import torch; from safetensors.torch import save_file; \
                 save_file(torch.load('pytorch_model.bin', weights_only=True), 'model.safetensors')\"`"
            } else {
                "model.safetensors is missing"
            };
            return Err(Error::model_load(path.join("model.safetensors"), problem));
        }
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
            other => {
                return Err(Error::model_load(
                    &config_path,
                    format!("model_type {other:?} ({architecture}) is not supported; expected bert, distilbert or roberta"),
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
        // RoBERTa reserves the first two positions for padding offsets.
        let max_positions = if family == Family::Roberta {
            max_positions.saturating_sub(2)
        } else {
            max_positions
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
            config,
        })
    }

    fn config_path(&self) -> PathBuf {
        self.path.join("config.json")
    }

    /// The config with `id2label` keyed by integers, as rust-bert's config structs expect it.
    fn typed_config<T: for<'de> Deserialize<'de>>(&self) -> Result<T> {
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

    fn weights_path(&self) -> PathBuf {
        self.path.join("model.safetensors")
    }
}

/// Copies every variable of `store` from the safetensors file, checking names and exact shapes, and
/// upcasts to fp32 (shipped weights may be fp16).
fn load_weights(store: &VarStore, path: &Path) -> Result<()> {
    let tensors = catch_panic("reading safetensors", || {
        Tensor::read_safetensors(path)
            .map_err(|error| Error::model_load_from(path, "not a readable safetensors file", error))
    })
    .map_err(|error| match error {
        Error::Inference { message, .. } => Error::model_load(path, message),
        other => other,
    })?;
    let tensors: HashMap<String, Tensor> = tensors.into_iter().collect();
    let mut variables: Vec<(String, Tensor)> = store.variables().into_iter().collect();
    variables.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, mut variable) in variables {
        let source = tensors.get(&name).ok_or_else(|| {
            Error::model_load(
                path,
                format!("tensor {name:?} is missing (does config.json describe these weights?)"),
            )
        })?;
        if source.size() != variable.size() {
            return Err(Error::model_load(
                path,
                format!(
                    "tensor {name:?} has shape {:?} but config.json implies {:?}",
                    source.size(),
                    variable.size()
                ),
            ));
        }
        tch::no_grad(|| variable.f_copy_(&source.to_kind(Kind::Float))).map_err(|error| {
            Error::model_load_from(path, format!("cannot copy tensor {name:?}"), error)
        })?;
    }
    Ok(())
}

/// Padded inputs of one batch, all `[batch, length]`.
pub(crate) struct Batch {
    pub input_ids: Tensor,
    pub attention_mask: Tensor,
    pub token_type_ids: Tensor,
    pub casing_ids: Option<Tensor>,
}

impl Batch {
    /// Pads rows of ids (and type and casing ids) to the longest row.
    pub(crate) fn new(
        rows: &[Vec<i64>],
        type_ids: &[Vec<i64>],
        casing: Option<&[Vec<i64>]>,
        pad_id: i64,
    ) -> Batch {
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        let pad = |rows: &[Vec<i64>], value: i64| {
            let mut flat = Vec::with_capacity(rows.len() * width);
            for row in rows {
                flat.extend_from_slice(row);
                flat.extend(std::iter::repeat_n(value, width - row.len()));
            }
            Tensor::from_slice(&flat).view([rows.len() as i64, width as i64])
        };
        let mask: Vec<Vec<i64>> = rows.iter().map(|row| vec![1; row.len()]).collect();
        Batch {
            input_ids: pad(rows, pad_id),
            attention_mask: pad(&mask, 0),
            token_type_ids: pad(type_ids, 0),
            casing_ids: casing.map(|casing| pad(casing, CASING_PAD)),
        }
    }
}

/// Padding positions get the special-token casing class (they are masked out anyway).
const CASING_PAD: i64 = crate::casing::CasingClass::Special as i64;

enum TokenHead {
    /// stancekit's own BERT forward (see [`crate::bert`]).
    Fast {
        encoder: BertEncoder,
        classifier: Linear,
    },
    Bert(BertForTokenClassification),
    DistilBert(DistilBertForTokenClassification),
    Roberta(RobertaForTokenClassification),
}

/// A token classifier on libtorch: `Send`, not `Sync` (wrap it in a `Mutex`).
pub(crate) struct TokenModel {
    _store: VarStore,
    head: TokenHead,
    /// `(word embeddings, casing embeddings)` for the casing architecture.
    casing: Option<(Tensor, Tensor)>,
}

fn rust_bert_error(path: PathBuf) -> impl FnOnce(rust_bert::RustBertError) -> Error {
    move |error| {
        Error::model_load_from(
            path,
            "config.json does not describe a supported model",
            error,
        )
    }
}

impl TokenModel {
    pub(crate) fn load(dir: &ModelDir) -> Result<TokenModel> {
        catch_panic("building the token classifier", || {
            let mut store = VarStore::new(Device::Cpu);
            let root = store.root();
            let head = match dir.family {
                Family::Bert => TokenHead::Bert(
                    BertForTokenClassification::new(&root, &dir.typed_config::<BertConfig>()?)
                        .map_err(rust_bert_error(dir.config_path()))?,
                ),
                Family::DistilBert => TokenHead::DistilBert(
                    DistilBertForTokenClassification::new(
                        &root,
                        &dir.typed_config::<DistilBertConfig>()?,
                    )
                    .map_err(rust_bert_error(dir.config_path()))?,
                ),
                Family::Roberta => TokenHead::Roberta(
                    RobertaForTokenClassification::new(&root, &dir.typed_config::<BertConfig>()?)
                        .map_err(rust_bert_error(dir.config_path()))?,
                ),
            };
            let casing_table = if dir.casing {
                let classes = dir
                    .config
                    .get("casing_vocab_size")
                    .and_then(Value::as_i64)
                    .unwrap_or(CASING_CLASSES);
                if classes != CASING_CLASSES {
                    return Err(Error::model_load(
                        dir.config_path(),
                        format!("casing_vocab_size is {classes}; this engine computes {CASING_CLASSES} casing classes"),
                    ));
                }
                let hidden = dir
                    .config
                    .get("hidden_size")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                Some((&root / "casing_embeddings").var(
                    "weight",
                    &[classes, hidden],
                    nn::Init::Const(0.0),
                ))
            } else {
                None
            };
            load_weights(&store, &dir.weights_path())?;
            store.freeze();
            if let Some(fast) = fast_token_head(&store, dir, casing_table.as_ref())? {
                return Ok(TokenModel {
                    _store: store,
                    head: fast,
                    casing: None,
                });
            }
            let casing = match casing_table {
                Some(table) => {
                    let word = store
                        .variables()
                        .remove("bert.embeddings.word_embeddings.weight")
                        .ok_or_else(|| {
                            Error::model_load(
                                dir.weights_path(),
                                "no bert.embeddings.word_embeddings.weight",
                            )
                        })?;
                    Some((word, table))
                }
                None => None,
            };
            Ok(TokenModel {
                _store: store,
                head,
                casing,
            })
        })
    }

    /// Logits `[batch, length, labels]`.
    pub(crate) fn forward(&self, batch: &Batch) -> Result<Tensor> {
        catch_panic("token classification", || {
            tch::no_grad(|| {
                let logits = match &self.head {
                    TokenHead::Fast {
                        encoder,
                        classifier,
                    } => {
                        let states = encoder.forward(batch)?;
                        let size = states.size();
                        let flat = states
                            .f_view([size[0] * size[1], size[2]])
                            .map_err(|error| Error::inference("token classification", error))?;
                        classifier
                            .apply(&flat)?
                            .f_view([size[0], size[1], -1])
                            .map_err(|error| Error::inference("token classification", error))?
                    }
                    TokenHead::Bert(model) => {
                        let embeds = match (&self.casing, &batch.casing_ids) {
                            (Some((word, table)), Some(casing_ids)) => Some(
                                Tensor::embedding(word, &batch.input_ids, -1, false, false)
                                    + Tensor::embedding(table, casing_ids, -1, false, false),
                            ),
                            _ => None,
                        };
                        let ids = if embeds.is_some() {
                            None
                        } else {
                            Some(&batch.input_ids)
                        };
                        model
                            .forward_t(
                                ids,
                                Some(&batch.attention_mask),
                                Some(&batch.token_type_ids),
                                None,
                                embeds.as_ref(),
                                false,
                            )
                            .logits
                    }
                    TokenHead::DistilBert(model) => {
                        model
                            .forward_t(
                                Some(&batch.input_ids),
                                Some(&batch.attention_mask),
                                None,
                                false,
                            )
                            .map_err(|error| Error::inference("DistilBERT forward pass", error))?
                            .logits
                    }
                    TokenHead::Roberta(model) => {
                        model
                            .forward_t(
                                Some(&batch.input_ids),
                                Some(&batch.attention_mask),
                                Some(&batch.token_type_ids),
                                None,
                                None,
                                false,
                            )
                            .logits
                    }
                };
                Ok(logits)
            })
        })
    }
}

enum SequenceHead {
    /// stancekit's own BERT forward (see [`crate::bert`]).
    Fast {
        encoder: BertEncoder,
        pooler: Linear,
        classifier: Linear,
    },
    Bert(BertForSequenceClassification),
    DistilBert(DistilBertModelClassifier),
    Roberta(RobertaForSequenceClassification),
}

/// A sequence(-pair) classifier on libtorch: `Send`, not `Sync` (wrap it in a `Mutex`).
pub(crate) struct SequenceModel {
    _store: VarStore,
    head: SequenceHead,
}

impl SequenceModel {
    pub(crate) fn load(dir: &ModelDir) -> Result<SequenceModel> {
        catch_panic("building the sequence classifier", || {
            let mut store = VarStore::new(Device::Cpu);
            let root = store.root();
            let head = match dir.family {
                Family::Bert => SequenceHead::Bert(
                    BertForSequenceClassification::new(&root, &dir.typed_config::<BertConfig>()?)
                        .map_err(rust_bert_error(dir.config_path()))?,
                ),
                Family::DistilBert => SequenceHead::DistilBert(
                    DistilBertModelClassifier::new(&root, &dir.typed_config::<DistilBertConfig>()?)
                        .map_err(rust_bert_error(dir.config_path()))?,
                ),
                Family::Roberta => SequenceHead::Roberta(
                    RobertaForSequenceClassification::new(
                        &root,
                        &dir.typed_config::<BertConfig>()?,
                    )
                    .map_err(rust_bert_error(dir.config_path()))?,
                ),
            };
            load_weights(&store, &dir.weights_path())?;
            store.freeze();
            let head = fast_sequence_head(&store, dir)?.unwrap_or(head);
            Ok(SequenceModel {
                _store: store,
                head,
            })
        })
    }

    /// Logits `[batch, labels]`.
    pub(crate) fn forward(&self, batch: &Batch) -> Result<Tensor> {
        catch_panic("sequence classification", || {
            tch::no_grad(|| {
                let logits = match &self.head {
                    SequenceHead::Fast {
                        encoder,
                        pooler,
                        classifier,
                    } => {
                        let states = encoder.forward(batch)?;
                        let first = states
                            .f_select(1, 0)
                            .map_err(|error| Error::inference("sequence classification", error))?;
                        let pooled = pooler
                            .apply(&first)?
                            .f_tanh()
                            .map_err(|error| Error::inference("sequence classification", error))?;
                        classifier.apply(&pooled)?
                    }
                    SequenceHead::Bert(model) => {
                        model
                            .forward_t(
                                Some(&batch.input_ids),
                                Some(&batch.attention_mask),
                                Some(&batch.token_type_ids),
                                None,
                                None,
                                false,
                            )
                            .logits
                    }
                    SequenceHead::DistilBert(model) => {
                        model
                            .forward_t(
                                Some(&batch.input_ids),
                                Some(&batch.attention_mask),
                                None,
                                false,
                            )
                            .map_err(|error| Error::inference("DistilBERT forward pass", error))?
                            .logits
                    }
                    SequenceHead::Roberta(model) => {
                        model
                            .forward_t(
                                Some(&batch.input_ids),
                                Some(&batch.attention_mask),
                                Some(&batch.token_type_ids),
                                None,
                                None,
                                false,
                            )
                            .logits
                    }
                };
                Ok(logits)
            })
        })
    }
}

/// Whether stancekit's own BERT forward may replace rust-bert's: always, unless
/// `STANCEKIT_REFERENCE_FORWARD=1` asks for rust-bert's forward (to compare the two, as `bench/run.py` does).
fn fast_forward_allowed() -> bool {
    std::env::var("STANCEKIT_REFERENCE_FORWARD").map_or(true, |value| value != "1")
}

/// The fast forward for a BERT token classifier, when the config allows it.
fn fast_token_head(
    store: &VarStore,
    dir: &ModelDir,
    casing: Option<&Tensor>,
) -> Result<Option<TokenHead>> {
    if dir.family != Family::Bert || !fast_forward_allowed() {
        return Ok(None);
    }
    let vars = store.variables();
    let Some(classifier) = Linear::from_vars(&vars, "classifier") else {
        return Ok(None);
    };
    Ok(
        BertEncoder::from_vars(&vars, &dir.config, casing.map(Tensor::shallow_clone))?.map(
            |encoder| TokenHead::Fast {
                encoder,
                classifier,
            },
        ),
    )
}

/// The fast forward for a BERT sequence classifier, when the config allows it.
fn fast_sequence_head(store: &VarStore, dir: &ModelDir) -> Result<Option<SequenceHead>> {
    if dir.family != Family::Bert || !fast_forward_allowed() {
        return Ok(None);
    }
    let vars = store.variables();
    let (Some(pooler), Some(classifier)) = (
        Linear::from_vars(&vars, "bert.pooler.dense"),
        Linear::from_vars(&vars, "classifier"),
    ) else {
        return Ok(None);
    };
    Ok(
        BertEncoder::from_vars(&vars, &dir.config, None)?.map(|encoder| SequenceHead::Fast {
            encoder,
            pooler,
            classifier,
        }),
    )
}

/// Locks a model for one forward pass. Inference only reads the weights, so a panic in another thread cannot
/// leave them half-written: a poisoned lock is taken over rather than reported.
pub(crate) fn lock<M>(model: &Mutex<M>) -> MutexGuard<'_, M> {
    model.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Copies a float tensor into a row-major `Vec<f32>`.
pub(crate) fn to_vec(tensor: &Tensor) -> Result<Vec<f32>> {
    let flat = tensor.to_kind(Kind::Float).contiguous().view(-1);
    Vec::<f32>::try_from(&flat).map_err(|error| Error::inference("reading logits", error))
}
