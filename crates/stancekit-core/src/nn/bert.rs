//! stancekit's own forward pass for BERT-family encoders (BERT, MiniLM, and the casing variant).
//!
//! rust-bert builds the variables (and still runs DistilBERT and RoBERTa); for BERT this module reads the same
//! loaded weights and runs an inference-only forward that does less work per layer: one fused QKV product instead
//! of three, `addmm` with the bias folded in instead of a product followed by an addition, libtorch's fused GELU
//! instead of an `erf` expression built from five element-wise operations, and libtorch's fused
//! scaled-dot-product attention. The numbers are those of `transformers`' BERT (the parity tests hold it to 1e-3 on
//! the shipped weights); `bench/run.py` measures what it pays.

use std::collections::HashMap;

use tch::{Kind, Tensor};

use crate::error::{Error, Result};
use crate::nn::batch::Batch;
use crate::nn::config::EncoderConfig;
use crate::nn::layers::{Layer, LayerNorm, Linear};
use crate::nn::precision::Precision;

fn failed(error: tch::TchError) -> Error {
    Error::inference("BERT forward pass", error)
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
        config: &EncoderConfig,
        casing: Option<Tensor>,
    ) -> Result<Option<BertEncoder>> {
        if !matches!(config.hidden_act.as_deref(), None | Some("gelu"))
            || !matches!(
                config.position_embedding_type.as_deref(),
                None | Some("absolute")
            )
        {
            return Ok(None);
        }
        let (Some(layers), Some(heads), Some(hidden)) = (
            config.num_hidden_layers,
            config.num_attention_heads,
            config.hidden_size,
        ) else {
            return Ok(None);
        };
        if heads <= 0 || hidden % heads != 0 {
            return Ok(None);
        }
        let eps = config.layer_norm_eps.unwrap_or(1e-12);
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
            built.push(Layer::new(
                (&query, &key, &value),
                (attention_output, attention_norm),
                (intermediate, output, output_norm),
            )?);
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

    /// The encoder in `precision` (weights converted once; `Auto` must be resolved before).
    pub(crate) fn to_precision(&self, precision: Precision) -> Result<BertEncoder> {
        let kind = precision.activation_kind();
        let cast = |tensor: &Tensor| tensor.f_to_kind(kind).map_err(failed);
        Ok(BertEncoder {
            word: cast(&self.word)?,
            position: cast(&self.position)?,
            token_type: cast(&self.token_type)?,
            casing: self.casing.as_ref().map(cast).transpose()?,
            embedding_norm: self.embedding_norm.to_kind(kind)?,
            layers: Layer::all_to_precision(&self.layers, precision)?,
            heads: self.heads,
            hidden: self.hidden,
        })
    }

    /// Hidden states `[batch, length, hidden]` in float32, whatever the precision. Call inside `tch::no_grad`.
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
        states
            .f_view([rows, width, hidden])
            .and_then(|states| states.f_to_kind(Kind::Float))
            .map_err(failed)
    }
}
