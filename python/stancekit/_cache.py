"""The models this process has loaded: one cache for the tiers of `stancekit.analyze*` and for the models a Dask
worker is sent, so that each model loads once per process and is reused.

A model is cached under its recipe, what builds it in any process: the class on a directory or preset name with the
precision asked for, for a model named by one, and the pickle recipe (path and options, precision among them) of a
model object. So the same model in float32 and in bfloat16 are two entries. Recipes are what `stancekit.dask` sends
its workers; models never travel by value.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from stancekit._api import EntityRecognizer, StanceClassifier
from stancekit._models import ModelKind, check_preset
from stancekit._precision import resolve_precision

# What builds a model: a callable, its positional arguments and its keyword arguments (as pairs, to be hashable).
Recipe = tuple[Callable[..., Any], tuple[Any, ...], tuple[tuple[str, Any], ...]]
NerModel = EntityRecognizer | str | os.PathLike[str] | None
StanceModel = StanceClassifier | str | os.PathLike[str] | None


def recipe(
    kind: ModelKind, model: EntityRecognizer | StanceClassifier | str | os.PathLike[str], precision: str = "float32"
) -> Recipe:
    """What builds `model`: its own pickle recipe for a model object (which keeps its own precision), else its class
    on the directory or preset in `precision`."""
    if isinstance(model, EntityRecognizer | StanceClassifier):
        build, args = model.__reduce__()
        return build, tuple(args), ()
    build = EntityRecognizer if kind == "ner" else StanceClassifier
    return build, (model if isinstance(model, str) else os.fspath(model),), (("precision", precision),)


@lru_cache(maxsize=8)
def load(recipe: Recipe) -> Any:
    """The model `recipe` builds, built on its first use in this process and kept (the 8 last used)."""
    build, args, keywords = recipe
    return build(*args, **dict(keywords))


def tier_models(
    ner: NerModel, stance: StanceModel, models: str = "fast", precision: str = "float32"
) -> tuple[EntityRecognizer, StanceClassifier]:
    """The models given, else the models they name (a directory or preset), else those of the `models` tier ("fast"
    or "accurate"); each named one is loaded once per process, in `precision`. NER is the same in both tiers.

    `precision` is checked here even when both models are given (a ValueError for an unknown one), and resolved
    ("auto" becomes what it means on this CPU), so that "auto" and the precision it names share one cache entry."""
    tier = check_preset(models)
    resolved = resolve_precision(precision)
    return (
        _model("ner", "fast" if ner is None else ner, resolved),
        _model("stance", tier if stance is None else stance, resolved),
    )


def _model(kind: ModelKind, model: EntityRecognizer | StanceClassifier | str | os.PathLike[str], precision: str) -> Any:
    """A model object as it is; the cached model a directory or preset names, in `precision`."""
    if isinstance(model, EntityRecognizer | StanceClassifier):
        return model
    return load(recipe(kind, model, precision))
