//! Document analysis: who is mentioned, who says what, and what stance each speaker takes toward a target.
//!
//! [`analyze`] splits the text into sentences, finds entities and groups their mentions into document entities
//! ("Vance", "JD Vance" → *JD Vance*; "US" ↔ "United States"). When the entity model has an attribution head
//! (the bundled one does), the same forward pass tags the source, cue and content of reported speech; the
//! spans are assembled into relations ([`crate::relations`]) and each source is resolved to a speaker: a named
//! person or organisation, a pronoun's antecedent, a title's holder, or a group speaker named by the source
//! ("European leaders"). Text in no relation is the author's. Models without that head fall back to rules over
//! named entities and reporting verbs. Each speaker's stance toward each target is read from their contents
//! only, with the evidence rule of [`crate::stance::evidence`]: favor or against only where some content
//! supports it.
//!
//! The module is split by concern: `mentions` (grouping), `speakers` (relations → speakers), `rules` (the
//! fallback attribution), `stances` (aggregation), `lexicon` (the word lists, kept as data in `words/`).
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

pub mod lexicon;
mod mentions;
mod rules;
mod speakers;
mod stances;

use std::collections::BTreeMap;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ner::{EntityRecognizer, Labelled};
use crate::relations::{assemble_relations, TextSpan};
use crate::sentences::{split_sentences, Sentence};
use crate::stance::StanceClassifier;
use crate::types::{Entity, Stance, StancePrediction};

pub use mentions::group_mentions;
pub use rules::attribute_sentences;
pub use speakers::resolve_speakers;
pub use stances::{aggregate_stance, default_targets, mentions_target, Aggregated, Basis, Content};

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

/// Everything [`analyze`] finds in a document.
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

/// A document's analysis up to its stance pairs: everything but the model's stance predictions.
struct Draft {
    sentences: Vec<Sentence>,
    entities: Vec<DocumentEntity>,
    speakers: Vec<String>,
    attributions: Vec<Attribution>,
    /// Each attribution's content text, in the same order.
    contents: Vec<String>,
    targets: Vec<String>,
}

impl Draft {
    fn new(text: &str, labelled: &Labelled, learned: bool, targets: Option<&[String]>) -> Draft {
        let sentences = split_sentences(text);
        let entities = group_mentions(text, &labelled.entities);
        let attributions = if learned {
            let relations = assemble_relations(text, &labelled.roles, &sentences);
            resolve_speakers(&relations, &entities, &sentences)
        } else {
            attribute_sentences(&sentences, &entities)
        };
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
        let contents = attributions.iter().map(Attribution::content_text).collect();
        Draft {
            sentences,
            entities,
            speakers,
            attributions,
            contents,
            targets,
        }
    }

    /// The `(content, target)` pairs to classify, attribution-major.
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.contents.iter().flat_map(|content| {
            self.targets
                .iter()
                .map(move |target| (content.as_str(), target.as_str()))
        })
    }

    fn pair_count(&self) -> usize {
        self.contents.len() * self.targets.len()
    }

    /// The analysis, given the predictions of [`Draft::pairs`] in their order.
    fn finish(self, predictions: &[StancePrediction], threshold: f32) -> Analysis {
        let mut stances = Vec::with_capacity(self.speakers.len() * self.targets.len());
        for speaker in &self.speakers {
            for (target_index, target) in self.targets.iter().enumerate() {
                let contents: Vec<Content<'_>> = self
                    .attributions
                    .iter()
                    .enumerate()
                    .filter(|(_, attribution)| attribution.speaker == *speaker)
                    .filter_map(|(index, attribution)| {
                        let prediction =
                            predictions.get(index * self.targets.len() + target_index)?;
                        let distribution = Stance::ALL.map(|class| {
                            prediction
                                .scores
                                .get(class.as_str())
                                .copied()
                                .unwrap_or_default()
                        });
                        let ranges = attribution
                            .content
                            .iter()
                            .map(|range| (range.start, range.end))
                            .collect();
                        Some(Content {
                            ranges,
                            text: self.contents[index].as_str(),
                            distribution,
                        })
                    })
                    .collect();
                let aggregated = aggregate_stance(&contents, target, threshold);
                stances.push(SpeakerStance {
                    speaker: speaker.clone(),
                    target: target.clone(),
                    label: aggregated.label,
                    score: aggregated.score,
                    scores: Stance::ALL
                        .iter()
                        .map(|class| (class.as_str().to_owned(), aggregated.mean[class.index()]))
                        .collect(),
                    evidence: aggregated.evidence,
                    basis: aggregated.basis,
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
    let labelled = ner.predict_labelled(&texts)?;
    let drafts: Vec<Draft> = documents
        .iter()
        .zip(&labelled)
        .map(|(&(text, targets), labelled)| {
            Draft::new(text, labelled, ner.has_attribution(), targets)
        })
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
        analyses.push(draft.finish(own, stance.evidence_threshold()));
    }
    Ok(analyses)
}

#[cfg(test)]
mod tests {
    use super::mentions::is_acronym_of;
    use super::*;
    use crate::relations::Relation;

    fn span_text(span: &Option<TextSpan>) -> &str {
        span.as_ref().map_or("", |s| s.text.as_str())
    }

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
        let summary: Vec<(&str, &str, &str)> = attributions
            .iter()
            .map(|a| (a.speaker.as_str(), span_text(&a.source), span_text(&a.cue)))
            .collect();
        assert_eq!(
            summary,
            [
                ("JD Vance", "JD Vance", "said"),
                ("JD Vance", "Vance", "told"),
                ("JD Vance", "He", "stressed"),
                ("Donald Trump", "Donald Trump", "implied"),
                ("Donald Trump", "Trump", "According to"),
                ("Emmanuel Macron", "Emmanuel Macron", "warned"),
                ("author", "", ""),
            ]
        );
        for attribution in &attributions {
            assert_eq!(attribution.content.len(), 1);
            for span in attribution
                .source
                .iter()
                .chain(&attribution.cue)
                .chain(&attribution.content)
            {
                let cut: String = TEXT
                    .chars()
                    .skip(span.start)
                    .take(span.end - span.start)
                    .collect();
                assert_eq!(cut, span.text);
            }
        }
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
    fn ontonotes_labels_name_speakers_too() {
        let text = "Emmanuel Macron said France will help. Macron told Le Monde that talks matter.";
        let entities = vec![
            entity("Emmanuel Macron", text, "PERSON", 0),
            entity("France", text, "GPE", 0),
            entity("Macron", text, "PERSON", 1),
            entity("Le Monde", text, "ORG", 0),
        ];
        let groups = group_mentions(text, &entities);
        assert_eq!(groups[0].mentions.len(), 2);
        let speakers: Vec<String> = attribute_sentences(&split_sentences(text), &groups)
            .into_iter()
            .map(|a| a.speaker)
            .collect();
        assert_eq!(speakers, ["Emmanuel Macron", "Emmanuel Macron"]);
        let targets = default_targets(&groups, &["Emmanuel Macron".to_string()]);
        assert_eq!(targets, ["France", "Le Monde"]);
    }

    #[test]
    fn a_pronoun_without_antecedent_is_not_attributed() {
        let text = "He said nothing. The end.";
        let attributions = attribute_sentences(&split_sentences(text), &[]);
        assert!(attributions.iter().all(|a| a.speaker == AUTHOR));
    }

    #[test]
    fn stance_aggregation_needs_evidence_above_the_threshold() {
        let content = |ranges: Vec<(usize, usize)>, text, distribution| Content {
            ranges,
            text,
            distribution,
        };
        let contents = [
            content(vec![(0, 5)], "Sanctions must stay.", [0.1, 0.1, 0.8]),
            content(vec![(6, 9)], "We back the talks.", [0.7, 0.2, 0.1]),
            content(
                vec![(10, 12), (14, 16)],
                "No deal, no peace.",
                [0.2, 0.6, 0.2],
            ),
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
        let found = aggregate_stance(&contents, "troops in Ukraine", 0.9);
        assert_eq!(found.basis, Basis::NoRelevantContent);
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
    }

    /// A relation over the `nth` occurrences of its parts in `text` (an empty part is absent).
    fn relation(
        text: &str,
        source: (&str, usize),
        cue: (&str, usize),
        content: &[(&str, usize)],
    ) -> Relation {
        let cut = |(needle, nth): (&str, usize)| -> Option<TextSpan> {
            if needle.is_empty() {
                return None;
            }
            // The nth occurrence as a whole word ("he", not the "he" of "their").
            let byte = text
                .match_indices(needle)
                .filter(|(byte, _)| {
                    let before = text[..*byte].chars().next_back();
                    let after = text[byte + needle.len()..].chars().next();
                    !before.is_some_and(char::is_alphanumeric)
                        && !after.is_some_and(char::is_alphanumeric)
                })
                .nth(nth)
                .map(|(byte, _)| byte)
                .expect("part in text");
            let start = text[..byte].chars().count();
            Some(TextSpan {
                start,
                end: start + needle.chars().count(),
                text: needle.into(),
            })
        };
        let content: Vec<TextSpan> = content.iter().filter_map(|&part| cut(part)).collect();
        let source = cut(source);
        let cue = cut(cue);
        let spans: Vec<&TextSpan> = source.iter().chain(&cue).chain(&content).collect();
        Relation {
            start: spans.iter().map(|s| s.start).min().unwrap(),
            end: spans.iter().map(|s| s.end).max().unwrap(),
            source,
            cue,
            content,
            score: 0.9,
        }
    }

    #[test]
    fn sources_resolve_to_entities_pronouns_titles_and_groups() {
        let text = "Defense Secretary Pete Hegseth said troops stay home. \
European leaders were rushing to clarify their plans. They emphasized that Ukraine must be at the table. \
“Talks are near,” French President Emmanuel Macron told reporters, “very near.” \
Any capitulation would harm all, he added. The defense secretary warned allies. \
Peace matters, according to the European leaders. The weather was fine.";
        let entities = vec![
            entity("Pete Hegseth", text, "PER", 0),
            entity("European", text, "MISC", 0),
            entity("Ukraine", text, "LOC", 0),
            entity("French", text, "MISC", 0),
            entity("Emmanuel Macron", text, "PER", 0),
            entity("European", text, "MISC", 1),
        ];
        let groups = group_mentions(text, &entities);
        let relations = vec![
            relation(
                text,
                ("Pete Hegseth", 0),
                ("said", 0),
                &[("troops stay home.", 0)],
            ),
            relation(
                text,
                ("European leaders", 0),
                ("rushing to clarify", 0),
                &[("their plans.", 0)],
            ),
            relation(
                text,
                ("They", 0),
                ("emphasized", 0),
                &[("Ukraine must be at the table.", 0)],
            ),
            relation(
                text,
                ("French President Emmanuel Macron", 0),
                ("told", 0),
                &[("Talks are near", 0), ("very near.", 0)],
            ),
            relation(
                text,
                ("he", 0),
                ("added", 0),
                &[("Any capitulation would harm all", 0)],
            ),
            relation(
                text,
                ("The defense secretary", 0),
                ("warned", 0),
                &[("allies.", 0)],
            ),
            relation(
                text,
                ("the European leaders", 0),
                ("according to", 0),
                &[("Peace matters", 0)],
            ),
        ];
        let sentences = split_sentences(text);
        let attributions = resolve_speakers(&relations, &groups, &sentences);
        let speakers: Vec<&str> = attributions.iter().map(|a| a.speaker.as_str()).collect();
        assert_eq!(
            speakers,
            [
                "Pete Hegseth",
                "European leaders",
                "European leaders",
                "Emmanuel Macron",
                "Emmanuel Macron",
                "Pete Hegseth",
                "European leaders",
                "author",
            ]
        );
        assert_eq!(attributions[3].content.len(), 2);
        assert!(attributions[2].confidence < attributions[1].confidence);
        assert_eq!(attributions[7].content[0].text, "The weather was fine.");
        assert!(attributions[7].source.is_none() && attributions[7].cue.is_none());
    }

    #[test]
    fn relative_pronouns_and_titles_taken_for_names() {
        let text = "Vice President JD Vance said talks start. Remarks by Donald Trump, who implied a deal, differ.";
        let entities = vec![
            entity("Vice", text, "PER", 0),
            entity("JD Vance", text, "PER", 0),
            entity("Donald Trump", text, "PER", 0),
        ];
        let groups = group_mentions(text, &entities);
        // "Vice", tagged as a person inside JD Vance's title, is part of the title, not a person mentioned.
        let names: Vec<&str> = groups.iter().map(|group| group.name.as_str()).collect();
        assert_eq!(names, ["JD Vance", "Donald Trump"]);
        assert_eq!(groups[0].roles, ["Vice President"]);
        // Only persons are taken into titles: an organisation in one stays an entity.
        let nato = "NATO Secretary General Mark Rutte said more.";
        let nato_groups = group_mentions(
            nato,
            &[
                entity("NATO", nato, "ORG", 0),
                entity("Mark Rutte", nato, "PER", 0),
            ],
        );
        let names: Vec<&str> = nato_groups
            .iter()
            .map(|group| group.name.as_str())
            .collect();
        assert_eq!(names, ["NATO", "Mark Rutte"]);
        assert_eq!(nato_groups[1].roles, ["NATO Secretary General"]);
        let relations = vec![
            relation(
                text,
                ("Vice President JD Vance", 0),
                ("said", 0),
                &[("talks start.", 0)],
            ),
            relation(text, ("who", 0), ("implied", 0), &[("a deal", 0)]),
        ];
        let attributions = resolve_speakers(&relations, &groups, &split_sentences(text));
        let speakers: Vec<&str> = attributions.iter().map(|a| a.speaker.as_str()).collect();
        assert_eq!(speakers, ["JD Vance", "Donald Trump"]);
        // Without sentences (no text), nothing panics.
        assert_eq!(resolve_speakers(&relations, &groups, &[]).len(), 2);
        // A surname the entity model missed at the source still names the person.
        let text = "Donald Trump spoke. Later, Trump said talks start.";
        let groups = group_mentions(text, &[entity("Donald Trump", text, "PER", 0)]);
        let relations = vec![relation(
            text,
            ("Trump", 1),
            ("said", 0),
            &[("talks start.", 0)],
        )];
        let attributions = resolve_speakers(&relations, &groups, &split_sentences(text));
        assert_eq!(attributions[1].speaker, "Donald Trump");
    }

    #[test]
    fn pronouns_without_antecedent_and_contents_without_source() {
        let text = "They said it rains. Nobody knows why. A cold front, it seems.";
        let relations = vec![
            relation(text, ("They", 0), ("said", 0), &[("it rains.", 0)]),
            relation(text, ("", 0), ("", 0), &[("Nobody knows why.", 0)]),
            relation(text, ("", 0), ("", 0), &[("A cold front, it seems.", 0)]),
        ];
        let sentences = split_sentences(text);
        let attributions = resolve_speakers(&relations, &[], &sentences);
        let speakers: Vec<&str> = attributions.iter().map(|a| a.speaker.as_str()).collect();
        // An unresolved pronoun stays as written, with low confidence; a content right after continues it.
        assert_eq!(speakers, ["They", "They", "They"]);
        assert!(attributions[0].confidence < 0.5);
        let relations = vec![relation(
            text,
            ("", 0),
            ("", 0),
            &[("A cold front, it seems.", 0)],
        )];
        let attributions = resolve_speakers(&relations, &[], &sentences);
        let speakers: Vec<&str> = attributions.iter().map(|a| a.speaker.as_str()).collect();
        assert_eq!(speakers, ["author", "author", "author"]);
        // A content with a cue of its own but no source is not a view going on: its source was missed.
        let text = "Hegseth said troops stay. This contradicts Vance's declaration.";
        let relations = vec![
            relation(text, ("Hegseth", 0), ("said", 0), &[("troops stay.", 0)]),
            relation(
                text,
                ("", 0),
                ("contradicts", 0),
                &[("Vance's declaration", 0)],
            ),
        ];
        let attributions = resolve_speakers(&relations, &[], &split_sentences(text));
        let speakers: Vec<&str> = attributions.iter().map(|a| a.speaker.as_str()).collect();
        assert_eq!(speakers, ["Hegseth", "author"]);
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
