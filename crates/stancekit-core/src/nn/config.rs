//! The encoder hyper-parameters of a `config.json` (Hugging Face names), typed once for every forward.

use serde::Deserialize;

/// What stancekit's own encoder forwards read from `config.json`. A field the file leaves out is `None`, and each
/// forward states its default where it reads it (BERT's `layer_norm_eps` is 1e-12, MPNet's 1e-5, and so on).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct EncoderConfig {
    /// The feed-forward activation (`gelu` is the one these forwards implement).
    pub hidden_act: Option<String>,
    /// BERT's position embedding type (`absolute` is the one implemented).
    pub position_embedding_type: Option<String>,
    /// Transformer layers.
    pub num_hidden_layers: Option<i64>,
    /// Attention heads per layer.
    pub num_attention_heads: Option<i64>,
    /// Width of the hidden states.
    pub hidden_size: Option<i64>,
    /// LayerNorm epsilon.
    pub layer_norm_eps: Option<f64>,
    /// MPNet's relative-position buckets.
    pub relative_attention_num_buckets: Option<i64>,
    /// Positions the embeddings hold.
    pub max_position_embeddings: Option<u64>,
    /// The padding token id.
    pub pad_token_id: Option<i64>,
}
