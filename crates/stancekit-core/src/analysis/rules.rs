//! Sentence attribution by rules, for entity models without an attribution head: reporting verbs, "according
//! to", quotes and pronoun carry-over over named persons and organisations.

use crate::analysis::document::{Attribution, DocumentEntity, AUTHOR};
use crate::analysis::lexicon::{
    entity_kind, is_reporting_verb, is_subject_pronoun, pronoun, EntityKind,
};
use crate::analysis::mentions::speaking_mentions;
use crate::analysis::pronouns::{antecedent, Antecedent, Speaker};
use crate::text::offsets::TextSpan;
use crate::text::sentences::Sentence;

/// What a rule found: the speaker (name and whether a person), source span, cue span, confidence.
type Found = ((String, bool), (usize, usize), (usize, usize), f32);

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
    let mut found: Vec<Candidate> = speaking_mentions(groups, sentence.start, sentence.end)
        .map(|(mention, group)| Candidate {
            speaker: Some(group.name.clone()),
            start: mention.start,
            end: mention.end,
            pronoun: false,
            person: entity_kind(&group.label) == EntityKind::Person,
        })
        .collect();
    found.extend(
        tokens
            .iter()
            .filter(|token| is_subject_pronoun(&token.text.to_lowercase()))
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
/// ("…,” said Vance"). Pronouns follow the one pronoun policy ([`antecedent`]), the last person mentioned in an
/// earlier sentence standing in for "the last person named".
pub fn attribute_sentences(sentences: &[Sentence], groups: &[DocumentEntity]) -> Vec<Attribution> {
    let mut attributions: Vec<Attribution> = Vec::with_capacity(sentences.len());
    // The latest non-author speaker.
    let mut last_speaker: Option<Speaker> = None;
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
                        (speaker.clone(), candidate.person),
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
                    pronoun(&word).and_then(|reach| {
                        match antecedent(reach, sentence_index, last_speaker.as_ref(), |person| {
                            last_person.clone().filter(|_| person)
                        })? {
                            Antecedent::Previous(previous) => {
                                Some((previous.name.clone(), previous.person))
                            }
                            Antecedent::Named(name) => Some((name, true)),
                        }
                    })
                } else {
                    chosen.speaker.clone().map(|name| (name, chosen.person))
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
            Some(((speaker, person), source, cue, confidence)) => {
                last_speaker = Some(Speaker {
                    name: speaker.clone(),
                    person,
                    last_sentence: sentence_index,
                });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::document::AUTHOR;
    use crate::analysis::fixtures::{entity, mentions, span_text, TEXT};
    use crate::analysis::mentions::group_mentions;
    use crate::analysis::stances::default_targets;
    use crate::text::sentences::split_sentences;

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
    fn pronouns_follow_the_one_policy_and_told_picks_the_subject() {
        // "They" finds Macron two sentences back (the policy of the learned resolution too); three back is too far.
        let text = "Macron said peace matters. Europe waits. They emphasized unity. \
Hegseth told NATO allies that troops must stay. She warned nobody. Rain fell. Snow fell. Dust fell. \
They stressed it.";
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
            [
                "Macron", "author", "Macron", "Hegseth", "Hegseth", "author", "author", "author",
                "author"
            ]
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
    fn only_subject_pronouns_are_subjects() {
        // "him" is no subject: Putin said it, not the previous speaker.
        let text = "Trump said talks start. Putin met him and said the talks were over.";
        let entities = vec![
            entity("Trump", text, "PER", 0),
            entity("Putin", text, "PER", 0),
        ];
        let groups = group_mentions(text, &entities);
        let speakers: Vec<String> = attribute_sentences(&split_sentences(text), &groups)
            .into_iter()
            .map(|a| a.speaker)
            .collect();
        assert_eq!(speakers, ["Trump", "Putin"]);
    }

    #[test]
    fn a_pronoun_without_antecedent_is_not_attributed() {
        let text = "He said nothing. The end.";
        let attributions = attribute_sentences(&split_sentences(text), &[]);
        assert!(attributions.iter().all(|a| a.speaker == AUTHOR));
    }
}
