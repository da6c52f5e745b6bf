//! [`AttributionExtractor`]: a model with an attribution head run over texts, its role spans assembled into
//! relations.
//!
//! ```no_run
//! use stancekit_core::AttributionExtractor;
//! let extractor = AttributionExtractor::from_dir("models/ner")?;
//! for relation in extractor.predict("“Sanctions stay,” Vance said.")? {
//!     println!("{:?} {:?} {:?}", relation.source, relation.cue, relation.content);
//! }
//! # Ok::<(), stancekit_core::Error>(())
//! ```

use std::path::Path;

use crate::error::{Error, Result};
use crate::pipelines::attribution::assembly::{assemble_relations, Relation};
use crate::pipelines::ner::{EntityRecognizer, NerOptions};
use crate::text::sentences::split_sentences;

/// Finds reported speech with a model that has an attribution head (its second token head, beside the entity
/// head): relations of source, cue and content, without resolving who the source is (see
/// `stancekit_core::analysis::analyze` for speakers).
pub struct AttributionExtractor {
    recognizer: EntityRecognizer,
}

impl AttributionExtractor {
    /// Loads a model directory with an attribution head.
    pub fn from_dir(path: impl AsRef<Path>) -> Result<AttributionExtractor> {
        AttributionExtractor::with_options(path, NerOptions::default())
    }

    /// Loads a model directory with an attribution head; `options` as for the entity recognizer.
    pub fn with_options(
        path: impl AsRef<Path>,
        options: NerOptions,
    ) -> Result<AttributionExtractor> {
        AttributionExtractor::from_recognizer(EntityRecognizer::with_options(path, options)?)
    }

    /// Wraps a loaded recognizer; an error when its model runs no attribution head.
    pub fn from_recognizer(recognizer: EntityRecognizer) -> Result<AttributionExtractor> {
        if !recognizer.has_attribution() {
            return Err(Error::model_load(
                recognizer.path().join("config.json"),
                "this model has no attribution head beside its entity head (config.json lists no attribution_labels, \
                 or the model runs on rust-bert's forward)",
            ));
        }
        Ok(AttributionExtractor { recognizer })
    }

    /// The recognizer whose model tags the spans.
    pub fn recognizer(&self) -> &EntityRecognizer {
        &self.recognizer
    }

    /// The relations of one text, in text order.
    pub fn predict(&self, text: &str) -> Result<Vec<Relation>> {
        Ok(self.predict_batch(&[text])?.pop().unwrap_or_default())
    }

    /// The relations of each text.
    pub fn predict_batch(&self, texts: &[&str]) -> Result<Vec<Vec<Relation>>> {
        let labelled = self.recognizer.predict_labelled(texts)?;
        Ok(texts
            .iter()
            .zip(labelled)
            .map(|(text, labelled)| {
                assemble_relations(text, &labelled.roles, &split_sentences(text))
            })
            .collect())
    }
}
