//! The number formats stancekit's encoders can run in, chosen per model at load.
//!
//! - `float32`: the weights as trained; the parity tests hold it to `transformers` (1e-4 on random models).
//! - `bfloat16`: every encoder weight cast to bfloat16 once at load, the activations bfloat16 through the layers
//!   (what `transformers` computes with `model.to(torch.bfloat16)`); fast where the CPU multiplies bfloat16
//!   natively (AMX, AVX512-BF16), emulated and slow elsewhere.
//! - `int8`: the dense layers of the transformer layers as int8 weights, one scale per output channel, run by
//!   libtorch's fbgemm kernel with per-token scaled activations (the crate's `nn/int8.rs`); embeddings,
//!   LayerNorm and attention stay float32. Fast where the CPU has VNNI; not offered, as it fails the parity bar
//!   (see `runtime::cpu`): it runs only to be measured.
//! - `auto`: bfloat16 where the CPU computes it natively, else float32 (`runtime::cpu::CpuFeatures::resolve`):
//!   bfloat16 passes the task-level parity bar on every public set `bench/precision_parity.py` measures.
//!
//! Heads, softmax and decoding stay float32 in every precision.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// The precision an encoder runs in; `Auto` is resolved to one of the others when a model loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Precision {
    /// The trained weights, as `transformers` runs them (the default).
    #[default]
    Float32,
    /// Weights and activations in bfloat16.
    BFloat16,
    /// int8 weights with per-channel scales, activations scaled per token (not offered: see `runtime::cpu`).
    Int8,
    /// Chosen for this CPU when a model loads.
    Auto,
}

impl Precision {
    /// The names `FromStr` accepts, in the order documented.
    pub const NAMES: [&'static str; 4] = ["float32", "bfloat16", "int8", "auto"];

    /// The kind of an encoder's activations in this precision (int8 layers take and give float32).
    pub(crate) fn activation_kind(self) -> tch::Kind {
        match self {
            Precision::BFloat16 => tch::Kind::BFloat16,
            _ => tch::Kind::Float,
        }
    }

    /// The name `FromStr` reads back.
    pub fn name(self) -> &'static str {
        match self {
            Precision::Float32 => "float32",
            Precision::BFloat16 => "bfloat16",
            Precision::Int8 => "int8",
            Precision::Auto => "auto",
        }
    }
}

impl FromStr for Precision {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "float32" => Ok(Precision::Float32),
            "bfloat16" => Ok(Precision::BFloat16),
            "int8" => Ok(Precision::Int8),
            "auto" => Ok(Precision::Auto),
            other => Err(Error::InvalidInput(format!(
                "unknown precision {other:?}; expected one of {}",
                Precision::NAMES.join(", ")
            ))),
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in Precision::NAMES {
            assert_eq!(name.parse::<Precision>().unwrap().name(), name);
        }
        let error = "fp16".parse::<Precision>().unwrap_err().to_string();
        assert!(error.contains("float32, bfloat16, int8, auto"), "{error}");
    }
}
