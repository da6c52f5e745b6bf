//! A model directory's `config.json`, read once into types: the architecture, the label names of each head,
//! the encoder's hyper-parameters ([`EncoderConfig`]) and stancekit's own settings.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::nn::config::EncoderConfig;

/// stancekit's own settings in `config.json` under the `"stancekit"` key.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct StancekitSettings {
    /// Tokens per window, special tokens included (NER).
    pub window: Option<usize>,
    /// Overlap between consecutive windows, in tokens (NER).
    pub stride: Option<usize>,
    /// Hypothesis template with one `{}` for the target (stance).
    pub hypothesis_template: Option<String>,
    /// The probability of favor or against from which a text counts as evidence of that stance (stance; chosen
    /// on dev data, see `training.evaluate stance-threshold`).
    pub evidence_threshold: Option<f32>,
}

/// `config.json` as the engine reads it. Fields it does not know are left to rust-bert's own config types.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ModelConfig {
    /// `architectures`: the first names the model class (`BertForTokenClassification`, …).
    #[serde(default)]
    pub architectures: Option<Vec<String>>,
    /// `model_type`: the encoder family (`bert`, `distilbert`, `roberta`, `mpnet`).
    #[serde(default)]
    pub model_type: Option<String>,
    /// `id2label`: label names by logit index (as strings, the way `transformers` writes them).
    #[serde(default)]
    pub id2label: Option<BTreeMap<String, String>>,
    /// `label2id`: checked against `id2label` when present.
    #[serde(default)]
    pub label2id: Option<BTreeMap<String, i64>>,
    /// Labels of a second token head on the same encoder (`attribution_classifier`).
    #[serde(default)]
    pub attribution_labels: Option<Vec<String>>,
    /// Casing classes of the casing embedding (the casing architecture).
    #[serde(default)]
    pub casing_vocab_size: Option<i64>,
    /// stancekit's settings.
    #[serde(default)]
    pub stancekit: Option<StancekitSettings>,
    /// The encoder's hyper-parameters.
    #[serde(flatten)]
    pub encoder: EncoderConfig,
}

impl ModelConfig {
    /// Reads `config.json`: the typed config and the JSON itself (rust-bert reads its own config types from it).
    pub fn read(path: &Path) -> Result<(ModelConfig, Value)> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            let problem = if error.kind() == std::io::ErrorKind::NotFound {
                "config.json is missing"
            } else {
                "config.json cannot be read"
            };
            Error::model_load_from(path, problem, error)
        })?;
        let json: Value = serde_json::from_str(&text).map_err(|error| {
            Error::model_load_from(path, "config.json is not valid JSON", error)
        })?;
        let config = ModelConfig::deserialize(&json).map_err(|error| {
            Error::model_load_from(path, "config.json has a field of the wrong type", error)
        })?;
        Ok((config, json))
    }

    /// The architecture name (the first of `architectures`), or "" when there is none.
    pub fn architecture(&self) -> &str {
        self.architectures
            .as_ref()
            .and_then(|list| list.first())
            .map_or("", String::as_str)
    }

    /// The label names in logit order, checked: `id2label` maps `0..n` and agrees with `label2id`.
    pub fn labels(&self, path: &Path) -> Result<Vec<String>> {
        let Some(map) = &self.id2label else {
            return Err(Error::model_load(
                path,
                "config.json has no id2label mapping; stancekit takes label names only from it",
            ));
        };
        let mut labels = vec![None; map.len()];
        for (key, name) in map {
            let index: usize = key
                .parse()
                .ok()
                .filter(|&index| index < map.len())
                .ok_or_else(|| {
                    Error::model_load(
                        path,
                        format!("id2label key {key:?} is not an index below {}", map.len()),
                    )
                })?;
            labels[index] = Some(name.clone());
        }
        let labels: Vec<String> = labels.into_iter().flatten().collect();
        if labels.len() != map.len() || labels.is_empty() {
            return Err(Error::model_load(
                path,
                "id2label must map 0..n-1 to label names",
            ));
        }
        for (name, &index) in self.label2id.iter().flatten() {
            let consistent = usize::try_from(index)
                .ok()
                .and_then(|index| labels.get(index))
                .is_some_and(|label| label == name);
            if !consistent {
                return Err(Error::model_load(
                    path,
                    format!("label2id[{name:?}] = {index} disagrees with id2label"),
                ));
            }
        }
        Ok(labels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(value: Value) -> ModelConfig {
        ModelConfig::deserialize(&value).unwrap()
    }

    #[test]
    fn labels_come_from_id2label_in_index_order() {
        let path = Path::new("config.json");
        let read =
            config(json!({"id2label": {"1": "B-PER", "0": "O", "2": "I-PER"}, "hidden_size": 8}));
        assert_eq!(read.labels(path).unwrap(), ["O", "B-PER", "I-PER"]);
        assert_eq!(read.encoder.hidden_size, Some(8));
        let gap = config(json!({"id2label": {"0": "O", "2": "B-PER"}}));
        assert!(gap.labels(path).is_err());
        let disagree =
            config(json!({"id2label": {"0": "O", "1": "B"}, "label2id": {"O": 1, "B": 0}}));
        assert!(disagree.labels(path).is_err());
        assert!(config(json!({})).labels(path).is_err());
    }

    #[test]
    fn settings_and_architecture_are_typed() {
        let read = config(json!({
            "architectures": ["BertForTokenClassification"],
            "stancekit": {"window": 128, "evidence_threshold": 0.36},
            "layer_norm_eps": 1e-12,
        }));
        assert_eq!(read.architecture(), "BertForTokenClassification");
        let settings = read.stancekit.unwrap_or_default();
        assert_eq!(settings.window, Some(128));
        assert_eq!(settings.evidence_threshold, Some(0.36));
        assert_eq!(read.encoder.layer_norm_eps, Some(1e-12));
        assert_eq!(config(json!({"architectures": null})).architecture(), "");
        assert!(ModelConfig::deserialize(&json!({"hidden_size": "wide"})).is_err());
    }
}
