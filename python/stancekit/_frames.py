"""The tidy tables of analyses (entities, attributions, stances and their evidence): their fixed columns and types.

Every table has the same columns and dtypes whatever the documents hold, so that tables of many documents,
of Dask partitions and of Parquet files line up. The rows come from `stancekit._analysis.records`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

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


def empty(name: str, id_column: str | None = None, id_dtype: Any = None) -> pd.DataFrame:
    """A table without rows, with its columns and types (a Dask `meta`)."""
    return table([], name, id_column, id_dtype)


def table(rows: list[dict[str, Any]], name: str, id_column: str | None = None, id_dtype: Any = None) -> pd.DataFrame:
    """The table `name` of `rows`, with its columns and types; with `id_column` (of `id_dtype`) first."""
    import pandas as pd

    schema = dict(SCHEMAS[name])
    if id_column is not None:
        schema = {id_column: id_dtype if id_dtype is not None else "object", **schema}
    frame = pd.DataFrame.from_records(rows, columns=list(schema))
    return frame.astype(schema)
