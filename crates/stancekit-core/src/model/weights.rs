//! A model directory's weights as one set of fp32 tensors (a base with its adapter merged), copied into rust-bert's
//! variables where rust-bert runs the model.

use std::collections::HashMap;
use std::path::Path;

use tch::nn::VarStore;
use tch::{Kind, Tensor};

use crate::error::{Error, Result};
use crate::model::dir::{Family, ModelDir, Weights};
use crate::model::lora::merge_lora;
use crate::model::safetensors::{read_tensors, to_float};

/// A directory's tensors in fp32 under full-model names (`bert.…`, `mpnet.…`, heads): its own
/// `model.safetensors`, or its base's with its LoRA adapter merged in.
pub(crate) fn model_tensors(dir: &ModelDir) -> Result<HashMap<String, Tensor>> {
    match &dir.weights {
        Weights::Full(path) => Ok(to_float(read_tensors(path)?)),
        Weights::Adapter { base, adapter } => {
            let mut tensors = to_float(read_tensors(&base.join("model.safetensors"))?);
            with_prefix(&mut tensors, dir.family);
            merge_lora(&mut tensors, adapter)?;
            Ok(tensors)
        }
    }
}

/// Bare encoders (a sentence-transformers base) name their tensors without the model prefix that
/// `…ForSequenceClassification` checkpoints and adapters use: add it.
fn with_prefix(tensors: &mut HashMap<String, Tensor>, family: Family) {
    let prefix = match family {
        Family::Bert => "bert",
        Family::DistilBert => "distilbert",
        Family::Roberta => "roberta",
        Family::Mpnet => "mpnet",
    };
    let dotted = format!("{prefix}.");
    if tensors.keys().any(|name| name.starts_with(&dotted)) {
        return;
    }
    let bare: Vec<String> = tensors.keys().cloned().collect();
    for name in bare {
        if let Some(tensor) = tensors.remove(&name) {
            tensors.insert(format!("{dotted}{name}"), tensor);
        }
    }
}

/// Copies every variable of `store` from the safetensors file, checking names and exact shapes, and
/// upcasts to fp32 (shipped weights may be fp16).
pub(crate) fn load_weights(
    store: &VarStore,
    tensors: &HashMap<String, Tensor>,
    path: &Path,
) -> Result<()> {
    let mut variables: Vec<(String, Tensor)> = store.variables().into_iter().collect();
    variables.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, mut variable) in variables {
        let source = tensors.get(&name).ok_or_else(|| {
            Error::model_load(
                path,
                format!("tensor {name:?} is missing (does config.json describe these weights?)"),
            )
        })?;
        if source.size() != variable.size() {
            return Err(Error::model_load(
                path,
                format!(
                    "tensor {name:?} has shape {:?} but config.json implies {:?}",
                    source.size(),
                    variable.size()
                ),
            ));
        }
        tch::no_grad(|| variable.f_copy_(&source.to_kind(Kind::Float))).map_err(|error| {
            Error::model_load_from(path, format!("cannot copy tensor {name:?}"), error)
        })?;
    }
    Ok(())
}
