"""The `stancekit` console script installed with the wheel: the Rust CLI, with the bundled models as defaults."""

from __future__ import annotations

import os
import sys

from stancekit._lib import cli_main
from stancekit._models import default_model_path


def main() -> None:
    os.environ.setdefault("STANCEKIT_NER_MODEL", str(default_model_path("ner")))
    os.environ.setdefault("STANCEKIT_STANCE_MODEL", str(default_model_path("stance")))
    sys.stdout.flush()
    raise SystemExit(cli_main(["stancekit", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
