//! Where models come from: model arguments resolved to directories, the store of downloaded bases, and the
//! Hugging Face Hub cache.
//!
//! - [`resolve`]: presets, directories and Hub ids to model directories; a directory opened with its adapter's
//!   base found. Resolving downloads nothing unless the caller passes [`resolve::Fetch::Allow`].
//! - [`store`]: the store's folders, the bases stancekit knows, and fetching a base from the Hub.
//! - [`hub`]: files from the Hub in its own cache layout (shared with `transformers`).

pub mod hub;
pub mod resolve;
pub mod store;

pub use resolve::{open_model, resolve_model, Fetch, PRESETS};
