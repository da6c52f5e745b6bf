//! stancekit's engine: transformer named-entity recognition and target-specific stance classification on
//! rust-bert's model modules, with our own tokenization, windowing, batching and decoding around them.
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

pub mod analysis;
mod bert;
pub mod casing;
pub mod decode;
pub mod error;
pub mod html;
pub mod hub;
pub mod model;
mod mpnet;
pub mod ner;
pub mod relations;
pub mod sentences;
pub mod stance;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod threads;
pub mod tokenize;
pub mod types;
pub mod windows;

pub use analysis::{analyze, analyze_batch, Analysis, Attribution, DocumentEntity, SpeakerStance};
pub use decode::WordGrouping;
pub use error::{Error, Result};
pub use ner::{EntityRecognizer, Labelled, NerOptions, TokenHeadKind, TokenScores};
pub use relations::{AttributionExtractor, Relation, Role, RoleSpan, TextSpan};
pub use sentences::Sentence;
pub use stance::{StanceClassifier, StanceOptions};
pub use types::{Aggregation, Entity, Stance, StancePrediction};
