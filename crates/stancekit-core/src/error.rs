//! The one error type of the engine, split by what a caller can do about it.
//!
//! ```
//! use stancekit_core::{Error, EntityRecognizer};
//! match EntityRecognizer::from_dir("/no/such/model") {
//!     Err(Error::ModelLoad { path, .. }) => assert!(path.ends_with("model")),
//!     _ => unreachable!(),
//! }
//! ```

use std::path::PathBuf;

/// A boxed source error kept for `Error::source()` chains.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in stancekit.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A model directory is missing, incomplete, inconsistent or of an unsupported kind. Fix the model.
    #[error("cannot load model {}: {problem}", path.display())]
    ModelLoad {
        /// The file or directory at fault.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
        /// The underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },
    /// The caller's input cannot be processed as given. Fix the input.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The model failed while running on valid input (a libtorch or tokenizer failure).
    #[error("inference failed: {message}")]
    Inference {
        /// What failed.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },
    /// Reading or writing a file failed.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn model_load(path: impl Into<PathBuf>, problem: impl Into<String>) -> Self {
        Error::ModelLoad {
            path: path.into(),
            problem: problem.into(),
            source: None,
        }
    }

    pub(crate) fn model_load_from(
        path: impl Into<PathBuf>,
        problem: impl Into<String>,
        source: impl Into<BoxError>,
    ) -> Self {
        Error::ModelLoad {
            path: path.into(),
            problem: problem.into(),
            source: Some(source.into()),
        }
    }

    pub(crate) fn inference(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Inference {
            message: message.into(),
            source: Some(source.into()),
        }
    }
}

/// Runs `work`, turning a panic inside libtorch or rust-bert into [`Error::Inference`].
///
/// rust-bert unwraps inside its `forward_t` methods; a panic must not cross into Python or the CLI.
pub(crate) fn catch_panic<T>(what: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(payload) => {
            let detail = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| {
                    payload
                        .downcast_ref::<&str>()
                        .map(|text| (*text).to_owned())
                })
                .unwrap_or_else(|| "unknown panic".to_owned());
            // libtorch appends a C++ backtrace; the first line says what went wrong.
            let detail = detail
                .split("\nException raised from")
                .next()
                .unwrap_or_default()
                .to_owned();
            Err(Error::Inference {
                message: format!("{what}: {detail}"),
                source: None,
            })
        }
    }
}
