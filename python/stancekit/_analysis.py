"""`stancekit.analyze`: who is mentioned, who says what, and each speaker's stance toward each target; the rows of
its tables."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from stancekit import _lib
from stancekit._api import STANCE_LABELS, Entity, EntityRecognizer, StanceClassifier, StanceLabel
from stancekit._cache import tier_models
from stancekit._checks import check_targets
from stancekit._frames import TABLES, table
from stancekit._precision import Precision
from stancekit._spans import Span, join_content, span, spans

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

AUTHOR = "author"


@dataclass(frozen=True, slots=True)
class Sentence(Span):
    """A sentence; `text[start:end] == sentence.text`."""


@dataclass(frozen=True, slots=True)
class DocumentEntity:
    """All mentions of one entity, under its fullest name; `roles` are titles seen before a person's name."""

    name: str
    label: str
    mentions: list[Entity]
    roles: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who says what: `content` (one or more ranges) said by `speaker`, a document entity's name, a group speaker
    named by its source ("European leaders") or "author" (a sentence in no reported speech). `source` is how the
    text names the speaker ("he", "the defense secretary"), `cue` the reporting words; both are None for the
    author. `start`/`end` cover source, cue and content."""

    speaker: str
    start: int
    end: int
    source: Span | None
    cue: Span | None
    content: list[Span]
    confidence: float

    @property
    def content_text(self) -> str:
        """The content's ranges joined by a space."""
        return join_content(self.content)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Basis = Literal["evidence", "read_as_none", "no_relevant_content"]


@dataclass(frozen=True, slots=True)
class SpeakerStance:
    """A speaker's stance toward a target, read from their contents: favor or against only with evidence
    (`evidence`: the `(start, end)` of those contents). `basis` says what the label rests on: "evidence",
    "read_as_none" (contents mention the target, the model reads no stance) or "no_relevant_content"."""

    speaker: str
    target: str
    label: StanceLabel
    score: float
    scores: dict[str, float]
    evidence: list[tuple[int, int]]
    basis: Basis = "evidence"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Analysis:
    """The result of `stancekit.analyze`. Displays itself in notebooks (entities highlighted, stance table).

    `id` is the document's id where it came through `analyze_many` (the id given, or the position), else None.
    """

    text: str
    sentences: list[Sentence]
    entities: list[DocumentEntity]
    speakers: list[str]
    attributions: list[Attribution]
    targets: list[str]
    stances: list[SpeakerStance]
    _json: str = field(repr=False)
    _matrix: Any = field(repr=False)
    id: Any = None

    def __repr__(self) -> str:
        return (
            f"Analysis({len(self.sentences)} sentences, {len(self.entities)} entities, "
            f"speakers={self.speakers!r}, targets={self.targets!r})"
        )

    def stance_matrix(self) -> tuple[np.ndarray, list[str], list[str]]:
        """`(matrix, speakers, targets)`: P(favor) − P(against) per speaker (rows) and target (columns)."""
        return self._matrix.copy(), list(self.speakers), list(self.targets)

    def stance_table(self) -> dict[str, dict[str, str]]:
        """`{speaker: {target: label}}`."""
        table: dict[str, dict[str, str]] = {speaker: {} for speaker in self.speakers}
        for stance in self.stances:
            table[stance.speaker][stance.target] = stance.label
        return table

    def sentence_text(self, start: int, end: int) -> str:
        return self.text[start:end]

    def to_json(self) -> str:
        """The same JSON as `stancekit analyze --format json` prints for the analysis."""
        return self._json

    def to_dict(self) -> dict[str, Any]:
        return json.loads(self._json)

    def to_pandas(self) -> dict[str, pd.DataFrame]:
        """Tidy frames: `entities` (one row per mention), `attributions`, `stances` (one row per speaker and target)
        and `evidence` (one row per evidence content of a stance).

        The columns and their types are the same for every document, even one without entities."""
        return frames([self])

    @cached_property
    def _html(self) -> str:
        return _lib.analysis_html(self.text, self._json)

    def _repr_html_(self) -> str:
        return self._html


def analysis_from_json(text: str, raw_json: str, matrix: Any, id: Any = None) -> Analysis:
    """The `Analysis` of `text` from the engine's JSON and stance matrix."""
    raw = json.loads(raw_json)
    return Analysis(
        text=text,
        sentences=[Sentence(**s) for s in raw["sentences"]],
        entities=[
            DocumentEntity(
                name=e["name"], label=e["label"], mentions=[Entity(**m) for m in e["mentions"]], roles=e["roles"]
            )
            for e in raw["entities"]
        ],
        speakers=raw["speakers"],
        attributions=[
            Attribution(
                speaker=a["speaker"],
                start=a["start"],
                end=a["end"],
                source=span(a.get("source")),
                cue=span(a.get("cue")),
                content=spans(a["content"]),
                confidence=a["confidence"],
            )
            for a in raw["attributions"]
        ],
        targets=raw["targets"],
        stances=[
            SpeakerStance(
                speaker=s["speaker"],
                target=s["target"],
                label=s["label"],
                score=s["score"],
                scores=s["scores"],
                evidence=[tuple(pair) for pair in s["evidence"]],
                basis=s["basis"],
            )
            for s in raw["stances"]
        ],
        _json=raw_json,
        _matrix=matrix,
        id=id,
    )


def analyze(
    text: str,
    targets: list[str] | None = None,
    ner: EntityRecognizer | None = None,
    stance: StanceClassifier | None = None,
    *,
    models: str = "fast",
    precision: Precision = "float32",
) -> Analysis:
    """Analyses a document: sentences, document entities, speaker attributions and speaker × target stances.

    `targets=None` uses the document's most-mentioned entities that are not speakers. `ner` and `stance` default to
    the models of the `models` tier, `"fast"` or `"accurate"`, loaded in `precision` ("float32", "bfloat16"
    or "auto"; see `stancekit.EntityRecognizer`) once per process and reused (float32 and bfloat16 models
    are kept apart). `precision` applies only to the models `analyze` loads itself: a model object given as `ner`
    or `stance` runs in the precision it was loaded with.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    targets = check_targets(targets)
    ner, stance = tier_models(ner, stance, models, precision)
    raw_json, matrix = _lib.analyze(ner._inner, stance._inner, text, targets)
    return analysis_from_json(text, raw_json, matrix)


def records(analysis: Analysis) -> dict[str, list[dict[str, Any]]]:
    """The rows of each table (see `stancekit._frames`) for one analysis."""
    text = analysis.text
    return {
        "entities": [
            {"entity": group.name, "entity_label": group.label, **mention.to_dict()}
            for group in analysis.entities
            for mention in group.mentions
        ],
        "attributions": [
            {
                "speaker": a.speaker,
                "start": a.start,
                "end": a.end,
                **_span_columns("source", a.source),
                **_span_columns("cue", a.cue),
                "content": a.content_text,
                "content_start": a.content[0].start if a.content else a.start,
                "content_end": a.content[-1].end if a.content else a.end,
                "content_parts": len(a.content),
                "confidence": a.confidence,
            }
            for a in analysis.attributions
        ],
        "stances": [
            {
                "speaker": s.speaker,
                "target": s.target,
                "label": s.label,
                "score": s.score,
                **{f"score_{name}": s.scores.get(name, 0.0) for name in STANCE_LABELS},
                "evidence_count": len(s.evidence),
                "basis": s.basis,
            }
            for s in analysis.stances
        ],
        "evidence": [
            {"speaker": s.speaker, "target": s.target, "start": start, "end": end, "content": text[start:end]}
            for s in analysis.stances
            for start, end in s.evidence
        ],
    }


def _span_columns(name: str, span: Span | None) -> dict[str, Any]:
    """`name`, `name_start`, `name_end` of an optional span (None, and missing offsets, when absent)."""
    if span is None:
        return {name: None, f"{name}_start": None, f"{name}_end": None}
    return {name: span.text, f"{name}_start": span.start, f"{name}_end": span.end}


def frames(analyses: Iterable[Analysis], id_column: str | None = None, id_dtype: Any = None) -> dict[str, pd.DataFrame]:
    """The four tables of `analyses`; with `id_column`, each row starts with its document's `id`."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for analysis in analyses:
        for name, found in records(analysis).items():
            if id_column is None:
                rows[name].extend(found)
            else:
                rows[name].extend({id_column: analysis.id, **row} for row in found)
    return {name: table(rows[name], name, id_column, id_dtype) for name in TABLES}
