"""Where the bundled default models are found."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

ModelKind = Literal["ner", "stance"]

_PACKAGE_MODELS = Path(__file__).resolve().parent / "_default_models"
_ENVIRONMENT = {"ner": "STANCEKIT_NER_MODEL", "stance": "STANCEKIT_STANCE_MODEL"}


def default_model_path(kind: ModelKind) -> Path:
    """The default model directory for `kind` ("ner" or "stance").

    Looked up in this order: the `STANCEKIT_NER_MODEL` / `STANCEKIT_STANCE_MODEL` variable, `$STANCEKIT_MODELS/<kind>`,
    the models bundled in the wheel, and `models/<kind>` of a source checkout (for editable installs).
    """
    if kind not in _ENVIRONMENT:
        raise ValueError(f"unknown model kind {kind!r}; expected 'ner' or 'stance'")
    explicit = os.environ.get(_ENVIRONMENT[kind])
    if explicit:
        return Path(explicit)
    root = os.environ.get("STANCEKIT_MODELS")
    if root:
        return Path(root) / kind
    bundled = _PACKAGE_MODELS / kind
    if bundled.is_dir():
        return bundled
    checkout = Path(__file__).resolve().parents[2] / "models" / kind
    if checkout.is_dir():
        return checkout
    return bundled
