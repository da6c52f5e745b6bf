//! `analyze` and `analyze_batch`: a document (or a batch) analysed, returned as JSON with its speaker × target
//! matrix; and the HTML view of an analysis.

use numpy::{IntoPyArray, PyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::Bound;
use stancekit_core::runtime::retry::batch_or_alone;
use stancekit_core::Error;

use crate::errors::{detach, PyStancekitError};
use crate::ner::NativeEntityRecognizer;
use crate::stance::NativeStanceClassifier;

/// Analyses `text`: returns `(analysis as JSON, speakers x targets matrix, HTML fragment)`.
fn analysis_json(analysis: &stancekit_core::Analysis) -> Result<String, Error> {
    serde_json::to_string(analysis).map_err(|error| Error::Inference {
        message: format!("serialising the analysis: {error}"),
        source: None,
    })
}

/// A document's analysis as JSON with its speaker × target matrix.
type AnalysisTuple<'py> = (String, Bound<'py, PyArray2<f32>>);

#[pyfunction]
#[pyo3(signature = (ner, stance, text, targets=None))]
pub(crate) fn analyze<'py>(
    py: Python<'py>,
    ner: &NativeEntityRecognizer,
    stance: &NativeStanceClassifier,
    text: String,
    targets: Option<Vec<String>>,
) -> PyResult<AnalysisTuple<'py>> {
    let (json, matrix) = detach(py, || {
        let analysis =
            stancekit_core::analyze(&text, targets.as_deref(), &ner.inner, &stance.inner)?;
        Ok((analysis_json(&analysis)?, analysis.stance_matrix()))
    })?;
    Ok((json, matrix.into_pyarray(py)))
}

/// Analyses `texts` batched together (`targets[i]` for text `i`, `None`: its default targets). Each item is
/// the document's `(json, matrix)` or, when it failed, its exception object: a failing batch is retried one
/// document at a time (the engine's `batch_or_alone`), so one bad document does not sink the others.
#[pyfunction]
pub(crate) fn analyze_batch<'py>(
    py: Python<'py>,
    ner: &NativeEntityRecognizer,
    stance: &NativeStanceClassifier,
    texts: Vec<String>,
    targets: Vec<Option<Vec<String>>>,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if texts.len() != targets.len() {
        return Err(PyValueError::new_err(format!(
            "{} texts but {} target lists",
            texts.len(),
            targets.len()
        )));
    }
    let outcomes = py.detach(|| {
        let documents: Vec<(&str, Option<&[String]>)> = texts
            .iter()
            .zip(&targets)
            .map(|(text, targets)| (text.as_str(), targets.as_deref()))
            .collect();
        batch_or_alone(&documents, |documents| {
            stancekit_core::analyze_batch(documents, &ner.inner, &stance.inner)
        })
        .into_iter()
        .map(|analysis| {
            analysis.and_then(|analysis| Ok((analysis_json(&analysis)?, analysis.stance_matrix())))
        })
        .collect::<Vec<_>>()
    });
    outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Ok((json, matrix)) => (json, matrix.into_pyarray(py))
                .into_pyobject(py)
                .map(Bound::into_any),
            Err(error) => Ok(PyErr::from(PyStancekitError(error))
                .into_value(py)
                .into_bound(py)
                .into_any()),
        })
        .collect()
}

/// The HTML view of an analysis given as its JSON.
#[pyfunction]
pub(crate) fn analysis_html(py: Python<'_>, text: String, json: String) -> PyResult<String> {
    detach(py, || {
        let analysis: stancekit_core::Analysis = serde_json::from_str(&json)
            .map_err(|error| Error::InvalidInput(format!("not an analysis: {error}")))?;
        Ok(stancekit_core::render::html::fragment(&text, &analysis))
    })
}
