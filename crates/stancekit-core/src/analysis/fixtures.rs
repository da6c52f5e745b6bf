//! Hand-made documents the analysis tests share: entity mentions and relations cut from a text by their words.

use crate::pipelines::attribution::assembly::Relation;
use crate::text::offsets::TextSpan;
use crate::types::Entity;

pub(super) fn span_text(span: &Option<TextSpan>) -> &str {
    span.as_ref().map_or("", |s| s.text.as_str())
}

pub(super) fn entity(text: &str, full: &str, label: &str, nth: usize) -> Entity {
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

pub(super) const TEXT: &str = "Vice President JD Vance said the United States (US) may send troops. \
“There are tools,” Vance told the Wall Street Journal. He stressed that sanctions stay. \
The tone differs from remarks by US President Donald Trump, who implied that Ukraine may be Russian. \
According to Trump, talks start now. French President Emmanuel Macron warned Europe. \
The talks continue.";

pub(super) fn mentions() -> Vec<Entity> {
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

/// A relation over the `nth` occurrences of its parts in `text` (an empty part is absent).
pub(super) fn relation(
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
