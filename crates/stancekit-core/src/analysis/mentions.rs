//! Mentions → document entities: grouping by name, surname and acronym, and titles seen before a name.

use std::collections::HashMap;

use crate::analysis::document::DocumentEntity;
use crate::analysis::lexicon::{
    entity_kind, is_function_word, is_honorific, is_title_word, EntityKind,
};
use crate::types::Entity;

/// The words of a name, normalised ([`normalize_word`]); a word of punctuation alone becomes empty, and an
/// honorific before more words is dropped ("Mr. Trump" → "trump").
pub(crate) fn words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = text
        .split(|c: char| c.is_whitespace())
        .filter(|word| !word.is_empty())
        .map(normalize_word)
        .collect();
    if words.len() > 1 && is_honorific(&words[0]) {
        words.remove(0);
    }
    words
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

/// Initials of the capitalised words: "United States" → "us", "North Atlantic Treaty Organization" → "nato".
fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter(|word| !is_function_word(&word.to_lowercase()))
        .filter_map(|word| word.chars().next())
        .flat_map(char::to_lowercase)
        .collect()
}

pub(super) fn is_acronym_of(short: &str, long: &str) -> bool {
    let compact: String = short.chars().filter(|c| c.is_alphanumeric()).collect();
    compact.chars().count() >= 2
        && compact.chars().all(|c| c.is_uppercase())
        && long.split_whitespace().count() >= 2
        && compact.to_lowercase() == initials(long)
}

/// An organisation's name shortened to its last words: "Security Council" of "United Nations Security Council",
/// "the Times" of "Tampa Bay Times" (one word only after "the").
fn is_short_form(short: &[String], long: &[String]) -> bool {
    let definite = short.first().is_some_and(|word| word == "the");
    let short = if definite { &short[1..] } else { short };
    (short.len() >= 2 || (definite && short.len() == 1))
        && short.len() < long.len()
        && long.ends_with(short)
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
        let person = |label: &str| entity_kind(label) == EntityKind::Person;
        let organisation = |label: &str| entity_kind(label) == EntityKind::Organisation;
        if person(label) && person(&other.label) {
            // "Vance" → "JD Vance": a surname or a first name alone.
            return mention_words.len() == 1
                && other_words.len() > 1
                && (other_words.last() == mention_words.first()
                    || other_words.first() == mention_words.first());
        }
        !person(label)
            && !person(&other.label)
            && (is_acronym_of(mention, &other.text)
                || is_acronym_of(&other.text, mention)
                || (organisation(label)
                    && organisation(&other.label)
                    && is_short_form(&mention_words, &other_words)))
    })
}

/// The character ranges of up to `max` whitespace-separated words that end before `start`, nearest first.
/// Walks back from `start` only as far as those words reach.
fn words_before(chars: &[char], start: usize, max: usize) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut at = start.min(chars.len());
    while words.len() < max {
        while at > 0 && chars[at - 1].is_whitespace() {
            at -= 1;
        }
        if at == 0 {
            break;
        }
        let end = at;
        while at > 0 && !chars[at - 1].is_whitespace() {
            at -= 1;
        }
        words.push((at, end));
    }
    words
}

/// A title seen before a person's name: its words ("Vice President") and the character range they cover.
struct Title {
    range: (usize, usize),
    name: String,
}

/// The run of capitalised words right before `start` that contains a title word ("Vice President").
fn role_before(chars: &[char], start: usize) -> Option<Title> {
    let mut role: Vec<(usize, usize)> = Vec::new();
    for (begin, end) in words_before(chars, start, 4) {
        let word = &chars[begin..end];
        let starts_upper = word.first().is_some_and(|c| c.is_uppercase());
        if !starts_upper
            || word
                .last()
                .is_some_and(|c| [',', '.', ';', ':', '”', '"'].contains(c))
        {
            break;
        }
        role.push((begin, end));
    }
    role.reverse();
    let text = |(begin, end): (usize, usize)| chars[begin..end].iter().collect::<String>();
    let first_title = role
        .iter()
        .position(|&word| is_title_word(&normalize_word(&text(word))))?;
    // Keep a qualifier just before the title ("French President", "Defense Secretary").
    let kept = &role[first_title.saturating_sub(1)..];
    Some(Title {
        range: (kept.first()?.0, kept.last()?.1),
        name: kept
            .iter()
            .map(|&word| text(word))
            .collect::<Vec<_>>()
            .join(" "),
    })
}

/// The mentions of entities that can speak (persons and organisations) lying within `start..end`, each with its
/// document entity, in entity order.
pub(crate) fn speaking_mentions(
    groups: &[DocumentEntity],
    start: usize,
    end: usize,
) -> impl Iterator<Item = (&Entity, &DocumentEntity)> {
    groups
        .iter()
        .filter(|group| entity_kind(&group.label).can_speak())
        .flat_map(move |group| {
            group
                .mentions
                .iter()
                .filter(move |mention| mention.start >= start && mention.end <= end)
                .map(move |mention| (mention, group))
        })
}

/// Groups entity mentions into document entities. The canonical name is the mention with the most words
/// (the first such on ties); persons absorb single-word mentions of their first or last name, and
/// organisations and places absorb their acronyms.
pub fn group_mentions(text: &str, entities: &[Entity]) -> Vec<DocumentEntity> {
    let chars: Vec<char> = text.chars().collect();
    let is_person = |entity: &Entity| entity_kind(&entity.label) == EntityKind::Person;
    // Each person mention's title, found once: it names the person's role and marks where the title stands.
    let titled: Vec<(&Entity, Option<Title>)> = entities
        .iter()
        .map(|entity| {
            let role = is_person(entity)
                .then(|| role_before(&chars, entity.start.min(chars.len())))
                .flatten();
            (entity, role)
        })
        .collect();
    // A person mention inside another person's title ("Vice" tagged in "Vice President JD Vance") is part of
    // that title, not somebody mentioned.
    let in_title = |entity: &Entity| {
        is_person(entity)
            && titled
                .iter()
                .filter_map(|(_, role)| role.as_ref())
                .any(|title| title.range.0 <= entity.start && entity.end <= title.range.1)
    };
    let mut order: Vec<(&Entity, Option<&String>)> = titled
        .iter()
        .filter(|(entity, _)| !in_title(entity))
        .map(|(entity, title)| (*entity, title.as_ref().map(|title| &title.name)))
        .collect();
    // Longer mentions first, so that "JD Vance" exists before "Vance" looks for it.
    order.sort_by_key(|(entity, _)| (std::cmp::Reverse(words(&entity.text).len()), entity.start));
    let mut groups: Vec<DocumentEntity> = Vec::new();
    for (entity, role) in order {
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
        if let Some(role) = role {
            if !group.roles.contains(role) {
                group.roles.push(role.clone());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixtures::{mentions, TEXT};

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
    fn organisations_go_by_their_last_words() {
        let words = |text: &str| super::words(text);
        assert!(is_short_form(
            &words("Security Council"),
            &words("United Nations Security Council")
        ));
        assert!(is_short_form(
            &words("the Times"),
            &words("Tampa Bay Times")
        ));
        assert!(!is_short_form(&words("Times"), &words("Tampa Bay Times")));
        assert!(!is_short_form(
            &words("Tampa Bay Times"),
            &words("Tampa Bay Times")
        ));
    }

    #[test]
    fn only_organisations_join_by_their_last_words() {
        let text = "The Embassy of the United States said so. The United States agreed.";
        let groups = group_mentions(
            text,
            &[
                crate::analysis::fixtures::entity("Embassy of the United States", text, "ORG", 0),
                crate::analysis::fixtures::entity("United States", text, "LOC", 1),
            ],
        );
        assert_eq!(groups.len(), 2);
    }

    #[test]
    fn acronyms_need_capitals_and_several_words() {
        assert!(is_acronym_of("US", "United States"));
        assert!(is_acronym_of("U.S.", "United States"));
        assert!(is_acronym_of("NATO", "North Atlantic Treaty Organization"));
        assert!(!is_acronym_of("us", "United States"));
        assert!(!is_acronym_of("UK", "Ukraine"));
    }
}
