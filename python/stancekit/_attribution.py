"""`stancekit.AttributionExtractor`: reported speech (source, cue, content) without speaker resolution."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from stancekit import _lib
from stancekit._checks import check_texts
from stancekit._models import resolve_path
from stancekit._precision import Precision, precision_repr, resolve_precision, warn_if_slow
from stancekit._spans import Span, join_content, span, spans


@dataclass(frozen=True, slots=True)
class Relation:
    """Reported speech: `content` (one or more ranges) said by `source`, reported by `cue`; `start`/`end` cover them
    all; `score` is the mean probability of the tags."""

    start: int
    end: int
    source: Span | None
    cue: Span | None
    content: list[Span]
    score: float

    @property
    def content_text(self) -> str:
        """The content's ranges joined by a space."""
        return join_content(self.content)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class AttributionExtractor:
    """Finds reported speech with a model that has an attribution head beside its entity head (`None`, "fast": the
    bundled model): relations of source ("European leaders", "Vance"), cue ("said", "according to") and content,
    as a news tagger trained on PolNeAR sees them, without resolving who a source is (`stancekit.analyze` does
    that). Safe to share between threads; inference releases the GIL. Pickling stores the model path and options.

    `precision` is what the encoder computes in, as for `stancekit.EntityRecognizer`: "float32" (the default;
    matches `transformers` to 1e-4), "bfloat16" (weights and activations in bfloat16: fast on CPUs with AMX or
    AVX512-BF16, emulated elsewhere) or "auto" (bfloat16 where the CPU computes it natively, else float32); the
    heads and decoding stay float32. "int8" is refused (it fails the parity bar; see `stancekit.EntityRecognizer`).

    >>> extractor = stancekit.AttributionExtractor()  # doctest: +SKIP
    >>> [r.source.text for r in extractor.predict("“Talks are near,” Macron said.")]  # doctest: +SKIP
    ['Macron']
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        batch_size: int = 16,
        window: int | None = None,
        stride: int | None = None,
        precision: Precision = "float32",
    ) -> None:
        resolve_precision(precision)  # a ValueError before loading: an unknown name, or one this CPU cannot run
        self._init_args = (resolve_path(model, "ner"), batch_size, window, stride, precision)
        self._inner = _lib.NativeAttributionExtractor(*self._init_args)
        warn_if_slow(self._inner.precision)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, self._init_args)

    def __repr__(self) -> str:
        return f"AttributionExtractor(model={self._init_args[0]!r}{precision_repr(self.precision)})"

    @property
    def model_path(self) -> str:
        return self._init_args[0]

    @property
    def precision(self) -> str:
        """The precision the encoder runs in: "float32" or "bfloat16" ("auto" resolved at load)."""
        return self._inner.precision

    def predict(self, text: str) -> list[Relation]:
        """The relations of one text, in text order."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        return self.predict_batch([text])[0]

    def predict_batch(self, texts: Sequence[str]) -> list[list[Relation]]:
        """The relations of each text; all texts are batched together."""
        checked = check_texts(texts, "texts")
        return [[relation(raw) for raw in json.loads(found)] for found in self._inner.predict_batch(checked)]


def relation(raw: dict[str, Any]) -> Relation:
    return Relation(
        start=raw["start"],
        end=raw["end"],
        source=span(raw.get("source")),
        cue=span(raw.get("cue")),
        content=spans(raw["content"]),
        score=raw["score"],
    )


def _rebuild(
    path: str, batch_size: int, window: Any, stride: Any, precision: Precision = "float32"
) -> AttributionExtractor:
    return AttributionExtractor(path, batch_size=batch_size, window=window, stride=stride, precision=precision)
