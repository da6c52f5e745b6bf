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
    /// The last person (for "he" and "she") or organisation (for "it") named before the pronoun.
    Named(String),
}

/// The referent of a pronoun of `reach` in sentence `sentence`: the previous speaker when its last words are at
/// most [`REACH`] sentences back and it fits (a person for "he" and "she", no person for "it", anyone for
/// "they"); else, for "he", "she" and "it", the last person or organisation named before the pronoun, which
/// `last_named` finds (given whether a person is wanted). Other pronouns are not resolved here: "who" names
/// whoever stands just before it, "I" is the writer, and "which" is no speaker.
pub fn antecedent<'a>(
    reach: PronounReach,
    sentence: usize,
    previous: Option<&'a Speaker>,
    last_named: impl FnOnce(bool) -> Option<String>,
) -> Option<Antecedent<'a>> {
    let fits = |previous: &&Speaker| match reach {
        PronounReach::Person => previous.person,
        PronounReach::Organisation => !previous.person,
        _ => true,
    };
    match reach {
        PronounReach::Person | PronounReach::Any | PronounReach::Organisation => {}
        _ => return None,
    }
    let nearby = previous
        .filter(|previous| sentence <= previous.last_sentence + REACH)
        .filter(fits);
    if let Some(previous) = nearby {
        return Some(Antecedent::Previous(previous));
    }
    match reach {
        PronounReach::Person => last_named(true).map(Antecedent::Named),
        PronounReach::Organisation => last_named(false).map(Antecedent::Named),
        _ => None,
    }
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
        let named = |_: bool| Some("Macron".to_owned());
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
        assert_eq!(antecedent(PronounReach::Person, 4, None, |_| None), None);
    }

    #[test]
    fn they_takes_any_nearby_speaker_and_who_is_left_to_the_caller() {
        let leaders = speaker("European leaders", false, 3);
        let named = |_: bool| Some("Macron".to_owned());
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
