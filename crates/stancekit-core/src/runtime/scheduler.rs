//! The one batch scheduler: model inputs sorted by length, run a batch at a time under the model's lock, and each
//! input's logits handed back in input order. Entity and attribution windows and stance pairs all go through it.

use std::sync::{Mutex, MutexGuard, PoisonError};

use tch::{Kind, Tensor};

use crate::error::{Error, Result};
use crate::model::heads::Classifier;
use crate::nn::batch::Batch;

/// One model input: token ids, segment ids, and casing class ids for models with a casing embedding.
#[derive(Debug, Clone, Default)]
pub(crate) struct Row {
    pub ids: Vec<i64>,
    pub type_ids: Vec<i64>,
    pub casing: Option<Vec<i64>>,
}

/// Locks a model for one forward pass. Inference only reads the weights, so a panic in another thread cannot
/// leave them half-written: a poisoned lock is taken over rather than reported.
fn lock<M>(model: &Mutex<M>) -> MutexGuard<'_, M> {
    model.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Copies a float tensor into a row-major `Vec<f32>`.
fn to_vec(tensor: &Tensor) -> Result<Vec<f32>> {
    let flat = tensor.to_kind(Kind::Float).contiguous().view(-1);
    Vec::<f32>::try_from(&flat).map_err(|error| Error::inference("reading logits", error))
}

/// Runs `rows` through `model`, `batch_size` rows at a time and the longest first (so that each batch pads to
/// about its own length; rows of equal length keep their order). Returns each row's logits in input order:
/// `labels` values for a sequence classifier, `labels` values per position of the row (its padding dropped) for a
/// token classifier.
pub(crate) fn run<M: Classifier>(
    model: &Mutex<M>,
    rows: &[Row],
    batch_size: usize,
    pad_id: i64,
    labels: usize,
) -> Result<Vec<Vec<f32>>> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&index| std::cmp::Reverse(rows[index].ids.len()));
    let mut results: Vec<Vec<f32>> = vec![Vec::new(); rows.len()];
    for chunk in order.chunks(batch_size.max(1)) {
        let ids: Vec<&[i64]> = chunk.iter().map(|&i| rows[i].ids.as_slice()).collect();
        let type_ids: Vec<&[i64]> = chunk.iter().map(|&i| rows[i].type_ids.as_slice()).collect();
        let casing: Option<Vec<&[i64]>> = chunk
            .iter()
            .map(|&i| rows[i].casing.as_deref())
            .collect::<Option<Vec<_>>>();
        let batch = Batch::new(&ids, &type_ids, casing.as_deref(), pad_id);
        let logits = lock(model).forward(&batch)?;
        let width = ids.iter().map(|row| row.len()).max().unwrap_or(0);
        let per_token = logits.dim() == 3;
        let per_row = if per_token { width * labels } else { labels };
        let values = to_vec(&logits)?;
        if values.len() != ids.len() * per_row {
            let shape = if per_token {
                format!("{}x{width}x{labels}", ids.len())
            } else {
                format!("{}x{labels}", ids.len())
            };
            return Err(Error::Inference {
                message: format!(
                    "the model returned {} logits, expected {shape}",
                    values.len()
                ),
                source: None,
            });
        }
        for (position, &index) in chunk.iter().enumerate() {
            let begin = position * per_row;
            let length = if per_token {
                rows[index].ids.len() * labels
            } else {
                labels
            };
            results[index] = values[begin..begin + length].to_vec();
        }
    }
    Ok(results)
}
