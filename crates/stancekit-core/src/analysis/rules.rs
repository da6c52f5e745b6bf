//! Sentence attribution by rules, for entity models without an attribution head: reporting verbs, "according
//! to", quotes and pronoun carry-over over named persons and organisations.

use super::lexicon::{entity_kind, is_reporting_verb, pronoun, EntityKind, PronounReach};
use super::{Attribution, DocumentEntity, AUTHOR};
use crate::relations::TextSpan;
use crate::sentences::Sentence;

/// How many sentences back a pronoun may find the previous speaker ("they" only looks one sentence back).
fn pronoun_reach(word: &str) -> usize {
    match pronoun(word) {
        Some(PronounReach::Person) => 2,
        _ => 1,
    }
}

/// What a rule found: speaker, source span, cue span, confidence.
type Found = (String, (usize, usize), (usize, usize), f32);

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
        .filter(|group| entity_kind(&group.label).can_speak())
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
                    person: entity_kind(&group.label) == EntityKind::Person,
                })
        })
        .collect();
    found.extend(
        tokens
            .iter()
            .filter(|token| {
                matches!(
                    pronoun(&token.text.to_lowercase()),
                    Some(PronounReach::Person | PronounReach::Any)
                )
            })
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
        let mut attribution: Option<Found> = None;
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
                    attribution = Some((
                        speaker.clone(),
                        (candidate.start, candidate.end),
                        (tokens[position].start, tokens[position + 1].end),
                        0.9,
                    ));
                }
            }
        }
        if attribution.is_none() {
            for (position, word) in lower.iter().enumerate() {
                if !is_reporting_verb(word) {
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
                    let word = lower_slice(sentence, chosen);
                    let recent = last_speaker
                        .as_ref()
                        .filter(|(_, index)| sentence_index - index <= pronoun_reach(&word))
                        .map(|(speaker, _)| speaker.clone());
                    if pronoun(&word) != Some(PronounReach::Person) {
                        recent
                    } else {
                        recent.or_else(|| last_person.clone())
                    }
                } else {
                    chosen.speaker.clone()
                };
                if let Some(speaker) = speaker {
                    let confidence = if chosen.pronoun { 0.7 } else { confidence };
                    attribution = Some((
                        speaker,
                        (chosen.start, chosen.end),
                        (verb.start, verb.end),
                        confidence,
                    ));
                    break;
                }
            }
        }
        for candidate in found.iter().filter(|c| c.person && !c.pronoun) {
            last_person.clone_from(&candidate.speaker);
        }
        let content = vec![span_in(sentence, sentence.start, sentence.end)];
        let attribution = match attribution {
            Some((speaker, source, cue, confidence)) => {
                last_speaker = Some((speaker.clone(), sentence_index));
                Attribution {
                    speaker,
                    start: sentence.start,
                    end: sentence.end,
                    source: Some(span_in(sentence, source.0, source.1)),
                    cue: Some(span_in(sentence, cue.0, cue.1)),
                    content,
                    confidence,
                }
            }
            None => Attribution {
                speaker: AUTHOR.to_owned(),
                start: sentence.start,
                end: sentence.end,
                source: None,
                cue: None,
                content,
                confidence: 1.0,
            },
        };
        attributions.push(attribution);
    }
    attributions
}

/// The span of document offsets `start..end` inside `sentence`.
fn span_in(sentence: &Sentence, start: usize, end: usize) -> TextSpan {
    TextSpan {
        start,
        end,
        text: sentence
            .text
            .chars()
            .skip(start - sentence.start)
            .take(end - start)
            .collect(),
    }
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
