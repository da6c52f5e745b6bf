//! Result types shared by Rust, the CLI's JSON and Python.
//!
//! Offsets are Unicode code-point indices into the caller's text (Python `str` indices), so
//! `text.chars().skip(start).take(end - start)` is the entity's text.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A named entity found in a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// The entity's text, exactly as it appears in the input.
    pub text: String,
    /// The entity type, from the model's `id2label` without the `B-`/`I-` prefix (e.g. `PER`).
    pub label: String,
    /// Code-point offset of the first character.
    pub start: usize,
    /// Code-point offset one past the last character.
    pub end: usize,
    /// Mean probability of the entity's words for their predicted labels.
    pub score: f32,
}

/// A stance class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stance {
    /// The text supports the target.
    Favor,
    /// The text opposes the target.
    Against,
    /// Neither, or unrelated.
    None,
}

impl Stance {
    /// The three classes in the order used by score matrices.
    pub const ALL: [Stance; 3] = [Stance::Favor, Stance::Against, Stance::None];

    /// The lowercase name (`favor`, `against`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            Stance::Favor => "favor",
            Stance::Against => "against",
            Stance::None => "none",
        }
    }

    /// Index in [`Stance::ALL`].
    pub fn index(self) -> usize {
        match self {
            Stance::Favor => 0,
            Stance::Against => 1,
            Stance::None => 2,
        }
    }
}

impl fmt::Display for Stance {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The stance of one text toward one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StancePrediction {
    /// The target as the caller gave it.
    pub target: String,
    /// The most probable stance.
    pub label: Stance,
    /// Its probability.
    pub score: f32,
    /// Probability of each stance (`favor`, `against`, `none`), summing to 1.
    pub scores: BTreeMap<String, f32>,
}

/// How sub-word predictions are combined into one prediction per word (the names `transformers` uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregation {
    /// The first sub-word's distribution decides.
    #[default]
    First,
    /// The mean of the sub-words' distributions decides.
    Average,
    /// The sub-word with the most confident prediction decides.
    Max,
}

impl Aggregation {
    /// The accepted names.
    pub const NAMES: [&'static str; 3] = ["first", "average", "max"];
}

impl FromStr for Aggregation {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "first" => Ok(Aggregation::First),
            "average" => Ok(Aggregation::Average),
            "max" => Ok(Aggregation::Max),
            other => Err(Error::InvalidInput(format!(
                "unknown aggregation {other:?}; expected one of {}",
                Aggregation::NAMES.join(", ")
            ))),
        }
    }
}

impl fmt::Display for Aggregation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Aggregation::First => "first",
            Aggregation::Average => "average",
            Aggregation::Max => "max",
        })
    }
}
