//! Files from the Hugging Face Hub, in the Hub's own cache layout, so `transformers` and stancekit share downloads.
//!
//! A file is `GET {HF_ENDPOINT}/{repo_id}/resolve/{revision}/{filename}` (endpoint `https://huggingface.co` unless
//! `HF_ENDPOINT` says otherwise; `HF_TOKEN` is sent as a bearer token). The first answer carries the commit
//! (`X-Repo-Commit`) and the file's ETag (`X-Linked-Etag` for large files, whose value is the content's sha256);
//! large files answer with a redirect to a CDN, which is followed by hand so those headers are not lost. The cache
//! is `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`:
//!
//! ```text
//! models--{owner}--{name}/blobs/{etag}                      the content, written as {etag}.incomplete, then renamed
//! models--{owner}--{name}/snapshots/{commit}/{filename}     a link to the blob (a copy where links are not allowed)
//! models--{owner}--{name}/refs/{revision}                   the commit a branch or tag name pointed to
//! ```
//!
//! `HF_HUB_OFFLINE=1` answers from the cache only. A transfer that breaks, or whose sha256 differs from the ETag
//! the Hub announced, leaves no blob and no snapshot entry behind.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

/// The Hub cache folder (`$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`).
pub fn cache_dir() -> PathBuf {
    if let Some(cache) = env("HF_HUB_CACHE") {
        return PathBuf::from(cache);
    }
    if let Some(home) = env("HF_HOME") {
        return PathBuf::from(home).join("hub");
    }
    let base = env("XDG_CACHE_HOME").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(
            env("HOME")
                .or_else(|| env("USERPROFILE"))
                .unwrap_or_else(|| ".".into()),
        )
        .join(".cache")
    });
    base.join("huggingface").join("hub")
}

/// Whether `HF_HUB_OFFLINE` forbids network access.
pub fn offline() -> bool {
    env("HF_HUB_OFFLINE").is_some_and(|value| !matches!(value.as_str(), "0" | "false" | "False"))
}

fn repo_folder(repo_id: &str) -> PathBuf {
    cache_dir().join(format!("models--{}", repo_id.replace('/', "--")))
}

fn is_commit(revision: &str) -> bool {
    revision.len() == 40 && revision.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// The snapshot folder of `repo_id` at `revision` in the cache, if the cache knows that revision.
pub fn cached_snapshot(repo_id: &str, revision: &str) -> Option<PathBuf> {
    let folder = repo_folder(repo_id);
    let commit = if is_commit(revision) {
        revision.to_owned()
    } else {
        std::fs::read_to_string(folder.join("refs").join(revision))
            .ok()?
            .trim()
            .to_owned()
    };
    let snapshot = folder.join("snapshots").join(commit);
    snapshot.is_dir().then_some(snapshot)
}

/// How far a transfer is: bytes so far and the total when known.
pub type Progress<'a> = &'a mut dyn FnMut(u64, Option<u64>);

fn failure(path: &Path, url: &str, problem: impl std::fmt::Display) -> Error {
    Error::model_load(path, format!("download of {url} failed: {problem}"))
}

/// The local path of `filename` of `repo_id` at `revision`, downloaded into the Hub cache unless it is there.
pub fn download(
    repo_id: &str,
    revision: &str,
    filename: &str,
    progress: Progress<'_>,
) -> Result<PathBuf> {
    fetch(repo_id, revision, filename, progress)?.ok_or_else(|| {
        Error::model_load(
            repo_folder(repo_id),
            format!("{repo_id}@{revision} has no file {filename} on the Hub (HTTP 404)"),
        )
    })
}

/// The snapshot folder of a model repository at `revision` when the cache holds all the files
/// [`snapshot_model`] fetches; nothing is downloaded.
pub fn complete_snapshot(repo_id: &str, revision: &str) -> Option<PathBuf> {
    let snapshot = cached_snapshot(repo_id, revision)?;
    let has = |name: &str| snapshot.join(name).is_file();
    let weights = has("model.safetensors")
        || (has("adapter_config.json") && has("adapter_model.safetensors"));
    (has("config.json") && has("tokenizer.json") && weights).then_some(snapshot)
}

/// A model repository's files at `revision` in the Hub cache: `config.json`, `tokenizer.json`, and either
/// `model.safetensors` or a PEFT adapter (`adapter_config.json`, `adapter_model.safetensors`). Returns the
/// snapshot folder, which loads like any model directory.
pub fn snapshot_model(repo_id: &str, revision: &str, progress: Progress<'_>) -> Result<PathBuf> {
    if let Some(snapshot) = complete_snapshot(repo_id, revision) {
        return Ok(snapshot);
    }
    let config = download(repo_id, revision, "config.json", progress)?;
    download(repo_id, revision, "tokenizer.json", progress)?;
    if fetch(repo_id, revision, "model.safetensors", progress)?.is_none() {
        download(repo_id, revision, "adapter_config.json", progress)?;
        download(repo_id, revision, "adapter_model.safetensors", progress)?;
    }
    config
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| Error::model_load(&config, "no snapshot folder"))
}

/// [`download`], with `None` for a file the Hub does not have (HTTP 404).
fn fetch(
    repo_id: &str,
    revision: &str,
    filename: &str,
    progress: Progress<'_>,
) -> Result<Option<PathBuf>> {
    if let Some(snapshot) = cached_snapshot(repo_id, revision) {
        let path = snapshot.join(filename);
        if path.is_file() {
            return Ok(Some(path));
        }
    }
    let folder = repo_folder(repo_id);
    if offline() {
        return Err(Error::model_load(
            folder,
            format!(
                "{repo_id}@{revision}/{filename} is not in the Hub cache and HF_HUB_OFFLINE is set"
            ),
        ));
    }
    let endpoint = env("HF_ENDPOINT").unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned());
    let url = format!(
        "{}/{repo_id}/resolve/{revision}/{filename}",
        endpoint.trim_end_matches('/')
    );
    let agent = ureq::AgentBuilder::new()
        .redirects(0)
        .timeout_connect(Duration::from_secs(10))
        .timeout_read(Duration::from_secs(60))
        .build();
    let get = |url: &str| {
        let mut request = agent.get(url).set("User-Agent", "stancekit");
        if let Some(token) = env("HF_TOKEN") {
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        match request.call() {
            Ok(response) => Ok(Some(response)),
            Err(ureq::Error::Status(status, response)) if (300..400).contains(&status) => {
                Ok(Some(response))
            }
            Err(ureq::Error::Status(404, _)) => Ok(None),
            Err(ureq::Error::Status(status, response)) => Err(failure(
                &folder,
                url,
                format!("HTTP {status} {}", response.status_text()),
            )),
            Err(error) => Err(failure(&folder, url, error)),
        }
    };
    let Some(first) = get(&url)? else {
        return Ok(None);
    };
    let commit = first.header("X-Repo-Commit").map(str::to_owned);
    let etag = first
        .header("X-Linked-Etag")
        .or_else(|| first.header("ETag"))
        .map(|tag| tag.trim_start_matches("W/").trim_matches('"').to_owned());
    let response = if (300..400).contains(&first.status()) {
        let location = first
            .header("Location")
            .ok_or_else(|| failure(&folder, &url, "a redirect without a Location"))?;
        let target = if location.starts_with("http://") || location.starts_with("https://") {
            location.to_owned()
        } else {
            // A path on the same server.
            let origin_end = url
                .find("://")
                .and_then(|scheme| url[scheme + 3..].find('/').map(|slash| scheme + 3 + slash))
                .unwrap_or(url.len());
            format!("{}{location}", &url[..origin_end])
        };
        let followed = get(&target)?
            .ok_or_else(|| failure(&folder, &target, "HTTP 404 after the redirect"))?;
        if followed.status() != 200 {
            return Err(failure(
                &folder,
                &target,
                format!("HTTP {}", followed.status()),
            ));
        }
        followed
    } else {
        first
    };
    let Some(commit) = commit else {
        return Err(failure(
            &folder,
            &url,
            "the answer names no commit (X-Repo-Commit)",
        ));
    };
    if !is_commit(&commit) {
        return Err(failure(
            &folder,
            &url,
            format!("X-Repo-Commit {commit:?} is not a commit hash"),
        ));
    }
    let total = response
        .header("Content-Length")
        .and_then(|length| length.parse::<u64>().ok());
    let blobs = folder.join("blobs");
    std::fs::create_dir_all(&blobs).map_err(|source| Error::Io {
        path: blobs.clone(),
        source,
    })?;
    let partial = blobs.join(format!(
        "{}.incomplete",
        etag.clone().unwrap_or_else(|| "download".into())
    ));
    let written =
        copy_hashing(response.into_reader(), &partial, total, progress).map_err(|problem| {
            let _ = std::fs::remove_file(&partial);
            failure(&folder, &url, problem)
        })?;
    let (size, sha256) = written;
    if let Some(total) = total.filter(|&total| total != size) {
        let _ = std::fs::remove_file(&partial);
        return Err(failure(
            &folder,
            &url,
            format!("{size} of {total} bytes arrived"),
        ));
    }
    // Large files' ETag is their sha256: hold the content to it.
    if let Some(tag) = etag.as_deref().filter(|tag| tag.len() == 64) {
        if tag != sha256 {
            let _ = std::fs::remove_file(&partial);
            return Err(failure(
                &folder,
                &url,
                format!("the content has sha256 {sha256}, the Hub announced {tag}"),
            ));
        }
    }
    let blob = blobs.join(etag.unwrap_or_else(|| sha256.clone()));
    rename(&partial, &blob)?;
    let snapshot = folder.join("snapshots").join(&commit);
    let path = snapshot.join(filename);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    link_or_copy(&blob, &path)?;
    if !is_commit(revision) {
        let refs = folder.join("refs");
        std::fs::create_dir_all(&refs)
            .and_then(|()| std::fs::write(refs.join(revision), &commit))
            .map_err(|source| Error::Io { path: refs, source })?;
    }
    Ok(Some(path))
}

/// Copies `reader` to `path`, returning the size and the sha256 (hex) of what was written.
fn copy_hashing(
    mut reader: impl Read,
    path: &Path,
    total: Option<u64>,
    progress: Progress<'_>,
) -> std::result::Result<(u64, String), String> {
    let mut file = std::fs::File::create(path).map_err(|error| error.to_string())?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let read = reader
            .read(&mut buffer)
            .map_err(|error| error.to_string())?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        file.write_all(&buffer[..read])
            .map_err(|error| error.to_string())?;
        size += read as u64;
        progress(size, total);
    }
    file.sync_all().map_err(|error| error.to_string())?;
    Ok((size, hex_digest(hasher)))
}

/// A finished sha256 as lower-case hex, as the Hub's ETags and stancekit's pinned hashes write it.
pub(crate) fn hex_digest(hasher: Sha256) -> String {
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|source| Error::Io {
        path: to.to_path_buf(),
        source,
    })
}

/// A relative symbolic link from the snapshot entry to its blob, as the Hub's own client makes; a copy where
/// links cannot be made.
fn link_or_copy(blob: &Path, entry: &Path) -> Result<()> {
    let _ = std::fs::remove_file(entry);
    #[cfg(unix)]
    {
        let depth = entry
            .strip_prefix(
                blob.parent()
                    .and_then(Path::parent)
                    .unwrap_or_else(|| Path::new("")),
            )
            .map(|relative| relative.components().count().saturating_sub(1))
            .unwrap_or(0);
        let mut target = PathBuf::new();
        for _ in 0..depth {
            target.push("..");
        }
        target.push("blobs");
        if let Some(name) = blob.file_name() {
            target.push(name);
        }
        if std::os::unix::fs::symlink(&target, entry).is_ok() {
            return Ok(());
        }
    }
    std::fs::copy(blob, entry)
        .map(|_| ())
        .map_err(|source| Error::Io {
            path: entry.to_path_buf(),
            source,
        })
}
