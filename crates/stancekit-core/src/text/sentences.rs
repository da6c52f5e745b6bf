//! A rule-based sentence splitter for news text.
//!
//! A sentence ends at `.`, `!` or `?` (with any closing quotes or brackets after it) when whitespace and a
//! plausible sentence start follow, unless the period ends an abbreviation ("Dr.", "Gen.", "U.S."), an
//! initial ("J. D. Vance") or a number. A blank line always ends a sentence; a single line break ends one
//! when the line ends in terminal punctuation. Offsets are code points of the original text.
//!
//! ```
//! use stancekit_core::text::sentences::split_sentences;
//! let text = "Dr. Smith met U.S. officials. “We agree,” he said.\nNext line";
//! let sentences: Vec<String> = split_sentences(text).into_iter().map(|s| s.text).collect();
//! assert_eq!(sentences, ["Dr. Smith met U.S. officials.", "“We agree,” he said.", "Next line"]);
//! ```

use serde::{Deserialize, Serialize};

/// A sentence of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sentence {
    /// Code-point offset of the first character.
    pub start: usize,
    /// Code-point offset one past the last character.
    pub end: usize,
    /// The sentence text.
    pub text: String,
}

/// The index of the sentence holding code point `position` (the last one starting at or before it; 0 when there
/// are none). `sentences` are in text order, as [`split_sentences`] gives them.
pub fn sentence_at(sentences: &[Sentence], position: usize) -> usize {
    sentences
        .partition_point(|sentence| sentence.start <= position)
        .saturating_sub(1)
}

const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "gen", "lt", "col", "sgt", "capt",
    "cmdr", "adm", "gov", "sen", "rep", "rev", "hon", "pres", "inc", "ltd", "co", "corp", "vs",
    "etc", "al", "no", "nos", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec", "fig", "approx", "dept", "est", "univ", "ave", "blvd", "e.g", "i.e",
    "a.m", "p.m",
];

fn is_closing(character: char) -> bool {
    matches!(character, '"' | '\'' | '”' | '’' | ')' | ']' | '»' | '›')
}

fn is_opening(character: char) -> bool {
    matches!(
        character,
        '"' | '\'' | '“' | '‘' | '(' | '[' | '«' | '‹' | '—' | '-'
    )
}

/// Whether the period at `period` ends an abbreviation or initial rather than a sentence.
fn ends_abbreviation(chars: &[char], period: usize) -> bool {
    let mut begin = period;
    while begin > 0 && !chars[begin - 1].is_whitespace() && !is_opening(chars[begin - 1]) {
        begin -= 1;
    }
    let word: String = chars[begin..period].iter().collect();
    if word.is_empty() {
        return false;
    }
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    // An initial ("J.") or a dotted acronym ("U.S", "e.g").
    if letters.len() == 1
        && word.chars().all(|c| c.is_alphabetic() || c == '.')
        && letters[0].is_uppercase()
    {
        return true;
    }
    if word.contains('.') && word.split('.').all(|part| part.chars().count() <= 2) {
        return true;
    }
    ABBREVIATIONS.contains(&word.to_lowercase().as_str())
}

fn looks_like_sentence_start(character: char) -> bool {
    // Anything but a lowercase letter: capitals, digits, quotes, and scripts without case.
    !character.is_lowercase()
}

/// Splits `text` into sentences with code-point offsets; whitespace between sentences belongs to none.
pub fn split_sentences(text: &str) -> Vec<Sentence> {
    let chars: Vec<char> = text.chars().collect();
    let length = chars.len();
    let mut boundaries: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    let mut index = 0;
    while index < length {
        let character = chars[index];
        if character == '\n' {
            let previous = chars[start..index]
                .iter()
                .rev()
                .find(|c| !c.is_whitespace())
                .copied();
            let blank_line = chars[index + 1..]
                .iter()
                .take_while(|c| c.is_whitespace())
                .any(|&c| c == '\n');
            let terminal =
                previous.is_some_and(|c| matches!(c, '.' | '!' | '?' | ':') || is_closing(c));
            if blank_line || terminal || previous.is_none() {
                boundaries.push((start, index));
                start = index + 1;
            }
            index += 1;
            continue;
        }
        if matches!(character, '.' | '!' | '?') {
            let mut after = index + 1;
            while after < length
                && (is_closing(chars[after]) || matches!(chars[after], '.' | '!' | '?'))
            {
                after += 1;
            }
            let followed_by_space = after == length || chars[after].is_whitespace();
            let mut next = after;
            while next < length && chars[next].is_whitespace() && chars[next] != '\n' {
                next += 1;
            }
            let plausible_start =
                next >= length || chars[next] == '\n' || looks_like_sentence_start(chars[next]);
            let abbreviation =
                character == '.' && after == index + 1 && ends_abbreviation(&chars, index);
            if followed_by_space && plausible_start && !abbreviation {
                boundaries.push((start, after));
                start = after;
                index = after;
                continue;
            }
        }
        index += 1;
    }
    boundaries.push((start, length));
    boundaries
        .into_iter()
        .filter_map(|(begin, end)| {
            let mut begin = begin;
            let mut end = end;
            while begin < end && chars[begin].is_whitespace() {
                begin += 1;
            }
            while end > begin && chars[end - 1].is_whitespace() {
                end -= 1;
            }
            (begin < end).then(|| Sentence {
                start: begin,
                end,
                text: chars[begin..end].iter().collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        split_sentences(text)
            .into_iter()
            .map(|sentence| sentence.text)
            .collect()
    }

    #[test]
    fn offsets_cut_the_original_text() {
        let text = "  “Ça va,” dit-il. 北京 is big! Is it?  Yes. 👍🏽 Fine.\r\nDone";
        let chars: Vec<char> = text.chars().collect();
        for sentence in split_sentences(text) {
            let cut: String = chars[sentence.start..sentence.end].iter().collect();
            assert_eq!(cut, sentence.text);
        }
        assert_eq!(
            texts(text),
            [
                "“Ça va,” dit-il.",
                "北京 is big!",
                "Is it?",
                "Yes.",
                "👍🏽 Fine.",
                "Done"
            ]
        );
    }

    #[test]
    fn abbreviations_initials_and_numbers_do_not_split() {
        assert_eq!(
            texts("Gen. Mark Milley and Sen. J. D. Vance met the U.S. envoy at 3.30 p.m. on Jan. 5. Then they left."),
            ["Gen. Mark Milley and Sen. J. D. Vance met the U.S. envoy at 3.30 p.m. on Jan. 5.", "Then they left."]
        );
        assert_eq!(
            texts("The plan is worth $2.5 billion. It failed."),
            ["The plan is worth $2.5 billion.", "It failed."]
        );
    }

    #[test]
    fn quotes_and_parentheses_stay_with_their_sentence() {
        assert_eq!(
            texts("He said: “We will win.” Then he left. (This was news.) “Really?” she asked."),
            [
                "He said: “We will win.”",
                "Then he left.",
                "(This was news.)",
                "“Really?” she asked."
            ]
        );
        assert_eq!(
            texts("“It may be Russian someday,” he said."),
            ["“It may be Russian someday,” he said."]
        );
    }

    #[test]
    fn line_breaks() {
        assert_eq!(
            texts("First line.\nSecond line\n\nThird"),
            ["First line.", "Second line", "Third"]
        );
        assert_eq!(
            texts("A wrapped\nsentence ends here."),
            ["A wrapped\nsentence ends here."]
        );
        assert!(texts("").is_empty());
        assert!(texts(" \n\n ").is_empty());
    }
}
