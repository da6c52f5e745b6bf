//! The engine's one softmax, over the labels of a row of logits.

use ndarray::{Array2, ArrayView2, ArrayViewMut1, Axis};

/// Softmax of one row in place, computed stably (the row's maximum subtracted before `exp`).
pub fn softmax_in_place(mut row: ArrayViewMut1<'_, f32>) {
    let max = row.fold(f32::NEG_INFINITY, |acc, &value| acc.max(value));
    row.mapv_inplace(|value| (value - max).exp());
    let sum = row.sum();
    if sum > 0.0 {
        row.mapv_inplace(|value| value / sum);
    }
}

/// Softmax over the last axis of each row.
pub fn softmax_rows(logits: ArrayView2<'_, f32>) -> Array2<f32> {
    let mut output = logits.to_owned();
    for row in output.axis_iter_mut(Axis(0)) {
        softmax_in_place(row);
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn softmax_is_a_distribution_and_stable() {
        let probabilities = softmax_rows(array![[1000.0f32, 1000.0], [0.0, f32::ln(3.0)]].view());
        assert!((probabilities[[0, 0]] - 0.5).abs() < 1e-6);
        assert!((probabilities[[1, 1]] - 0.75).abs() < 1e-6);
        let mut row = array![2.0f32, -1.0, 0.5];
        softmax_in_place(row.view_mut());
        assert!((row.sum() - 1.0).abs() < 1e-6);
        assert!(row[0] > row[2] && row[2] > row[1]);
    }
}
