"""The public Python API: models, frozen result dataclasses and pandas conversion."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

from stancekit import _lib
from stancekit._checks import check_texts
from stancekit._models import resolve_path
from stancekit._precision import Precision, precision_repr, resolve_precision, warn_if_slow

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

Aggregation = Literal["first", "average", "max"]
WordGrouping = Literal["names", "pretokenizer"]
StanceLabel = Literal["favor", "against", "none"]
STANCE_LABELS: tuple[StanceLabel, ...] = ("favor", "against", "none")


@dataclass(frozen=True, slots=True)
class Entity:
    """A named entity; `text[start:end] == entity.text` for the text it was found in."""

    text: str
    label: str
    start: int
    end: int
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class StancePrediction:
    """The stance of a text toward `target`: the `label` with its probability `score`, and every class's."""

    target: str
    label: StanceLabel
    score: float
    scores: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class EntityRecognizer:
    """A named-entity recognizer on a model directory or preset (`None` or `"fast"`: the bundled MiniLM model).

    `words="names"` labels a name with inner hyphens or dots as one word ("Jean-Luc", "U.S.", "non-European"), as
    CoNLL-style training data cuts it; `words="pretokenizer"` splits at every punctuation mark, as the
    `transformers` token-classification pipeline does. `head="attribution"` runs a model's second token head
    (`attribution_classifier`; the bundled model has one): spans labelled SOURCE, CUE and CONTENT of reported
    speech instead of entities (`stancekit.AttributionExtractor` assembles them into relations). Safe to share
    between threads; inference releases the GIL. Pickling stores the model path and options.

    `precision` is what the encoder computes in: "float32" (the default; matches `transformers` to 1e-4), "bfloat16"
    (weights and activations in bfloat16: fast on CPUs with AMX or AVX512-BF16, emulated and slower than float32
    elsewhere) or "auto" (bfloat16 where the CPU computes it natively, else float32). "int8" is refused with a
    ValueError: in 6 of 8 measurements on public test sets it keeps float32's answers on fewer than the 99% of items
    every offered precision reaches (`bench/precision_parity.py`, BENCHMARKS.md; STANCEKIT_EXPERIMENTAL_INT8=1 runs
    it, to measure it). Heads, softmax and decoding stay float32 in each. A precision that is slow on this CPU is
    warned about (RuntimeWarning) once per process; `stancekit.cpu_features()` lists what the CPU has. A pickle
    keeps the precision asked for ("auto" is resolved again where it is unpickled).
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        aggregation: Aggregation = "first",
        batch_size: int = 16,
        window: int | None = None,
        stride: int | None = None,
        words: WordGrouping = "names",
        head: Literal["entities", "attribution"] = "entities",
        precision: Precision = "float32",
    ) -> None:
        resolve_precision(precision)  # a ValueError before loading: an unknown name, or one this CPU cannot run
        self._init_args = (resolve_path(model, "ner"), aggregation, batch_size, window, stride, words, head, precision)
        self._inner = _lib.NativeEntityRecognizer(*self._init_args)
        warn_if_slow(self._inner.precision)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_recognizer, self._init_args)

    def __repr__(self) -> str:
        return (
            f"EntityRecognizer(model={self._init_args[0]!r}, aggregation={self._init_args[1]!r}"
            f"{precision_repr(self.precision)})"
        )

    @property
    def labels(self) -> list[str]:
        """The model's labels, in logit order."""
        return self._inner.labels

    @property
    def model_path(self) -> str:
        return self._init_args[0]

    @property
    def precision(self) -> str:
        """The precision the encoder runs in: "float32" or "bfloat16" ("auto" resolved at load)."""
        return self._inner.precision

    @property
    def has_attribution(self) -> bool:
        """Whether the model's attribution head runs beside its entity head (then `analyze` learns who said what
        from it; otherwise rules over named entities and reporting verbs attribute sentences)."""
        return self._inner.has_attribution

    def predict(self, text: str) -> list[Entity]:
        """Entities of one text."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        return self.predict_batch([text])[0]

    def predict_batch(self, texts: Sequence[str]) -> list[list[Entity]]:
        """Entities of each text; all texts are batched together."""
        checked = check_texts(texts, "texts")
        return [[Entity(*entity) for entity in entities] for entities in self._inner.predict_batch(checked)]

    def token_scores(self, text: str) -> tuple[np.ndarray, list[str]]:
        """Label probabilities of each token, `[tokens x labels]`, and the label names."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        probabilities, labels, _tokens, _offsets = self._inner.token_scores(text)
        return probabilities, labels

    def tokens(self, text: str) -> list[tuple[str, int, int]]:
        """The tokens `token_scores` rows stand for: `(token, start, end)` with `str` offsets."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        return self._inner.tokens(text)


def _rebuild_recognizer(
    path: str,
    aggregation: Aggregation,
    batch_size: int,
    window: Any,
    stride: Any,
    words: WordGrouping = "names",
    head: Literal["entities", "attribution"] = "entities",
    precision: Precision = "float32",
):
    return EntityRecognizer(
        path,
        aggregation=aggregation,
        batch_size=batch_size,
        window=window,
        stride=stride,
        words=words,
        head=head,
        precision=precision,
    )


class StanceClassifier:
    """Target-specific stance on a sequence-pair model directory or preset: `None` or `"fast"` (the bundled MiniLM
    model), `"accurate"` (all-mpnet-base-v2 with the bundled LoRA adapter; its base comes from the store, see
    `stancekit.download("accurate")`). A directory holding a PEFT LoRA adapter (`adapter_config.json`) loads over
    the base its config names, merged into the weights at load.

    `hypothesis_template` (one `{}` for the target) overrides the model's; NLI models default to
    "The author supports {}.". A text longer than `max_length` tokens (the model's maximum by default) is cut into
    windows of whole sentences, each classified, and combined by the evidence rule: a window is evidence of favor
    (against) when its probability is at least `evidence_threshold` (the model's, chosen on dev data; else 0.5),
    the stance with more probability over the evidence wins, and without evidence the answer is none. The same
    rule reads a speaker's stance from their contents in `analyze`. Safe to share between threads; inference
    releases the GIL. Pickling stores the model path and options.

    `precision` is what the encoder computes in: "float32" (the default; matches `transformers` to 1e-4), "bfloat16"
    (weights and activations in bfloat16: fast on CPUs with AMX or AVX512-BF16, emulated and slower than float32
    elsewhere) or "auto" (bfloat16 where the CPU computes it natively, else float32). "int8" is refused with a
    ValueError: in 6 of 8 measurements on public test sets it keeps float32's answers on fewer than the 99% of items
    every offered precision reaches (`bench/precision_parity.py`, BENCHMARKS.md; STANCEKIT_EXPERIMENTAL_INT8=1 runs
    it, to measure it). The classifier head and softmax stay float32 in each. A precision that is slow on this CPU
    is warned about (RuntimeWarning) once per process; `stancekit.cpu_features()` lists what the CPU has. A pickle
    keeps the precision asked for ("auto" is resolved again where it is unpickled).
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        hypothesis_template: str | None = None,
        *,
        batch_size: int = 32,
        max_length: int | None = None,
        evidence_threshold: float | None = None,
        precision: Precision = "float32",
    ) -> None:
        resolve_precision(precision)  # a ValueError before loading: an unknown name, or one this CPU cannot run
        self._init_args = (
            resolve_path(model, "stance"),
            hypothesis_template,
            batch_size,
            max_length,
            evidence_threshold,
            precision,
        )
        self._inner = _lib.NativeStanceClassifier(*self._init_args)
        warn_if_slow(self._inner.precision)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_classifier, self._init_args)

    def __repr__(self) -> str:
        return (
            f"StanceClassifier(model={self._init_args[0]!r}, hypothesis_template={self.hypothesis_template!r}"
            f"{precision_repr(self.precision)})"
        )

    @property
    def labels(self) -> list[str]:
        """The model's own labels, in logit order."""
        return self._inner.labels

    @property
    def hypothesis_template(self) -> str | None:
        return self._inner.hypothesis_template

    @property
    def evidence_threshold(self) -> float:
        """The probability of favor or against from which a text counts as evidence (see the class docstring)."""
        return self._inner.evidence_threshold

    @property
    def model_path(self) -> str:
        return self._init_args[0]

    @property
    def precision(self) -> str:
        """The precision the encoder runs in: "float32" or "bfloat16" ("auto" resolved at load)."""
        return self._inner.precision

    def hypothesis(self, target: str) -> str:
        """The hypothesis the model sees for `target`."""
        return self._inner.hypothesis(target)

    def predict(self, text: str, target: str) -> StancePrediction:
        """The stance of `text` toward `target`."""
        return self.predict_batch([(text, target)])[0]

    def predict_batch(self, pairs: Iterable[tuple[str, str]]) -> list[StancePrediction]:
        """Stances of `(text, target)` pairs, batched together; repeated pairs are computed once."""
        checked: list[tuple[str, str]] = []
        for index, pair in enumerate(pairs):
            if not (isinstance(pair, tuple | list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
                raise TypeError(f"pairs[{index}] must be a (text, target) tuple of two str")
            checked.append((pair[0], pair[1]))
        return [
            StancePrediction(target, label, score, dict(scores))
            for target, label, score, scores in self._inner.predict_batch(checked)
        ]

    def score_matrix(self, texts: Sequence[str], targets: Sequence[str]) -> np.ndarray:
        """Probabilities `[texts x targets x 3]`, the last axis in the order favor, against, none."""
        return self._inner.score_matrix(check_texts(texts, "texts"), check_texts(targets, "targets"))


def _rebuild_classifier(
    path: str,
    template: str | None,
    batch_size: int,
    max_length: int | None,
    evidence_threshold: float | None = None,
    precision: Precision = "float32",
):
    return StanceClassifier(
        path,
        template,
        batch_size=batch_size,
        max_length=max_length,
        evidence_threshold=evidence_threshold,
        precision=precision,
    )


def _records(results: Any) -> list[dict[str, Any]]:
    if isinstance(results, Entity | StancePrediction):
        return [_flatten(results)]
    records: list[dict[str, Any]] = []
    for index, item in enumerate(results):
        if isinstance(item, Entity | StancePrediction):
            records.append(_flatten(item))
        else:
            records.extend({"document": index, **_flatten(inner)} for inner in item)
    return records


def _flatten(item: Entity | StancePrediction) -> dict[str, Any]:
    record = item.to_dict()
    if isinstance(item, StancePrediction):
        scores = record.pop("scores")
        record.update({f"score_{label}": scores.get(label, 0.0) for label in STANCE_LABELS})
    return record


def to_pandas(results: Any) -> pd.DataFrame:
    """A DataFrame of entities or stance predictions: a list of results, or a list of lists (one per document,
    numbered in a `document` column). Needs pandas (`pip install stancekit[pandas]`)."""
    import pandas as pd

    return pd.DataFrame.from_records(_records(results))
