"""Where models are: model arguments (directories or the presets "fast" and "accurate") resolved by the engine."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, get_args

from stancekit import _lib

ModelKind = Literal["ner", "stance"]
Preset = Literal["fast", "accurate"]
# The preset names (the engine's `_lib.PRESETS`, which a test holds this to); the tiers of `models=`.
PRESETS: tuple[Preset, ...] = get_args(Preset)

_PACKAGE_MODELS = Path(__file__).resolve().parent / "_default_models"


def bundled_models() -> Path | None:
    """The models folder inside the installed wheel, if there is one."""
    return _PACKAGE_MODELS if _PACKAGE_MODELS.is_dir() else None


def resolve_model(model: str | os.PathLike[str] | None, kind: ModelKind) -> Path:
    """The model directory `model` names for `kind`: a directory, a preset ("fast", the default, or "accurate"),
    or None for the default.

    Presets are looked up in `$STANCEKIT_MODELS`, else the models bundled in the wheel, else `models/` of a source
    checkout; `STANCEKIT_NER_MODEL` / `STANCEKIT_STANCE_MODEL` replace the default of their kind.
    """
    if kind not in get_args(ModelKind):
        raise ValueError(f"unknown model kind {kind!r}; expected 'ner' or 'stance'")
    if model is not None and not isinstance(model, str):
        return Path(os.fspath(model))
    return Path(_lib.resolve_model(model, kind, bundled_models()))


def resolve_path(model: str | os.PathLike[str] | None, kind: ModelKind) -> str:
    """`resolve_model` as a str, the form the engine's model classes and their pickles hold."""
    return os.fspath(resolve_model(model, kind))


def default_model_path(kind: ModelKind) -> Path:
    """The default model directory for `kind` ("ner" or "stance"): the "fast" preset unless the environment
    names another (see `resolve_model`)."""
    return resolve_model(None, kind)


def check_preset(models: str) -> Preset:
    """`models` when it names a tier ("fast" or "accurate"); a ValueError otherwise."""
    for preset in PRESETS:
        if models == preset:
            return preset
    raise ValueError(f"models must be {' or '.join(map(repr, PRESETS))}, not {models!r}")
