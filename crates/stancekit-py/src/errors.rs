//! Errors in one place: one Python exception class per core error kind, the conversion, and the GIL released
//! around engine work.

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyFileNotFoundError, PyOSError};
use pyo3::prelude::*;
use stancekit_core::Error;

create_exception!(
    stancekit,
    StancekitError,
    PyException,
    "Base class of every stancekit error."
);
create_exception!(
    stancekit,
    ModelLoadError,
    StancekitError,
    "A model directory is missing, incomplete, inconsistent or unsupported."
);
create_exception!(
    stancekit,
    InvalidInputError,
    StancekitError,
    "The input cannot be processed as given."
);
create_exception!(
    stancekit,
    InferenceError,
    StancekitError,
    "The model failed on valid input."
);

/// The core error, converted to its Python exception by one `From`.
pub(crate) struct PyStancekitError(pub(crate) Error);

impl From<Error> for PyStancekitError {
    fn from(error: Error) -> Self {
        PyStancekitError(error)
    }
}

fn full_message(error: &Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

impl From<PyStancekitError> for PyErr {
    fn from(PyStancekitError(error): PyStancekitError) -> Self {
        let message = full_message(&error);
        match &error {
            Error::ModelLoad { .. } => ModelLoadError::new_err(message),
            Error::InvalidInput(_) => InvalidInputError::new_err(message),
            Error::Inference { .. } => InferenceError::new_err(message),
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                PyFileNotFoundError::new_err(message)
            }
            Error::Io { .. } => PyOSError::new_err(message),
        }
    }
}

/// Releases the GIL around engine work and converts its error.
pub(crate) fn detach<T: Send>(
    py: Python<'_>,
    work: impl FnOnce() -> Result<T, Error> + Send,
) -> PyResult<T> {
    py.detach(work)
        .map_err(|error| PyStancekitError(error).into())
}
