//! Reading safetensors files (never pickles: `pytorch_model.bin` is refused where a directory is validated).

use std::collections::HashMap;
use std::path::Path;

use tch::{Kind, Tensor};

use crate::error::{catch_panic, Error, Result};

/// Every tensor of a safetensors file by name, as stored (fp16 stays fp16; see [`to_float`]).
pub(crate) fn read_tensors(path: &Path) -> Result<HashMap<String, Tensor>> {
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
pub(crate) fn to_float(tensors: HashMap<String, Tensor>) -> HashMap<String, Tensor> {
    tensors
        .into_iter()
        .filter(|(_, tensor)| tensor.is_floating_point())
        .map(|(name, tensor)| (name, tensor.to_kind(Kind::Float)))
        .collect()
}
