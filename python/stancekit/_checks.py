"""Checks of arguments shared by the public functions: a wrong type or value fails here, before any model runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stancekit import _lib


def check_texts(texts: Sequence[str], what: str) -> list[str]:
    """`texts` as a list of str; a TypeError for a single string or an item that is no str."""
    if isinstance(texts, str):
        raise TypeError(f"{what} must be a list of strings, not a single string")
    checked = list(texts)
    for index, text in enumerate(checked):
        if not isinstance(text, str):
            raise TypeError(f"{what}[{index}] must be str, not {type(text).__name__}")
    return checked


def check_targets(targets: Any) -> list[str] | None:
    """`targets` as a list of str, or None; a TypeError for anything else."""
    if targets is None:
        return None
    if isinstance(targets, str):
        raise TypeError("targets must be a list of strings, not a single string")
    checked = list(targets)
    if not all(isinstance(target, str) for target in checked):
        raise TypeError("every target must be a str")
    return checked


def check_batch_size(batch_size: int) -> None:
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")


def check_precision(precision: Any) -> str:
    """`precision` when it names one of the engine's precisions (`_lib.PRECISIONS`); a ValueError naming them
    otherwise, a TypeError for no str."""
    if not isinstance(precision, str):
        raise TypeError(f"precision must be a str, not {type(precision).__name__}")
    if precision not in _lib.PRECISIONS:
        *others, last = map(repr, _lib.PRECISIONS)
        raise ValueError(f"precision must be {', '.join(others)} or {last}, not {precision!r}")
    return precision


def check_columns(columns: Any, text: str, id: str | None) -> None:
    """A KeyError unless a frame with `columns` has the `text` column and the `id` column (None: the index)."""
    if text not in columns:
        raise KeyError(f"no column {text!r} in the frame (columns: {list(columns)})")
    if id is not None and id not in columns:
        raise KeyError(f"no column {id!r} in the frame; pass id=None to use the index")
