"""The models this process has loaded: one cache for the tiers of `stancekit.analyze*` and for the models a Dask
worker is sent, so that each model loads once per process and is reused.

A model is cached under its recipe, what builds it in any process: the class on a directory or preset name for a
model named by one, and the pickle recipe (path and options) of a model object. Recipes are what `stancekit.dask`
sends its workers; models never travel by value.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from stancekit._api import EntityRecognizer, StanceClassifier
from stancekit._models import ModelKind, check_preset

Recipe = tuple[Callable[..., Any], tuple[Any, ...]]
NerModel = EntityRecognizer | str | os.PathLike[str] | None
StanceModel = StanceClassifier | str | os.PathLike[str] | None


def recipe(kind: ModelKind, model: EntityRecognizer | StanceClassifier | str | os.PathLike[str]) -> Recipe:
    """What builds `model`: its own pickle recipe for a model object, else its class on the directory or preset."""
    if isinstance(model, EntityRecognizer | StanceClassifier):
        build, args = model.__reduce__()
        return build, tuple(args)
    return (EntityRecognizer if kind == "ner" else StanceClassifier), (
        model if isinstance(model, str) else os.fspath(model),
    )


@lru_cache(maxsize=8)
def load(recipe: Recipe) -> Any:
    """The model `recipe` builds, built on its first use in this process and kept (the 8 last used)."""
    build, args = recipe
    return build(*args)


def tier_models(ner: NerModel, stance: StanceModel, models: str = "fast") -> tuple[EntityRecognizer, StanceClassifier]:
    """The models given, else the models they name (a directory or preset), else those of the `models` tier ("fast"
    or "accurate"); each named one is loaded once per process. NER is the same in both tiers."""
    tier = check_preset(models)
    return _model("ner", "fast" if ner is None else ner), _model("stance", tier if stance is None else stance)


def _model(kind: ModelKind, model: EntityRecognizer | StanceClassifier | str | os.PathLike[str]) -> Any:
    """A model object as it is; the cached model a directory or preset names."""
    if isinstance(model, EntityRecognizer | StanceClassifier):
        return model
    return load(recipe(kind, model))
