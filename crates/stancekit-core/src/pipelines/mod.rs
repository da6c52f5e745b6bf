//! The three pipelines a user runs, each from text to typed results: entities (with the attribution head's role
//! spans from the same forward pass), reported-speech relations, and target-specific stance.
//!
//! - [`ner`]: [`ner::EntityRecognizer`]: long texts cut, windowed, batched, stitched and decoded.
//! - [`attribution`]: role spans assembled into relations; [`attribution::extractor::AttributionExtractor`].
//! - [`stance`]: [`stance::classifier::StanceClassifier`] and the evidence rule.
//! - [`softmax`]: the one softmax every pipeline uses.
//!
//! Every model call goes through the one batch scheduler of [`crate::runtime`].

pub mod attribution;
pub mod ner;
pub mod softmax;
pub mod stance;
