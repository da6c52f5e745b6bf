//! What a source phrase names, read from its words: people who can speak (a group, an organisation, a role),
//! a document, or nothing that speaks (an adjective, a fragment, a quoted motto). The word lists are data in
//! `words/` (`speaker_nouns.txt`, `quantifiers.txt`, `document_nouns.txt`, `connectors.txt`).

use crate::analysis::lexicon::{
    is_connector, is_determiner, is_document_noun, is_quantifier, is_speaker_noun,
};

/// The words of a phrase with their surface (punctuation at the edges trimmed), empty ones dropped.
fn surface_words(phrase: &str) -> Vec<&str> {
    phrase
        .split_whitespace()
        .map(|word| word.trim_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '\''))
        .filter(|word| !word.is_empty())
        .collect()
}

fn lower(word: &str) -> String {
    word.trim_end_matches("'s")
        .trim_end_matches("’s")
        .to_lowercase()
}

/// The head of a source phrase: its words before the first comma, bracket or connector ("Many people in
/// Europe" → "Many people"), leading determiners dropped.
fn head(phrase: &str) -> Vec<&str> {
    let cut = phrase
        .find([',', '(', '—', '–', ';', ':'])
        .map_or(phrase, |at| &phrase[..at]);
    let words = surface_words(cut);
    let end = words
        .iter()
        .position(|word| is_connector(&lower(word)))
        .unwrap_or(words.len());
    // Leading determiners go, but not a last one that is a quantifier ("Some" says as much as "Many").
    let head = &words[..end];
    let mut skip = head
        .iter()
        .take_while(|word| is_determiner(&lower(word)))
        .count();
    if skip == head.len() && head.last().is_some_and(|word| is_quantifier(&lower(word))) {
        skip -= 1;
    }
    head[skip..].to_vec()
}

/// A name the entity model may have missed: a capitalised word that is no quantifier ("Several", first in a
/// sentence) and no hyphenated adjective ("Kremlin-backed").
fn is_name(word: &str) -> bool {
    let capitalised =
        word.chars().next().is_some_and(char::is_uppercase) && !is_quantifier(&lower(word));
    let adjective = word
        .rsplit_once('-')
        .is_some_and(|(_, last)| last.chars().next().is_some_and(char::is_lowercase));
    capitalised && !adjective
}

/// Whether a source phrase names someone who can speak: a word of its head names people, a group, an
/// organisation or a role ("European officials", "many", "the agency"), or is a name ("the Pentagon"). A quoted
/// phrase, a document ("the memo") and words that name nobody ("several later", "Kremlin-backed") do not.
pub fn names_speakers(phrase: &str) -> bool {
    let trimmed = phrase.trim();
    if trimmed.starts_with(['"', '“', '‘', '\'']) {
        return false;
    }
    // A document in lower case ("the memo"); "The Washington Post" or a headline's "Poll" is a name.
    if is_document(trimmed) {
        return false;
    }
    let names = |words: &[&str]| {
        words.last().is_some_and(|word| is_quantifier(&lower(word)))
            || words
                .iter()
                .any(|word| is_speaker_noun(&lower(word)) || is_name(word))
    };
    // "A chorus of prominent Republicans", "one or more of its members": the people follow "of".
    names(&head(trimmed)) || of_part(trimmed).is_some_and(|part| names(&head(part)))
}

/// The part of a phrase after its first "of".
fn of_part(phrase: &str) -> Option<&str> {
    phrase.find(" of ").map(|at| &phrase[at + " of ".len()..])
}

/// The char range of a source's complement ("for USA Today" in "a reporter for USA Today", ", including the
/// mayors" in "Proponents, including the mayors") when the head names people with a noun: a name there
/// completes the head and does not speak. An apposition after a comma ("an attorney, Mark MacDougall") is no
/// complement.
pub fn complement(phrase: &str) -> Option<(usize, usize)> {
    if !head(phrase)
        .iter()
        .any(|word| is_speaker_noun(&lower(word)))
    {
        return None;
    }
    let chars: Vec<char> = phrase.chars().collect();
    // Words with their char ranges.
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        if chars[at].is_whitespace() {
            at += 1;
            continue;
        }
        let start = at;
        while at < chars.len() && !chars[at].is_whitespace() {
            at += 1;
        }
        words.push((start, at));
    }
    let text = |(start, end): (usize, usize)| chars[start..end].iter().collect::<String>();
    let clean = |range| lower(text(range).trim_matches(|c: char| !c.is_alphanumeric()));
    // The complement opened by word `first` runs to the end of the first word from there that ends in a comma.
    let complement_from = |first: usize| {
        let end = words[first..]
            .iter()
            .find(|&&(_, end)| chars[end - 1] == ',')
            .map_or(chars.len(), |&(_, end)| end);
        (words[first].0, end)
    };
    for (index, &range) in words.iter().enumerate() {
        if is_connector(&clean(range)) {
            return Some(complement_from(index));
        }
        if text(range).ends_with(',') {
            // After the comma: a complement when a connector opens it ("including"), else an apposition.
            let next = words.get(index + 1)?;
            return is_connector(&clean(*next)).then(|| complement_from(index + 1));
        }
    }
    None
}

/// The issuer a document source names before its document noun ("The Reuters/Ipsos poll" → "Reuters/Ipsos"),
/// when the phrase is not written in title case (a headline's "New Poll" names nobody).
pub fn document_issuer(phrase: &str) -> Option<String> {
    let head = head(phrase.trim());
    let (noun, before) = head.split_last()?;
    if !is_document_noun(&lower(noun)) || noun.chars().next().is_some_and(char::is_uppercase) {
        return None;
    }
    let names: Vec<&str> = before
        .iter()
        .copied()
        .filter(|word| is_name(word))
        .collect();
    (!names.is_empty()).then(|| names.join(" "))
}

/// Whether the head of a source phrase is a document or a medium written in lower case ("the Pentagon's report",
/// "a Quinnipiac University poll"): a name before it is its issuer. A headline's "New Poll" is no such document.
pub fn is_document(phrase: &str) -> bool {
    head(phrase.trim()).last().is_some_and(|word| {
        is_document_noun(&lower(word)) && !word.chars().next().is_some_and(char::is_uppercase)
    })
}

/// Whether a name followed by `rest` (the source's text after it) only qualifies the word that follows ("the
/// Trump campaign", "Federal investigators", "Trump aide Kellyanne Conway"): a word follows that is no
/// connector. A name at the end, before a comma ("Macron, the French president") or a connector ("Vance and
/// Rubio") is the head.
pub fn is_modifier(rest: &str) -> bool {
    let rest = rest.trim_start();
    if rest.starts_with([',', '(', '—', '–', ';', ':', '\'', '’']) {
        return false;
    }
    surface_words(rest)
        .first()
        .is_some_and(|word| !is_connector(&lower(word)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_that_name_people_groups_organisations_and_roles_speak() {
        for phrase in [
            "European officials",
            "Many",
            "Some",
            "Some in Congress",
            "The Washington Post",
            "Many people in Europe",
            "many in Europe",
            "the agency",
            "a spokesman for the ministry",
            "the Navy",
            "Federal investigators",
            "people familiar with the talks",
        ] {
            assert!(names_speakers(phrase), "{phrase}");
        }
    }

    #[test]
    fn documents_adjectives_fragments_and_mottos_do_not() {
        for phrase in [
            "a memo",
            "the statement",
            "footage posted online",
            "Kremlin-backed",
            "several later",
            "“Make the country great”",
            "The",
        ] {
            assert!(!names_speakers(phrase), "{phrase}");
        }
        assert!(is_document("the Pentagon's report"));
        assert!(!is_document("the Pentagon"));
        assert!(!is_document("New Poll"));
        assert!(!names_speakers("per the party's bylaws"));
    }

    #[test]
    fn people_after_of_speak_and_complements_do_not() {
        assert!(names_speakers("A chorus of prominent Republicans"));
        assert!(names_speakers("not everyone"));
        assert_eq!(complement("A reporter for USA Today"), Some((11, 24)));
        assert_eq!(
            complement("Proponents, including the mayors, said"),
            Some((12, 33))
        );
        assert_eq!(complement("An attorney, Mark MacDougall"), None);
        assert_eq!(complement("Vance and Rubio"), None);
        assert_eq!(
            document_issuer("The Reuters/Ipsos poll").as_deref(),
            Some("Reuters/Ipsos")
        );
        assert_eq!(document_issuer("New Poll"), None);
        assert_eq!(document_issuer("the poll"), None);
    }

    #[test]
    fn a_name_before_a_noun_qualifies_it() {
        assert!(is_modifier(" campaign"));
        assert!(is_modifier(" investigators said"));
        assert!(!is_modifier(""));
        assert!(!is_modifier(", the French president"));
        assert!(!is_modifier(" and Mr. Leahy"));
        assert!(!is_modifier(" himself"));
    }
}
