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
    pub(crate) fn new<R: AsRef<[i64]>>(
        rows: &[R],
        type_ids: &[R],
        casing: Option<&[R]>,
        pad_id: i64,
    ) -> Batch {
        let width = rows.iter().map(|row| row.as_ref().len()).max().unwrap_or(0);
        let pad = |rows: &mut dyn ExactSizeIterator<Item = &[i64]>, value: i64| {
            let count = rows.len();
            let mut flat = Vec::with_capacity(count * width);
            for row in rows {
                flat.extend_from_slice(row);
                flat.extend(std::iter::repeat_n(value, width - row.len()));
            }
            Tensor::from_slice(&flat).view([count as i64, width as i64])
        };
        let mask: Vec<Vec<i64>> = rows.iter().map(|row| vec![1; row.as_ref().len()]).collect();
        Batch {
            input_ids: pad(&mut rows.iter().map(AsRef::as_ref), pad_id),
            attention_mask: pad(&mut mask.iter().map(Vec::as_slice), 0),
            token_type_ids: pad(&mut type_ids.iter().map(AsRef::as_ref), 0),
            casing_ids: casing.map(|casing| pad(&mut casing.iter().map(AsRef::as_ref), CASING_PAD)),
        }
    }
}

/// Padding positions get the special-token casing class (they are masked out anyway).
const CASING_PAD: i64 = CasingClass::Special as i64;
