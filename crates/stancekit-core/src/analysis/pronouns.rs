//! The one pronoun policy: which speaker a personal pronoun that reports speech ("he said", "they warned")
//! refers to. The learned speaker resolution ([`crate::analysis::speakers`]) and the fallback rules
//! ([`crate::analysis::rules`]) both ask it; each finds its own candidates.

use crate::analysis::lexicon::PronounReach;

/// How far back, in sentences, a pronoun finds the previous speaker.
pub const REACH: usize = 2;

/// A speaker the text has already reported: the name, whether it is a person, and the sentence of its last words.
#[derive(Debug, Clone, PartialEq)]
pub struct Speaker {
    /// The speaker's name.
    pub name: String,
    /// Whether the speaker is a person (not an organisation or a group).
    pub person: bool,
    /// The index of the sentence of the speaker's last words.
    pub last_sentence: usize,
}

/// Where a pronoun's referent was found.
#[derive(Debug, Clone, PartialEq)]
pub enum Antecedent<'a> {
    /// The previous speaker, close enough.
    Previous(&'a Speaker),
    /// The last person named before the pronoun ("he" and "she" only).
    Named(String),
}

/// The referent of a personal pronoun of `reach` in sentence `sentence`: the previous speaker when its last words
/// are at most [`REACH`] sentences back (and it is a person, for "he" and "she"); else, for "he" and "she", the
/// last person named before the pronoun, which `last_person` finds. A relative pronoun ("who") is not resolved
/// here: it names whoever stands just before it.
pub fn antecedent<'a>(
    reach: PronounReach,
    sentence: usize,
    previous: Option<&'a Speaker>,
    last_person: impl FnOnce() -> Option<String>,
) -> Option<Antecedent<'a>> {
    if reach == PronounReach::Relative {
        return None;
    }
    let nearby = previous
        .filter(|previous| sentence <= previous.last_sentence + REACH)
        .filter(|previous| reach == PronounReach::Any || previous.person);
    if let Some(previous) = nearby {
        return Some(Antecedent::Previous(previous));
    }
    if reach == PronounReach::Person {
        return last_person().map(Antecedent::Named);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speaker(name: &str, person: bool, last_sentence: usize) -> Speaker {
        Speaker {
            name: name.into(),
            person,
            last_sentence,
        }
    }

    #[test]
    fn person_pronouns_take_a_nearby_person_else_the_last_person_named() {
        let vance = speaker("Vance", true, 3);
        let leaders = speaker("European leaders", false, 3);
        let named = || Some("Macron".to_owned());
        assert_eq!(
            antecedent(PronounReach::Person, 5, Some(&vance), named),
            Some(Antecedent::Previous(&vance))
        );
        assert_eq!(
            antecedent(PronounReach::Person, 6, Some(&vance), named),
            Some(Antecedent::Named("Macron".into()))
        );
        assert_eq!(
            antecedent(PronounReach::Person, 4, Some(&leaders), named),
            Some(Antecedent::Named("Macron".into()))
        );
        assert_eq!(antecedent(PronounReach::Person, 4, None, || None), None);
    }

    #[test]
    fn they_takes_any_nearby_speaker_and_who_is_left_to_the_caller() {
        let leaders = speaker("European leaders", false, 3);
        let named = || Some("Macron".to_owned());
        assert_eq!(
            antecedent(PronounReach::Any, 5, Some(&leaders), named),
            Some(Antecedent::Previous(&leaders))
        );
        assert_eq!(
            antecedent(PronounReach::Any, 6, Some(&leaders), named),
            None
        );
        assert_eq!(
            antecedent(PronounReach::Relative, 3, Some(&leaders), named),
            None
        );
    }
}
