//! `NativeEntityRecognizer`: the NER model (wrapped by `stancekit.EntityRecognizer`).

use std::path::PathBuf;

use numpy::{IntoPyArray, PyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::Bound;
use stancekit_core::{
    Aggregation, EntityRecognizer, Error, NerOptions, TokenHeadKind, WordGrouping,
};

use crate::errors::detach;
use crate::runtime::parse_precision;

type EntityTuple = (String, String, usize, usize, f32);
type TokenScoresTuple<'py> = (
    Bound<'py, PyArray2<f32>>,
    Vec<String>,
    Vec<String>,
    Vec<(usize, usize)>,
);

/// The native NER model (wrapped by `stancekit.EntityRecognizer`).
#[pyclass(module = "stancekit._lib", frozen)]
pub(crate) struct NativeEntityRecognizer {
    pub(crate) inner: EntityRecognizer,
}

#[pymethods]
impl NativeEntityRecognizer {
    #[new]
    #[pyo3(signature = (path, aggregation="first", batch_size=16, window=None, stride=None, words="names", head="entities", precision="float32"))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        aggregation: &str,
        batch_size: usize,
        window: Option<usize>,
        stride: Option<usize>,
        words: &str,
        head: &str,
        precision: &str,
    ) -> PyResult<Self> {
        let head = match head {
            "entities" => TokenHeadKind::Entities,
            "attribution" => TokenHeadKind::Attribution,
            other => {
                return Err(PyValueError::new_err(format!(
                    "head must be 'entities' or 'attribution', not {other:?}"
                )))
            }
        };
        let aggregation: Aggregation = aggregation
            .parse()
            .map_err(|error: Error| PyValueError::new_err(error.to_string()))?;
        let words: WordGrouping = words
            .parse()
            .map_err(|error: Error| PyValueError::new_err(error.to_string()))?;
        let precision = parse_precision(precision)?;
        if batch_size == 0 {
            return Err(PyValueError::new_err("batch_size must be at least 1"));
        }
        let options = NerOptions {
            aggregation,
            words,
            batch_size,
            window,
            stride,
            head,
            precision,
            ..NerOptions::default()
        };
        let inner = detach(py, || EntityRecognizer::with_options(&path, options))?;
        Ok(NativeEntityRecognizer { inner })
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
    fn aggregation(&self) -> String {
        self.inner.options().aggregation.to_string()
    }

    #[getter]
    fn words(&self) -> String {
        self.inner.options().words.to_string()
    }

    /// Whether the model's attribution head runs beside its entity head.
    #[getter]
    fn has_attribution(&self) -> bool {
        self.inner.has_attribution()
    }

    /// Entities of each text as `(text, label, start, end, score)` tuples.
    fn predict_batch(&self, py: Python<'_>, texts: Vec<String>) -> PyResult<Vec<Vec<EntityTuple>>> {
        let results = detach(py, || {
            let borrowed: Vec<&str> = texts.iter().map(String::as_str).collect();
            self.inner.predict_batch(&borrowed)
        })?;
        Ok(results
            .into_iter()
            .map(|entities| {
                entities
                    .into_iter()
                    .map(|e| (e.text, e.label, e.start, e.end, e.score))
                    .collect()
            })
            .collect())
    }

    /// `(token, start, end)` for each token, without running the model.
    fn tokens(&self, py: Python<'_>, text: String) -> PyResult<Vec<(String, usize, usize)>> {
        detach(py, || self.inner.tokens(&text))
    }

    /// `(probabilities [tokens x labels], labels, tokens, offsets)`.
    fn token_scores<'py>(&self, py: Python<'py>, text: String) -> PyResult<TokenScoresTuple<'py>> {
        let scores = detach(py, || self.inner.token_scores(&text))?;
        Ok((
            scores.probabilities.into_pyarray(py),
            scores.labels,
            scores.tokens,
            scores.offsets,
        ))
    }
}
