//! stancekit's engine: transformer named-entity recognition, attribution (who said which words) and
//! target-specific stance, on rust-bert's model modules and stancekit's own encoder forwards, with our own
//! tokenization, windowing, batching and decoding around them.
//!
//! ```no_run
//! use stancekit_core::{EntityRecognizer, StanceClassifier};
//! let ner = EntityRecognizer::from_dir("models/ner")?;
//! let stance = StanceClassifier::from_dir("models/stance")?;
//! let text = "Vance said Europe must spend more on defence.";
//! println!("{:?}", ner.predict(text)?);
//! println!("{:?}", stance.predict(text, "defence spending")?);
//! # Ok::<(), stancekit_core::Error>(())
//! ```
//!
//! The rooms, each depending only on those above it (`tests/module_graph.rs` holds them to it):
//!
//! | room | what lives there |
//! |---|---|
//! | [`error`], [`types`] | the error type; entities, stances and predictions |
//! | [`text`] | sentences, casing classes, tokenization, code-point offsets |
//! | [`nn`] | the shared layers, stancekit's BERT and MPNet forwards, precisions (float32, bfloat16, int8) |
//! | [`model`] | typed `config.json`, directory validation, safetensors, LoRA merging, classifier heads |
//! | [`resources`] | model arguments resolved (presets, directories, Hub ids), the store, the Hub cache |
//! | [`runtime`] | the one batch scheduler, windows, threads, the CPU's features, the per-document retry |
//! | [`pipelines`] | NER (+ decoding and role spans), attribution (relations), stance (+ the evidence rule) |
//! | [`analysis`] | one document from text to speakers, attributions and speaker × target stances |
//! | [`render`] | the HTML view of an analysis |

pub mod analysis;
pub mod error;
pub mod model;
pub mod nn;
pub mod pipelines;
pub mod render;
pub mod resources;
pub mod runtime;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod text;
pub mod types;

pub use analysis::{analyze, analyze_batch, Analysis, Attribution, DocumentEntity, SpeakerStance};
pub use error::{Error, Result};
pub use nn::precision::Precision;
pub use pipelines::attribution::assembly::Relation;
pub use pipelines::attribution::extractor::AttributionExtractor;
pub use pipelines::ner::decode::WordGrouping;
pub use pipelines::ner::roles::{Role, RoleSpan};
pub use pipelines::ner::{EntityRecognizer, Labelled, NerOptions, TokenHeadKind, TokenScores};
pub use pipelines::stance::classifier::{StanceClassifier, StanceOptions};
pub use runtime::cpu::CpuFeatures;
pub use text::offsets::TextSpan;
pub use text::sentences::Sentence;
pub use types::{Aggregation, Entity, Stance, StancePrediction};
