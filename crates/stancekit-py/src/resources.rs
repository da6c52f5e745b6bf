//! Where models come from: model arguments resolved by the engine's one resolver, the store of bases, the Hub
//! cache.

use pyo3::prelude::*;
use stancekit_core::model::Task;
use stancekit_core::resources::resolve::{self, Fetch};
use stancekit_core::resources::{hub, store};

use crate::errors::PyStancekitError;

/// The model directory a model argument names: a directory, or a preset (`fast`, `accurate`) looked up in
/// `$STANCEKIT_MODELS`, else `bundled`, else the source checkout (`kind` is "ner" or "stance").
/// A Hub id is downloaded into the Hub cache unless `download` is false (then it must be there already).
#[pyfunction]
#[pyo3(signature = (spec, kind, bundled=None, download=true))]
pub(crate) fn resolve_model(
    py: Python<'_>,
    spec: Option<&str>,
    kind: &str,
    bundled: Option<std::path::PathBuf>,
    download: bool,
) -> PyResult<std::path::PathBuf> {
    let kind = match kind {
        "ner" => Task::TokenClassification,
        "stance" => Task::SequenceClassification,
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "unknown model kind {other:?}; expected 'ner' or 'stance'"
            )))
        }
    };
    let fetch = if download {
        Fetch::Allow
    } else {
        Fetch::CacheOnly
    };
    py.detach(|| resolve::resolve_model(spec, kind, bundled.as_deref(), fetch))
        .map_err(|error| PyStancekitError(error).into())
}

/// Downloads one file of a Hub repository into the Hub cache (see `stancekit_core::hub`); returns its path.
#[pyfunction]
#[pyo3(signature = (repo_id, filename, revision="main"))]
pub(crate) fn hub_download(
    py: Python<'_>,
    repo_id: &str,
    filename: &str,
    revision: &str,
) -> PyResult<std::path::PathBuf> {
    py.detach(|| hub::download(repo_id, revision, filename, &mut |_, _| {}))
        .map_err(|error| PyStancekitError(error).into())
}

/// Fetches a base (preset name or Hub id) from the Hub into the Hub cache, verifies a known base's weights,
/// and returns the snapshot folder.
#[pyfunction]
pub(crate) fn download_from_hub(py: Python<'_>, name: &str) -> PyResult<std::path::PathBuf> {
    py.detach(|| store::download_from_hub(name, &mut |_, _| {}))
        .map_err(|error| PyStancekitError(error).into())
}

/// The Hugging Face Hub cache folder stancekit reads and writes.
#[pyfunction]
pub(crate) fn hub_cache_dir() -> std::path::PathBuf {
    hub::cache_dir()
}

/// The folder holding a fetched base (the store's, else the Hub cache's), or None.
#[pyfunction]
pub(crate) fn find_base(name: &str) -> Option<std::path::PathBuf> {
    store::find_base(name)
}

/// What stancekit knows about a base: repo_id, revision, sha256, files, pypi_pieces, pypi_folder; or None.
#[pyfunction]
pub(crate) fn known_base(py: Python<'_>, name: &str) -> PyResult<Option<Py<pyo3::types::PyDict>>> {
    let Some(base) = store::known_base(name) else {
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
pub(crate) fn store_home() -> std::path::PathBuf {
    store::home()
}

/// The store folder of a base, by preset name (`accurate`) or Hub id.
#[pyfunction]
pub(crate) fn base_dir(name: &str) -> std::path::PathBuf {
    store::base_dir(store::base_id(name))
}
