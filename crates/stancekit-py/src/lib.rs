//! `stancekit._lib`: the pyo3 glue between the core engine and the Python package. No logic lives here:
//! inputs are converted to owned Rust values, the GIL is released around the engine call, and core errors
//! map onto one Python exception class each. One file per area: [`errors`], [`ner`], [`attribution`],
//! [`stance`], [`analysis`], [`resources`], [`runtime`].

mod analysis;
mod attribution;
mod errors;
mod ner;
mod resources;
mod runtime;
mod stance;

use pyo3::prelude::*;
use pyo3::Bound;

use crate::errors::{InferenceError, InvalidInputError, ModelLoadError, StancekitError};

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
    // The preset names a model argument may be, as the engine knows them.
    module.add("PRESETS", stancekit_core::resources::PRESETS.to_vec())?;
    module.add_class::<ner::NativeEntityRecognizer>()?;
    module.add_class::<attribution::NativeAttributionExtractor>()?;
    module.add_class::<stance::NativeStanceClassifier>()?;
    module.add_function(wrap_pyfunction!(cli_main, module)?)?;
    module.add_function(wrap_pyfunction!(analysis::analyze, module)?)?;
    module.add_function(wrap_pyfunction!(analysis::analyze_batch, module)?)?;
    module.add_function(wrap_pyfunction!(analysis::analysis_html, module)?)?;
    module.add_function(wrap_pyfunction!(runtime::set_num_threads, module)?)?;
    module.add_function(wrap_pyfunction!(runtime::get_num_threads, module)?)?;
    module.add_function(wrap_pyfunction!(runtime::cpu_features, module)?)?;
    module.add_function(wrap_pyfunction!(runtime::resolve_precision, module)?)?;
    module.add("PRECISIONS", stancekit_core::Precision::NAMES.to_vec())?;
    module.add_function(wrap_pyfunction!(resources::store_home, module)?)?;
    module.add_function(wrap_pyfunction!(resources::resolve_model, module)?)?;
    module.add_function(wrap_pyfunction!(resources::hub_download, module)?)?;
    module.add_function(wrap_pyfunction!(resources::download_from_hub, module)?)?;
    module.add_function(wrap_pyfunction!(resources::find_base, module)?)?;
    module.add_function(wrap_pyfunction!(resources::hub_cache_dir, module)?)?;
    module.add_function(wrap_pyfunction!(resources::known_base, module)?)?;
    module.add_function(wrap_pyfunction!(resources::base_dir, module)?)?;
    Ok(())
}
