"""The tidy tables of analyses (entities, attributions, stances and their evidence), with fixed columns and types.

Every table has the same columns and dtypes whatever the documents hold, so that tables of many documents,
of Dask partitions and of Parquet files line up.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from stancekit._analysis import Analysis

TABLES = ("entities", "attributions", "stances", "evidence")

SCHEMAS: dict[str, dict[str, str]] = {
    "entities": {
        "entity": "object",
        "entity_label": "object",
        "text": "object",
        "label": "object",
        "start": "int64",
        "end": "int64",
        "score": "float64",
    },
    "attributions": {
        "speaker": "object",
        "start": "int64",
        "end": "int64",
        "source": "string",
        "source_start": "Int64",
        "source_end": "Int64",
        "cue": "string",
        "cue_start": "Int64",
        "cue_end": "Int64",
        "content": "object",
        "content_start": "int64",
        "content_end": "int64",
        "content_parts": "int64",
        "confidence": "float64",
    },
    "stances": {
        "speaker": "object",
        "target": "object",
        "label": "object",
        "score": "float64",
        "score_favor": "float64",
        "score_against": "float64",
        "score_none": "float64",
        "evidence_count": "int64",
        "basis": "object",
    },
    "evidence": {
        "speaker": "object",
        "target": "object",
        "start": "int64",
        "end": "int64",
        "content": "object",
    },
}


def records(analysis: Analysis) -> dict[str, list[dict[str, Any]]]:
    """The rows of each table for one analysis."""
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
                **{f"score_{name}": s.scores.get(name, 0.0) for name in ("favor", "against", "none")},
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


def _span_columns(name: str, span: Any) -> dict[str, Any]:
    """`name`, `name_start`, `name_end` of an optional span (None, and missing offsets, when absent)."""
    if span is None:
        return {name: None, f"{name}_start": None, f"{name}_end": None}
    return {name: span.text, f"{name}_start": span.start, f"{name}_end": span.end}


def frames(analyses: Iterable[Analysis], id_column: str | None = None, id_dtype: Any = None) -> dict[str, pd.DataFrame]:
    """The three tables of `analyses`; with `id_column`, each row starts with its document's `id`."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for analysis in analyses:
        for name, table in records(analysis).items():
            if id_column is None:
                rows[name].extend(table)
            else:
                rows[name].extend({id_column: analysis.id, **row} for row in table)
    return {name: _frame(rows[name], name, id_column, id_dtype) for name in TABLES}


def empty(name: str, id_column: str | None = None, id_dtype: Any = None) -> pd.DataFrame:
    """A table without rows, with its columns and types (a Dask `meta`)."""
    return _frame([], name, id_column, id_dtype)


def _frame(rows: list[dict[str, Any]], name: str, id_column: str | None, id_dtype: Any) -> pd.DataFrame:
    import pandas as pd

    schema = dict(SCHEMAS[name])
    if id_column is not None:
        schema = {id_column: id_dtype if id_dtype is not None else "object", **schema}
    frame = pd.DataFrame.from_records(rows, columns=list(schema))
    return frame.astype(schema)
