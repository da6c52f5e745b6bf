//! `stancekit._lib`: the pyo3 glue between the core engine and the Python package. No logic lives here:
//! inputs are converted to owned Rust values, the GIL is released around the engine call, and core errors
//! map onto one Python exception class each.

use std::collections::BTreeMap;
use std::path::PathBuf;

use numpy::{IntoPyArray, PyArray2, PyArray3};
use pyo3::exceptions::{PyException, PyFileNotFoundError, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::{create_exception, Bound};
use stancekit_core::{
    Aggregation, AttributionExtractor, EntityRecognizer, Error, NerOptions, StanceClassifier,
    StanceOptions, TokenHeadKind, WordGrouping,
};

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
struct PyStancekitError(Error);

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
fn detach<T: Send>(py: Python<'_>, work: impl FnOnce() -> Result<T, Error> + Send) -> PyResult<T> {
    py.detach(work)
        .map_err(|error| PyStancekitError(error).into())
}

type EntityTuple = (String, String, usize, usize, f32);
type TokenScoresTuple<'py> = (
    Bound<'py, PyArray2<f32>>,
    Vec<String>,
    Vec<String>,
    Vec<(usize, usize)>,
);

/// The native NER model (wrapped by `stancekit.EntityRecognizer`).
#[pyclass(module = "stancekit._lib", frozen)]
struct NativeEntityRecognizer {
    inner: EntityRecognizer,
}

#[pymethods]
impl NativeEntityRecognizer {
    #[new]
    #[pyo3(signature = (path, aggregation="first", batch_size=16, window=None, stride=None, words="names", head="entities"))]
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
            ..NerOptions::default()
        };
        let inner = detach(py, || EntityRecognizer::with_options(&path, options))?;
        Ok(NativeEntityRecognizer { inner })
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

/// The native attribution model (wrapped by `stancekit.AttributionExtractor`).
#[pyclass(module = "stancekit._lib", frozen)]
struct NativeAttributionExtractor {
    inner: AttributionExtractor,
}

#[pymethods]
impl NativeAttributionExtractor {
    #[new]
    #[pyo3(signature = (path, batch_size=16, window=None, stride=None))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        batch_size: usize,
        window: Option<usize>,
        stride: Option<usize>,
    ) -> PyResult<Self> {
        if batch_size == 0 {
            return Err(PyValueError::new_err("batch_size must be at least 1"));
        }
        let options = NerOptions {
            batch_size,
            window,
            stride,
            ..NerOptions::default()
        };
        let inner = detach(py, || AttributionExtractor::with_options(&path, options))?;
        Ok(NativeAttributionExtractor { inner })
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

type StanceTuple = (String, String, f32, BTreeMap<String, f32>);

/// The native stance model (wrapped by `stancekit.StanceClassifier`).
#[pyclass(module = "stancekit._lib", frozen)]
struct NativeStanceClassifier {
    inner: StanceClassifier,
}

#[pymethods]
impl NativeStanceClassifier {
    #[new]
    #[pyo3(signature = (path, hypothesis_template=None, batch_size=32, max_length=None, evidence_threshold=None))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        hypothesis_template: Option<String>,
        batch_size: usize,
        max_length: Option<usize>,
        evidence_threshold: Option<f32>,
    ) -> PyResult<Self> {
        if batch_size == 0 {
            return Err(PyValueError::new_err("batch_size must be at least 1"));
        }
        let options = StanceOptions {
            hypothesis_template,
            batch_size,
            max_length,
            evidence_threshold,
        };
        let inner = detach(py, || StanceClassifier::with_options(&path, options))?;
        Ok(NativeStanceClassifier { inner })
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
fn analyze<'py>(
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
/// document at a time, so one bad document does not sink the others.
#[pyfunction]
fn analyze_batch<'py>(
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
        let analyses = match stancekit_core::analyze_batch(&documents, &ner.inner, &stance.inner) {
            Ok(analyses) if analyses.len() == documents.len() => {
                analyses.into_iter().map(Ok).collect::<Vec<_>>()
            }
            _ => documents
                .iter()
                .map(|&(text, targets)| {
                    stancekit_core::analyze(text, targets, &ner.inner, &stance.inner)
                })
                .collect(),
        };
        analyses
            .into_iter()
            .map(|analysis| {
                analysis
                    .and_then(|analysis| Ok((analysis_json(&analysis)?, analysis.stance_matrix())))
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
fn analysis_html(py: Python<'_>, text: String, json: String) -> PyResult<String> {
    detach(py, || {
        let analysis: stancekit_core::Analysis = serde_json::from_str(&json)
            .map_err(|error| Error::InvalidInput(format!("not an analysis: {error}")))?;
        Ok(stancekit_core::html::fragment(&text, &analysis))
    })
}

/// Sets the number of threads libtorch uses for one operation in this process.
#[pyfunction]
fn set_num_threads(threads: usize) -> PyResult<()> {
    stancekit_core::threads::set_num_threads(threads)
        .map_err(|error| PyStancekitError(error).into())
}

/// The number of threads libtorch uses for one operation in this process.
#[pyfunction]
fn get_num_threads() -> usize {
    stancekit_core::threads::num_threads()
}

/// The model directory a model argument names: a directory, or a preset (`fast`, `accurate`) looked up in
/// `$STANCEKIT_MODELS`, else `bundled`, else the source checkout (`kind` is "ner" or "stance").
#[pyfunction]
#[pyo3(signature = (spec, kind, bundled=None))]
fn resolve_model(
    py: Python<'_>,
    spec: Option<&str>,
    kind: &str,
    bundled: Option<std::path::PathBuf>,
) -> PyResult<std::path::PathBuf> {
    use stancekit_core::store::ModelKind;
    let kind = match kind {
        "ner" => ModelKind::Ner,
        "stance" => ModelKind::Stance,
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "unknown model kind {other:?}; expected 'ner' or 'stance'"
            )))
        }
    };
    py.detach(|| stancekit_core::store::resolve_model(spec, kind, bundled.as_deref()))
        .map_err(|error| PyStancekitError(error).into())
}

/// Downloads one file of a Hub repository into the Hub cache (see `stancekit_core::hub`); returns its path.
#[pyfunction]
#[pyo3(signature = (repo_id, filename, revision="main"))]
fn hub_download(
    py: Python<'_>,
    repo_id: &str,
    filename: &str,
    revision: &str,
) -> PyResult<std::path::PathBuf> {
    py.detach(|| stancekit_core::hub::download(repo_id, revision, filename, &mut |_, _| {}))
        .map_err(|error| PyStancekitError(error).into())
}

/// Fetches a base (preset name or Hub id) from the Hub into the Hub cache, verifies a known base's weights,
/// and returns the snapshot folder.
#[pyfunction]
fn download_from_hub(py: Python<'_>, name: &str) -> PyResult<std::path::PathBuf> {
    py.detach(|| stancekit_core::store::download_from_hub(name, &mut |_, _| {}))
        .map_err(|error| PyStancekitError(error).into())
}

/// The Hugging Face Hub cache folder stancekit reads and writes.
#[pyfunction]
fn hub_cache_dir() -> std::path::PathBuf {
    stancekit_core::hub::cache_dir()
}

/// The folder holding a fetched base (the store's, else the Hub cache's), or None.
#[pyfunction]
fn find_base(name: &str) -> Option<std::path::PathBuf> {
    stancekit_core::store::find_base(name)
}

/// What stancekit knows about a base: repo_id, revision, sha256, files, pypi_pieces, pypi_folder; or None.
#[pyfunction]
fn known_base(py: Python<'_>, name: &str) -> PyResult<Option<Py<pyo3::types::PyDict>>> {
    let Some(base) = stancekit_core::store::known_base(name) else {
        return Ok(None);
    };
    let dict = pyo3::types::PyDict::new(py);
    dict.set_item("repo_id", base.repo_id)?;
    dict.set_item("revision", base.revision)?;
    dict.set_item("sha256", base.sha256)?;
    dict.set_item("files", base.files.to_vec())?;
    dict.set_item("pypi_pieces", base.pypi_pieces.to_vec())?;
    dict.set_item("pypi_folder", base.pypi_folder)?;
    Ok(Some(dict.unbind()))
}

/// The folder where stancekit keeps downloaded model bases (`STANCEKIT_HOME`, else the user's cache).
#[pyfunction]
fn store_home() -> std::path::PathBuf {
    stancekit_core::store::home()
}

/// The store folder of a base, by preset name (`accurate`) or Hub id.
#[pyfunction]
fn base_dir(name: &str) -> std::path::PathBuf {
    stancekit_core::store::base_dir(stancekit_core::store::base_id(name))
}

#[pyfunction]
fn cli_main(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| stancekit_cli::run(argv))
}

#[pymodule]
fn _lib(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add("StancekitError", py.get_type::<StancekitError>())?;
    module.add("ModelLoadError", py.get_type::<ModelLoadError>())?;
    module.add("InvalidInputError", py.get_type::<InvalidInputError>())?;
    module.add("InferenceError", py.get_type::<InferenceError>())?;
    module.add_class::<NativeEntityRecognizer>()?;
    module.add_class::<NativeAttributionExtractor>()?;
    module.add_class::<NativeStanceClassifier>()?;
    module.add_function(wrap_pyfunction!(cli_main, module)?)?;
    module.add_function(wrap_pyfunction!(analyze, module)?)?;
    module.add_function(wrap_pyfunction!(analyze_batch, module)?)?;
    module.add_function(wrap_pyfunction!(analysis_html, module)?)?;
    module.add_function(wrap_pyfunction!(set_num_threads, module)?)?;
    module.add_function(wrap_pyfunction!(get_num_threads, module)?)?;
    module.add_function(wrap_pyfunction!(store_home, module)?)?;
    module.add_function(wrap_pyfunction!(resolve_model, module)?)?;
    module.add_function(wrap_pyfunction!(hub_download, module)?)?;
    module.add_function(wrap_pyfunction!(download_from_hub, module)?)?;
    module.add_function(wrap_pyfunction!(find_base, module)?)?;
    module.add_function(wrap_pyfunction!(hub_cache_dir, module)?)?;
    module.add_function(wrap_pyfunction!(known_base, module)?)?;
    module.add_function(wrap_pyfunction!(base_dir, module)?)?;
    Ok(())
}
