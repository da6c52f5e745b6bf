//! Reading weights from safetensors files.

use std::collections::HashMap;
use std::path::Path;

use tch::nn::VarStore;
use tch::{Kind, Tensor};

use crate::error::{catch_panic, Error, Result};

/// Copies every variable of `store` from the safetensors file, checking names and exact shapes, and
/// upcasts to fp32 (shipped weights may be fp16).
pub(super) fn load_weights(store: &VarStore, path: &Path) -> Result<()> {
    let tensors = catch_panic("reading safetensors", || {
        Tensor::read_safetensors(path)
            .map_err(|error| Error::model_load_from(path, "not a readable safetensors file", error))
    })
    .map_err(|error| match error {
        Error::Inference { message, .. } => Error::model_load(path, message),
        other => other,
    })?;
    let tensors: HashMap<String, Tensor> = tensors.into_iter().collect();
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
