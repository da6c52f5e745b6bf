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

use std::collections::{BTreeMap, HashMap};

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ner::EntityRecognizer;
use crate::sentences::{split_sentences, Sentence};
use crate::stance::StanceClassifier;
use crate::types::{Entity, Stance};

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

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace())
        .filter(|word| !word.is_empty())
        .map(normalize_word)
        .collect()
}

/// Lower-cases, drops a possessive and the dots of acronyms ("U.S." → "us").
fn normalize_word(word: &str) -> String {
    let trimmed = word.trim_end_matches("'s").trim_end_matches("’s");
    trimmed
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-')
        .flat_map(char::to_lowercase)
        .collect()
}

const FUNCTION_WORDS: &[&str] = &["of", "the", "and", "for", "de", "la", "du", "von", "van"];

/// Initials of the capitalised words: "United States" → "us", "North Atlantic Treaty Organization" → "nato".
fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter(|word| !FUNCTION_WORDS.contains(&word.to_lowercase().as_str()))
        .filter_map(|word| word.chars().next())
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_acronym_of(short: &str, long: &str) -> bool {
    let compact: String = short.chars().filter(|c| c.is_alphanumeric()).collect();
    compact.chars().count() >= 2
        && compact.chars().all(|c| c.is_uppercase())
        && long.split_whitespace().count() >= 2
        && compact.to_lowercase() == initials(long)
}

fn same_entity(label: &str, mention: &str, group: &DocumentEntity) -> bool {
    let mention_words = words(mention);
    if mention_words.is_empty() {
        return false;
    }
    group.mentions.iter().any(|other| {
        let other_words = words(&other.text);
        if mention_words == other_words {
            return true;
        }
        if label == "PER" && other.label == "PER" {
            // "Vance" → "JD Vance": a surname or a first name alone.
            return mention_words.len() == 1
                && other_words.len() > 1
                && (other_words.last() == mention_words.first()
                    || other_words.first() == mention_words.first());
        }
        label != "PER"
            && other.label != "PER"
            && (is_acronym_of(mention, &other.text) || is_acronym_of(&other.text, mention))
    })
}

const TITLE_WORDS: &[&str] = &[
    "president",
    "vice",
    "secretary",
    "minister",
    "prime",
    "chancellor",
    "senator",
    "governor",
    "general",
    "ambassador",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "leader",
    "king",
    "queen",
    "pope",
    "chairman",
    "chairwoman",
    "director",
    "mayor",
    "representative",
    "envoy",
    "commissioner",
    "premier",
    "admiral",
    "chief",
];

/// The run of capitalised words right before `start` that contains a title word ("Vice President").
fn role_before(chars: &[char], start: usize) -> Option<String> {
    let before: String = chars[..start].iter().collect();
    let mut role: Vec<&str> = Vec::new();
    for word in before.split_whitespace().rev().take(4) {
        let starts_upper = word.chars().next().is_some_and(char::is_uppercase);
        if !starts_upper || word.ends_with([',', '.', ';', ':', '”', '"']) {
            break;
        }
        role.push(word);
    }
    role.reverse();
    let first_title = role
        .iter()
        .position(|word| TITLE_WORDS.contains(&normalize_word(word).as_str()))?;
    // Keep a qualifier just before the title ("French President", "Defense Secretary").
    let begin = first_title.saturating_sub(1);
    Some(role[begin..].join(" "))
}

/// Groups entity mentions into document entities. The canonical name is the mention with the most words
/// (the first such on ties); persons absorb single-word mentions of their first or last name, and
/// organisations and places absorb their acronyms.
pub fn group_mentions(text: &str, entities: &[Entity]) -> Vec<DocumentEntity> {
    let chars: Vec<char> = text.chars().collect();
    let mut order: Vec<&Entity> = entities.iter().collect();
    // Longer mentions first, so that "JD Vance" exists before "Vance" looks for it.
    order.sort_by_key(|entity| (std::cmp::Reverse(words(&entity.text).len()), entity.start));
    let mut groups: Vec<DocumentEntity> = Vec::new();
    for entity in order {
        let target = groups
            .iter()
            .position(|group| same_entity(&entity.label, &entity.text, group));
        let index = match target {
            Some(index) => index,
            None => {
                groups.push(DocumentEntity {
                    name: entity.text.clone(),
                    label: entity.label.clone(),
                    roles: Vec::new(),
                    mentions: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let group = &mut groups[index];
        group.mentions.push(entity.clone());
        if entity.label == "PER" {
            if let Some(role) = role_before(&chars, entity.start.min(chars.len())) {
                if !group.roles.contains(&role) {
                    group.roles.push(role);
                }
            }
        }
    }
    for group in &mut groups {
        group.mentions.sort_by_key(|mention| mention.start);
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for mention in &group.mentions {
            *counts.entry(mention.label.as_str()).or_default() += 1;
        }
        if let Some((label, _)) = counts
            .into_iter()
            .max_by_key(|(label, count)| (*count, std::cmp::Reverse(*label)))
        {
            group.label = label.to_owned();
        }
    }
    groups.sort_by_key(|group| {
        group
            .mentions
            .first()
            .map_or(usize::MAX, |mention| mention.start)
    });
    groups
}

// Verbs that report speech or a view. Forms that are mostly nouns in news text ("remarks", "claims", "calls",
// "notes", "states", "questions", "promises") are left out.
const REPORTING_VERBS: &[&str] = &[
    "said",
    "says",
    "say",
    "told",
    "tells",
    "stated",
    "emphasized",
    "emphasised",
    "emphasizes",
    "emphasises",
    "stressed",
    "stresses",
    "called",
    "implied",
    "implies",
    "declared",
    "declares",
    "warned",
    "warns",
    "argued",
    "argues",
    "added",
    "adds",
    "noted",
    "claimed",
    "suggested",
    "suggests",
    "insisted",
    "insists",
    "announced",
    "announces",
    "asserted",
    "asserts",
    "explained",
    "explains",
    "wrote",
    "writes",
    "urged",
    "urges",
    "remarked",
    "indicated",
    "indicates",
    "maintained",
    "maintains",
    "acknowledged",
    "acknowledges",
    "predicted",
    "predicts",
    "promised",
    "vowed",
    "threatened",
    "threatens",
    "believes",
    "believed",
    "thinks",
    "proposed",
    "proposes",
    "criticized",
    "criticised",
    "criticizes",
    "criticises",
    "rejected",
    "rejects",
    "dismissed",
    "dismisses",
    "expressed",
    "expresses",
    "questioned",
    "opined",
    "reiterated",
    "reiterates",
    "admitted",
    "admits",
    "replied",
    "responded",
    "responds",
];

const PRONOUNS: &[&str] = &["he", "she", "they"];

/// How many sentences back a pronoun may find the previous speaker ("they" only looks one sentence back).
fn pronoun_reach(pronoun: &str) -> usize {
    if pronoun == "they" {
        1
    } else {
        2
    }
}

/// A word of a sentence with its code-point offsets in the document.
#[derive(Debug, Clone)]
struct Token {
    text: String,
    start: usize,
    end: usize,
}

fn tokens_of(sentence: &Sentence) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut begin = 0;
    for (offset, character) in sentence.text.chars().enumerate() {
        if character.is_alphanumeric() || character == '\'' || character == '’' || character == '-'
        {
            if current.is_empty() {
                begin = offset;
            }
            current.push(character);
        } else if !current.is_empty() {
            tokens.push(Token {
                text: std::mem::take(&mut current),
                start: sentence.start + begin,
                end: sentence.start + offset,
            });
        }
    }
    if !current.is_empty() {
        let end = sentence.start + sentence.text.chars().count();
        tokens.push(Token {
            text: current,
            start: sentence.start + begin,
            end,
        });
    }
    tokens
}

/// A candidate speaker inside a sentence: a person or organisation mention, or a pronoun.
#[derive(Debug, Clone)]
struct Candidate {
    speaker: Option<String>,
    start: usize,
    end: usize,
    pronoun: bool,
    person: bool,
}

fn candidates(sentence: &Sentence, tokens: &[Token], groups: &[DocumentEntity]) -> Vec<Candidate> {
    let mut found: Vec<Candidate> = groups
        .iter()
        .filter(|group| group.label == "PER" || group.label == "ORG")
        .flat_map(|group| {
            group
                .mentions
                .iter()
                .filter(|mention| mention.start >= sentence.start && mention.end <= sentence.end)
                .map(move |mention| Candidate {
                    speaker: Some(group.name.clone()),
                    start: mention.start,
                    end: mention.end,
                    pronoun: false,
                    person: group.label == "PER",
                })
        })
        .collect();
    found.extend(
        tokens
            .iter()
            .filter(|token| PRONOUNS.contains(&token.text.to_lowercase().as_str()))
            .map(|token| Candidate {
                speaker: None,
                start: token.start,
                end: token.end,
                pronoun: true,
                person: true,
            }),
    );
    found.sort_by_key(|candidate| candidate.start);
    found
}

/// Attributes each sentence to a speaker (a document entity's name) or to the author.
///
/// Rules, in order: "according to X"; a reporting verb with a person or organisation (or a pronoun) as its
/// nearest preceding subject within eight words; the nearest mention within three words after the verb
/// ("…,” said Vance"). "He" or "she" takes the speaker of one of the two previous sentences, else the last
/// person mentioned; "they" takes only the previous sentence's speaker.
pub fn attribute_sentences(sentences: &[Sentence], groups: &[DocumentEntity]) -> Vec<Attribution> {
    let mut attributions: Vec<Attribution> = Vec::with_capacity(sentences.len());
    // The latest non-author speaker and the index of its sentence.
    let mut last_speaker: Option<(String, usize)> = None;
    let mut last_person: Option<String> = None;
    for (sentence_index, sentence) in sentences.iter().enumerate() {
        let tokens = tokens_of(sentence);
        let found = candidates(sentence, &tokens, groups);
        let lower: Vec<String> = tokens
            .iter()
            .map(|token| token.text.to_lowercase())
            .collect();
        let mut attribution: Option<(String, String, f32)> = None;
        // "according to X"
        if let Some(position) = lower
            .windows(2)
            .position(|pair| pair[0] == "according" && pair[1] == "to")
        {
            let after = tokens[position + 1].end;
            if let Some(candidate) = found
                .iter()
                .find(|c| c.start >= after && !c.pronoun && c.start <= after + 40)
            {
                if let Some(speaker) = &candidate.speaker {
                    attribution = Some((speaker.clone(), "according to".into(), 0.9));
                }
            }
        }
        if attribution.is_none() {
            for (position, word) in lower.iter().enumerate() {
                if !REPORTING_VERBS.contains(&word.as_str()) {
                    continue;
                }
                let verb = &tokens[position];
                let window_start = tokens[position.saturating_sub(8)].start;
                let before = found
                    .iter()
                    .rev()
                    .find(|c| c.end <= verb.start && c.start >= window_start);
                let after_limit = tokens
                    .get(position + 3)
                    .map_or(sentence.end, |token| token.end);
                let after = found
                    .iter()
                    .find(|c| c.start >= verb.end && c.end <= after_limit && !c.pronoun);
                let (chosen, confidence) = match (before, after) {
                    (Some(candidate), _) => (candidate, if candidate.person { 0.9 } else { 0.75 }),
                    (None, Some(candidate)) => (candidate, 0.8),
                    (None, None) => continue,
                };
                let speaker = if chosen.pronoun {
                    let pronoun = lower_slice(sentence, chosen);
                    let recent = last_speaker
                        .as_ref()
                        .filter(|(_, index)| sentence_index - index <= pronoun_reach(&pronoun))
                        .map(|(speaker, _)| speaker.clone());
                    if pronoun == "they" {
                        recent
                    } else {
                        recent.or_else(|| last_person.clone())
                    }
                } else {
                    chosen.speaker.clone()
                };
                if let Some(speaker) = speaker {
                    let cue = if chosen.pronoun {
                        format!("{} {}", lower_slice(sentence, chosen), word)
                    } else {
                        word.clone()
                    };
                    let confidence = if chosen.pronoun { 0.7 } else { confidence };
                    attribution = Some((speaker, cue, confidence));
                    break;
                }
            }
        }
        for candidate in found.iter().filter(|c| c.person && !c.pronoun) {
            last_person.clone_from(&candidate.speaker);
        }
        let (speaker, cue, confidence) =
            attribution.unwrap_or_else(|| (AUTHOR.to_owned(), String::new(), 1.0));
        if speaker != AUTHOR {
            last_speaker = Some((speaker.clone(), sentence_index));
        }
        attributions.push(Attribution {
            speaker,
            start: sentence.start,
            end: sentence.end,
            cue,
            confidence,
        });
    }
    attributions
}

fn lower_slice(sentence: &Sentence, candidate: &Candidate) -> String {
    sentence
        .text
        .chars()
        .skip(candidate.start - sentence.start)
        .take(candidate.end - candidate.start)
        .flat_map(char::to_lowercase)
        .collect()
}

/// Aggregates per-sentence stance distributions `[favor, against, none]` of one speaker toward one target.
///
/// Sentences whose most probable stance is favor or against are the evidence; the stance with more
/// probability mass over the evidence wins. Without evidence the stance is `none`.
pub fn aggregate_stance(
    distributions: &[(usize, usize, [f32; 3])],
) -> (Stance, f32, [f32; 3], Vec<(usize, usize)>) {
    let is_evidence = |distribution: &[f32; 3]| {
        distribution[Stance::Favor.index()].max(distribution[Stance::Against.index()])
            > distribution[Stance::None.index()]
    };
    let evidence: Vec<&(usize, usize, [f32; 3])> = distributions
        .iter()
        .filter(|(_, _, d)| is_evidence(d))
        .collect();
    let pool: Vec<&(usize, usize, [f32; 3])> = if evidence.is_empty() {
        distributions.iter().collect()
    } else {
        evidence.clone()
    };
    let mut mean = [0.0f32; 3];
    for (_, _, distribution) in &pool {
        for (total, value) in mean.iter_mut().zip(distribution) {
            *total += value / pool.len().max(1) as f32;
        }
    }
    let label = if evidence.is_empty() {
        Stance::None
    } else if mean[Stance::Favor.index()] >= mean[Stance::Against.index()] {
        Stance::Favor
    } else {
        Stance::Against
    };
    (
        label,
        mean[label.index()],
        mean,
        evidence
            .iter()
            .map(|(start, end, _)| (*start, *end))
            .collect(),
    )
}

/// Targets to use when the caller gives none: the three most-mentioned entities that are not speakers and not
/// persons.
pub fn default_targets(groups: &[DocumentEntity], speakers: &[String]) -> Vec<String> {
    let mut candidates: Vec<&DocumentEntity> = groups
        .iter()
        .filter(|group| group.label != "PER" && !speakers.contains(&group.name))
        .collect();
    candidates.sort_by_key(|group| std::cmp::Reverse(group.mentions.len()));
    candidates
        .into_iter()
        .take(3)
        .map(|group| group.name.clone())
        .collect()
}

/// Analyses one document. `targets` of `None` uses [`default_targets`].
pub fn analyze(
    text: &str,
    targets: Option<&[String]>,
    ner: &EntityRecognizer,
    stance: &StanceClassifier,
) -> Result<Analysis> {
    let sentences = split_sentences(text);
    let mentions = ner.predict(text)?;
    let entities = group_mentions(text, &mentions);
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
    let pairs: Vec<(&str, &str)> = sentences
        .iter()
        .flat_map(|sentence| {
            targets
                .iter()
                .map(move |target| (sentence.text.as_str(), target.as_str()))
        })
        .collect();
    let predictions = if pairs.is_empty() {
        Vec::new()
    } else {
        stance.predict_batch(&pairs)?
    };
    let mut stances = Vec::with_capacity(speakers.len() * targets.len());
    for speaker in &speakers {
        for (target_index, target) in targets.iter().enumerate() {
            let distributions: Vec<(usize, usize, [f32; 3])> = attributions
                .iter()
                .enumerate()
                .filter(|(_, attribution)| attribution.speaker == *speaker)
                .map(|(sentence_index, attribution)| {
                    let prediction = &predictions[sentence_index * targets.len() + target_index];
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
    Ok(Analysis {
        sentences,
        entities,
        speakers,
        attributions,
        targets,
        stances,
    })
}

#[cfg(test)]
mod tests {
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
