//! What this CPU computes fast, and the precision `auto` and the warnings are chosen by.
//!
//! bfloat16 is fast where the CPU multiplies it natively: AMX tiles (Intel Sapphire Rapids and later) or the
//! AVX512-BF16 dot products (Intel Cooper Lake, AMD Zen 4 and later); elsewhere libtorch emulates it, correctly
//! but slower than float32. int8 runs on libtorch's fbgemm kernels, which need AVX2 and are fast with VNNI
//! (AVX512-VNNI, AVX-VNNI or AMX-INT8).
//!
//! int8 is not offered: in 6 of the 8 measurements of `bench/precision_parity.py` (sets × models) it keeps
//! float32's labels or spans on fewer than the 99% of the items every shipped precision must reach
//! (BENCHMARKS.md). It runs only where [`INT8_ENV`] is `1`, to measure it (the benchmarks, the parity tests).

use std::sync::OnceLock;

use crate::error::{Error, Result};
use crate::nn::precision::Precision;

/// The environment variable that lets int8 run (`1`), for measuring it; int8 is not offered otherwise.
pub const INT8_ENV: &str = "STANCEKIT_EXPERIMENTAL_INT8";

/// The instruction-set extensions the precisions depend on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuFeatures {
    /// AVX2 (fbgemm's minimum).
    pub avx2: bool,
    /// AVX512-BF16 dot products.
    pub avx512_bf16: bool,
    /// AVX512-VNNI or AVX-VNNI int8 dot products.
    pub vnni: bool,
    /// AMX bfloat16 tiles, enabled by the operating system.
    pub amx_bf16: bool,
    /// AMX int8 tiles, enabled by the operating system.
    pub amx_int8: bool,
}

impl CpuFeatures {
    /// This CPU's features (detected once per process).
    pub fn detect() -> CpuFeatures {
        static FEATURES: OnceLock<CpuFeatures> = OnceLock::new();
        *FEATURES.get_or_init(detect)
    }

    /// Whether bfloat16 products run natively (AMX or AVX512-BF16).
    pub fn native_bf16(&self) -> bool {
        self.amx_bf16 || self.avx512_bf16
    }

    /// Whether int8 products have dot-product instructions (VNNI or AMX-INT8).
    pub fn fast_int8(&self) -> bool {
        self.vnni || self.amx_int8
    }

    /// The detected features by their `/proc/cpuinfo` names, for benchmark rows and messages.
    pub fn describe(&self) -> String {
        let names = [
            (self.avx2, "avx2"),
            (self.avx512_bf16, "avx512_bf16"),
            (self.vnni, "vnni"),
            (self.amx_bf16, "amx_bf16"),
            (self.amx_int8, "amx_int8"),
        ];
        let found: Vec<&str> = names
            .iter()
            .filter(|(present, _)| *present)
            .map(|(_, name)| *name)
            .collect();
        if found.is_empty() {
            "none of avx2, avx512_bf16, vnni, amx".into()
        } else {
            found.join(" ")
        }
    }

    /// The precision to run for `requested` on this CPU: `auto` becomes bfloat16 where bfloat16 is native, else
    /// float32; the others stay as asked. An error for int8 unless [`INT8_ENV`] is `1` (it fails the parity bar),
    /// and where the CPU cannot run it at all (int8 without AVX2).
    pub fn resolve(&self, requested: Precision) -> Result<Precision> {
        let int8_allowed = std::env::var(INT8_ENV).is_ok_and(|value| value == "1");
        self.resolve_with(requested, int8_allowed)
    }

    fn resolve_with(&self, requested: Precision, int8_allowed: bool) -> Result<Precision> {
        match requested {
            Precision::Auto if self.native_bf16() => Ok(Precision::BFloat16),
            Precision::Auto => Ok(Precision::Float32),
            Precision::Int8 if !int8_allowed => Err(Error::InvalidInput(format!(
                "precision int8 is not offered: in 6 of 8 measurements on public test sets it keeps float32's \
                 answers on fewer than the 99% of items every precision must reach (down to 94.7% of \
                 PolNeAR's attribution spans; bench/precision_parity.py); use bfloat16 or float32 \
                 ({INT8_ENV}=1 runs it anyway, to measure it)"
            ))),
            Precision::Int8 if !self.avx2 => Err(Error::InvalidInput(
                "precision int8 needs an x86-64 CPU with AVX2 (libtorch's fbgemm kernels); use float32 or bfloat16"
                    .into(),
            )),
            other => Ok(other),
        }
    }

    /// What to tell a user who asked for `precision` (resolved) on this CPU, when it runs slowly here.
    pub fn warning(&self, precision: Precision) -> Option<String> {
        match precision {
            Precision::BFloat16 if !self.native_bf16() => Some(format!(
                "precision bfloat16 is emulated on this CPU (it has {}; no AMX or AVX512-BF16): results are \
                 right but slower than float32",
                self.describe()
            )),
            Precision::Int8 if !self.fast_int8() => Some(format!(
                "precision int8 has no VNNI on this CPU (it has {}): it gains little over float32 here",
                self.describe()
            )),
            _ => None,
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn detect() -> CpuFeatures {
    CpuFeatures {
        avx2: std::arch::is_x86_feature_detected!("avx2"),
        avx512_bf16: std::arch::is_x86_feature_detected!("avx512bf16"),
        vnni: std::arch::is_x86_feature_detected!("avx512vnni")
            || std::arch::is_x86_feature_detected!("avxvnni"),
        amx_bf16: os_lists("amx_bf16"),
        amx_int8: os_lists("amx_int8"),
    }
}

/// Whether the kernel lists `flag` in `/proc/cpuinfo`. Used for AMX, which needs the operating system's consent
/// (Linux lists the AMX flags only where it saves the tile state) and which `std` cannot yet detect on stable
/// Rust; where there is no `/proc/cpuinfo`, AMX counts as absent.
#[cfg(target_arch = "x86_64")]
fn os_lists(flag: &str) -> bool {
    std::fs::read_to_string("/proc/cpuinfo").is_ok_and(|info| {
        info.lines()
            .find(|line| line.starts_with("flags"))
            .is_some_and(|line| line.split_whitespace().any(|word| word == flag))
    })
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> CpuFeatures {
    CpuFeatures::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_follows_native_bfloat16() {
        let amx = CpuFeatures {
            avx2: true,
            vnni: true,
            amx_bf16: true,
            amx_int8: true,
            ..CpuFeatures::default()
        };
        let avx2 = CpuFeatures {
            avx2: true,
            ..CpuFeatures::default()
        };
        assert_eq!(amx.resolve(Precision::Auto).unwrap(), Precision::BFloat16);
        assert_eq!(avx2.resolve(Precision::Auto).unwrap(), Precision::Float32);
        assert_eq!(
            avx2.resolve_with(Precision::Int8, true).unwrap(),
            Precision::Int8
        );
        let refused = avx2
            .resolve_with(Precision::Int8, false)
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("not offered") && refused.contains(INT8_ENV),
            "{refused}"
        );
        assert!(CpuFeatures::default()
            .resolve_with(Precision::Int8, true)
            .is_err());
        assert_eq!(amx.warning(Precision::BFloat16), None);
        let emulated = avx2.warning(Precision::BFloat16).unwrap();
        assert!(
            emulated.contains("emulated") && emulated.contains("avx2"),
            "{emulated}"
        );
        assert!(avx2.warning(Precision::Int8).unwrap().contains("no VNNI"));
        assert_eq!(amx.warning(Precision::Float32), None);
    }

    #[test]
    fn detection_agrees_with_proc_cpuinfo() {
        let Ok(info) = std::fs::read_to_string("/proc/cpuinfo") else {
            return;
        };
        let Some(flags) = info.lines().find(|line| line.starts_with("flags")) else {
            return;
        };
        let has = |flag: &str| flags.split_whitespace().any(|word| word == flag);
        let found = CpuFeatures::detect();
        assert_eq!(found.avx2, has("avx2"));
        assert_eq!(found.avx512_bf16, has("avx512_bf16"));
        assert_eq!(found.vnni, has("avx512_vnni") || has("avx_vnni"));
        assert_eq!(found.amx_bf16, has("amx_bf16"));
    }
}
