//! `NativeStanceClassifier`: the stance model (wrapped by `stancekit.StanceClassifier`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use numpy::{IntoPyArray, PyArray3};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::Bound;
use stancekit_core::{StanceClassifier, StanceOptions};

use crate::errors::detach;
use crate::runtime::parse_precision;

type StanceTuple = (String, String, f32, BTreeMap<String, f32>);

/// The native stance model (wrapped by `stancekit.StanceClassifier`).
#[pyclass(module = "stancekit._lib", frozen)]
pub(crate) struct NativeStanceClassifier {
    pub(crate) inner: StanceClassifier,
}

#[pymethods]
impl NativeStanceClassifier {
    #[new]
    #[pyo3(signature = (path, hypothesis_template=None, batch_size=32, max_length=None, evidence_threshold=None, precision="float32"))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        hypothesis_template: Option<String>,
        batch_size: usize,
        max_length: Option<usize>,
        evidence_threshold: Option<f32>,
        precision: &str,
    ) -> PyResult<Self> {
        if batch_size == 0 {
            return Err(PyValueError::new_err("batch_size must be at least 1"));
        }
        let precision = parse_precision(precision)?;
        let options = StanceOptions {
            hypothesis_template,
            batch_size,
            max_length,
            evidence_threshold,
            precision,
        };
        let inner = detach(py, || StanceClassifier::with_options(&path, options))?;
        Ok(NativeStanceClassifier { inner })
    }

    /// The precision the encoder runs in ("auto" resolved).
    #[getter]
    fn precision(&self) -> &'static str {
        self.inner.precision().name()
    }

    #[getter]
    fn labels(&self) -> Vec<String> {
        self.inner.labels().to_vec()
    }

    #[getter]
    fn path(&self) -> PathBuf {
        self.inner.path().to_path_buf()
    }

    #[getter]
    fn evidence_threshold(&self) -> f32 {
        self.inner.evidence_threshold()
    }

    #[getter]
    fn hypothesis_template(&self) -> Option<String> {
        self.inner.hypothesis_template().map(str::to_owned)
    }

    fn hypothesis(&self, target: &str) -> String {
        self.inner.hypothesis(target)
    }

    /// `(target, label, score, scores)` for each `(text, target)` pair.
    fn predict_batch(
        &self,
        py: Python<'_>,
        pairs: Vec<(String, String)>,
    ) -> PyResult<Vec<StanceTuple>> {
        let results = detach(py, || {
            let borrowed: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(text, target)| (text.as_str(), target.as_str()))
                .collect();
            self.inner.predict_batch(&borrowed)
        })?;
        Ok(results
            .into_iter()
            .map(|p| (p.target, p.label.as_str().to_owned(), p.score, p.scores))
            .collect())
    }

    /// Probabilities `[texts x targets x (favor, against, none)]`.
    fn score_matrix<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
        targets: Vec<String>,
    ) -> PyResult<Bound<'py, PyArray3<f32>>> {
        let matrix = detach(py, || {
            let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
            let targets: Vec<&str> = targets.iter().map(String::as_str).collect();
            self.inner.score_matrix(&texts, &targets)
        })?;
        Ok(matrix.into_pyarray(py))
    }
}
