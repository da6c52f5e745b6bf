//! Relations → attributions: each relation's source resolved to a speaker, and the text in no relation given to
//! the author.

use std::collections::HashMap;

use crate::analysis::document::{Attribution, DocumentEntity, AUTHOR};
use crate::analysis::lexicon::{
    entity_kind, is_determiner, is_title_word, pronoun, EntityKind, PronounReach,
};
use crate::analysis::mentions;
use crate::analysis::pronouns::{antecedent, Antecedent, Speaker};
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

/// The group speaker named by a source phrase: leading determiners dropped ("the European leaders" →
/// "European leaders").
fn group_name(phrase: &str) -> String {
    let mut rest = phrase.trim();
    while let Some((first, tail)) = rest.split_once(char::is_whitespace) {
        if is_determiner(&first.to_lowercase()) {
            rest = tail.trim_start();
        } else {
            break;
        }
    }
    rest.to_owned()
}

/// Resolves speakers over a document's relations, in text order.
struct Resolver<'a> {
    groups: &'a [DocumentEntity],
    sentences: &'a [Sentence],
    previous: Option<Speaker>,
    /// Group speakers by lower-case name → the name as first written.
    named: HashMap<String, String>,
}

impl Resolver<'_> {
    /// A named person or organisation inside the source ("French President Emmanuel Macron"); persons first,
    /// and a name followed by a possessive ("Vance's spokesman") does not speak.
    fn named_entity(&self, source: &TextSpan) -> Option<Resolved> {
        let mut found: Vec<(bool, usize, &DocumentEntity)> = Vec::new();
        for group in self.groups {
            let kind = entity_kind(&group.label);
            for mention in &group.mentions {
                if mention.start < source.start || mention.end > source.end {
                    continue;
                }
                let after: String = source
                    .text
                    .chars()
                    .skip(mention.end - source.start)
                    .take(2)
                    .collect();
                let possessive = after == "'s" || after == "’s";
                let whole = mention.start == source.start && mention.end == source.end;
                // A title taken for a name ("Vice" of "Vice President JD Vance") does not speak.
                let title = words(&mention.text).iter().all(|word| is_title_word(word));
                if !possessive && !title && (kind.can_speak() || whole) {
                    found.push((
                        kind != EntityKind::Person,
                        mention.end - mention.start,
                        group,
                    ));
                }
            }
        }
        // Persons first, then the longest mention.
        found.sort_by_key(|(not_person, length, _)| (*not_person, std::cmp::Reverse(*length)));
        found.first().map(|(not_person, _, group)| Resolved {
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
        match antecedent(reach, sentence, self.previous.as_ref(), || {
            self.last_person_before(source)
        })? {
            Antecedent::Previous(previous) => Some(Resolved {
                name: previous.name.clone(),
                person: previous.person,
                confidence: 0.8,
            }),
            Antecedent::Named(name) => Some(Resolved {
                name,
                person: true,
                confidence: 0.6,
            }),
        }
    }

    /// The person whose mention starts last before `source`.
    fn last_person_before(&self, source: &TextSpan) -> Option<String> {
        self.groups
            .iter()
            .filter(|group| entity_kind(&group.label) == EntityKind::Person)
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
        self.groups
            .iter()
            .filter(|group| entity_kind(&group.label).can_speak())
            .flat_map(|group| {
                group
                    .mentions
                    .iter()
                    .filter(|mention| {
                        mention.start >= sentence_start && mention.end <= source.start
                    })
                    .map(move |mention| (mention.end, group))
            })
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
        let name = group_name(&source.text);
        let name = self
            .named
            .entry(name.to_lowercase())
            .or_insert(name)
            .clone();
        Resolved {
            name,
            person: false,
            confidence: 0.9,
        }
    }

    fn resolve(&mut self, relation: &Relation) -> Resolved {
        let sentence = sentence_at(self.sentences, relation.start);
        match &relation.source {
            Some(source) => {
                if let Some(resolved) = self.named_entity(source) {
                    return resolved;
                }
                if pronoun(&source.text.trim().to_lowercase()).is_some() {
                    return self.pronoun(source, sentence).unwrap_or(Resolved {
                        name: source.text.clone(),
                        person: false,
                        confidence: 0.3,
                    });
                }
                if let Some(resolved) = self.known_name(source).or_else(|| self.title(source)) {
                    return resolved;
                }
                self.group(source)
            }
            // Content without a source or cue: a view going on, the speaker just before if close. With a cue of
            // its own but no source, the source is one the tagger missed (PolNeAR dev, `python -m
            // training.sourceless`: it named the previous speaker in at most 8 of 75 such relations): the author's,
            // like any content far from a speaker.
            None => match &self.previous {
                Some(previous)
                    if relation.cue.is_none() && sentence <= previous.last_sentence + 1 =>
                {
                    Resolved {
                        name: previous.name.clone(),
                        person: previous.person,
                        confidence: 0.6,
                    }
                }
                _ => Resolved {
                    name: AUTHOR.to_owned(),
                    person: false,
                    confidence: 0.5,
                },
            },
        }
    }
}

/// One attribution per relation (its speaker resolved from its source) and one per sentence that no relation
/// touches (the author's), in text order.
///
/// A source is resolved, in order: to a named person or organisation inside it (grouped, so "Vance" is *JD
/// Vance*); a pronoun to the previous speaker within two sentences ("he"/"she" a person, else the last person
/// named; "they"/"we" any speaker, groups included; "who" the name just before it in the sentence); a document
/// entity it names where the entity model missed the mention ("Trump" → *Donald Trump*); a title to the person it
/// was seen before ("the defense secretary" → *Pete Hegseth*); otherwise a group speaker named by the phrase itself
/// ("European leaders").
/// A relation without source or cue continues the previous speaker's when it follows it closely; any other relation
/// without source is the author's.
pub fn resolve_speakers(
    relations: &[Relation],
    groups: &[DocumentEntity],
    sentences: &[Sentence],
) -> Vec<Attribution> {
    let mut resolver = Resolver {
        groups,
        sentences,
        previous: None,
        named: HashMap::new(),
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
mod tests {
    use super::*;
    use crate::analysis::fixtures::{entity, relation};
    use crate::analysis::mentions::group_mentions;
    use crate::text::sentences::split_sentences;

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
}
