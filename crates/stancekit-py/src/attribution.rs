//! `NativeAttributionExtractor`: reported-speech relations (wrapped by `stancekit.AttributionExtractor`).

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use stancekit_core::{AttributionExtractor, Error, NerOptions};

use crate::errors::detach;
use crate::runtime::parse_precision;

/// The native attribution model (wrapped by `stancekit.AttributionExtractor`).
#[pyclass(module = "stancekit._lib", frozen)]
pub(crate) struct NativeAttributionExtractor {
    inner: AttributionExtractor,
}

#[pymethods]
impl NativeAttributionExtractor {
    #[new]
    #[pyo3(signature = (path, batch_size=16, window=None, stride=None, precision="float32"))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        batch_size: usize,
        window: Option<usize>,
        stride: Option<usize>,
        precision: &str,
    ) -> PyResult<Self> {
        let precision = parse_precision(precision)?;
        if batch_size == 0 {
            return Err(PyValueError::new_err("batch_size must be at least 1"));
        }
        let options = NerOptions {
            batch_size,
            window,
            stride,
            precision,
            ..NerOptions::default()
        };
        let inner = detach(py, || AttributionExtractor::with_options(&path, options))?;
        Ok(NativeAttributionExtractor { inner })
    }

    /// The precision the encoder runs in ("auto" resolved).
    #[getter]
    fn precision(&self) -> &'static str {
        self.inner.recognizer().precision().name()
    }

    #[getter]
    fn path(&self) -> PathBuf {
        self.inner.recognizer().path().to_path_buf()
    }

    /// The relations of each text, as one JSON list per text.
    fn predict_batch(&self, py: Python<'_>, texts: Vec<String>) -> PyResult<Vec<String>> {
        detach(py, || {
            let borrowed: Vec<&str> = texts.iter().map(String::as_str).collect();
            self.inner
                .predict_batch(&borrowed)?
                .into_iter()
                .map(|relations| {
                    serde_json::to_string(&relations).map_err(|error| Error::Inference {
                        message: format!("serialising relations: {error}"),
                        source: None,
                    })
                })
                .collect()
        })
    }
}
