//! Relations → attributions: each relation's source resolved to a speaker, and the text in no relation given to
//! the author.

use std::collections::BTreeSet;

use crate::analysis::document::{Attribution, DocumentEntity, AUTHOR};
use crate::analysis::groups::{group_name, GroupSpeakers};
use crate::analysis::lexicon::{
    entity_kind, is_determiner, is_title_word, pronoun, EntityKind, PronounReach,
};
use crate::analysis::mentions;
use crate::analysis::pronouns::{antecedent, Antecedent, Speaker};
use crate::analysis::sources::{
    complement, document_issuer, is_document, is_modifier, names_speakers,
};
use crate::pipelines::attribution::assembly::Relation;
use crate::text::offsets::TextSpan;
use crate::text::sentences::{sentence_at, Sentence};

/// A resolved speaker: its name, whether it is a person, and how sure the resolution is.
struct Resolved {
    name: String,
    person: bool,
    confidence: f32,
}

/// Lower-case words of a phrase as mention grouping compares them (possessives and punctuation dropped), empty
/// ones left out.
fn words(phrase: &str) -> Vec<String> {
    mentions::words(phrase)
        .into_iter()
        .filter(|word| !word.is_empty())
        .collect()
}

/// Resolves speakers over a document's relations, in text order.
struct Resolver<'a> {
    groups: &'a [DocumentEntity],
    sentences: &'a [Sentence],
    previous: Option<Speaker>,
    /// The group speakers seen so far.
    named: GroupSpeakers,
}

impl Resolver<'_> {
    /// A named person or organisation inside the source ("French President Emmanuel Macron"); persons first.
    /// A name that only qualifies another word ("the Trump campaign", "Trump aide Kellyanne Conway") does not
    /// speak, nor does one followed by a possessive ("Vance's spokesman"), unless what it possesses is a document
    /// ("the Pentagon's report": the Pentagon speaks through it).
    fn named_entity(&self, source: &TextSpan) -> Option<Resolved> {
        let document = is_document(&source.text);
        let complement = complement(&source.text);
        // The head ends at the first comma: a name after it stands in an apposition ("Dmitry Peskov, a spokesman
        // for Vladimir Putin"), and a name of the head comes first.
        let head_end = source
            .text
            .chars()
            .position(|c| c == ',')
            .map_or(source.end, |at| source.start + at);
        let mut found: Vec<(bool, bool, usize, &DocumentEntity)> = Vec::new();
        for group in self.groups {
            let kind = entity_kind(&group.label);
            for mention in &group.mentions {
                if mention.start < source.start || mention.end > source.end {
                    continue;
                }
                let rest: String = source
                    .text
                    .chars()
                    .skip(mention.end - source.start)
                    .collect();
                let possessive = rest.starts_with("'s") || rest.starts_with("’s");
                // A document's issuer names it ("the Pentagon's report", "a Quinnipiac University poll").
                let qualifies = !document && (possessive || is_modifier(&rest));
                let offset = mention.start - source.start;
                let completes =
                    complement.is_some_and(|(start, end)| start <= offset && offset < end);
                let whole = mention.start == source.start && mention.end == source.end;
                // A title taken for a name ("Vice" of "Vice President JD Vance") does not speak.
                let title = words(&mention.text).iter().all(|word| is_title_word(word));
                if !qualifies && !completes && !title && (kind.can_speak() || whole) {
                    found.push((
                        mention.start >= head_end,
                        kind != EntityKind::Person,
                        mention.end - mention.start,
                        group,
                    ));
                }
            }
        }
        // Several persons joined ("Mr. Grassley and Mr. Leahy") speak together: a group, not the first of them.
        let persons: BTreeSet<&str> = found
            .iter()
            .filter(|(after_head, not_person, _, _)| !after_head && !not_person)
            .map(|(_, _, _, group)| group.name.as_str())
            .collect();
        if persons.len() > 1 {
            return None;
        }
        // Names of the head first, then persons, then the longest mention.
        found.sort_by_key(|(after_head, not_person, length, _)| {
            (*after_head, *not_person, std::cmp::Reverse(*length))
        });
        found.first().map(|(_, not_person, _, group)| Resolved {
            name: group.name.clone(),
            person: !not_person,
            confidence: 1.0,
        })
    }

    /// A personal pronoun by the one pronoun policy ([`antecedent`]); "who" the name just before it.
    fn pronoun(&self, source: &TextSpan, sentence: usize) -> Option<Resolved> {
        let reach = pronoun(&source.text.trim().to_lowercase())?;
        if reach == PronounReach::Relative {
            return self.name_before(source);
        }
        match antecedent(reach, sentence, self.previous.as_ref(), |person| {
            self.last_named_before(source, person)
        })? {
            Antecedent::Previous(previous) => Some(Resolved {
                name: previous.name.clone(),
                person: previous.person,
                confidence: 0.8,
            }),
            Antecedent::Named(name) => Some(Resolved {
                name,
                person: reach == PronounReach::Person,
                confidence: 0.6,
            }),
        }
    }

    /// The person (or, with `person` false, the organisation) whose mention starts last before `source`.
    fn last_named_before(&self, source: &TextSpan, person: bool) -> Option<String> {
        let wanted = if person {
            EntityKind::Person
        } else {
            EntityKind::Organisation
        };
        self.groups
            .iter()
            .filter(|group| entity_kind(&group.label) == wanted)
            .filter_map(|group| {
                group
                    .mentions
                    .iter()
                    .filter(|mention| mention.end <= source.start)
                    .map(|mention| mention.start)
                    .max()
                    .map(|start| (start, group))
            })
            .max_by_key(|(start, _)| *start)
            .map(|(_, group)| group.name.clone())
    }

    /// The person or organisation named last before `source` in its sentence ("Trump, who…").
    fn name_before(&self, source: &TextSpan) -> Option<Resolved> {
        let sentence_start = self
            .sentences
            .get(sentence_at(self.sentences, source.start))
            .map_or(0, |sentence| sentence.start);
        mentions::speaking_mentions(self.groups, sentence_start, source.start)
            .map(|(mention, group)| (mention.end, group))
            .max_by_key(|(end, _)| *end)
            .map(|(_, group)| Resolved {
                name: group.name.clone(),
                person: entity_kind(&group.label) == EntityKind::Person,
                confidence: 0.8,
            })
    }

    /// A title ("the defense secretary") that matches the roles seen before a person's name ("Defense
    /// Secretary Pete Hegseth"); the person named last before the source wins.
    fn title(&self, source: &TextSpan) -> Option<Resolved> {
        let source_words: Vec<String> = words(&source.text)
            .into_iter()
            .filter(|word| !is_determiner(word))
            .collect();
        if !source_words.iter().any(|word| is_title_word(word)) {
            return None;
        }
        self.groups
            .iter()
            .filter(|group| entity_kind(&group.label) == EntityKind::Person)
            .filter(|group| {
                group.roles.iter().any(|role| {
                    let role_words = words(role);
                    let within = |small: &[String], large: &[String]| {
                        small.iter().all(|word| large.contains(word))
                    };
                    within(&source_words, &role_words) || within(&role_words, &source_words)
                })
            })
            .max_by_key(|group| {
                group
                    .mentions
                    .iter()
                    .filter(|mention| mention.end <= source.start)
                    .map(|mention| mention.start + 1)
                    .max()
                    .unwrap_or(0)
            })
            .map(|group| Resolved {
                name: group.name.clone(),
                person: true,
                confidence: 0.8,
            })
    }

    /// A source that names a document entity the model missed at this place: the same words as one of its
    /// mentions, or a person's first or last name alone ("Trump" → *Donald Trump*).
    fn known_name(&self, source: &TextSpan) -> Option<Resolved> {
        let wanted = words(&group_name(&source.text));
        if wanted.is_empty() {
            return None;
        }
        self.groups
            .iter()
            .filter(|group| entity_kind(&group.label).can_speak())
            .find(|group| {
                let person = entity_kind(&group.label) == EntityKind::Person;
                group.mentions.iter().any(|mention| {
                    let named = words(&mention.text);
                    named == wanted
                        || (person
                            && wanted.len() == 1
                            && named.len() > 1
                            && (named.first() == wanted.first() || named.last() == wanted.first()))
                })
            })
            .map(|group| Resolved {
                name: group.name.clone(),
                person: entity_kind(&group.label) == EntityKind::Person,
                confidence: 0.9,
            })
    }

    fn group(&mut self, source: &TextSpan) -> Resolved {
        Resolved {
            name: self.named.speaker(&source.text),
            person: false,
            confidence: 0.9,
        }
    }

    fn resolve(&mut self, relation: &Relation) -> Resolved {
        let sentence = sentence_at(self.sentences, relation.start);
        let Some(source) = &relation.source else {
            return self.without_source(relation, sentence);
        };
        if let Some(resolved) = self.named_entity(source) {
            return resolved;
        }
        match pronoun(&source.text.trim().to_lowercase()) {
            Some(PronounReach::Writer) => return author(),
            Some(PronounReach::NotASpeaker) => return self.without_source(relation, sentence),
            // A pronoun with no antecedent names nobody the text has named ("we" of an opinion piece).
            Some(_) => {
                return self
                    .pronoun(source, sentence)
                    .unwrap_or_else(|| self.without_source(relation, sentence))
            }
            None => {}
        }
        if let Some(resolved) = self.known_name(source).or_else(|| self.title(source)) {
            return resolved;
        }
        if names_speakers(&source.text) {
            return self.group(source);
        }
        if let Some(issuer) = document_issuer(&source.text) {
            return Resolved {
                name: self.named.speaker(&issuer),
                person: false,
                confidence: 0.7,
            };
        }
        // A document, an adjective, a fragment: nobody the text names speaks.
        self.without_source(relation, sentence)
    }

    /// The speaker of a relation whose source names nobody. Content without a source or cue: a view going on,
    /// the speaker just before if close. With a cue of its own, the source is one the tagger missed (PolNeAR
    /// dev, `python -m training.sourceless`: it named the previous speaker in at most 8 of 75 such relations), or
    /// a document or a word that names nobody: the author's, like any content far from a speaker.
    fn without_source(&self, relation: &Relation, sentence: usize) -> Resolved {
        match &self.previous {
            Some(previous) if relation.cue.is_none() && sentence <= previous.last_sentence + 1 => {
                Resolved {
                    name: previous.name.clone(),
                    person: previous.person,
                    confidence: 0.6,
                }
            }
            _ => author(),
        }
    }
}

/// The author, for text that reports nobody's view.
fn author() -> Resolved {
    Resolved {
        name: AUTHOR.to_owned(),
        person: false,
        confidence: 0.5,
    }
}

/// One attribution per relation (its speaker resolved from its source) and one per sentence that no relation
/// touches (the author's), in text order.
///
/// A source is resolved, in order: to a named person or organisation inside it (grouped, so "Vance" is *JD
/// Vance*; a name of the head before an apposition's; not a name that only qualifies a noun or completes the head;
/// several persons joined are a group); a pronoun by the one pronoun policy ("he"/"she" a person, "they"/"we" any
/// speaker, "it" an organisation, "who" the name just before it, "I" the writer, "which" nobody); a document entity
/// it names where the entity model missed the mention ("Trump" → *Donald Trump*); a title to the person it was seen
/// before ("the defense secretary" → *Pete Hegseth*); a group speaker named by the phrase itself when it names
/// people ("European leaders"); a document's issuer ("The Reuters/Ipsos poll"); otherwise nobody the text names.
/// A relation without source or cue continues the previous speaker's when it follows it closely; any other relation
/// whose source names nobody is the author's.
pub fn resolve_speakers(
    relations: &[Relation],
    groups: &[DocumentEntity],
    sentences: &[Sentence],
) -> Vec<Attribution> {
    let mut resolver = Resolver {
        groups,
        sentences,
        previous: None,
        named: GroupSpeakers::default(),
    };
    let mut ordered: Vec<&Relation> = relations.iter().collect();
    ordered.sort_by_key(|relation| relation.start);
    let mut attributions: Vec<Attribution> = Vec::new();
    for relation in ordered {
        let resolved = resolver.resolve(relation);
        if resolved.name != AUTHOR {
            let last_end = relation
                .content
                .iter()
                .map(|range| range.end)
                .max()
                .unwrap_or(relation.end);
            resolver.previous = Some(Speaker {
                name: resolved.name.clone(),
                person: resolved.person,
                last_sentence: sentence_at(sentences, last_end.saturating_sub(1)),
            });
        }
        attributions.push(Attribution {
            speaker: resolved.name,
            start: relation.start,
            end: relation.end,
            source: relation.source.clone(),
            cue: relation.cue.clone(),
            content: relation.content.clone(),
            confidence: relation.score * resolved.confidence,
        });
    }
    for attribution in &mut attributions {
        if let Some(name) = resolver.named.fullest(&attribution.speaker) {
            attribution.speaker = name;
        }
    }
    for sentence in sentences {
        let touched = relations
            .iter()
            .any(|relation| relation.start < sentence.end && sentence.start < relation.end);
        if !touched {
            attributions.push(Attribution {
                speaker: AUTHOR.to_owned(),
                start: sentence.start,
                end: sentence.end,
                source: None,
                cue: None,
                content: vec![TextSpan {
                    start: sentence.start,
                    end: sentence.end,
                    text: sentence.text.clone(),
                }],
                confidence: 1.0,
            });
        }
    }
    attributions.sort_by_key(|attribution| attribution.start);
    attributions
}

#[cfg(test)]
mod tests;
