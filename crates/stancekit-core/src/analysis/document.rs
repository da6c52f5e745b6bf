//! What an analysis holds: document entities, attributions (who says what), speaker stances, and the whole
//! [`Analysis`] of one document with its speaker × target matrix.

use std::collections::BTreeMap;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::text::offsets::TextSpan;
use crate::text::sentences::Sentence;
use crate::types::{Entity, Stance};

/// The speaker of text that reports nobody's view.
pub const AUTHOR: &str = "author";

/// Mentions of one real-world entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentEntity {
    /// The canonical name: the fullest form used in the document.
    pub name: String,
    /// The most frequent entity type of the mentions.
    pub label: String,
    /// Titles seen right before person mentions ("Vice President", "Defense Secretary").
    pub roles: Vec<String>,
    /// Every mention, in document order.
    pub mentions: Vec<Entity>,
}

/// Who says what: reported speech with its speaker, or a sentence of the author's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    /// A document entity's canonical name, a group speaker ("European leaders"), or `"author"`.
    pub speaker: String,
    /// Code-point offset of the first character of the relation (source, cue and content together).
    pub start: usize,
    /// Code-point offset one past its last character.
    pub end: usize,
    /// Who is reported, as the text names them ("European leaders", "he"); none for the author.
    pub source: Option<TextSpan>,
    /// The reporting words ("said", "according to"); none for the author and for a view continued without one.
    pub cue: Option<TextSpan>,
    /// What was said (several ranges when the source and cue interrupt it); the author's sentence.
    pub content: Vec<TextSpan>,
    /// How sure the attribution is, in `[0, 1]`: the tagger's probability times the resolution's certainty
    /// (the rule's for models without an attribution head).
    pub confidence: f32,
}

impl Attribution {
    /// The content's text, its ranges joined by a space.
    pub fn content_text(&self) -> String {
        self.content
            .iter()
            .map(|range| range.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A speaker's stance toward a target, with the contents that show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakerStance {
    /// A speaker (as in [`Attribution::speaker`]).
    pub speaker: String,
    /// The target.
    pub target: String,
    /// The aggregated stance: favor or against only with evidence.
    pub label: Stance,
    /// Mean probability of `label` over the evidence contents (over all the speaker's contents for `none`).
    pub score: f32,
    /// Mean probability of each stance over the same contents.
    pub scores: BTreeMap<String, f32>,
    /// Ranges of the contents that are evidence of `label`.
    pub evidence: Vec<(usize, usize)>,
    /// What `label` rests on: evidence, content read as none, or no content about the target.
    pub basis: Basis,
}

/// Everything [`analyze`](crate::analysis::analyze::analyze) finds in a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The sentences.
    pub sentences: Vec<Sentence>,
    /// Document entities in order of first mention.
    pub entities: Vec<DocumentEntity>,
    /// Speakers in order of first attribution; the author comes last.
    pub speakers: Vec<String>,
    /// Reported speech and the author's sentences, in text order.
    pub attributions: Vec<Attribution>,
    /// The targets classified.
    pub targets: Vec<String>,
    /// One entry per speaker and target.
    pub stances: Vec<SpeakerStance>,
}

impl Analysis {
    /// Speakers × targets matrix of `P(favor) − P(against)` from the aggregated stances, in `[-1, 1]`.
    pub fn stance_matrix(&self) -> Array2<f32> {
        let mut matrix = Array2::zeros((self.speakers.len(), self.targets.len()));
        for stance in &self.stances {
            let row = self
                .speakers
                .iter()
                .position(|speaker| *speaker == stance.speaker);
            let column = self
                .targets
                .iter()
                .position(|target| *target == stance.target);
            if let (Some(row), Some(column)) = (row, column) {
                let score = |name: &str| stance.scores.get(name).copied().unwrap_or_default();
                matrix[[row, column]] = score("favor") - score("against");
            }
        }
        matrix
    }
}

/// What a speaker's stance toward a target rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Some of the speaker's content is evidence of favor or against (see [`crate::pipelines::stance::evidence::evidence`]).
    Evidence,
    /// Some content mentions the target, and the model reads no stance in it.
    ReadAsNone,
    /// No content of the speaker mentions the target, and the model finds no stance in any.
    NoRelevantContent,
}
