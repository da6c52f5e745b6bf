//! int8 dense layers on libtorch's fbgemm kernel (`fbgemm_linear_int8_weight_fp32_activation`).
//!
//! The kernel takes one weight scale per matrix and quantizes its input with one scale per call; stancekit gives
//! each weight row (output channel) and each input row (token) its own:
//!
//! - weights: each row quantized symmetrically against its own largest magnitude (`q = round(127 w / max|w_row|)`),
//!   the kernel run with the scale `1 / 127`, its output columns multiplied by the rows' magnitudes;
//! - activations: each token's row divided by its own largest magnitude before the kernel (so that every row spans
//!   the kernel's one range) and the output rows multiplied back.
//!
//! `y = (kernel(x / r) * r) * m + b` is then `x W^T + b` with per-token, per-channel int8 rounding: per-tensor
//! scales, which the kernel alone gives, let a few large weights or tokens coarsen all the others (on the fast
//! stance model and the news-quote dev items, 93% of float32's labels kept against 99.3%; BENCHMARKS.md).

use tch::{Kind, Scalar, Tensor};

use crate::error::{Error, Result};

fn failed(error: tch::TchError) -> Error {
    Error::inference("int8 dense layer", error)
}

/// A dense layer with int8 weights, one scale per output channel.
pub(crate) struct Int8Linear {
    /// `[out, in]` int8 (the kernel reads its shape).
    weight: Tensor,
    /// The weight packed for fbgemm.
    packed: Tensor,
    /// Each output row's sum of quantized weights (int32), which the kernel needs for the activations' zero point.
    row_sums: Tensor,
    /// Each output row's largest magnitude, `[out]`.
    magnitude: Tensor,
    /// The float32 bias, `[out]`.
    bias: Tensor,
    /// Zeros `[out]`: the kernel's bias (the bias is added after the scales).
    zeros: Tensor,
}

impl Int8Linear {
    /// Quantizes the float layer `x weight^T + bias`.
    pub(crate) fn quantize(weight: &Tensor, bias: &Tensor) -> Result<Int8Linear> {
        let weight = weight.f_to_kind(Kind::Float).map_err(failed)?;
        let magnitude = weight
            .f_abs()
            .and_then(|abs| abs.f_amax([1], true))
            .and_then(|max| max.f_clamp_min(f64::from(f32::MIN_POSITIVE)))
            .map_err(failed)?;
        let quantized = weight
            .f_div(&magnitude)
            .and_then(|unit| unit.f_mul_scalar(127.0))
            .and_then(|scaled| scaled.f_round())
            .and_then(|rounded| rounded.f_clamp(-127.0, 127.0))
            .and_then(|clamped| clamped.f_to_kind(Kind::Int8))
            .and_then(|int8| int8.f_contiguous())
            .map_err(failed)?;
        let row_sums = quantized
            .f_sum_dim_intlist([1].as_slice(), false, Kind::Int)
            .map_err(failed)?;
        let packed = quantized.f_fbgemm_pack_quantized_matrix().map_err(failed)?;
        let magnitude = magnitude.f_squeeze_dim(1).map_err(failed)?;
        let bias = bias.f_to_kind(Kind::Float).map_err(failed)?;
        let zeros = bias.f_zeros_like().map_err(failed)?;
        Ok(Int8Linear {
            weight: quantized,
            packed,
            row_sums,
            magnitude,
            bias,
            zeros,
        })
    }

    /// `x W^T + b` on `[rows, in]` float32 inputs.
    pub(crate) fn apply(&self, input: &Tensor) -> Result<Tensor> {
        let rows = input
            .f_abs()
            .and_then(|abs| abs.f_amax([1], true))
            .and_then(|max| max.f_clamp_min(f64::from(f32::MIN_POSITIVE)))
            .map_err(failed)?;
        let mut product = input
            .f_div(&rows)
            .and_then(|unit| {
                unit.f_fbgemm_linear_int8_weight_fp32_activation(
                    &self.weight,
                    &self.packed,
                    &self.row_sums,
                    Scalar::float(1.0 / 127.0),
                    Scalar::int(0),
                    &self.zeros,
                )
            })
            .map_err(failed)?;
        let _ = product.f_mul_(&rows).map_err(failed)?;
        self.bias
            .f_addcmul(&product, &self.magnitude)
            .map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int8_layer_stays_close_to_float() {
        tch::manual_seed(7);
        let options = (Kind::Float, tch::Device::Cpu);
        // One weight row and one token a hundred times larger than the others: per-channel and per-token scales
        // keep the small ones exact to about 1%, where per-tensor scales would round them to a few levels.
        let weight = Tensor::randn([8, 64], options) * 0.05;
        let _ = weight.get(0).f_mul_scalar_(100.0).unwrap();
        let bias = Tensor::randn([8], options) * 0.01;
        let input = Tensor::randn([5, 64], options);
        let _ = input.get(0).f_mul_scalar_(100.0).unwrap();
        let exact = bias.addmm(&input, &weight.tr());
        let int8 = Int8Linear::quantize(&weight, &bias)
            .unwrap()
            .apply(&input)
            .unwrap();
        assert_eq!(int8.size(), [5, 8]);
        let small = |tensor: &Tensor| tensor.narrow(0, 1, 4).narrow(1, 1, 7);
        let worst = (small(&int8) - small(&exact)).abs().max().double_value(&[])
            / small(&exact).abs().max().double_value(&[]);
        assert!(worst < 0.03, "small outputs off by {worst} of their range");
        let whole =
            (&int8 - &exact).abs().max().double_value(&[]) / exact.abs().max().double_value(&[]);
        assert!(whole < 0.03, "outputs off by {whole} of their range");
    }
}
