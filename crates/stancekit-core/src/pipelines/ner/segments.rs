//! Long texts cut into pieces at line breaks (else at whitespace), so that memory is bounded by the piece size
//! and not by the input.

/// A piece of a text: `chars` code points into text number `text`.
pub(crate) struct Piece<'a> {
    pub text: usize,
    pub chars: usize,
    pub piece: &'a str,
}

/// Cuts `text` into pieces of at most `limit` bytes (a word longer than that is cut too), each paired with its
/// code-point offset. A cut goes before the last line break of the second half of the allowance,
/// else before its last whitespace, else at a character boundary; the cut character starts the next piece.
pub(crate) fn segments(text: &str, limit: usize) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = text;
    let mut chars = 0;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let cut = if rest.len() <= limit {
            rest.len()
        } else {
            let mut end = limit;
            while !rest.is_char_boundary(end) {
                end -= 1;
            }
            let window = &rest[..end];
            let at_line = window.rfind('\n').filter(|&at| at >= end / 2);
            let at_space = || {
                window
                    .char_indices()
                    .rev()
                    .find(|&(at, c)| at > 0 && c.is_whitespace())
                    .map(|(at, _)| at)
            };
            match at_line.filter(|&at| at > 0).or_else(at_space) {
                Some(at) => at,
                None if end > 0 => end,
                // A first character longer than the limit (cannot happen for limit >= 4): take it whole.
                None => rest.chars().next().map_or(rest.len(), char::len_utf8),
            }
        };
        let (piece, tail) = rest.split_at(cut);
        rest = tail;
        let offset = chars;
        chars += piece.chars().count();
        Some((offset, piece))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str, limit: usize) -> Vec<(usize, &str)> {
        segments(text, limit).collect()
    }

    #[test]
    fn segments_cover_the_text_with_code_point_offsets() {
        let text = "Vance spoke.\nMacron — réplique 👍🏽.\nZelensky 北京 waited.\r\n".repeat(40);
        for limit in [16, 64, 100, 1000, 1 << 16] {
            let parts = pieces(&text, limit);
            assert_eq!(parts.iter().map(|(_, p)| *p).collect::<String>(), text);
            let mut chars = 0;
            for (offset, part) in &parts {
                assert_eq!(*offset, chars);
                assert!(part.len() <= limit, "{limit}: {part:?}");
                chars += part.chars().count();
            }
        }
        assert_eq!(pieces(&text, 1 << 16).len(), 1);
        // Cuts prefer line breaks: every piece but the first starts with one.
        for (_, part) in &pieces(&text, 100)[1..] {
            assert!(part.starts_with('\n'), "{part:?}");
        }
    }

    #[test]
    fn a_word_longer_than_the_limit_is_cut_at_character_boundaries() {
        let word = "é".repeat(100);
        let parts = pieces(&word, 64);
        assert_eq!(parts.iter().map(|(_, p)| *p).collect::<String>(), word);
        assert!(parts.iter().all(|(_, part)| part.len() <= 64));
        assert!(pieces("", 64).is_empty());
    }
}
