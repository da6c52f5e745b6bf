//! What a stance model's labels mean: stance and NLI label names mapped onto favor, against and none, and the
//! hypothesis template a target is put into.

use crate::error::{Error, Result};
use crate::types::Stance;

/// The template NLI models get when neither the caller nor the model's config gives one.
pub const DEFAULT_NLI_TEMPLATE: &str = "The author supports {}.";

/// Maps a model label onto a stance class, or `None` when the label is unknown.
pub fn stance_of_label(label: &str) -> Option<Stance> {
    match label
        .trim()
        .to_lowercase()
        .replace([' ', '-'], "_")
        .as_str()
    {
        "favor" | "favour" | "entailment" | "support" | "supports" | "agree" | "pro" | "for" => {
            Some(Stance::Favor)
        }
        "against" | "contradiction" | "undermine" | "undermines" | "disagree" | "con"
        | "oppose" => Some(Stance::Against),
        "none" | "neutral" | "discuss" | "unrelated" | "not_entailment" | "non_entailment"
        | "neither" => Some(Stance::None),
        _ => None,
    }
}

/// Checks that a template has exactly one `{}` placeholder.
pub fn validate_template(template: &str) -> Result<()> {
    match template.matches("{}").count() {
        1 => Ok(()),
        count => Err(Error::InvalidInput(format!(
            "hypothesis template {template:?} must contain exactly one {{}} for the target, found {count}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_map_onto_stances() {
        assert_eq!(stance_of_label("ENTAILMENT"), Some(Stance::Favor));
        assert_eq!(stance_of_label("contradiction"), Some(Stance::Against));
        assert_eq!(stance_of_label("not_entailment"), Some(Stance::None));
        assert_eq!(stance_of_label("Not-Entailment"), Some(Stance::None));
        assert_eq!(stance_of_label("FAVOR"), Some(Stance::Favor));
        assert_eq!(stance_of_label("LABEL_0"), None);
    }

    #[test]
    fn templates_need_one_placeholder() {
        assert!(validate_template("The author supports {}.").is_ok());
        assert!(validate_template("no placeholder").is_err());
        assert!(validate_template("{} and {}").is_err());
    }
}
