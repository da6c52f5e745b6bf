//! A text too long to sit beside a hypothesis, cut into windows of whole sentences.

use crate::error::Result;
use crate::text::offsets::CharIndex;
use crate::text::sentences::split_sentences;

/// Windows of whole sentences of `text` that fit in `budget` text tokens (the text itself when it fits);
/// `count_tokens` counts a text's tokens without special tokens. A sentence longer than the budget is a window
/// of its own (the pair encoder truncates it).
pub(crate) fn sentence_windows<'t>(
    text: &'t str,
    budget: usize,
    count_tokens: impl Fn(&str) -> Result<usize>,
) -> Result<Vec<&'t str>> {
    // A token covers at least one character: a text this short fits without counting.
    if text.chars().count() <= budget || count_tokens(text)? <= budget {
        return Ok(vec![text]);
    }
    let index = CharIndex::new(text);
    let mut windows: Vec<&'t str> = Vec::new();
    let mut current: Option<(usize, usize, usize)> = None; // start, end, tokens
    for sentence in split_sentences(text) {
        let tokens = count_tokens(&sentence.text)?;
        current = match current {
            Some((start, _, used)) if used + tokens <= budget => {
                Some((start, sentence.end, used + tokens))
            }
            Some((start, end, _)) => {
                windows.push(index.slice(start, end));
                Some((sentence.start, sentence.end, tokens))
            }
            None => Some((sentence.start, sentence.end, tokens)),
        };
    }
    if let Some((start, end, _)) = current {
        windows.push(index.slice(start, end));
    }
    Ok(windows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Result<usize> {
        Ok(text.split_whitespace().count())
    }

    #[test]
    fn whole_sentences_fill_each_window() {
        let text = "One two three. Four five. Six seven eight nine. Ten.";
        assert_eq!(sentence_windows(text, 100, words).unwrap(), [text]);
        assert_eq!(
            sentence_windows(text, 5, words).unwrap(),
            ["One two three. Four five.", "Six seven eight nine. Ten."]
        );
        // A sentence over the budget stands alone.
        assert_eq!(
            sentence_windows(text, 3, words).unwrap(),
            [
                "One two three.",
                "Four five.",
                "Six seven eight nine.",
                "Ten."
            ]
        );
    }
}
