//! stancekit's own forward pass for BERT-family encoders (BERT, MiniLM, and the casing variant).
//!
//! rust-bert builds the variables (and still runs DistilBERT and RoBERTa); for BERT this module reads the same
//! loaded weights and runs an inference-only forward that does less work per layer: one fused QKV product instead
//! of three, `addmm` with the bias folded in instead of a product followed by an addition, libtorch's fused GELU
//! instead of an `erf` expression built from five element-wise operations, and libtorch's fused
//! scaled-dot-product attention. The numbers are those of `transformers`' BERT (the parity tests hold it to 1e-3 on
//! the shipped weights); `bench/run.py` measures what it pays.

use std::collections::HashMap;

use serde_json::Value;
use tch::{Kind, Tensor};

use crate::error::{Error, Result};
use crate::model::Batch;

fn failed(error: tch::TchError) -> Error {
    Error::inference("BERT forward pass", error)
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

/// The embeddings and the transformer layers of a BERT encoder.
pub(crate) struct BertEncoder {
    word: Tensor,
    position: Tensor,
    token_type: Tensor,
    casing: Option<Tensor>,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    heads: i64,
    hidden: i64,
}

impl BertEncoder {
    /// Builds the encoder from loaded variables (`bert.embeddings…`, `bert.encoder.layer.N…`). `None` when
    /// `config` asks for something this forward does not implement (another activation, relative positions), so
    /// the caller keeps rust-bert's forward.
    pub(crate) fn from_vars(
        vars: &HashMap<String, Tensor>,
        config: &Value,
        casing: Option<Tensor>,
    ) -> Result<Option<BertEncoder>> {
        let text = |key: &str| config.get(key).and_then(Value::as_str);
        let number = |key: &str| config.get(key).and_then(Value::as_i64);
        if !matches!(text("hidden_act"), None | Some("gelu"))
            || !matches!(text("position_embedding_type"), None | Some("absolute"))
        {
            return Ok(None);
        }
        let (Some(layers), Some(heads), Some(hidden)) = (
            number("num_hidden_layers"),
            number("num_attention_heads"),
            number("hidden_size"),
        ) else {
            return Ok(None);
        };
        if heads <= 0 || hidden % heads != 0 {
            return Ok(None);
        }
        let eps = config
            .get("layer_norm_eps")
            .and_then(Value::as_f64)
            .unwrap_or(1e-12);
        let get = |name: &str| vars.get(name).map(Tensor::shallow_clone);
        let embeddings = "bert.embeddings";
        let (Some(word), Some(position), Some(token_type), Some(embedding_norm)) = (
            get(&format!("{embeddings}.word_embeddings.weight")),
            get(&format!("{embeddings}.position_embeddings.weight")),
            get(&format!("{embeddings}.token_type_embeddings.weight")),
            LayerNorm::from_vars(vars, &format!("{embeddings}.LayerNorm"), eps),
        ) else {
            return Ok(None);
        };
        let mut built = Vec::with_capacity(layers as usize);
        for index in 0..layers {
            let prefix = format!("bert.encoder.layer.{index}");
            let part = |name: &str| Linear::from_vars(vars, &format!("{prefix}.{name}"));
            let (Some(query), Some(key), Some(value)) = (
                part("attention.self.query"),
                part("attention.self.key"),
                part("attention.self.value"),
            ) else {
                return Ok(None);
            };
            let qkv = Layer::fuse_qkv(&query, &key, &value)?;
            let (
                Some(attention_output),
                Some(attention_norm),
                Some(intermediate),
                Some(output),
                Some(output_norm),
            ) = (
                part("attention.output.dense"),
                LayerNorm::from_vars(vars, &format!("{prefix}.attention.output.LayerNorm"), eps),
                part("intermediate.dense"),
                part("output.dense"),
                LayerNorm::from_vars(vars, &format!("{prefix}.output.LayerNorm"), eps),
            )
            else {
                return Ok(None);
            };
            built.push(Layer {
                qkv,
                attention_output,
                attention_norm,
                intermediate,
                output,
                output_norm,
            });
        }
        Ok(Some(BertEncoder {
            word,
            position,
            token_type,
            casing,
            embedding_norm,
            layers: built,
            heads,
            hidden,
        }))
    }

    /// Hidden states `[batch, length, hidden]`. Call inside `tch::no_grad`.
    pub(crate) fn forward(&self, batch: &Batch) -> Result<Tensor> {
        let size = batch.input_ids.size();
        let (rows, width) = (size[0], size[1]);
        let (heads, hidden) = (self.heads, self.hidden);
        let mut embedded =
            Tensor::f_embedding(&self.word, &batch.input_ids, -1, false, false).map_err(failed)?;
        if let (Some(table), Some(casing_ids)) = (&self.casing, &batch.casing_ids) {
            embedded = embedded
                .f_add(&Tensor::f_embedding(table, casing_ids, -1, false, false).map_err(failed)?)
                .map_err(failed)?;
        }
        let positions = self.position.f_narrow(0, 0, width).map_err(failed)?;
        let types = Tensor::f_embedding(&self.token_type, &batch.token_type_ids, -1, false, false)
            .map_err(failed)?;
        let embedded = embedded
            .f_add(&positions)
            .and_then(|sum| sum.f_add(&types))
            .map_err(failed)?;
        let mut states = self
            .embedding_norm
            .apply(&embedded)?
            .f_view([rows * width, hidden])
            .map_err(failed)?;
        // `true` where a key may be attended to, broadcast over heads and queries.
        let mask = batch
            .attention_mask
            .f_to_kind(Kind::Bool)
            .and_then(|mask| mask.f_view([rows, 1, 1, width]))
            .map_err(failed)?;
        for layer in &self.layers {
            states = layer.forward(&states, &mask, (rows, width), heads)?;
        }
        states.f_view([rows, width, hidden]).map_err(failed)
    }
}
