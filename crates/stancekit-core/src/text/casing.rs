//! Casing classes for uncased encoders.
//!
//! The default NER model lower-cases its input, so each token also gets a casing class read from its
//! surface text in the original string; the model adds a learned embedding of that class to the word
//! embedding. `training/casing.py` computes the same classes for training: keep both in step.
//!
//! ```
//! use stancekit_core::text::casing::{casing_class, CasingClass};
//! assert_eq!(casing_class("Vance"), CasingClass::Title);
//! assert_eq!(casing_class("US"), CasingClass::Upper);
//! assert_eq!(casing_class("us"), CasingClass::Lower);
//! assert_eq!(casing_class("McDonald"), CasingClass::Mixed);
//! assert_eq!(casing_class("2025"), CasingClass::Other);
//! ```

/// The six casing classes; the discriminant is the embedding index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CasingClass {
    /// Every cased letter is lowercase.
    Lower = 0,
    /// An uppercase letter followed only by lowercase ones (a lone capital counts here).
    Title = 1,
    /// Two or more cased letters, all uppercase.
    Upper = 2,
    /// Any other mix.
    Mixed = 3,
    /// No cased letter (digits, punctuation, uncased scripts).
    Other = 4,
    /// A special token such as `[CLS]` or `[SEP]`.
    Special = 5,
}

/// Number of casing classes.
pub const CASING_CLASSES: i64 = 6;

fn is_cased(character: char) -> bool {
    character.is_uppercase() || character.is_lowercase()
}

/// The casing class of a token's surface text.
pub fn casing_class(surface: &str) -> CasingClass {
    let mut cased = surface.chars().filter(|&character| is_cased(character));
    let Some(first) = cased.next() else {
        return CasingClass::Other;
    };
    let rest: Vec<char> = cased.collect();
    let rest_lower = rest.iter().all(|character| character.is_lowercase());
    if first.is_lowercase() && rest_lower {
        CasingClass::Lower
    } else if first.is_uppercase()
        && rest.iter().all(|character| character.is_uppercase())
        && !rest.is_empty()
    {
        CasingClass::Upper
    } else if first.is_uppercase() && rest_lower {
        CasingClass::Title
    } else {
        CasingClass::Mixed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(casing_class(""), CasingClass::Other);
        assert_eq!(casing_class("“"), CasingClass::Other);
        assert_eq!(casing_class("I"), CasingClass::Title);
        assert_eq!(casing_class("NATO"), CasingClass::Upper);
        assert_eq!(casing_class("U.S."), CasingClass::Upper);
        assert_eq!(casing_class("Élysée"), CasingClass::Title);
        assert_eq!(casing_class("iPhone"), CasingClass::Mixed);
        assert_eq!(casing_class("北京"), CasingClass::Other);
        assert_eq!(casing_class("élan"), CasingClass::Lower);
    }
}
