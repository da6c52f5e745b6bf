//! How many threads libtorch runs an operator on: one setting for the library, the CLI and Python.
//!
//! libtorch starts with one intra-op thread per core. Several workers on one machine (processes of a Dask
//! cluster, `multiprocessing` pools, parallel CLI runs) would each take every core and slow each other down;
//! give each worker its share instead: [`set_num_threads`], the CLI's `--threads`, or the
//! `STANCEKIT_NUM_THREADS` environment variable, read by [`apply_env`] when a model loads.

use std::sync::Once;

use crate::error::{Error, Result};

/// The environment variable [`apply_env`] reads.
pub const ENV: &str = "STANCEKIT_NUM_THREADS";

/// Sets the number of threads libtorch uses for one operator in this process (at least 1).
pub fn set_num_threads(threads: usize) -> Result<()> {
    let count = checked(threads)?;
    // An explicit setting wins over the environment, before or after a model loads.
    FROM_ENV.call_once(|| {});
    tch::set_num_threads(count);
    Ok(())
}

fn checked(threads: usize) -> Result<i32> {
    i32::try_from(threads)
        .ok()
        .filter(|&count| count >= 1)
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "the number of threads must be between 1 and {}, not {threads}",
                i32::MAX
            ))
        })
}

/// The number of threads libtorch uses for one operator in this process.
pub fn num_threads() -> usize {
    usize::try_from(tch::get_num_threads()).unwrap_or(1)
}

/// Parses a thread count as the environment variable holds it.
pub fn parse(value: &str) -> Result<usize> {
    value
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|&count| count >= 1)
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "{ENV} must be a whole number of at least 1, not {value:?}"
            ))
        })
}

static FROM_ENV: Once = Once::new();

/// Applies `STANCEKIT_NUM_THREADS` once per process, if it is set and [`set_num_threads`] was not called
/// first; called whenever a model loads, so that a worker started with the variable never runs with
/// libtorch's default. A malformed value is an error the first time it is read.
pub fn apply_env() -> Result<()> {
    let mut outcome = Ok(());
    FROM_ENV.call_once(|| {
        if let Some(value) = std::env::var_os(ENV) {
            outcome = parse(&value.to_string_lossy())
                .and_then(checked)
                .map(tch::set_num_threads);
        }
    });
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_parse_and_bad_values_are_typed_errors() {
        assert_eq!(parse(" 3 ").ok(), Some(3));
        for bad in ["0", "-1", "two", ""] {
            assert!(matches!(parse(bad), Err(Error::InvalidInput(_))), "{bad}");
        }
        assert!(matches!(set_num_threads(0), Err(Error::InvalidInput(_))));
    }

    #[test]
    fn setting_threads_is_visible() {
        let before = num_threads();
        set_num_threads(1).ok();
        assert_eq!(num_threads(), 1);
        set_num_threads(before).ok();
    }
}
