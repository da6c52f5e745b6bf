//! PEFT LoRA adapters (`adapter_config.json` + `adapter_model.safetensors`), merged into the base weights at load.
//!
//! For every adapted linear layer `W` the adapter holds `lora_A` (`[r, in]`) and `lora_B` (`[out, r]`); the merged
//! weight is `W + scale · B A` with `scale = lora_alpha / r` (`lora_alpha / √r` with rsLoRA), exactly what `peft`'s
//! `merge_and_unload` computes, so inference pays nothing for the adapter. Modules the adapter trains in full
//! (`modules_to_save`, e.g. the classification head) replace or add the base's tensors. Adapter names follow
//! `peft`'s saved layout, `base_model.model.<module>.lora_A.weight`.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use tch::{Kind, Tensor};

use crate::error::{Error, Result};
use crate::model::safetensors::{read_tensors, to_float};

/// The part of `adapter_config.json` that decides how to merge.
#[derive(Debug, Deserialize)]
struct LoraConfig {
    peft_type: String,
    r: i64,
    lora_alpha: f64,
    #[serde(default)]
    use_rslora: bool,
    #[serde(default)]
    use_dora: bool,
    #[serde(default)]
    fan_in_fan_out: bool,
    #[serde(default)]
    bias: Option<String>,
    #[serde(default)]
    rank_pattern: HashMap<String, serde_json::Value>,
    #[serde(default)]
    alpha_pattern: HashMap<String, serde_json::Value>,
    /// The base the adapter was trained on: a Hub id or a directory.
    #[serde(default)]
    base_model_name_or_path: Option<String>,
}

/// The base an adapter directory names in `adapter_config.json`, if any.
pub(crate) fn base_name(adapter_dir: &Path) -> Result<Option<String>> {
    Ok(read_config(adapter_dir)?.base_model_name_or_path)
}

fn read_config(adapter_dir: &Path) -> Result<LoraConfig> {
    let path = adapter_dir.join("adapter_config.json");
    let text = std::fs::read_to_string(&path).map_err(|error| {
        Error::model_load_from(&path, "adapter_config.json cannot be read", error)
    })?;
    serde_json::from_str(&text).map_err(|error| {
        Error::model_load_from(
            &path,
            "adapter_config.json is not a PEFT LoRA config",
            error,
        )
    })
}

/// Merges the adapter in `adapter_dir` into `weights` (fp32, full-model names such as `mpnet.encoder.…`).
pub(crate) fn merge_lora(weights: &mut HashMap<String, Tensor>, adapter_dir: &Path) -> Result<()> {
    let config_path = adapter_dir.join("adapter_config.json");
    let config = read_config(adapter_dir)?;
    let unsupported = |what: &str| {
        Err(Error::model_load(
            &config_path,
            format!("{what} is not supported; stancekit merges plain LoRA adapters"),
        ))
    };
    if config.peft_type != "LORA" {
        return unsupported(&format!("peft_type {:?}", config.peft_type));
    }
    if config.use_dora {
        return unsupported("DoRA (use_dora)");
    }
    if config.fan_in_fan_out {
        return unsupported("fan_in_fan_out");
    }
    if config.bias.as_deref().is_some_and(|bias| bias != "none") {
        return unsupported("training biases (bias other than \"none\")");
    }
    if !config.rank_pattern.is_empty() || !config.alpha_pattern.is_empty() {
        return unsupported("per-module ranks or alphas (rank_pattern, alpha_pattern)");
    }
    if config.r <= 0 {
        return Err(Error::model_load(&config_path, "r must be positive"));
    }
    let scale = if config.use_rslora {
        config.lora_alpha / (config.r as f64).sqrt()
    } else {
        config.lora_alpha / config.r as f64
    };
    let adapter_path = adapter_dir.join("adapter_model.safetensors");
    if !adapter_path.is_file() {
        return Err(Error::model_load(
            &adapter_path,
            "adapter_model.safetensors is missing",
        ));
    }
    let tensors = to_float(read_tensors(&adapter_path)?);
    if tensors.is_empty() {
        return Err(Error::model_load(
            &adapter_path,
            "the adapter holds no tensors",
        ));
    }
    let mut pairs: HashMap<String, (Option<Tensor>, Option<Tensor>)> = HashMap::new();
    let mut names: Vec<&String> = tensors.keys().collect();
    names.sort();
    for name in names {
        let tensor = &tensors[name];
        let module = name.strip_prefix("base_model.model.").unwrap_or(name);
        let module = module.replace(".modules_to_save.default", "");
        if let Some(layer) = module.strip_suffix(".lora_A.weight") {
            pairs.entry(layer.to_owned()).or_default().0 = Some(tensor.shallow_clone());
        } else if let Some(layer) = module.strip_suffix(".lora_B.weight") {
            pairs.entry(layer.to_owned()).or_default().1 = Some(tensor.shallow_clone());
        } else if module.contains("lora_") {
            return Err(Error::model_load(
                &adapter_path,
                format!("tensor {name:?} is not a LoRA A/B matrix this engine understands"),
            ));
        } else {
            // A module the adapter trained in full: it replaces the base's (or adds a new head).
            if let Some(base) = weights.get(&module) {
                if base.size() != tensor.size() {
                    return Err(Error::model_load(
                        &adapter_path,
                        format!(
                            "tensor {name:?} has shape {:?} but the base's {module:?} has {:?}",
                            tensor.size(),
                            base.size()
                        ),
                    ));
                }
            }
            weights.insert(module, tensor.shallow_clone());
        }
    }
    let mut layers: Vec<_> = pairs.into_iter().collect();
    layers.sort_by(|a, b| a.0.cmp(&b.0));
    for (layer, pair) in layers {
        let (Some(a), Some(b)) = pair else {
            return Err(Error::model_load(
                &adapter_path,
                format!("{layer}: lora_A and lora_B must both be present"),
            ));
        };
        let target = format!("{layer}.weight");
        let Some(base) = weights.get(&target) else {
            return Err(Error::model_load(
                &adapter_path,
                format!("the adapter targets {target:?}, which the base does not have"),
            ));
        };
        let (out, inner) = (base.size()[0], base.size()[1]);
        if a.size() != [config.r, inner] || b.size() != [out, config.r] {
            return Err(Error::model_load(
                &adapter_path,
                format!(
                    "{layer}: lora_A {:?} and lora_B {:?} do not fit a [{out}, {inner}] weight with r = {}",
                    a.size(),
                    b.size(),
                    config.r
                ),
            ));
        }
        let delta = b
            .f_matmul(&a)
            .and_then(|product| product.f_mul_scalar(scale))
            .map_err(|error| Error::model_load_from(&adapter_path, "merging LoRA", error))?;
        let merged = (base + delta).to_kind(Kind::Float);
        weights.insert(target, merged);
    }
    Ok(())
}
