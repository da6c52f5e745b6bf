//! Overlapping windows over long token sequences.
//!
//! A text longer than the model's window is cut into windows of `content` tokens that overlap by `stride`
//! tokens. Each token takes its prediction from the window in which it sits farthest from an edge, so
//! every token sees at least `stride / 2` tokens of context on both sides (except at the text's ends)
//! and an entity that crosses a window edge is read whole from the next window.
//!
//! ```
//! use stancekit_core::runtime::windows::{plan_windows, assign_tokens};
//! let windows = plan_windows(10, 4, 2);
//! assert_eq!(windows, vec![0..4, 2..6, 4..8, 6..10]);
//! let owner = assign_tokens(10, &windows);
//! assert_eq!(owner, vec![0, 0, 0, 1, 1, 2, 2, 3, 3, 3]);
//! ```

use std::ops::Range;

use crate::error::{Error, Result};

/// Checks that `content` tokens per window with `stride` tokens of overlap make progress.
pub fn validate(content: usize, stride: usize) -> Result<()> {
    if content == 0 {
        return Err(Error::InvalidInput(
            "the window must hold at least one token".into(),
        ));
    }
    if stride >= content {
        return Err(Error::InvalidInput(format!(
            "stride {stride} must be smaller than the window's {content} content tokens"
        )));
    }
    Ok(())
}

/// Token ranges of the windows covering `length` tokens: `content` tokens each, overlapping by `stride`.
///
/// An empty sequence has no windows; a sequence that fits has one. The last window ends at `length`.
/// Callers check the arguments with [`validate`]; here a `stride >= content` is treated as `content - 1`.
pub fn plan_windows(length: usize, content: usize, stride: usize) -> Vec<Range<usize>> {
    let content = content.max(1);
    let step = content - stride.min(content - 1);
    let mut windows = Vec::new();
    let mut start = 0;
    loop {
        let end = (start + content).min(length);
        if end <= start {
            break;
        }
        windows.push(start..end);
        if end == length {
            break;
        }
        start += step;
    }
    windows
}

/// For each of `length` tokens, the index of the window that predicts it: the one in which the token is
/// farthest from either edge (the earlier window on ties). Windows must be sorted and cover every token.
pub fn assign_tokens(length: usize, windows: &[Range<usize>]) -> Vec<usize> {
    let mut owner = Vec::with_capacity(length);
    let mut current = 0;
    for token in 0..length {
        // Windows start in increasing order, so the best window index never decreases.
        while current + 1 < windows.len() && windows[current + 1].start <= token {
            let here = centrality(token, &windows[current]);
            let next = centrality(token, &windows[current + 1]);
            if next > here {
                current += 1;
            } else {
                break;
            }
        }
        owner.push(current);
    }
    owner
}

fn centrality(token: usize, window: &Range<usize>) -> usize {
    if !window.contains(&token) {
        return 0;
    }
    (token - window.start).min(window.end - 1 - token) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_sequences_get_one_window() {
        assert_eq!(plan_windows(3, 8, 2), vec![0..3]);
        assert_eq!(plan_windows(8, 8, 2), vec![0..8]);
        assert!(plan_windows(0, 8, 2).is_empty());
    }

    #[test]
    fn windows_cover_and_overlap() {
        for length in 1..60 {
            for content in 1..12 {
                for stride in 0..content {
                    let windows = plan_windows(length, content, stride);
                    assert_eq!(windows[0].start, 0);
                    assert_eq!(windows.last().map(|w| w.end), Some(length));
                    for pair in windows.windows(2) {
                        assert!(pair[1].start <= pair[0].end, "gap between {pair:?}");
                        assert!(pair[1].start > pair[0].start);
                    }
                    assert!(windows.iter().all(|w| w.len() <= content));
                    let owner = assign_tokens(length, &windows);
                    for (token, &index) in owner.iter().enumerate() {
                        assert!(windows[index].contains(&token));
                    }
                    assert!(owner.windows(2).all(|pair| pair[0] <= pair[1]));
                }
            }
        }
    }

    #[test]
    fn tokens_are_read_from_the_window_where_they_are_central() {
        let windows = plan_windows(20, 8, 4);
        let owner = assign_tokens(20, &windows);
        // Token 6 is 1 from the end of window 0..8 but 2 from the start of window 4..12.
        assert_eq!(windows[0], 0..8);
        assert_eq!(windows[1], 4..12);
        assert_eq!(owner[5], 0);
        assert_eq!(owner[6], 1);
    }

    #[test]
    fn invalid_arguments_are_rejected() {
        assert!(validate(0, 0).is_err());
        assert!(validate(8, 8).is_err());
        assert!(validate(8, 7).is_ok());
    }
}
