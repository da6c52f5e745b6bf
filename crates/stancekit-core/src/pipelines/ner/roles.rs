//! The attribution head's tags as role spans: source, cue and content spans of reported speech.
//!
//! An attribution head (trained on PolNeAR, see `models/ner/MODEL_CARD.md`) tags words `B-`/`I-` `SOURCE`
//! ("European leaders", "Vance"), `CUE` ("said", "according to") and `CONTENT` (what was said); the recognizer
//! decodes them like entities and [`role_spans`] trims them into [`RoleSpan`]s, which
//! [`crate::pipelines::attribution`] assembles into relations.

use serde::{Deserialize, Serialize};

use crate::pipelines::ner::decode::Span;
use crate::text::offsets::CharIndex;

/// The part a span plays in reported speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Who is reported ("European leaders", "Vance", "a source").
    Source,
    /// The words that signal the report ("said", "told the newspaper", "according to").
    Cue,
    /// What was said.
    Content,
}

impl Role {
    /// The role of an attribution label's type (`SOURCE`, `CUE`, `CONTENT`, any case), if any.
    pub fn from_label(label: &str) -> Option<Role> {
        match label.to_ascii_uppercase().as_str() {
            "SOURCE" => Some(Role::Source),
            "CUE" => Some(Role::Cue),
            "CONTENT" => Some(Role::Content),
            _ => None,
        }
    }
}

/// A source, cue or content span as the attribution head tags it (code-point offsets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleSpan {
    /// Its role.
    pub role: Role,
    /// Code-point offset of the first character.
    pub start: usize,
    /// Code-point offset one past the last character.
    pub end: usize,
    /// Mean probability of its words' tags.
    pub score: f32,
    /// Tagged as continuing an earlier span of its role (`I-` first): a content's later range.
    pub continued: bool,
}

/// Characters never kept at the edges of a span.
fn is_edge(character: char) -> bool {
    character.is_whitespace()
        || matches!(
            character,
            '"' | '\''
                | '“'
                | '”'
                | '‘'
                | '’'
                | '«'
                | '»'
                | ','
                | ';'
                | ':'
                | '('
                | ')'
                | '['
                | ']'
                | '—'
                | '–'
                | '-'
        )
}

/// The attribution head's decoded spans as role spans: unknown types dropped; spaces, quotes, brackets and
/// separating punctuation trimmed at the edges (a source or cue also loses a final `.`, `!` or `?`).
pub fn role_spans(index: &CharIndex<'_>, spans: &[Span]) -> Vec<RoleSpan> {
    spans
        .iter()
        .filter_map(|span| {
            let role = Role::from_label(&span.label)?;
            let chars: Vec<char> = index.slice(span.start, span.end).chars().collect();
            let mut begin = 0;
            let mut end = chars.len();
            let trailing = |character: char| {
                is_edge(character)
                    || (role != Role::Content && matches!(character, '.' | '!' | '?'))
            };
            while begin < end && is_edge(chars[begin]) {
                begin += 1;
            }
            while end > begin && trailing(chars[end - 1]) {
                end -= 1;
            }
            (begin < end).then(|| RoleSpan {
                role,
                start: span.start + begin,
                end: span.start + end,
                score: span.score,
                continued: span.continued,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_spans_trim_quotes_and_punctuation() {
        let text = "“We agree,” Vance said.";
        let index = CharIndex::new(text);
        let spans = [
            Span {
                label: "CONTENT".into(),
                start: 0,
                end: 11,
                score: 0.8,
                continued: false,
            },
            Span {
                label: "CUE".into(),
                start: 18,
                end: 23,
                score: 0.7,
                continued: false,
            },
            Span {
                label: "OTHER".into(),
                start: 12,
                end: 17,
                score: 0.7,
                continued: false,
            },
        ];
        let roles = role_spans(&index, &spans);
        let cut: Vec<&str> = roles.iter().map(|r| index.slice(r.start, r.end)).collect();
        assert_eq!(cut, ["We agree", "said"]);
        assert_eq!(roles[0].role, Role::Content);
    }
}
