//! The layers stancekit's own encoder forwards share: a dense layer with the bias folded into `addmm`, LayerNorm,
//! and one post-LayerNorm transformer layer with fused QKV, fused GELU and scaled-dot-product attention (BERT's and
//! MPNet's layers compute the same; MPNet passes its position bias in the attention mask), in the precision the
//! encoder was converted to ([`crate::nn::precision`]).

use std::collections::HashMap;

use tch::{Kind, Tensor};

use crate::error::{Error, Result};
use crate::nn::int8::Int8Linear;
use crate::nn::precision::Precision;

fn failed(error: tch::TchError) -> Error {
    Error::inference("encoder forward pass", error)
}

/// A dense layer `x W^T + b`, on `[rows, in]` inputs.
pub(crate) struct Linear {
    pub(crate) weight: Tensor,
    pub(crate) bias: Tensor,
}

impl Linear {
    /// `{prefix}.weight` and `{prefix}.bias` (Hugging Face names, e.g. `classifier`, `bert.pooler.dense`).
    pub(crate) fn from_vars(vars: &HashMap<String, Tensor>, prefix: &str) -> Option<Linear> {
        Some(Linear {
            weight: vars.get(&format!("{prefix}.weight"))?.shallow_clone(),
            bias: vars.get(&format!("{prefix}.bias"))?.shallow_clone(),
        })
    }

    pub(crate) fn apply(&self, input: &Tensor) -> Result<Tensor> {
        self.bias.f_addmm(input, &self.weight.tr()).map_err(failed)
    }

    /// The layer with its weight and bias in `kind`.
    fn to_kind(&self, kind: Kind) -> Result<Linear> {
        Ok(Linear {
            weight: self.weight.f_to_kind(kind).map_err(failed)?,
            bias: self.bias.f_to_kind(kind).map_err(failed)?,
        })
    }

    /// One layer computing the outputs of `layers` side by side (their output columns in order): several heads
    /// on one encoder cost one matrix product.
    pub(crate) fn stack(layers: &[Linear]) -> Result<Linear> {
        let weights: Vec<&Tensor> = layers.iter().map(|layer| &layer.weight).collect();
        let biases: Vec<&Tensor> = layers.iter().map(|layer| &layer.bias).collect();
        Ok(Linear {
            weight: Tensor::f_cat(&weights, 0).map_err(failed)?,
            bias: Tensor::f_cat(&biases, 0).map_err(failed)?,
        })
    }
}

pub(crate) struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f64,
}

impl LayerNorm {
    pub(crate) fn from_vars(
        vars: &HashMap<String, Tensor>,
        prefix: &str,
        eps: f64,
    ) -> Option<LayerNorm> {
        Some(LayerNorm {
            weight: vars.get(&format!("{prefix}.weight"))?.shallow_clone(),
            bias: vars.get(&format!("{prefix}.bias"))?.shallow_clone(),
            eps,
        })
    }

    /// The norm with its weight and bias in `kind`.
    pub(crate) fn to_kind(&self, kind: Kind) -> Result<LayerNorm> {
        Ok(LayerNorm {
            weight: self.weight.f_to_kind(kind).map_err(failed)?,
            bias: self.bias.f_to_kind(kind).map_err(failed)?,
            eps: self.eps,
        })
    }

    pub(crate) fn apply(&self, input: &Tensor) -> Result<Tensor> {
        let width = self.weight.size()[0];
        input
            .f_layer_norm(
                [width],
                Some(&self.weight),
                Some(&self.bias),
                self.eps,
                false,
            )
            .map_err(failed)
    }
}

/// A transformer layer's dense layer: float (float32 or bfloat16 weights, as the activations) or int8.
pub(crate) enum Projection {
    Float(Linear),
    Int8(Int8Linear),
}

impl Projection {
    fn apply(&self, input: &Tensor) -> Result<Tensor> {
        match self {
            Projection::Float(linear) => linear.apply(input),
            Projection::Int8(linear) => linear.apply(input),
        }
    }

    /// The projection in `precision` (`Auto` must be resolved before).
    fn to_precision(&self, precision: Precision) -> Result<Projection> {
        match (self, precision) {
            (Projection::Float(linear), Precision::BFloat16) => {
                Ok(Projection::Float(linear.to_kind(Kind::BFloat16)?))
            }
            (Projection::Float(linear), Precision::Int8) => Ok(Projection::Int8(
                Int8Linear::quantize(&linear.weight, &linear.bias)?,
            )),
            (Projection::Float(linear), _) => Ok(Projection::Float(linear.to_kind(Kind::Float)?)),
            (Projection::Int8(_), _) => Err(Error::InvalidInput(
                "an int8 layer cannot be converted again; load the model in the precision wanted"
                    .into(),
            )),
        }
    }
}

/// One post-LayerNorm transformer layer (BERT's and MPNet's), with the query, key and value projections fused.
pub(crate) struct Layer {
    pub(crate) qkv: Projection,
    pub(crate) attention_output: Projection,
    pub(crate) attention_norm: LayerNorm,
    pub(crate) intermediate: Projection,
    pub(crate) output: Projection,
    pub(crate) output_norm: LayerNorm,
}

impl Layer {
    /// A float32 layer of its parts, the query, key and value projections fused into one.
    pub(crate) fn new(
        (query, key, value): (&Linear, &Linear, &Linear),
        (attention_output, attention_norm): (Linear, LayerNorm),
        (intermediate, output, output_norm): (Linear, Linear, LayerNorm),
    ) -> Result<Layer> {
        let qkv = Linear {
            weight: Tensor::f_cat(&[&query.weight, &key.weight, &value.weight], 0)
                .map_err(failed)?,
            bias: Tensor::f_cat(&[&query.bias, &key.bias, &value.bias], 0).map_err(failed)?,
        };
        Ok(Layer {
            qkv: Projection::Float(qkv),
            attention_output: Projection::Float(attention_output),
            attention_norm,
            intermediate: Projection::Float(intermediate),
            output: Projection::Float(output),
            output_norm,
        })
    }

    /// Every layer of a stack in `precision`.
    pub(crate) fn all_to_precision(layers: &[Layer], precision: Precision) -> Result<Vec<Layer>> {
        layers
            .iter()
            .map(|layer| layer.to_precision(precision))
            .collect()
    }

    /// The layer in `precision`: bfloat16 casts every weight; int8 quantizes the dense layers and keeps the norms
    /// in float32.
    pub(crate) fn to_precision(&self, precision: Precision) -> Result<Layer> {
        let norm_kind = precision.activation_kind();
        Ok(Layer {
            qkv: self.qkv.to_precision(precision)?,
            attention_output: self.attention_output.to_precision(precision)?,
            attention_norm: self.attention_norm.to_kind(norm_kind)?,
            intermediate: self.intermediate.to_precision(precision)?,
            output: self.output.to_precision(precision)?,
            output_norm: self.output_norm.to_kind(norm_kind)?,
        })
    }

    /// `states` `[rows * width, hidden]` through the layer. `mask` is what scaled-dot-product attention adds or
    /// applies to the scores: a boolean `[rows, 1, 1, width]` (keys that may be attended to), or a float mask
    /// broadcast to `[rows, heads, width, width]` (MPNet's position bias plus padding).
    pub(crate) fn forward(
        &self,
        states: &Tensor,
        mask: &Tensor,
        (rows, width): (i64, i64),
        heads: i64,
    ) -> Result<Tensor> {
        let hidden = states.size()[1];
        let qkv = self
            .qkv
            .apply(states)?
            .f_view([rows, width, 3, heads, hidden / heads])
            .and_then(|qkv| qkv.f_permute([2, 0, 3, 1, 4]))
            .map_err(failed)?;
        let (query, key, value) = (qkv.get(0), qkv.get(1), qkv.get(2));
        let context = Tensor::f_scaled_dot_product_attention(
            &query,
            &key,
            &value,
            Some(mask),
            0.0,
            false,
            None::<f64>,
        )
        .and_then(|context| context.f_transpose(1, 2))
        .and_then(|context| context.f_reshape([rows * width, hidden]))
        .map_err(failed)?;
        let attended = self
            .attention_output
            .apply(&context)?
            .f_add(states)
            .map_err(failed)?;
        let attended = self.attention_norm.apply(&attended)?;
        let inner = self
            .intermediate
            .apply(&attended)?
            .f_gelu("none")
            .map_err(failed)?;
        let out = self
            .output
            .apply(&inner)?
            .f_add(&attended)
            .map_err(failed)?;
        self.output_norm.apply(&out)
    }
}
