//! A speaker's stance toward a target from the stances of their contents, and default targets.

use crate::analysis::document::{Basis, DocumentEntity};
use crate::analysis::lexicon::{entity_kind, is_stop_word, EntityKind};
use crate::pipelines::stance::evidence::evidence;
use crate::types::Stance;

/// A speaker's stance toward one target from the stance distributions `[favor, against, none]` of their
/// contents.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregated {
    /// Favor or against only with evidence, else none.
    pub label: Stance,
    /// Mean probability of `label` over the evidence (for none: over the contents that mention the target, else over
    /// all contents).
    pub score: f32,
    /// Mean distribution over the same contents.
    pub mean: [f32; 3],
    /// The ranges of the evidence contents.
    pub evidence: Vec<(usize, usize)>,
    /// What the label rests on.
    pub basis: Basis,
}

/// The words of a text that can name a target, lower case: stems (first five letters) of words of four letters or
/// more that are no stop words ("with", "from"), and shorter words whole ("EU", "war").
fn stems(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.chars().count() >= 2)
        .map(str::to_lowercase)
        .filter(|word| !is_stop_word(word))
        .map(|word| {
            if word.chars().count() >= 4 {
                word.chars().take(5).collect()
            } else {
                word
            }
        })
        .collect()
}

/// Whether `text` has a word starting like one of the target's words ("sanctions" ~ "sanctioned"; a short word
/// whole or with a plural "s": "EU", "wars" ~ "war").
pub fn mentions_target(text: &str, target: &str) -> bool {
    let wanted = stems(target);
    !wanted.is_empty()
        && stems(text).iter().any(|stem| {
            wanted.contains(stem)
                || stem.strip_suffix('s').is_some_and(|singular| {
                    singular.chars().count() >= 2 && wanted.iter().any(|w| w == singular)
                })
        })
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

/// Aggregates a speaker's contents toward `target` with the evidence rule at `threshold`, over the contents that
/// mention the target ([`mentions_target`]): a content about something else is no evidence of a stance toward it,
/// however confident the model is (chosen on the news-quote dev set's cells, `training/STANCE_CELLS.md`: fast
/// 0.466 -> 0.527 cell accuracy, accurate 0.600 -> 0.626). Without such a content the label is none
/// (`NoRelevantContent`) and the mean is over all contents.
pub fn aggregate_stance(contents: &[Content<'_>], target: &str, threshold: f32) -> Aggregated {
    let relevant: Vec<&Content<'_>> = contents
        .iter()
        .filter(|content| mentions_target(content.text, target))
        .collect();
    let distributions: Vec<[f32; 3]> = relevant
        .iter()
        .map(|content| content.distribution)
        .collect();
    let found = evidence(&distributions, threshold);
    let basis = if !found.indices.is_empty() {
        Basis::Evidence
    } else if !relevant.is_empty() {
        Basis::ReadAsNone
    } else {
        Basis::NoRelevantContent
    };
    let mean = if relevant.is_empty() {
        // No content is evidence at an infinite threshold: the mean over all of them.
        let all: Vec<[f32; 3]> = contents
            .iter()
            .map(|content| content.distribution)
            .collect();
        evidence(&all, f32::INFINITY).mean
    } else {
        found.mean
    };
    Aggregated {
        label: found.label,
        score: mean[found.label.index()],
        mean,
        evidence: found
            .indices
            .iter()
            .flat_map(|&index| relevant[index].ranges.iter().copied())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixtures::{entity, mentions, TEXT};
    use crate::analysis::mentions::group_mentions;

    #[test]
    fn stance_aggregation_needs_evidence_above_the_threshold() {
        let content = |ranges: Vec<(usize, usize)>, text, distribution| Content {
            ranges,
            text,
            distribution,
        };
        let contents = [
            content(vec![(0, 5)], "Sanctions must stay.", [0.1, 0.1, 0.8]),
            content(vec![(6, 9)], "We back the sanctions.", [0.7, 0.2, 0.1]),
            content(
                vec![(10, 12), (14, 16)],
                "No deal with Russia, no peace.",
                [0.2, 0.6, 0.2],
            ),
            // Sure of a stance, but about something else: no evidence toward this target.
            content(vec![(20, 25)], "Troops must go home.", [0.05, 0.9, 0.05]),
        ];
        let found = aggregate_stance(&contents, "sanctions on Russia", 0.55);
        assert_eq!((found.label, found.basis), (Stance::Favor, Basis::Evidence));
        assert!((found.score - 0.45).abs() < 1e-6);
        assert!((found.mean[1] - 0.4).abs() < 1e-6);
        assert_eq!(found.evidence, [(6, 9), (10, 12), (14, 16)]);
        // Above every content's favor and against: none, and why.
        let found = aggregate_stance(&contents, "sanctions on Russia", 0.9);
        assert_eq!(
            (found.label, found.basis),
            (Stance::None, Basis::ReadAsNone)
        );
        assert!(found.evidence.is_empty());
        // Only the troops content is sure, and it does not mention this target's words.
        let found = aggregate_stance(&contents, "peace talks in Geneva", 0.85);
        assert_eq!(found.basis, Basis::ReadAsNone);
        let found = aggregate_stance(&contents, "leaving NATO", 0.5);
        assert_eq!(
            (found.label, found.basis),
            (Stance::None, Basis::NoRelevantContent)
        );
        assert!((found.mean.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        let found = aggregate_stance(&contents, "troops abroad", 0.5);
        assert_eq!(
            (found.label, found.evidence),
            (Stance::Against, vec![(20, 25)])
        );
        assert_eq!(aggregate_stance(&[], "x", 0.5).label, Stance::None);
    }

    #[test]
    fn targets_are_mentioned_by_word_stems() {
        assert!(mentions_target(
            "New sanctioned banks",
            "sanctions on Russia"
        ));
        assert!(mentions_target("the Russian side", "sanctions on Russia"));
        assert!(!mentions_target("on it", "sanctions on Russia"));
        assert!(mentions_target("We oppose the EU.", "EU"));
        assert!(mentions_target("Two wars went on.", "war"));
        assert!(!mentions_target("Eurozone talks", "EU"));
        assert!(!mentions_target(
            "He spoke with reporters.",
            "trade deal with China"
        ));
    }

    #[test]
    fn default_targets_skip_speakers_and_people() {
        let groups = group_mentions(TEXT, &mentions());
        let targets = default_targets(&groups, &["JD Vance".to_string()]);
        assert_eq!(targets[0], "United States");
        assert!(!targets.contains(&"Donald Trump".to_string()));
        // Slips of a tagger are no targets: punctuation alone, or a run of many words.
        let text = "“ Peace talks with Russia must start now in Paris ” said NATO.";
        let slips = vec![
            entity("“", text, "ORG", 0),
            entity(
                "Peace talks with Russia must start now in Paris",
                text,
                "MISC",
                0,
            ),
            entity("NATO", text, "ORG", 0),
        ];
        assert_eq!(
            default_targets(&group_mentions(text, &slips), &[]),
            ["NATO"]
        );
    }
}
