//! Token and sequence classifiers: stancekit's own forwards where they apply, rust-bert's otherwise.

use std::path::PathBuf;

use rust_bert::bert::{BertConfig, BertForSequenceClassification, BertForTokenClassification};
use rust_bert::distilbert::{
    DistilBertConfig, DistilBertForTokenClassification, DistilBertModelClassifier,
};
use rust_bert::roberta::{RobertaForSequenceClassification, RobertaForTokenClassification};
use tch::nn::{self, VarStore};
use tch::{Device, Tensor};

use crate::error::{catch_panic, Error, Result};
use crate::model::dir::{Family, ModelDir};
use crate::model::weights::{load_weights, model_tensors};
use crate::nn::batch::Batch;
use crate::nn::bert::BertEncoder;
use crate::nn::layers::Linear;
use crate::nn::mpnet::MpnetEncoder;
use crate::nn::precision::Precision;
use crate::text::casing::CASING_CLASSES;

/// rust-bert's forward of a BERT-shaped model (BERT, RoBERTa; token or sequence head): ids, mask and token types.
macro_rules! bert_style_logits {
    ($model:expr, $batch:expr) => {
        $model
            .forward_t(
                Some(&$batch.input_ids),
                Some(&$batch.attention_mask),
                Some(&$batch.token_type_ids),
                None,
                None,
                false,
            )
            .logits
    };
}

/// rust-bert's DistilBERT forward (token or sequence head): ids and mask.
macro_rules! distilbert_logits {
    ($model:expr, $batch:expr) => {
        $model
            .forward_t(
                Some(&$batch.input_ids),
                Some(&$batch.attention_mask),
                None,
                false,
            )
            .map_err(|error| Error::inference("DistilBERT forward pass", error))?
            .logits
    };
}

/// stancekit's own encoder forwards.
enum Encoder {
    /// BERT and MiniLM (see [`crate::nn::bert`]).
    Bert(BertEncoder),
    /// MPNet (see [`crate::nn::mpnet`]).
    Mpnet(MpnetEncoder),
}

impl Encoder {
    /// The encoder in `precision` (resolved: not `Auto`).
    fn to_precision(&self, precision: Precision) -> Result<Encoder> {
        Ok(match self {
            Encoder::Bert(encoder) => Encoder::Bert(encoder.to_precision(precision)?),
            Encoder::Mpnet(encoder) => Encoder::Mpnet(encoder.to_precision(precision)?),
        })
    }

    /// Hidden states `[batch, length, hidden]`.
    fn forward(&self, batch: &Batch) -> Result<Tensor> {
        match self {
            Encoder::Bert(encoder) => encoder.forward(batch),
            Encoder::Mpnet(encoder) => encoder.forward(batch),
        }
    }
}

enum TokenHead {
    /// stancekit's own forward and a linear classifier on every position.
    Own {
        encoder: Encoder,
        classifier: Linear,
    },
    Bert(BertForTokenClassification),
    DistilBert(DistilBertForTokenClassification),
    Roberta(RobertaForTokenClassification),
}

/// A classifier on a padded batch, as the batch scheduler ([`crate::runtime::scheduler`]) runs it: logits
/// `[batch, length, labels]` for a token classifier, `[batch, labels]` for a sequence classifier.
pub(crate) trait Classifier: Send {
    /// The logits of one batch.
    fn forward(&self, batch: &Batch) -> Result<Tensor>;
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

/// The error for a precision other than float32 on a model that rust-bert runs.
fn needs_own_forward(dir: &ModelDir, precision: Precision) -> Error {
    Error::model_load(
        dir.config_path(),
        format!(
            "precision {precision} runs on stancekit's own BERT and MPNet forwards only; this model runs on \
             rust-bert's (its architecture, or STANCEKIT_REFERENCE_FORWARD=1): use precision float32"
        ),
    )
}

impl TokenModel {
    /// Loads the directory's token classifier: `heads` name its linear layers (`classifier`, and/or a second head
    /// such as `attribution_classifier` on the same encoder, which only stancekit's own forwards run). Several
    /// heads run in one forward pass: the logits of each follow in the order given. The encoder runs in
    /// `precision` (resolved, not `Auto`); the heads in float32.
    pub(crate) fn load(dir: &ModelDir, heads: &[&str], precision: Precision) -> Result<TokenModel> {
        let model = TokenModel::load_float32(dir, heads)?;
        if precision == Precision::Float32 {
            return Ok(model);
        }
        match model.head {
            TokenHead::Own {
                encoder,
                classifier,
            } => Ok(TokenModel {
                // The converted encoder holds its own tensors: the float32 variables can go.
                _store: VarStore::new(Device::Cpu),
                head: TokenHead::Own {
                    encoder: encoder.to_precision(precision)?,
                    classifier,
                },
                casing: model.casing,
            }),
            _ => Err(needs_own_forward(dir, precision)),
        }
    }

    fn load_float32(dir: &ModelDir, heads: &[&str]) -> Result<TokenModel> {
        let only_classifier = heads == ["classifier"];
        catch_panic("building the token classifier", || {
            let mut store = VarStore::new(Device::Cpu);
            let root = store.root();
            let head = match dir.family {
                Family::Bert => TokenHead::Bert(
                    BertForTokenClassification::new(&root, &dir.rust_bert_config::<BertConfig>()?)
                        .map_err(rust_bert_error(dir.config_path()))?,
                ),
                Family::DistilBert => TokenHead::DistilBert(
                    DistilBertForTokenClassification::new(
                        &root,
                        &dir.rust_bert_config::<DistilBertConfig>()?,
                    )
                    .map_err(rust_bert_error(dir.config_path()))?,
                ),
                Family::Roberta => TokenHead::Roberta(
                    RobertaForTokenClassification::new(
                        &root,
                        &dir.rust_bert_config::<BertConfig>()?,
                    )
                    .map_err(rust_bert_error(dir.config_path()))?,
                ),
                Family::Mpnet => {
                    let tensors = model_tensors(dir)?;
                    return Ok(TokenModel {
                        _store: store,
                        head: TokenHead::Own {
                            encoder: Encoder::Mpnet(MpnetEncoder::from_weights(
                                &tensors,
                                &dir.config.encoder,
                                &dir.weights_path(),
                            )?),
                            classifier: stacked_heads(&tensors, heads, dir)?,
                        },
                        casing: None,
                    });
                }
            };
            let casing_table = if dir.casing {
                let classes = dir.config.casing_vocab_size.unwrap_or(CASING_CLASSES);
                if classes != CASING_CLASSES {
                    return Err(Error::model_load(
                        dir.config_path(),
                        format!("casing_vocab_size is {classes}; this engine computes {CASING_CLASSES} casing classes"),
                    ));
                }
                let hidden = dir.config.encoder.hidden_size.unwrap_or(0);
                Some((&root / "casing_embeddings").var(
                    "weight",
                    &[classes, hidden],
                    nn::Init::Const(0.0),
                ))
            } else {
                None
            };
            let tensors = model_tensors(dir)?;
            load_weights(&store, &tensors, &dir.weights_path())?;
            store.freeze();
            if !only_classifier {
                let classifier = stacked_heads(&tensors, heads, dir)?;
                let fast = fast_token_head(&store, dir, casing_table.as_ref(), Some(classifier))?;
                return fast
                    .map(|fast| TokenModel {
                        _store: store,
                        head: fast,
                        casing: None,
                    })
                    .ok_or_else(|| {
                        Error::model_load(
                            dir.config_path(),
                            format!("the {} head runs on stancekit's BERT forward only (not with STANCEKIT_REFERENCE_FORWARD=1, not on this architecture)", heads.join(" and ")),
                        )
                    });
            }
            drop(tensors);
            if let Some(fast) = fast_token_head(&store, dir, casing_table.as_ref(), None)? {
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
}

impl Classifier for TokenModel {
    /// Logits `[batch, length, labels]`.
    fn forward(&self, batch: &Batch) -> Result<Tensor> {
        catch_panic("token classification", || {
            tch::no_grad(|| {
                let logits = match &self.head {
                    TokenHead::Own {
                        encoder,
                        classifier,
                    } => per_token(&encoder.forward(batch)?, classifier)?,
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
                    TokenHead::DistilBert(model) => distilbert_logits!(model, batch),
                    TokenHead::Roberta(model) => bert_style_logits!(model, batch),
                };
                Ok(logits)
            })
        })
    }
}

enum SequenceHead {
    /// stancekit's own forward, then `classifier(tanh(pooler(first token)))`: BERT's pooler and classifier, and
    /// MPNet's `MPNetClassificationHead` (`classifier.dense`, `classifier.out_proj`), compute the same.
    Own {
        encoder: Encoder,
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
    /// Loads the directory's sequence classifier, its encoder in `precision` (resolved, not `Auto`) and its head
    /// in float32.
    pub(crate) fn load(dir: &ModelDir, precision: Precision) -> Result<SequenceModel> {
        let model = SequenceModel::load_float32(dir)?;
        if precision == Precision::Float32 {
            return Ok(model);
        }
        match model.head {
            SequenceHead::Own {
                encoder,
                pooler,
                classifier,
            } => Ok(SequenceModel {
                _store: VarStore::new(Device::Cpu),
                head: SequenceHead::Own {
                    encoder: encoder.to_precision(precision)?,
                    pooler,
                    classifier,
                },
            }),
            _ => Err(needs_own_forward(dir, precision)),
        }
    }

    fn load_float32(dir: &ModelDir) -> Result<SequenceModel> {
        catch_panic("building the sequence classifier", || {
            let mut store = VarStore::new(Device::Cpu);
            let root = store.root();
            let head = match dir.family {
                Family::Bert => SequenceHead::Bert(
                    BertForSequenceClassification::new(
                        &root,
                        &dir.rust_bert_config::<BertConfig>()?,
                    )
                    .map_err(rust_bert_error(dir.config_path()))?,
                ),
                Family::DistilBert => SequenceHead::DistilBert(
                    DistilBertModelClassifier::new(
                        &root,
                        &dir.rust_bert_config::<DistilBertConfig>()?,
                    )
                    .map_err(rust_bert_error(dir.config_path()))?,
                ),
                Family::Roberta => SequenceHead::Roberta(
                    RobertaForSequenceClassification::new(
                        &root,
                        &dir.rust_bert_config::<BertConfig>()?,
                    )
                    .map_err(rust_bert_error(dir.config_path()))?,
                ),
                Family::Mpnet => {
                    let tensors = model_tensors(dir)?;
                    return Ok(SequenceModel {
                        _store: store,
                        head: SequenceHead::Own {
                            encoder: Encoder::Mpnet(MpnetEncoder::from_weights(
                                &tensors,
                                &dir.config.encoder,
                                &dir.weights_path(),
                            )?),
                            pooler: head_linear(&tensors, "classifier.dense", dir)?,
                            classifier: head_linear(&tensors, "classifier.out_proj", dir)?,
                        },
                    });
                }
            };
            load_weights(&store, &model_tensors(dir)?, &dir.weights_path())?;
            store.freeze();
            let head = fast_sequence_head(&store, dir)?.unwrap_or(head);
            Ok(SequenceModel {
                _store: store,
                head,
            })
        })
    }
}

impl Classifier for SequenceModel {
    /// Logits `[batch, labels]`.
    fn forward(&self, batch: &Batch) -> Result<Tensor> {
        catch_panic("sequence classification", || {
            tch::no_grad(|| {
                let logits = match &self.head {
                    SequenceHead::Own {
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
                    SequenceHead::Bert(model) => bert_style_logits!(model, batch),
                    SequenceHead::DistilBert(model) => distilbert_logits!(model, batch),
                    SequenceHead::Roberta(model) => bert_style_logits!(model, batch),
                };
                Ok(logits)
            })
        })
    }
}

/// A classifier applied to every position of `states` `[batch, length, hidden]`: `[batch, length, labels]`.
fn per_token(states: &Tensor, classifier: &Linear) -> Result<Tensor> {
    let failed = |error| Error::inference("token classification", error);
    let size = states.size();
    let flat = states
        .f_view([size[0] * size[1], size[2]])
        .map_err(failed)?;
    classifier
        .apply(&flat)?
        .f_view([size[0], size[1], -1])
        .map_err(failed)
}

/// A head's dense layer by its Hugging Face name, or an error naming the weights.
fn head_linear(
    tensors: &std::collections::HashMap<String, Tensor>,
    prefix: &str,
    dir: &ModelDir,
) -> Result<Linear> {
    Linear::from_vars(tensors, prefix).ok_or_else(|| {
        Error::model_load(
            dir.weights_path(),
            format!("tensor \"{prefix}.weight\" or \"{prefix}.bias\" is missing (does config.json describe these weights?)"),
        )
    })
}

/// The named heads' dense layers as one layer (their logits side by side).
fn stacked_heads(
    tensors: &std::collections::HashMap<String, Tensor>,
    heads: &[&str],
    dir: &ModelDir,
) -> Result<Linear> {
    let layers = heads
        .iter()
        .map(|name| head_linear(tensors, name, dir))
        .collect::<Result<Vec<Linear>>>()?;
    match layers.len() {
        1 => Ok(layers.into_iter().next().expect("one layer")),
        _ => Linear::stack(&layers),
    }
}

/// Whether heads beside `classifier` (an attribution head) can run on this directory's model: they need
/// stancekit's own forward (MPNet always, BERT unless `STANCEKIT_REFERENCE_FORWARD=1`).
pub(crate) fn runs_extra_heads(dir: &ModelDir) -> bool {
    match dir.family {
        Family::Mpnet => true,
        Family::Bert => fast_forward_allowed(),
        Family::DistilBert | Family::Roberta => false,
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
    classifier: Option<Linear>,
) -> Result<Option<TokenHead>> {
    if dir.family != Family::Bert || !fast_forward_allowed() {
        return Ok(None);
    }
    let vars = store.variables();
    let Some(classifier) = classifier.or_else(|| Linear::from_vars(&vars, "classifier")) else {
        return Ok(None);
    };
    Ok(BertEncoder::from_vars(
        &vars,
        &dir.config.encoder,
        casing.map(Tensor::shallow_clone),
    )?
    .map(|encoder| TokenHead::Own {
        encoder: Encoder::Bert(encoder),
        classifier,
    }))
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
        BertEncoder::from_vars(&vars, &dir.config.encoder, None)?.map(|encoder| {
            SequenceHead::Own {
                encoder: Encoder::Bert(encoder),
                pooler,
                classifier,
            }
        }),
    )
}
