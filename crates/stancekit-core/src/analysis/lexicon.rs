//! The analysis's word lists, kept as data in `words/*.txt` (one entry per line, `#` comments) and read once.

use std::collections::HashMap;
use std::sync::OnceLock;

/// What an entity label names, whatever the model's label set calls it (`PER` or `PERSON`, `LOC` or `GPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// A person.
    Person,
    /// A company, party, agency, newspaper…
    Organisation,
    /// A nationality, religious or political group (OntoNotes `NORP`).
    Group,
    /// A country, city, region or building.
    Place,
    /// Anything else (`MISC`, dates, amounts…).
    Other,
}

impl EntityKind {
    /// Whether an entity of this kind can be a speaker.
    pub fn can_speak(self) -> bool {
        matches!(self, EntityKind::Person | EntityKind::Organisation)
    }
}

/// Who a pronoun can stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PronounReach {
    /// "he", "she", "him", "his", "her": a person.
    Person,
    /// "they", "we", "them", "their": any speaker, groups included.
    Any,
    /// "it", "its": an organisation.
    Organisation,
    /// "who": the name right before it in the sentence ("Trump, who implied…").
    Relative,
    /// "I", "me": the writer, never a reported speaker.
    Writer,
    /// "that", "which", "this"…: never a speaker in a source.
    NotASpeaker,
}

fn entries(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

fn pairs(text: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    entries(text).filter_map(|line| line.split_once(char::is_whitespace))
}

struct Lexicon {
    reporting_verbs: Vec<&'static str>,
    titles: Vec<&'static str>,
    function_words: Vec<&'static str>,
    determiners: Vec<&'static str>,
    speaker_nouns: Vec<&'static str>,
    document_nouns: Vec<&'static str>,
    honorifics: Vec<&'static str>,
    connectors: Vec<&'static str>,
    quantifiers: Vec<&'static str>,
    stop_words: Vec<&'static str>,
    subject_pronouns: Vec<&'static str>,
    entity_kinds: HashMap<String, EntityKind>,
    pronouns: HashMap<&'static str, PronounReach>,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| Lexicon {
        reporting_verbs: entries(include_str!("words/reporting_verbs.txt")).collect(),
        titles: entries(include_str!("words/titles.txt")).collect(),
        function_words: entries(include_str!("words/function_words.txt")).collect(),
        determiners: entries(include_str!("words/determiners.txt")).collect(),
        speaker_nouns: entries(include_str!("words/speaker_nouns.txt")).collect(),
        document_nouns: entries(include_str!("words/document_nouns.txt")).collect(),
        honorifics: entries(include_str!("words/honorifics.txt")).collect(),
        connectors: entries(include_str!("words/connectors.txt")).collect(),
        quantifiers: entries(include_str!("words/quantifiers.txt")).collect(),
        stop_words: entries(include_str!("words/stop_words.txt")).collect(),
        subject_pronouns: pairs(include_str!("words/pronouns.txt"))
            .filter(|(_, rest)| rest.split_whitespace().any(|field| field == "subject"))
            .map(|(word, _)| word)
            .collect(),
        entity_kinds: pairs(include_str!("words/entity_types.txt"))
            .map(|(label, kind)| {
                let kind = match kind.trim() {
                    "person" => EntityKind::Person,
                    "organisation" => EntityKind::Organisation,
                    "group" => EntityKind::Group,
                    "place" => EntityKind::Place,
                    _ => EntityKind::Other,
                };
                (label.to_ascii_uppercase(), kind)
            })
            .collect(),
        pronouns: pairs(include_str!("words/pronouns.txt"))
            .map(|(word, fields)| {
                let reach = match fields.split_whitespace().next().unwrap_or_default() {
                    "person" => PronounReach::Person,
                    "relative" => PronounReach::Relative,
                    "writer" => PronounReach::Writer,
                    "organisation" => PronounReach::Organisation,
                    "none" => PronounReach::NotASpeaker,
                    _ => PronounReach::Any,
                };
                (word, reach)
            })
            .collect(),
    })
}

/// The kind of entity a label (without its `B-`/`I-` prefix, any case) names.
pub fn entity_kind(label: &str) -> EntityKind {
    lexicon()
        .entity_kinds
        .get(&label.to_ascii_uppercase())
        .copied()
        .unwrap_or(EntityKind::Other)
}

/// Whether a lower-case word is a reporting verb ("said", "warned").
pub fn is_reporting_verb(word: &str) -> bool {
    lexicon().reporting_verbs.contains(&word)
}

/// Whether a lower-case word belongs to titles ("president", "secretary").
pub fn is_title_word(word: &str) -> bool {
    lexicon().titles.contains(&word)
}

/// Whether a lower-case word is skipped in acronyms ("of", "the").
pub fn is_function_word(word: &str) -> bool {
    lexicon().function_words.contains(&word)
}

/// Whether a lower-case word is dropped from the front of a group speaker's name ("the").
pub fn is_determiner(word: &str) -> bool {
    lexicon().determiners.contains(&word)
}

/// Whether a lower-case word names people, a group, an organisation or a role ("officials", "agency").
pub fn is_speaker_noun(word: &str) -> bool {
    lexicon().speaker_nouns.contains(&word)
}

/// Whether a lower-case word says nothing about a target ("with", "from").
pub fn is_stop_word(word: &str) -> bool {
    lexicon().stop_words.contains(&word)
}

/// Whether a lower-case pronoun can be the subject of a reporting verb ("he", "they"; not "him", "their").
pub fn is_subject_pronoun(word: &str) -> bool {
    lexicon().subject_pronouns.contains(&word)
}

/// Whether a lower-case word is a quantifier that can stand for people ("many", "others").
pub fn is_quantifier(word: &str) -> bool {
    lexicon().quantifiers.contains(&word)
}

/// Whether a lower-case word names a document or medium ("memo", "report", "footage").
pub fn is_document_noun(word: &str) -> bool {
    lexicon().document_nouns.contains(&word)
}

/// Whether a lower-case word ends the head of a source phrase ("of", "in", "who", "and").
pub fn is_connector(word: &str) -> bool {
    lexicon().connectors.contains(&word)
}

/// Whether a lower-case word without its dot is an honorific before a surname ("mr", "sen").
pub fn is_honorific(word: &str) -> bool {
    lexicon().honorifics.contains(&word)
}

/// Who a lower-case pronoun in a source can stand for, if it is one.
pub fn pronoun(word: &str) -> Option<PronounReach> {
    lexicon().pronouns.get(word).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lists_load() {
        assert_eq!(entity_kind("PER"), EntityKind::Person);
        assert_eq!(entity_kind("person"), EntityKind::Person);
        assert_eq!(entity_kind("GPE"), EntityKind::Place);
        assert_eq!(entity_kind("MISC"), EntityKind::Other);
        assert!(is_reporting_verb("said") && !is_reporting_verb("remarks"));
        assert!(is_title_word("president"));
        assert!(is_function_word("of"));
        assert_eq!(pronoun("they"), Some(PronounReach::Any));
        assert_eq!(pronoun("she"), Some(PronounReach::Person));
        assert_eq!(pronoun("who"), Some(PronounReach::Relative));
        assert_eq!(pronoun("it"), Some(PronounReach::Organisation));
        assert_eq!(pronoun("which"), Some(PronounReach::NotASpeaker));
        assert_eq!(pronoun("i"), Some(PronounReach::Writer));
        assert_eq!(pronoun("europe"), None);
        assert!(is_speaker_noun("officials") && !is_speaker_noun("memo") && is_quantifier("many"));
        assert!(is_document_noun("memo") && !is_document_noun("officials"));
        assert!(is_honorific("mr") && !is_honorific("vance"));
        assert!(
            is_subject_pronoun("he") && is_subject_pronoun("they") && !is_subject_pronoun("him")
        );
        assert!(is_stop_word("with") && !is_stop_word("sanctions"));
    }
}
