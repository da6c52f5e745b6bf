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
//!
//! The module is split by concern: [`dir`] validates a directory, `weights` reads (and merges) its tensors,
//! `batch` pads inputs, and `heads` builds the classifiers on the encoders.

mod adapter;
mod batch;
pub mod dir;
mod heads;
mod weights;

use std::sync::{Mutex, MutexGuard, PoisonError};

use tch::{Kind, Tensor};

use crate::error::{Error, Result};

pub(crate) use adapter::base_name as adapter_base_name;
pub(crate) use batch::Batch;
pub use dir::{Family, ModelDir, StancekitSettings, Task, Weights, CASING_ARCHITECTURE};
pub(crate) use heads::{runs_extra_heads, SequenceModel, TokenModel};

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
