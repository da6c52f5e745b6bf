//! stancekit's own encoder forwards on libtorch tensors: the layers BERT and MPNet share, the two encoders, the
//! padded batch they read, and the typed hyper-parameters of their `config.json`.
//!
//! rust-bert supplies the model modules for the architectures these forwards do not cover (DistilBERT, RoBERTa)
//! and for the reference forward `STANCEKIT_REFERENCE_FORWARD=1` selects; [`crate::model`] builds the heads on
//! either. Parity tests hold these forwards to `transformers` (1e-4 on random models, 1e-3 on shipped weights).
//!
//! - `batch`: padded input ids, attention mask, token types and casing ids of one batch.
//! - [`config`]: the encoder part of `config.json`, typed.
//! - `layers`: dense layer, LayerNorm and one fused transformer layer.
//! - [`precision`]: float32, bfloat16, int8 (and `auto`), the formats an encoder runs in.
//! - `int8`: a dense layer with per-channel int8 weights on fbgemm.
//! - `bert`: BERT and MiniLM (with the casing embedding of uncased taggers).
//! - `mpnet`: MPNet (all-mpnet-base-v2), which rust-bert lacks.

pub(crate) mod batch;
pub(crate) mod bert;
pub mod config;
pub(crate) mod int8;
pub(crate) mod layers;
pub(crate) mod mpnet;
pub mod precision;
