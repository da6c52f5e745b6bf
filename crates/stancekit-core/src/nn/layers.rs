//! The layers stancekit's own encoder forwards share: a dense layer with the bias folded into `addmm`, LayerNorm,
//! and one post-LayerNorm transformer layer with fused QKV, fused GELU and scaled-dot-product attention (BERT's and
//! MPNet's layers compute the same; MPNet passes its position bias in the attention mask).

use std::collections::HashMap;

use tch::Tensor;

use crate::error::{Error, Result};

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

/// One post-LayerNorm transformer layer (BERT's and MPNet's), with the query, key and value projections fused.
pub(crate) struct Layer {
    pub(crate) qkv: Linear,
    pub(crate) attention_output: Linear,
    pub(crate) attention_norm: LayerNorm,
    pub(crate) intermediate: Linear,
    pub(crate) output: Linear,
    pub(crate) output_norm: LayerNorm,
}

impl Layer {
    /// The fused QKV projection of three `Linear`s.
    pub(crate) fn fuse_qkv(query: &Linear, key: &Linear, value: &Linear) -> Result<Linear> {
        Ok(Linear {
            weight: Tensor::f_cat(&[&query.weight, &key.weight, &value.weight], 0)
                .map_err(failed)?,
            bias: Tensor::f_cat(&[&query.bias, &key.bias, &value.bias], 0).map_err(failed)?,
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
