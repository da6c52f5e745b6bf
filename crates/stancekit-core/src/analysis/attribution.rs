//! Sentence attribution by rules: reporting verbs, "according to", quotes and pronoun carry-over.

use super::{Attribution, DocumentEntity, AUTHOR};
use crate::sentences::Sentence;

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
