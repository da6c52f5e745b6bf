//! Padded model inputs.

use tch::Tensor;

use crate::text::casing::CasingClass;

/// Padded inputs of one batch, all `[batch, length]`.
pub(crate) struct Batch {
    pub input_ids: Tensor,
    pub attention_mask: Tensor,
    pub token_type_ids: Tensor,
    pub casing_ids: Option<Tensor>,
}

impl Batch {
    /// Pads rows of ids (and type and casing ids) to the longest row.
    pub(crate) fn new(
        rows: &[Vec<i64>],
        type_ids: &[Vec<i64>],
        casing: Option<&[Vec<i64>]>,
        pad_id: i64,
    ) -> Batch {
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        let pad = |rows: &[Vec<i64>], value: i64| {
            let mut flat = Vec::with_capacity(rows.len() * width);
            for row in rows {
                flat.extend_from_slice(row);
                flat.extend(std::iter::repeat_n(value, width - row.len()));
            }
            Tensor::from_slice(&flat).view([rows.len() as i64, width as i64])
        };
        let mask: Vec<Vec<i64>> = rows.iter().map(|row| vec![1; row.len()]).collect();
        Batch {
            input_ids: pad(rows, pad_id),
            attention_mask: pad(&mask, 0),
            token_type_ids: pad(type_ids, 0),
            casing_ids: casing.map(|casing| pad(casing, CASING_PAD)),
        }
    }
}

/// Padding positions get the special-token casing class (they are masked out anyway).
const CASING_PAD: i64 = CasingClass::Special as i64;
