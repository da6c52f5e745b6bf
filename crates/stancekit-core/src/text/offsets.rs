//! Code-point offsets: Python `str` indices into a text, and the pieces of text they cut.

use serde::{Deserialize, Serialize};

/// Maps code-point offsets of a text to byte offsets, to cut substrings by Python `str` indices.
pub struct CharIndex<'t> {
    text: &'t str,
    bytes: Vec<usize>,
}

impl<'t> CharIndex<'t> {
    /// Indexes `text`.
    pub fn new(text: &'t str) -> CharIndex<'t> {
        let mut bytes: Vec<usize> = text.char_indices().map(|(byte, _)| byte).collect();
        bytes.push(text.len());
        CharIndex { text, bytes }
    }

    /// Number of code points.
    pub fn len(&self) -> usize {
        self.bytes.len() - 1
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The substring between two code-point offsets (clamped to the text).
    pub fn slice(&self, start: usize, end: usize) -> &'t str {
        let end = end.min(self.len());
        let start = start.min(end);
        &self.text[self.bytes[start]..self.bytes[end]]
    }
}

/// A piece of the text: code-point offsets and the characters between them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextSpan {
    /// Code-point offset of the first character.
    pub start: usize,
    /// Code-point offset one past the last character.
    pub end: usize,
    /// `text[start:end]`.
    pub text: String,
}

impl TextSpan {
    /// The span of `index`'s text between two code-point offsets.
    pub fn cut(index: &CharIndex<'_>, start: usize, end: usize) -> TextSpan {
        TextSpan {
            start,
            end,
            text: index.slice(start, end).to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_index_cuts_by_code_points() {
        let text = "“Vance” said 👍🏽 São Paulo 北京";
        let index = CharIndex::new(text);
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(index.len(), chars.len());
        assert_eq!(index.slice(1, 6), "Vance");
        let start = chars.iter().position(|&c| c == 'S').unwrap_or(0);
        assert_eq!(index.slice(start, start + 9), "São Paulo");
        assert_eq!(index.slice(chars.len() - 2, chars.len()), "北京");
        assert_eq!(
            index.slice(5, 100),
            &text[text.char_indices().nth(5).map_or(0, |(b, _)| b)..]
        );
        assert_eq!(index.slice(9, 3), "");
    }
}
