//! Document analysis: who is mentioned, who says what, and what stance each speaker takes toward a target.
//!
//! [`analyze`] splits the text into sentences, finds entities and groups their mentions into document entities
//! ("Vance", "JD Vance" → *JD Vance*; "US" ↔ "United States"), attributes each sentence to the speaker whose
//! view it reports (reporting verbs, "according to", quotes, pronoun carry-over; the author otherwise), and
//! classifies every speaker's sentences toward every target. The grouping and attribution steps are pure
//! functions over entities and sentences, tested without a model.
//!
//! ```no_run
//! use stancekit_core::{analysis::analyze, EntityRecognizer, StanceClassifier};
//! let ner = EntityRecognizer::from_dir("models/ner")?;
//! let stance = StanceClassifier::from_dir("models/stance")?;
//! let text = "Vance said the US may send troops. “Sanctions will stay,” he stressed.";
//! let analysis = analyze(text, Some(&["sanctions on Russia".to_string()]), &ner, &stance)?;
//! for attribution in &analysis.attributions {
//!     println!("{} via {:?}: {}..{}", attribution.speaker, attribution.cue, attribution.start, attribution.end);
//! }
//! # Ok::<(), stancekit_core::Error>(())
//! ```

mod attribution;
mod mentions;
mod stances;

use std::collections::BTreeMap;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ner::EntityRecognizer;
use crate::sentences::{split_sentences, Sentence};
use crate::stance::StanceClassifier;
use crate::types::{Entity, Stance, StancePrediction};

pub use attribution::attribute_sentences;
pub use mentions::group_mentions;
pub use stances::{aggregate_stance, default_targets};

/// The speaker of sentences that report nobody's view.
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

/// The speaker a sentence is attributed to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    /// A document entity's canonical name, or `"author"`.
    pub speaker: String,
    /// Code-point offset of the sentence's first character.
    pub start: usize,
    /// Code-point offset one past the sentence's last character.
    pub end: usize,
    /// The words that signal the attribution ("said", "according to", "he stressed"), empty for the author.
    pub cue: String,
    /// How sure the rule that fired is, in `[0, 1]`.
    pub confidence: f32,
}

/// A speaker's stance toward a target, with the sentences that show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakerStance {
    /// A speaker's canonical name, or `"author"`.
    pub speaker: String,
    /// The target.
    pub target: String,
    /// The aggregated stance.
    pub label: Stance,
    /// Mean probability of `label` over the evidence sentences (over all the speaker's sentences for `none`).
    pub score: f32,
    /// Mean probability of each stance over the same sentences.
    pub scores: BTreeMap<String, f32>,
    /// Offsets of the sentences that take a stance (favor or against) toward the target.
    pub evidence: Vec<(usize, usize)>,
}

/// Everything [`analyze`] finds in a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The sentences.
    pub sentences: Vec<Sentence>,
    /// Document entities in order of first mention.
    pub entities: Vec<DocumentEntity>,
    /// Speakers (canonical names) in order of first attributed sentence; the author comes last.
    pub speakers: Vec<String>,
    /// One attribution per sentence.
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

/// A document's analysis up to its stance pairs: everything but the model's stance predictions.
struct Draft {
    sentences: Vec<Sentence>,
    entities: Vec<DocumentEntity>,
    speakers: Vec<String>,
    attributions: Vec<Attribution>,
    targets: Vec<String>,
}

impl Draft {
    fn new(text: &str, mentions: &[Entity], targets: Option<&[String]>) -> Draft {
        let sentences = split_sentences(text);
        let entities = group_mentions(text, mentions);
        let attributions = attribute_sentences(&sentences, &entities);
        let mut speakers: Vec<String> = Vec::new();
        for attribution in &attributions {
            if attribution.speaker != AUTHOR && !speakers.contains(&attribution.speaker) {
                speakers.push(attribution.speaker.clone());
            }
        }
        let targets: Vec<String> = match targets {
            Some(targets) => {
                let mut unique: Vec<String> = Vec::new();
                for target in targets {
                    if !unique.contains(target) {
                        unique.push(target.clone());
                    }
                }
                unique
            }
            None => default_targets(&entities, &speakers),
        };
        speakers.push(AUTHOR.to_owned());
        Draft {
            sentences,
            entities,
            speakers,
            attributions,
            targets,
        }
    }

    /// The `(sentence, target)` pairs to classify, sentence-major.
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.sentences.iter().flat_map(|sentence| {
            self.targets
                .iter()
                .map(move |target| (sentence.text.as_str(), target.as_str()))
        })
    }

    fn pair_count(&self) -> usize {
        self.sentences.len() * self.targets.len()
    }

    /// The analysis, given the predictions of [`Draft::pairs`] in their order.
    fn finish(self, predictions: &[StancePrediction]) -> Analysis {
        let mut stances = Vec::with_capacity(self.speakers.len() * self.targets.len());
        for speaker in &self.speakers {
            for (target_index, target) in self.targets.iter().enumerate() {
                let distributions: Vec<(usize, usize, [f32; 3])> = self
                    .attributions
                    .iter()
                    .enumerate()
                    .filter(|(_, attribution)| attribution.speaker == *speaker)
                    .map(|(sentence_index, attribution)| {
                        let prediction =
                            &predictions[sentence_index * self.targets.len() + target_index];
                        let distribution = Stance::ALL.map(|class| {
                            prediction
                                .scores
                                .get(class.as_str())
                                .copied()
                                .unwrap_or_default()
                        });
                        (attribution.start, attribution.end, distribution)
                    })
                    .collect();
                let (label, score, mean, evidence) = aggregate_stance(&distributions);
                stances.push(SpeakerStance {
                    speaker: speaker.clone(),
                    target: target.clone(),
                    label,
                    score,
                    scores: Stance::ALL
                        .iter()
                        .map(|class| (class.as_str().to_owned(), mean[class.index()]))
                        .collect(),
                    evidence,
                });
            }
        }
        Analysis {
            sentences: self.sentences,
            entities: self.entities,
            speakers: self.speakers,
            attributions: self.attributions,
            targets: self.targets,
            stances,
        }
    }
}

/// Analyses one document. `targets` of `None` uses [`default_targets`].
pub fn analyze(
    text: &str,
    targets: Option<&[String]>,
    ner: &EntityRecognizer,
    stance: &StanceClassifier,
) -> Result<Analysis> {
    let mut analyses = analyze_batch(&[(text, targets)], ner, stance)?;
    analyses.pop().ok_or_else(|| Error::Inference {
        message: "no analysis returned".into(),
        source: None,
    })
}

/// Analyses several documents, each `(text, targets)` as in [`analyze`], with their entity windows and their
/// stance pairs batched together: a corpus of short documents does not run one small batch at a time.
/// Each document's result is the one [`analyze`] gives it alone, up to the float tolerance of padding in a
/// batch (the same sentences, entity spans and attributions; probabilities agree to about 1e-5).
pub fn analyze_batch(
    documents: &[(&str, Option<&[String]>)],
    ner: &EntityRecognizer,
    stance: &StanceClassifier,
) -> Result<Vec<Analysis>> {
    let texts: Vec<&str> = documents.iter().map(|(text, _)| *text).collect();
    let mentions = ner.predict_batch(&texts)?;
    let drafts: Vec<Draft> = documents
        .iter()
        .zip(&mentions)
        .map(|(&(text, targets), mentions)| Draft::new(text, mentions, targets))
        .collect();
    let pairs: Vec<(&str, &str)> = drafts.iter().flat_map(Draft::pairs).collect();
    let predictions = if pairs.is_empty() {
        Vec::new()
    } else {
        stance.predict_batch(&pairs)?
    };
    let mut rest = predictions.as_slice();
    let mut analyses = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let (own, tail) = rest.split_at(draft.pair_count().min(rest.len()));
        rest = tail;
        analyses.push(draft.finish(own));
    }
    Ok(analyses)
}

#[cfg(test)]
mod tests {
    use super::mentions::is_acronym_of;
    use super::*;

    fn entity(text: &str, full: &str, label: &str, nth: usize) -> Entity {
        let byte = full
            .match_indices(text)
            .nth(nth)
            .map(|(byte, _)| byte)
            .expect("mention in text");
        let start = full[..byte].chars().count();
        Entity {
            text: text.into(),
            label: label.into(),
            start,
            end: start + text.chars().count(),
            score: 0.9,
        }
    }

    const TEXT: &str = "Vice President JD Vance said the United States (US) may send troops. \
“There are tools,” Vance told the Wall Street Journal. He stressed that sanctions stay. \
The tone differs from remarks by US President Donald Trump, who implied that Ukraine may be Russian. \
According to Trump, talks start now. French President Emmanuel Macron warned Europe. \
The talks continue.";

    fn mentions() -> Vec<Entity> {
        vec![
            entity("JD Vance", TEXT, "PER", 0),
            entity("United States", TEXT, "LOC", 0),
            entity("US", TEXT, "LOC", 0),
            entity("Vance", TEXT, "PER", 1),
            entity("Wall Street Journal", TEXT, "ORG", 0),
            entity("US", TEXT, "LOC", 1),
            entity("Donald Trump", TEXT, "PER", 0),
            entity("Ukraine", TEXT, "LOC", 0),
            entity("Trump", TEXT, "PER", 1),
            entity("French", TEXT, "MISC", 0),
            entity("Emmanuel Macron", TEXT, "PER", 0),
            entity("Europe", TEXT, "LOC", 0),
        ]
    }

    #[test]
    fn mentions_group_under_full_names_and_acronyms() {
        let groups = group_mentions(TEXT, &mentions());
        let summary: Vec<(&str, usize)> = groups
            .iter()
            .map(|g| (g.name.as_str(), g.mentions.len()))
            .collect();
        assert_eq!(
            summary,
            [
                ("JD Vance", 2),
                ("United States", 3),
                ("Wall Street Journal", 1),
                ("Donald Trump", 2),
                ("Ukraine", 1),
                ("French", 1),
                ("Emmanuel Macron", 1),
                ("Europe", 1)
            ]
        );
        assert_eq!(groups[0].roles, ["Vice President"]);
        assert_eq!(groups[3].roles, ["US President"]);
        assert_eq!(groups[6].roles, ["French President"]);
        for group in &groups {
            for mention in &group.mentions {
                let cut: String = TEXT
                    .chars()
                    .skip(mention.start)
                    .take(mention.end - mention.start)
                    .collect();
                assert_eq!(cut, mention.text);
            }
        }
    }

    #[test]
    fn acronyms_need_capitals_and_several_words() {
        assert!(is_acronym_of("US", "United States"));
        assert!(is_acronym_of("U.S.", "United States"));
        assert!(is_acronym_of("NATO", "North Atlantic Treaty Organization"));
        assert!(!is_acronym_of("us", "United States"));
        assert!(!is_acronym_of("UK", "Ukraine"));
    }

    #[test]
    fn sentences_are_attributed_with_cues_and_pronouns() {
        let sentences = split_sentences(TEXT);
        let groups = group_mentions(TEXT, &mentions());
        let attributions = attribute_sentences(&sentences, &groups);
        let summary: Vec<(&str, &str)> = attributions
            .iter()
            .map(|a| (a.speaker.as_str(), a.cue.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                ("JD Vance", "said"),
                ("JD Vance", "told"),
                ("JD Vance", "he stressed"),
                ("Donald Trump", "implied"),
                ("Donald Trump", "according to"),
                ("Emmanuel Macron", "warned"),
                ("author", ""),
            ]
        );
        assert!(attributions[2].confidence < attributions[0].confidence);
        assert_eq!(
            (attributions[0].start, attributions[0].end),
            (sentences[0].start, sentences[0].end)
        );
    }

    #[test]
    fn they_only_takes_the_previous_sentence_speaker_and_told_picks_the_subject() {
        let text = "Macron said peace matters. Europe waits. They emphasized unity. \
Hegseth told NATO allies that troops must stay. She warned nobody.";
        let entities = vec![
            entity("Macron", text, "PER", 0),
            entity("Europe", text, "LOC", 0),
            entity("Hegseth", text, "PER", 0),
            entity("NATO", text, "ORG", 0),
        ];
        let groups = group_mentions(text, &entities);
        let speakers: Vec<String> = attribute_sentences(&split_sentences(text), &groups)
            .into_iter()
            .map(|a| a.speaker)
            .collect();
        assert_eq!(
            speakers,
            ["Macron", "author", "author", "Hegseth", "Hegseth"]
        );
    }

    #[test]
    fn a_pronoun_without_antecedent_is_not_attributed() {
        let text = "He said nothing. The end.";
        let attributions = attribute_sentences(&split_sentences(text), &[]);
        assert!(attributions.iter().all(|a| a.speaker == AUTHOR));
    }

    #[test]
    fn stance_aggregation_uses_evidence_sentences() {
        let distributions = [
            (0, 5, [0.1, 0.1, 0.8]),
            (6, 9, [0.7, 0.2, 0.1]),
            (10, 12, [0.2, 0.6, 0.2]),
        ];
        let (label, score, mean, evidence) = aggregate_stance(&distributions);
        assert_eq!(label, Stance::Favor);
        assert!((score - 0.45).abs() < 1e-6);
        assert!((mean[1] - 0.4).abs() < 1e-6);
        assert_eq!(evidence, [(6, 9), (10, 12)]);
        let (label, score, _, evidence) = aggregate_stance(&[(0, 5, [0.1, 0.1, 0.8])]);
        assert_eq!((label, evidence.len()), (Stance::None, 0));
        assert!((score - 0.8).abs() < 1e-6);
        assert_eq!(aggregate_stance(&[]).0, Stance::None);
    }

    #[test]
    fn default_targets_skip_speakers_and_people() {
        let groups = group_mentions(TEXT, &mentions());
        let targets = default_targets(&groups, &["JD Vance".to_string()]);
        assert_eq!(targets[0], "United States");
        assert!(!targets.contains(&"Donald Trump".to_string()));
    }
}
