//! A speaker's stance toward a target from the stances of their contents, and default targets.

use serde::{Deserialize, Serialize};

use super::lexicon::{entity_kind, EntityKind};
use super::DocumentEntity;
use crate::stance::evidence;
use crate::types::Stance;

/// What a speaker's stance toward a target rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Some of the speaker's content is evidence of favor or against (see [`crate::stance::evidence`]).
    Evidence,
    /// Some content mentions the target, and the model reads no stance in it.
    ReadAsNone,
    /// No content of the speaker mentions the target, and the model finds no stance in any.
    NoRelevantContent,
}

/// A speaker's stance toward one target from the stance distributions `[favor, against, none]` of their
/// contents.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregated {
    /// Favor or against only with evidence, else none.
    pub label: Stance,
    /// Mean probability of `label` over the evidence (over all contents for none).
    pub score: f32,
    /// Mean distribution over the same contents.
    pub mean: [f32; 3],
    /// The ranges of the evidence contents.
    pub evidence: Vec<(usize, usize)>,
    /// What the label rests on.
    pub basis: Basis,
}

/// Stems (first five letters, lower case) of a target's words of four letters or more.
fn stems(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.chars().count() >= 4)
        .map(|word| word.chars().take(5).flat_map(char::to_lowercase).collect())
        .collect()
}

/// Whether `text` has a word starting like one of the target's words ("sanctions" ~ "sanctioned").
pub fn mentions_target(text: &str, target: &str) -> bool {
    let wanted = stems(target);
    !wanted.is_empty() && stems(text).iter().any(|stem| wanted.contains(stem))
}

/// One content of a speaker with its stance toward a target.
#[derive(Debug, Clone, PartialEq)]
pub struct Content<'a> {
    /// Its ranges in the document.
    pub ranges: Vec<(usize, usize)>,
    /// Its text.
    pub text: &'a str,
    /// Its stance distribution `[favor, against, none]`.
    pub distribution: [f32; 3],
}

/// Aggregates a speaker's contents toward `target` with the evidence rule at `threshold`.
pub fn aggregate_stance(contents: &[Content<'_>], target: &str, threshold: f32) -> Aggregated {
    let distributions: Vec<[f32; 3]> = contents
        .iter()
        .map(|content| content.distribution)
        .collect();
    let found = evidence(&distributions, threshold);
    let basis = if !found.indices.is_empty() {
        Basis::Evidence
    } else if contents
        .iter()
        .any(|content| mentions_target(content.text, target))
    {
        Basis::ReadAsNone
    } else {
        Basis::NoRelevantContent
    };
    Aggregated {
        label: found.label,
        score: found.mean[found.label.index()],
        mean: found.mean,
        evidence: found
            .indices
            .iter()
            .flat_map(|&index| contents[index].ranges.iter().copied())
            .collect(),
        basis,
    }
}

/// The longest entity name (in words) taken as a default target.
const MAX_TARGET_WORDS: usize = 6;

/// Targets to use when the caller gives none: the three most-mentioned entities that are not speakers and not
/// persons (names of at most six words, with a letter or digit).
pub fn default_targets(groups: &[DocumentEntity], speakers: &[String]) -> Vec<String> {
    let mut candidates: Vec<&DocumentEntity> = groups
        .iter()
        .filter(|group| {
            entity_kind(&group.label) != EntityKind::Person && !speakers.contains(&group.name)
        })
        // A name of punctuation alone, or a run of many words, is a tagging slip, not a target.
        .filter(|group| {
            group.name.chars().any(char::is_alphanumeric)
                && group.name.split_whitespace().count() <= MAX_TARGET_WORDS
        })
        .collect();
    candidates.sort_by_key(|group| std::cmp::Reverse(group.mentions.len()));
    candidates
        .into_iter()
        .take(3)
        .map(|group| group.name.clone())
        .collect()
}
