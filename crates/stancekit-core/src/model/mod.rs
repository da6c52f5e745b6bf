//! Model directories in Hugging Face layout, and the classifiers built from them.
//!
//! A directory holds `config.json` (architecture and `id2label`), `tokenizer.json` and
//! `model.safetensors` with Hugging Face parameter names, or a PEFT LoRA adapter over a base directory.
//! [`dir::ModelDir::open`] validates all of it before any weight is read, so a bad directory fails with an
//! [`crate::error::Error::ModelLoad`] that names the file at fault. Pickled `pytorch_model.bin` files are refused:
//! unpickling can execute code.
//!
//! ```no_run
//! use stancekit_core::model::Task;
//! let dir = stancekit_core::resources::open_model("models/ner", Task::TokenClassification)?;
//! println!("{} labels: {:?}", dir.labels.len(), dir.labels);
//! # Ok::<(), stancekit_core::Error>(())
//! ```
//!
//! - [`config`]: `config.json`, typed.
//! - [`dir`]: a validated directory, given its base when it is an adapter.
//! - `safetensors`, `lora`, `weights`: the tensors, an adapter merged into its base, rust-bert's variables filled.
//! - `heads`: token and sequence classifiers on stancekit's own forwards ([`crate::nn`]) or rust-bert's.

pub mod config;
pub mod dir;
pub(crate) mod heads;
pub(crate) mod lora;
pub(crate) mod safetensors;
pub(crate) mod weights;

pub use config::{ModelConfig, StancekitSettings};
pub use dir::{Family, ModelDir, Task, Weights, CASING_ARCHITECTURE};
