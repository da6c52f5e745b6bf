//! Reading weights from safetensors files.

use std::collections::HashMap;
use std::path::Path;

use tch::nn::VarStore;
use tch::{Kind, Tensor};

use super::adapter::merge_lora;
use super::{Family, ModelDir, Weights};
use crate::error::{catch_panic, Error, Result};

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
pub(super) fn load_weights(
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

/// Every tensor of a safetensors file by name, as stored (fp16 stays fp16; see [`to_float`]).
pub(super) fn read_tensors(path: &Path) -> Result<HashMap<String, Tensor>> {
    let tensors = catch_panic("reading safetensors", || {
        Tensor::read_safetensors(path)
            .map_err(|error| Error::model_load_from(path, "not a readable safetensors file", error))
    })
    .map_err(|error| match error {
        Error::Inference { message, .. } => Error::model_load(path, message),
        other => other,
    })?;
    Ok(tensors.into_iter().collect())
}

/// The floating-point tensors upcast to fp32 (integer buffers such as position ids are dropped).
pub(super) fn to_float(tensors: HashMap<String, Tensor>) -> HashMap<String, Tensor> {
    tensors
        .into_iter()
        .filter(|(_, tensor)| tensor.is_floating_point())
        .map(|(name, tensor)| (name, tensor.to_kind(Kind::Float)))
        .collect()
}
