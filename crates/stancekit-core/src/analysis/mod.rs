//! Document analysis: who is mentioned, who says what, and what stance each speaker takes toward a target.
//!
//! [`analyze()`] splits the text into sentences, finds entities and groups their mentions into document entities
//! ("Vance", "JD Vance" → *JD Vance*; "US" ↔ "United States"). When the entity model has an attribution head
//! (the bundled one does), the same forward pass tags the source, cue and content of reported speech; the
//! spans are assembled into relations ([`crate::pipelines::attribution`]) and each source is resolved to a speaker: a named
//! person or organisation, a pronoun's antecedent, a title's holder, or a group speaker named by the source
//! ("European leaders"). Text in no relation is the author's. Models without that head fall back to rules over
//! named entities and reporting verbs. Each speaker's stance toward each target is read from their contents
//! only, with the evidence rule of [`crate::pipelines::stance::evidence`]: favor or against only where some content
//! supports it.
//!
//! The module is split by concern, each file with its own tests: [`analyze`](mod@analyze) (the document loop),
//! [`document`] (the result types), [`mentions`] (grouping), [`speakers`] (relations → speakers), [`pronouns`] (the
//! one pronoun policy), [`sources`] (what a source phrase names), [`groups`] (group speakers), [`rules`] (the fallback attribution), [`stances`] (aggregation), [`lexicon`] (the word
//! lists, kept as data in `words/`).
//!
//! ```no_run
//! use stancekit_core::{analysis::analyze, EntityRecognizer, StanceClassifier};
//! let ner = EntityRecognizer::from_dir("models/ner")?;
//! let stance = StanceClassifier::from_dir("models/stance")?;
//! let text = "Vance said the US may send troops. “Sanctions will stay,” he stressed.";
//! let analysis = analyze(text, Some(&["sanctions on Russia".to_string()]), &ner, &stance)?;
//! for attribution in &analysis.attributions {
//!     println!("{} via {:?}: {:?}", attribution.speaker, attribution.cue, attribution.content);
//! }
//! # Ok::<(), stancekit_core::Error>(())
//! ```

pub mod analyze;
pub mod document;
#[cfg(test)]
mod fixtures;
pub mod groups;
pub mod lexicon;
pub mod mentions;
pub mod pronouns;
pub mod rules;
pub mod sources;
pub mod speakers;
pub mod stances;

pub use analyze::{analyze, analyze_batch};
pub use document::{Analysis, Attribution, Basis, DocumentEntity, SpeakerStance, AUTHOR};
pub use mentions::group_mentions;
pub use rules::attribute_sentences;
pub use speakers::resolve_speakers;
pub use stances::{aggregate_stance, default_targets, mentions_target, Aggregated, Content};
