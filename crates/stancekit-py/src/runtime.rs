//! libtorch's threads in this process.

use pyo3::prelude::*;
use stancekit_core::runtime::threads;

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
