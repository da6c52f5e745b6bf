//! The one resolver of model arguments: a directory, a preset, or a Hub id becomes a model directory, and a
//! directory is opened with its adapter's base found.
//!
//! A model argument is a directory, or a preset: `fast` (the default: the MiniLM models) or `accurate` (the
//! MPNet stance adapter, whose base comes from the store). Presets live in the models folder:
//! `$STANCEKIT_MODELS`, else the folder the caller bundles (the wheel's), else the source checkout's `models/`.
//! `$STANCEKIT_NER_MODEL` / `$STANCEKIT_STANCE_MODEL` replace the default of their task. A Hub id
//! (`owner/name[@revision]`) names a snapshot in the Hub cache; it is downloaded only when the caller allows it
//! ([`Fetch::Allow`]).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::dir::{ModelDir, Task};
use crate::model::lora;
use crate::resources::hub;
use crate::resources::store::{base_dir, find_base};

/// The preset names a model argument may be.
pub const PRESETS: [&str; 2] = ["fast", "accurate"];

/// Whether resolving a Hub id may download it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetch {
    /// Only what is on disk: a Hub id resolves to its snapshot in the Hub cache, or is an error.
    CacheOnly,
    /// A Hub id missing from the Hub cache is downloaded into it.
    Allow,
}

/// The environment variable that replaces the default model of `task`.
fn default_variable(task: Task) -> &'static str {
    match task {
        Task::TokenClassification => "STANCEKIT_NER_MODEL",
        Task::SequenceClassification => "STANCEKIT_STANCE_MODEL",
    }
}

/// The folder that holds the preset models: `$STANCEKIT_MODELS`, else `bundled` (a package's own copy), else
/// the checkout's `models/` this crate was built from.
pub fn models_root(bundled: Option<&Path>) -> PathBuf {
    if let Some(root) = std::env::var_os("STANCEKIT_MODELS").filter(|value| !value.is_empty()) {
        return PathBuf::from(root);
    }
    if let Some(bundled) = bundled.filter(|path| path.is_dir()) {
        return bundled.to_path_buf();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

/// The model directory a model argument names (see the module documentation). An existing directory wins over
/// a preset of the same name; anything else is returned as a path, so loading it reports what is wrong.
pub fn resolve_model(
    spec: Option<&str>,
    task: Task,
    bundled: Option<&Path>,
    fetch: Fetch,
) -> Result<PathBuf> {
    if let Some(spec) = spec {
        if Path::new(spec).exists() {
            return Ok(PathBuf::from(spec));
        }
        if let Some((repo_id, revision)) = hub_spec(spec) {
            let snapshot = match fetch {
                Fetch::Allow => hub::snapshot_model(repo_id, revision, &mut |_, _| {}),
                Fetch::CacheOnly => hub::complete_snapshot(repo_id, revision).ok_or_else(|| {
                    Error::model_load(
                        hub::cache_dir(),
                        format!("{repo_id}@{revision} is not in the Hub cache"),
                    )
                }),
            };
            return snapshot.map_err(|error| {
                Error::model_load(
                    spec,
                    format!("{spec:?} is neither a directory nor a model the Hub gave: {error}"),
                )
            });
        }
        if !PRESETS.contains(&spec) {
            return Ok(PathBuf::from(spec));
        }
    }
    match spec.unwrap_or("fast") {
        "accurate" => match task {
            Task::SequenceClassification => Ok(models_root(bundled).join("stance-accurate")),
            Task::TokenClassification => Err(Error::model_load(
                models_root(bundled),
                "there is no accurate NER model: the fast one (the default) is the NER model of both tiers",
            )),
        },
        _ => {
            if spec.is_none() {
                if let Some(path) =
                    std::env::var_os(default_variable(task)).filter(|value| !value.is_empty())
                {
                    return Ok(PathBuf::from(path));
                }
            }
            Ok(models_root(bundled).join(task.name()))
        }
    }
}

/// `owner/name` or `owner/name@revision`, when `spec` has that shape (a Hub model id).
fn hub_spec(spec: &str) -> Option<(&str, &str)> {
    let (repo_id, revision) = spec.split_once('@').unwrap_or((spec, "main"));
    let (owner, name) = repo_id.split_once('/')?;
    let part = |text: &str| {
        !text.is_empty()
            && !text.starts_with('.')
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (part(owner) && part(name) && !revision.is_empty() && !revision.contains(['/', '\\']))
        .then_some((repo_id, revision))
}

/// Opens a model directory for `task` (see [`ModelDir::open`]), finding an adapter's base with
/// [`adapter_base`]. Nothing is downloaded.
pub fn open_model(path: impl AsRef<Path>, task: Task) -> Result<ModelDir> {
    ModelDir::open(path, task, adapter_base)
}

/// The base directory an adapter directory's `adapter_config.json` names: a directory (absolute, or relative
/// to the adapter directory) when one exists there, otherwise a Hub id looked up with [`find_base`].
pub fn adapter_base(adapter_dir: &Path) -> Result<PathBuf> {
    let config_path = adapter_dir.join("adapter_config.json");
    let Some(name) = lora::base_name(adapter_dir)? else {
        return Err(Error::model_load(
            &config_path,
            "adapter_config.json names no base_model_name_or_path",
        ));
    };
    let as_path = adapter_dir.join(&name);
    if as_path.join("model.safetensors").is_file() {
        return Ok(as_path);
    }
    find_base(&name).ok_or_else(|| {
        Error::model_load(
            &config_path,
            format!(
                "the adapter's base {name:?} has not been fetched (looked in {} and the Hub cache {}): fetch it \
                 once with `stancekit download {name}` or `stancekit.download(\"{name}\")` in Python",
                base_dir(&name).display(),
                hub::cache_dir().display()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_resolve_in_the_models_folder_and_paths_pass_through() {
        let root = Path::new("/somewhere/models");
        std::env::remove_var("STANCEKIT_MODELS");
        std::env::remove_var("STANCEKIT_STANCE_MODEL");
        let stance = |spec| {
            resolve_model(
                spec,
                Task::SequenceClassification,
                Some(root),
                Fetch::CacheOnly,
            )
        };
        // `root` does not exist, so the checkout's folder is used; only the last components matter here.
        assert!(stance(Some("accurate"))
            .unwrap()
            .ends_with("models/stance-accurate"));
        assert!(stance(Some("fast")).unwrap().ends_with("models/stance"));
        assert!(stance(None).unwrap().ends_with("models/stance"));
        assert_eq!(stance(Some("./my/dir")).unwrap(), PathBuf::from("./my/dir"));
        assert_eq!(hub_spec("owner/name@v1"), Some(("owner/name", "v1")));
        assert_eq!(hub_spec("owner/name"), Some(("owner/name", "main")));
        assert_eq!(hub_spec("../x"), None);
        assert_eq!(hub_spec("a/b/c"), None);
        assert!(matches!(
            resolve_model(
                Some("accurate"),
                Task::TokenClassification,
                None,
                Fetch::CacheOnly
            ),
            Err(Error::ModelLoad { .. })
        ));
    }

    #[test]
    fn a_hub_id_missing_from_the_cache_is_an_error_without_a_download() {
        // Were the Hub asked (there is no network here), the error would say the download failed.
        let error = resolve_model(
            Some("stancekit-tests/a-model-no-cache-holds"),
            Task::SequenceClassification,
            None,
            Fetch::CacheOnly,
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("not in the Hub cache"), "{error}");
        assert!(!error.contains("download"), "{error}");
    }
}
