//! libtorch's threads in this process, and the precisions this CPU runs fast.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use stancekit_core::runtime::threads;
use stancekit_core::{CpuFeatures, Precision};

use crate::errors::PyStancekitError;

/// Sets the number of threads libtorch uses for one operation in this process.
#[pyfunction]
pub(crate) fn set_num_threads(threads: usize) -> PyResult<()> {
    threads::set_num_threads(threads).map_err(|error| PyStancekitError(error).into())
}

/// The number of threads libtorch uses for one operation in this process.
#[pyfunction]
pub(crate) fn get_num_threads() -> usize {
    threads::num_threads()
}

/// A precision name as the constructors take it; `ValueError` for an unknown one.
pub(crate) fn parse_precision(name: &str) -> PyResult<Precision> {
    name.parse()
        .map_err(|error: stancekit_core::Error| PyValueError::new_err(error.to_string()))
}

/// The CPU features the precisions depend on, by their `/proc/cpuinfo` names.
#[pyfunction]
pub(crate) fn cpu_features() -> String {
    CpuFeatures::detect().describe()
}

/// The precision a model asked for `name` runs in on this CPU, and the warning to give when it runs slowly here
/// (`None` when it does not). `ValueError` for an unknown name or one this CPU cannot run.
#[pyfunction]
pub(crate) fn resolve_precision(name: &str) -> PyResult<(&'static str, Option<String>)> {
    let features = CpuFeatures::detect();
    let precision = features
        .resolve(parse_precision(name)?)
        .map_err(|error| PyValueError::new_err(error.to_string()))?;
    Ok((precision.name(), features.warning(precision)))
}
