//! Target-specific stance: a sequence-pair classifier on `(text, hypothesis)`, with what its labels mean, the
//! sentence windows of long texts, and the evidence rule that combines several texts' stances.
//!
//! - [`classifier`]: [`classifier::StanceClassifier`] over pairs, score matrices and long texts.
//! - [`labels`]: model labels to favor / against / none; hypothesis templates.
//! - [`evidence`]: the evidence rule (windows of one text, or a speaker's contents).
//! - `windows`: a long text cut into windows of whole sentences.

pub mod classifier;
pub mod evidence;
pub mod labels;
mod windows;
