"""Pieces of a text: `Span`, and the helpers the result classes of attribution and analysis share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of the text: `text[start:end] == span.text`."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def span(raw: dict[str, Any] | None) -> Span | None:
    """The span of the engine's JSON `{"start", "end", "text"}`, or None."""
    return None if raw is None else Span(raw["start"], raw["end"], raw["text"])


def spans(raw: Iterable[dict[str, Any]]) -> list[Span]:
    """The spans of a list of the engine's JSON spans (a content's ranges)."""
    return [Span(part["start"], part["end"], part["text"]) for part in raw]


def join_content(content: Iterable[Span]) -> str:
    """A content's ranges joined by a space."""
    return " ".join(part.text for part in content)
