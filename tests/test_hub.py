"""The Hub path against a loopback server that speaks the Hub's download protocol (no network).

The server answers `GET /{owner}/{name}/resolve/{revision}/{file}` as huggingface.co does: small files with an ETag
and `X-Repo-Commit`; weights with a redirect to a CDN path, carrying `X-Repo-Commit` and `X-Linked-Etag` (the
content's sha256). Models come from the tiny MPNet builders of test_mpnet.py, and the accurate tier's real base from
the store.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

import stancekit
from stancekit import _lib

COMMIT = "0123456789abcdef0123456789abcdef01234567"
# Where `make base` put the accurate base, read before any test points STANCEKIT_HOME elsewhere.
REAL_BASE = stancekit.base_dir("accurate")
LARGE = {"model.safetensors", "adapter_model.safetensors"}


class FakeHub:
    """Repositories (`owner/name` → folder) served over HTTP on 127.0.0.1; `corrupt` repos serve altered weights."""

    def __init__(self) -> None:
        self.repos: dict[str, Path] = {}
        self.revisions: dict[str, str] = {}
        self.corrupt: set[str] = set()
        self.requests: list[str] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                hub.requests.append(self.path)
                parts = self.path.strip("/").split("/")
                if parts[0] == "cdn":
                    repo, name = "/".join(parts[1:3]), parts[3]
                    body = (hub.repos[repo] / name).read_bytes()
                    if repo in hub.corrupt:
                        body = body[:-8] + b"\x00" * 8
                    self._send(200, body, {})
                    return
                if len(parts) < 5 or parts[2] != "resolve":
                    self._send(404, b"", {})
                    return
                repo, revision, name = "/".join(parts[:2]), parts[3], "/".join(parts[4:])
                folder = hub.repos.get(repo)
                commit = hub.revisions.get(repo, COMMIT)
                if folder is None or revision not in ("main", commit) or not (folder / name).is_file():
                    self._send(404, b"", {})
                    return
                content = (folder / name).read_bytes()
                headers = {"X-Repo-Commit": commit}
                if name in LARGE:
                    headers["X-Linked-Etag"] = f'"{hashlib.sha256(content).hexdigest()}"'
                    headers["Location"] = f"/cdn/{repo}/{name}"
                    self._send(302, b"", headers)
                else:
                    headers["ETag"] = f'"{hashlib.sha1(content).hexdigest()}"'
                    self._send(200, content, headers)

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub(tmp_path: Path, monkeypatch):
    fake = FakeHub()
    monkeypatch.setenv("HF_ENDPOINT", fake.endpoint)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("STANCEKIT_HOME", str(tmp_path / "store"))
    yield fake
    fake.close()


@pytest.fixture
def tiny_repos(tmp_path: Path, hub: FakeHub):
    from test_mpnet import _tiny_adapter

    adapter_dir, merged = _tiny_adapter(tmp_path / "built", seed=11)
    settings = json.loads((adapter_dir / "adapter_config.json").read_text())
    settings["base_model_name_or_path"] = "tiny-org/tiny-mpnet"
    (adapter_dir / "adapter_config.json").write_text(json.dumps(settings))
    base_dir = tmp_path / "built" / "base"
    shutil.copy(adapter_dir / "tokenizer.json", base_dir / "tokenizer.json")
    hub.repos["tiny-org/tiny-mpnet"] = base_dir
    hub.repos["tiny-org/tiny-adapter"] = adapter_dir
    return merged


def _cache(tmp_path: Path, repo: str) -> Path:
    return tmp_path / "hf-home" / "hub" / f"models--{repo.replace('/', '--')}"


def test_an_adapter_and_its_base_come_from_the_hub_in_its_cache_layout(
    tmp_path: Path, hub: FakeHub, tiny_repos, monkeypatch
) -> None:
    import torch
    from test_mpnet import TARGETS, TEXTS, _reference_probabilities

    base = stancekit.download("tiny-org/tiny-mpnet", source="hub", quiet=True)
    cache = _cache(tmp_path, "tiny-org/tiny-mpnet")
    assert base == cache / "snapshots" / COMMIT
    assert (cache / "refs" / "main").read_text() == COMMIT
    weights = base / "model.safetensors"
    assert weights.is_symlink() and weights.resolve().parent == (cache / "blobs").resolve()
    assert weights.resolve().name == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert not list((cache / "blobs").glob("*.incomplete"))

    classifier = stancekit.StanceClassifier("tiny-org/tiny-adapter")
    pairs = [(text, target) for text in TEXTS[:3] for target in TARGETS]
    with torch.inference_mode():
        expected = _reference_probabilities(tiny_repos, base, classifier, pairs)
    for prediction, row in zip(classifier.predict_batch(pairs), expected, strict=True):
        ours = [prediction.scores[label] for label in ("against", "favor", "none")]
        assert np.allclose(ours, row, atol=1e-4)

    # Offline, everything loads from the cache, and nothing else is asked of the server.
    asked = len(hub.requests)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    stancekit.StanceClassifier("tiny-org/tiny-adapter@main")
    assert len(hub.requests) == asked
    with pytest.raises(stancekit.ModelLoadError, match="HF_HUB_OFFLINE"):
        _lib.hub_download("tiny-org/tiny-mpnet", "vocab.txt")


def test_weights_that_do_not_match_their_announced_sha256_are_not_kept(
    tmp_path: Path, hub: FakeHub, tiny_repos
) -> None:
    hub.corrupt.add("tiny-org/tiny-mpnet")
    with pytest.raises(stancekit.ModelLoadError, match="sha256"):
        stancekit.download("tiny-org/tiny-mpnet", source="hub", quiet=True)
    cache = _cache(tmp_path, "tiny-org/tiny-mpnet")
    assert not [path for path in (cache / "blobs").iterdir() if len(path.name) == 64]
    assert not (cache / "snapshots" / COMMIT / "model.safetensors").exists()
    assert stancekit._lib.find_base("tiny-org/tiny-mpnet") is None


def test_unknown_repositories_and_missing_bases_are_model_load_errors(hub: FakeHub, tiny_repos, tmp_path) -> None:
    with pytest.raises(stancekit.ModelLoadError, match="neither a directory nor a model the Hub gave"):
        stancekit.StanceClassifier("nobody/nothing")
    # The adapter arrives, its base was never fetched: the error says how to fetch it.
    with pytest.raises(stancekit.ModelLoadError, match=r"stancekit download tiny-org/tiny-mpnet"):
        stancekit.StanceClassifier("tiny-org/tiny-adapter")


@pytest.mark.slow
def test_the_accurate_base_downloads_from_the_hub_at_its_pinned_revision_and_hash(tmp_path: Path, hub: FakeHub) -> None:
    """The real base, served from the store (where `make base` put it), fetched as `stancekit download` does."""
    if not (REAL_BASE / "model.safetensors").is_file():
        pytest.fail(f"the accurate base is not in {REAL_BASE}: run `make base` (make test does)")
    known = _lib.known_base("accurate")
    hub.repos[known["repo_id"]] = REAL_BASE
    hub.revisions[known["repo_id"]] = known["revision"]
    folder = stancekit.download("accurate", source="hub", quiet=True)
    assert folder == _cache(tmp_path, known["repo_id"]) / "snapshots" / known["revision"]
    assert stancekit.base_dir("accurate") == folder
    assert any(f"/resolve/{known['revision']}/model.safetensors" in request for request in hub.requests)
