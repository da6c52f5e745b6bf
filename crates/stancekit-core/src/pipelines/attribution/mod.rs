//! Reported speech: relations of source, cue and content, from the role spans of a model's attribution head.
//!
//! - [`assembly`]: role spans to relations (a pure function, tested on hand-made spans).
//! - [`extractor`]: [`extractor::AttributionExtractor`] runs a model and assembles.
//!
//! Who each source is (a named entity, a pronoun's antecedent, a group) is resolved later, in
//! [`crate::analysis`].

pub mod assembly;
pub mod extractor;
