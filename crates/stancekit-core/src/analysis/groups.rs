//! Group speakers: a source that names people without naming a person ("European leaders", "many") speaks as a
//! group, and the ways one text writes one group ("Many", "Many people in Europe", "many in Europe") are one
//! speaker, under its fullest name.

use std::collections::BTreeSet;

use crate::analysis::lexicon::{is_connector, is_determiner};
use crate::analysis::mentions::words;

/// The group speaker named by a source phrase: leading determiners dropped ("the European leaders" →
/// "European leaders").
pub(crate) fn group_name(phrase: &str) -> String {
    let mut rest = phrase.trim();
    while let Some((first, tail)) = rest.split_once(char::is_whitespace) {
        if is_determiner(&first.to_lowercase()) {
            rest = tail.trim_start();
        } else {
            break;
        }
    }
    rest.to_owned()
}

/// The words that identify a group speaker: its name's words without determiners, connectors and "people".
fn group_words(name: &str) -> BTreeSet<String> {
    words(name)
        .into_iter()
        .filter(|word| {
            !word.is_empty() && !is_determiner(word) && !is_connector(word) && word != "people"
        })
        .collect()
}

/// One group speaker: the words that identify it and every name it was written with.
struct Group {
    words: BTreeSet<String>,
    names: Vec<String>,
}

impl Group {
    /// The name written with the most words (the first such).
    fn fullest(&self) -> &str {
        self.names
            .iter()
            .rev()
            .max_by_key(|name| name.split_whitespace().count())
            .map_or("", String::as_str)
    }
}

/// The group speakers of one document, in order of first mention.
#[derive(Default)]
pub(crate) struct GroupSpeakers {
    groups: Vec<Group>,
}

impl GroupSpeakers {
    /// The speaker a source phrase names: a group already seen whose words (all its names' words) hold this one's
    /// or are held by them (the latest such), else a new one. The name returned is the first written the same way (any case).
    pub(crate) fn speaker(&mut self, phrase: &str) -> String {
        let name = group_name(phrase);
        let words = group_words(&name);
        let known = self.groups.iter().rposition(|group| {
            !words.is_empty() && (group.words.is_subset(&words) || words.is_subset(&group.words))
        });
        let index = match known {
            Some(index) => index,
            None => {
                self.groups.push(Group {
                    words: words.clone(),
                    names: Vec::new(),
                });
                self.groups.len() - 1
            }
        };
        let group = &mut self.groups[index];
        // The group's words grow with its fullest names, so "Ukrainian officials" does not join "Russian officials"
        // through an earlier "officials".
        group.words.extend(words);
        match group
            .names
            .iter()
            .find(|known| known.to_lowercase() == name.to_lowercase())
        {
            Some(known) => known.clone(),
            None => {
                group.names.push(name.clone());
                name
            }
        }
    }

    /// The fullest name of the group a name was written for, when it is another name.
    pub(crate) fn fullest(&self, written: &str) -> Option<String> {
        self.groups
            .iter()
            .find(|group| group.names.iter().any(|name| name == written))
            .map(Group::fullest)
            .filter(|fullest| *fullest != written)
            .map(str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_group_written_several_ways_is_one_speaker_under_its_fullest_name() {
        let mut groups = GroupSpeakers::default();
        assert_eq!(groups.speaker("Many"), "Many");
        assert_eq!(
            groups.speaker("Many people in Europe"),
            "Many people in Europe"
        );
        assert_eq!(groups.speaker("many in Europe"), "many in Europe");
        assert_eq!(groups.speaker("the European leaders"), "European leaders");
        assert_eq!(groups.speaker("european leaders"), "European leaders");
        for written in ["Many", "many in Europe", "Many people in Europe"] {
            assert_eq!(
                groups.fullest(written).as_deref().unwrap_or(written),
                "Many people in Europe"
            );
        }
        assert_eq!(groups.fullest("European leaders"), None);
        // Neither holds the other: two groups.
        assert_eq!(groups.speaker("US officials"), "US officials");
        assert_eq!(groups.speaker("Russian officials"), "Russian officials");
        assert_eq!(groups.fullest("Russian officials"), None);
        // A generic name first does not pull two different groups into one.
        let mut groups = GroupSpeakers::default();
        assert_eq!(groups.speaker("Officials"), "Officials");
        assert_eq!(groups.speaker("Russian officials"), "Russian officials");
        assert_eq!(groups.speaker("Ukrainian officials"), "Ukrainian officials");
        assert_eq!(
            groups.fullest("Officials").as_deref(),
            Some("Russian officials")
        );
        assert_eq!(groups.fullest("Ukrainian officials"), None);
    }
}
