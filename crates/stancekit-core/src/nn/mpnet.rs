//! stancekit's forward pass for MPNet encoders (all-mpnet-base-v2 and its fine-tunes), which rust-bert lacks.
//!
//! MPNet is BERT-shaped with three differences this module implements as `transformers`' `MPNetModel` does:
//! positions are counted from the padding id + 1 over the non-padding tokens (RoBERTa style), there are no
//! token-type embeddings, and every layer adds one relative-position bias (`encoder.relative_attention_bias`,
//! buckets × heads, shared by all layers) to its attention scores. The layers run in the fused style of
//! [`crate::nn::bert`]: one QKV product, `addmm` with the bias folded in, fused GELU and scaled-dot-product attention,
//! the bias and the padding mask passed together as one additive mask. The parity tests hold it to `transformers`
//! within 1e-4 on random models and 1e-3 on the real base.

use std::collections::HashMap;
use std::path::Path;

use tch::{Kind, Tensor};

use crate::error::{Error, Result};
use crate::nn::batch::Batch;
use crate::nn::config::EncoderConfig;
use crate::nn::layers::{Layer, LayerNorm, Linear};
use crate::nn::precision::Precision;

fn failed(error: tch::TchError) -> Error {
    Error::inference("MPNet forward pass", error)
}

/// `transformers` computes the buckets with 32 buckets and a maximum distance of 128 whatever the config says
/// (`compute_position_bias` is called without `num_buckets`); the bias table has `relative_attention_num_buckets`
/// rows, which the loader requires to be 32.
const BUCKETS: i64 = 32;
const MAX_DISTANCE: f64 = 128.0;

/// The most negative finite bfloat16 (`torch.finfo(torch.bfloat16).min`), the padding mask's value in bfloat16.
const BFLOAT16_MIN: f64 = -3.3895313892515355e38;

/// The embeddings and the transformer layers of an MPNet encoder.
pub(crate) struct MpnetEncoder {
    word: Tensor,
    position: Tensor,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    /// `[buckets, heads]`.
    relative_bias: Tensor,
    /// Bucket of every (query, key) position pair, `[max_positions, max_positions]`.
    buckets: Tensor,
    heads: i64,
    hidden: i64,
    pad_id: i64,
    /// The kind of the activations between layers (float32, or bfloat16).
    kind: Kind,
}

/// The relative-position bucket of every (query, key) pair of a `width`-long sequence, as `transformers`'
/// `MPNetEncoder.relative_position_bucket` computes it (same operations, same float32 rounding).
fn relative_buckets(width: i64) -> Result<Tensor> {
    let positions = Tensor::arange(width, (Kind::Int64, tch::Device::Cpu));
    let relative = positions.unsqueeze(0) - positions.unsqueeze(1); // key - query
    let n = relative.neg();
    let half = BUCKETS / 2;
    let mut result = n.lt(0).to_kind(Kind::Int64) * half;
    let n = n.abs();
    let max_exact = half / 2;
    let small = n.lt(max_exact);
    let large = (n
        .to_kind(Kind::Float)
        .f_div_scalar(max_exact as f64)
        .map_err(failed)?)
    .log()
    .f_div_scalar((MAX_DISTANCE / max_exact as f64).ln())
    .and_then(|value| value.f_mul_scalar((half - max_exact) as f64))
    .map_err(failed)?
    .to_kind(Kind::Int64)
        + max_exact;
    let large = large.clamp_max(half - 1);
    result += n.f_where_self(&small, &large).map_err(failed)?;
    Ok(result)
}

fn missing(path: &Path, name: &str) -> Error {
    Error::model_load(
        path,
        format!("tensor {name:?} is missing (does config.json describe these weights?)"),
    )
}

impl MpnetEncoder {
    /// Builds the encoder from `mpnet.`-prefixed weights. `path` names the weights in errors.
    pub(crate) fn from_weights(
        weights: &HashMap<String, Tensor>,
        config: &EncoderConfig,
        path: &Path,
    ) -> Result<MpnetEncoder> {
        let config_error = |problem: String| Error::model_load(path, problem);
        if !matches!(config.hidden_act.as_deref(), None | Some("gelu")) {
            return Err(config_error(
                "MPNet with an activation other than gelu is not supported".into(),
            ));
        }
        let (Some(layers), Some(heads), Some(hidden)) = (
            config.num_hidden_layers,
            config.num_attention_heads,
            config.hidden_size,
        ) else {
            return Err(config_error(
                "config.json lacks num_hidden_layers, num_attention_heads or hidden_size".into(),
            ));
        };
        if heads <= 0 || hidden % heads != 0 {
            return Err(config_error(format!(
                "hidden_size {hidden} is not a multiple of num_attention_heads {heads}"
            )));
        }
        if config.relative_attention_num_buckets.unwrap_or(BUCKETS) != BUCKETS {
            return Err(config_error(format!(
                "relative_attention_num_buckets must be {BUCKETS} (transformers' MPNet always uses {BUCKETS})"
            )));
        }
        let eps = config.layer_norm_eps.unwrap_or(1e-5);
        let get = |name: &str| {
            weights
                .get(name)
                .map(Tensor::shallow_clone)
                .ok_or_else(|| missing(path, name))
        };
        let linear = |name: &str| {
            Linear::from_vars(weights, name).ok_or_else(|| missing(path, &format!("{name}.weight")))
        };
        let norm = |name: &str| {
            LayerNorm::from_vars(weights, name, eps)
                .ok_or_else(|| missing(path, &format!("{name}.weight")))
        };
        let word = get("mpnet.embeddings.word_embeddings.weight")?;
        let position = get("mpnet.embeddings.position_embeddings.weight")?;
        let embedding_norm = norm("mpnet.embeddings.LayerNorm")?;
        let relative_bias = get("mpnet.encoder.relative_attention_bias.weight")?;
        if relative_bias.size() != [BUCKETS, heads] {
            return Err(config_error(format!(
                "relative_attention_bias has shape {:?}, expected [{BUCKETS}, {heads}]",
                relative_bias.size()
            )));
        }
        let mut built = Vec::with_capacity(layers as usize);
        for index in 0..layers {
            let prefix = format!("mpnet.encoder.layer.{index}");
            let (query, key, value) = (
                linear(&format!("{prefix}.attention.attn.q"))?,
                linear(&format!("{prefix}.attention.attn.k"))?,
                linear(&format!("{prefix}.attention.attn.v"))?,
            );
            built.push(Layer::new(
                (&query, &key, &value),
                (
                    linear(&format!("{prefix}.attention.attn.o"))?,
                    norm(&format!("{prefix}.attention.LayerNorm"))?,
                ),
                (
                    linear(&format!("{prefix}.intermediate.dense"))?,
                    linear(&format!("{prefix}.output.dense"))?,
                    norm(&format!("{prefix}.output.LayerNorm"))?,
                ),
            )?);
        }
        let pad_id = config.pad_token_id.unwrap_or(1);
        let max_positions = position.size()[0];
        Ok(MpnetEncoder {
            word,
            position,
            embedding_norm,
            layers: built,
            relative_bias,
            buckets: relative_buckets(max_positions)?,
            heads,
            hidden,
            pad_id,
            kind: Kind::Float,
        })
    }

    /// The encoder in `precision` (weights converted once; `Auto` must be resolved before).
    pub(crate) fn to_precision(&self, precision: Precision) -> Result<MpnetEncoder> {
        let kind = precision.activation_kind();
        let cast = |tensor: &Tensor| tensor.f_to_kind(kind).map_err(failed);
        Ok(MpnetEncoder {
            word: cast(&self.word)?,
            position: cast(&self.position)?,
            embedding_norm: self.embedding_norm.to_kind(kind)?,
            layers: Layer::all_to_precision(&self.layers, precision)?,
            relative_bias: cast(&self.relative_bias)?,
            buckets: self.buckets.shallow_clone(),
            heads: self.heads,
            hidden: self.hidden,
            pad_id: self.pad_id,
            kind,
        })
    }

    /// Hidden states `[batch, length, hidden]` in float32, whatever the precision. Call inside `tch::no_grad`.
    pub(crate) fn forward(&self, batch: &Batch) -> Result<Tensor> {
        let size = batch.input_ids.size();
        let (rows, width) = (size[0], size[1]);
        let (heads, hidden) = (self.heads, self.hidden);
        // Positions count the non-padding tokens from pad_id + 1; padding keeps position pad_id.
        let real = batch
            .input_ids
            .f_ne(self.pad_id)
            .map_err(failed)?
            .to_kind(Kind::Int64);
        let positions = real.f_cumsum(1, Kind::Int64).map_err(failed)? * &real + self.pad_id;
        let embedded = Tensor::f_embedding(&self.word, &batch.input_ids, self.pad_id, false, false)
            .and_then(|words| {
                words.f_add(&Tensor::f_embedding(
                    &self.position,
                    &positions,
                    self.pad_id,
                    false,
                    false,
                )?)
            })
            .map_err(failed)?;
        let mut states = self
            .embedding_norm
            .apply(&embedded)?
            .f_view([rows * width, hidden])
            .map_err(failed)?;
        // One additive mask: the relative-position bias [1, heads, width, width] plus the padding mask
        // [rows, 1, 1, width] (0 where a key may be attended to, the minimum of the activations' kind elsewhere, as
        // transformers).
        let buckets = self
            .buckets
            .f_narrow(0, 0, width)
            .and_then(|rows| rows.f_narrow(1, 0, width))
            .map_err(failed)?;
        let bias = Tensor::f_embedding(&self.relative_bias, &buckets, -1, false, false)
            .and_then(|bias| bias.f_permute([2, 0, 1]))
            .and_then(|bias| bias.f_unsqueeze(0))
            .map_err(failed)?;
        let minimum = match self.kind {
            Kind::BFloat16 => BFLOAT16_MIN,
            _ => f64::from(f32::MIN),
        };
        let padding = batch
            .attention_mask
            .f_to_kind(self.kind)
            .and_then(|mask| mask.f_neg())
            .and_then(|negated| negated.f_add_scalar(1.0))
            .and_then(|padded| padded.f_mul_scalar(minimum))
            .and_then(|mask| mask.f_view([rows, 1, 1, width]))
            .map_err(failed)?;
        let mask = bias.f_add(&padding).map_err(failed)?;
        for layer in &self.layers {
            states = layer.forward(&states, &mask, (rows, width), heads)?;
        }
        states
            .f_view([rows, width, hidden])
            .and_then(|states| states.f_to_kind(Kind::Float))
            .map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_transformers() {
        // Values from transformers' MPNetEncoder.relative_position_bucket for relative positions
        // key - query = 0, 1, 7, 8, 20, 127, 300 and their negatives.
        let buckets = relative_buckets(301).unwrap();
        let at = |query: i64, key: i64| buckets.int64_value(&[query, key]);
        assert_eq!(at(0, 0), 0);
        assert_eq!(at(0, 1), 17);
        assert_eq!(at(1, 0), 1);
        assert_eq!(at(0, 7), 23);
        assert_eq!(at(0, 8), 24);
        assert_eq!(at(0, 20), 26);
        assert_eq!(at(20, 0), 10);
        assert_eq!(at(0, 127), 31);
        assert_eq!(at(0, 300), 31);
        assert_eq!(at(300, 0), 15);
    }
}
