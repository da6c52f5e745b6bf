"""Many documents: `analyze_many` (a generator over a corpus) and `analyze_frame` (pandas in, three tables out)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from stancekit import _lib
from stancekit._analysis import Analysis, analysis_from_json, frames
from stancekit._api import EntityRecognizer, StanceClassifier
from stancekit._cache import tier_models
from stancekit._checks import check_batch_size, check_columns, check_targets
from stancekit._precision import Precision

if TYPE_CHECKING:
    import pandas as pd


def _documents(docs: Iterable[Any]) -> Iterator[tuple[Any, str]]:
    """`(id, text)` for texts (numbered by position) and `(id, text)` pairs."""
    if isinstance(docs, str):
        raise TypeError("docs must be an iterable of texts or (id, text) pairs, not a single string")
    for position, doc in enumerate(docs):
        if isinstance(doc, str):
            yield position, doc
        elif isinstance(doc, tuple | list) and len(doc) == 2 and isinstance(doc[1], str):
            yield doc[0], doc[1]
        else:
            raise TypeError(f"docs[{position}] must be a str or an (id, text) pair, not {type(doc).__name__}")


def _progress_bar(progress: bool | None, total: int | None) -> Any:
    """A tqdm bar (a widget in notebooks that have ipywidgets), or None. `None` shows one where tqdm is installed
    and someone is watching: an interactive terminal or a Jupyter kernel."""
    if progress is False:
        return None
    notebook = "ipykernel" in sys.modules
    try:
        from tqdm import tqdm
    except ImportError:
        if progress:
            raise ImportError("progress=True needs tqdm: pip install tqdm") from None
        return None
    if progress is None and not (notebook or sys.stderr.isatty()):
        return None
    if notebook:
        try:
            import ipywidgets  # noqa: F401  (tqdm.notebook needs it; without it the text bar is used)
            from tqdm.notebook import tqdm
        except ImportError:
            pass
    return tqdm(total=total, unit="doc", desc="stancekit")


def analyze_many(
    docs: Iterable[str] | Iterable[tuple[Any, str]],
    targets: list[str] | None = None,
    *,
    ner: EntityRecognizer | None = None,
    stance: StanceClassifier | None = None,
    models: str = "fast",
    precision: Precision = "float32",
    batch_size: int = 16,
    progress: bool | None = None,
) -> Iterator[Analysis]:
    """Analyses a corpus lazily, one `Analysis` per document, in order.

    `docs` are texts (their ids are their positions) or `(id, text)` pairs; each `Analysis.id` is the
    document's id. `batch_size` documents go through the models together: their entity windows, sentences
    and stance pairs share batches, which is much faster than `analyze` one document at a time on short
    documents. A document that fails raises its error (`InvalidInputError`, …) with its id in the message,
    after every earlier document was yielded; the documents of its batch are computed one by one, so a bad
    document never takes a good one with it. `progress` shows a tqdm bar (None: where tqdm is installed and a
    terminal or a notebook is watching). Models not given are those of the `models` tier ("fast" or "accurate"),
    loaded in `precision` ("float32", "bfloat16" or "auto"; see `stancekit.EntityRecognizer`); model
    objects given run in the precision they were loaded with.
    """
    check_batch_size(batch_size)
    targets = check_targets(targets)
    ner, stance = tier_models(ner, stance, models, precision)
    total = len(docs) if hasattr(docs, "__len__") and not isinstance(docs, str) else None  # type: ignore[arg-type]
    bar = _progress_bar(progress, total)
    documents = _documents(docs)
    try:
        while batch := list(islice(documents, batch_size)):
            texts = [text for _, text in batch]
            outcomes = _lib.analyze_batch(ner._inner, stance._inner, texts, [targets] * len(batch))
            for (doc_id, text), outcome in zip(batch, outcomes):
                if isinstance(outcome, BaseException):
                    raise type(outcome)(f"document {doc_id!r}: {outcome}") from outcome
                raw_json, matrix = outcome
                yield analysis_from_json(text, raw_json, matrix, doc_id)
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()


def analyze_frame(
    df: pd.DataFrame,
    text: str = "text",
    id: str | None = "id",
    targets: list[str] | None = None,
    *,
    ner: EntityRecognizer | str | os.PathLike[str] | None = None,
    stance: StanceClassifier | str | os.PathLike[str] | None = None,
    models: str = "fast",
    precision: Precision = "float32",
    batch_size: int = 16,
    progress: bool | None = None,
) -> dict[str, pd.DataFrame]:
    """Analyses the `text` column of `df`: `{"entities", "attributions", "stances", "evidence"}` frames, each row
    headed by its document's id (the `id` column; `id=None`: the index, in a column named "id").

    Columns: entities `entity, entity_label, text, label, start, end, score` (one row per mention, offsets in
    the document's text); attributions `speaker, start, end, source, source_start, source_end, cue, cue_start,
    cue_end, content, content_start, content_end, content_parts, confidence` (one row per reported speech or
    author sentence); stances `speaker, target, label, score, score_favor, score_against, score_none,
    evidence_count, basis`; evidence `speaker, target, start, end, content` (one row per evidence content of a
    stance). The types are the same for every frame.

    `ner` and `stance` are models, or model directories or presets (loaded once per process and reused); models not
    given are those of the `models` tier ("fast" or "accurate"). `precision` ("float32", "bfloat16" or
    "auto"; see `stancekit.EntityRecognizer`) is the precision of the models this function loads itself, the tier's
    and those named by a directory or preset; model objects run in the precision they were loaded with.
    `batch_size` documents go through the models together, and `progress` shows a tqdm bar, as in `analyze_many`.
    `stancekit.dask.analyze_frame` takes the same arguments for a Dask frame.
    """
    check_columns(df.columns, text, id)
    ids = df.index if id is None else df[id]
    id_column = "id" if id is None else id
    docs = list(zip(ids.tolist(), df[text].tolist()))
    for position, (_, body) in enumerate(docs):
        if not isinstance(body, str):
            raise TypeError(f"row {position}: column {text!r} must hold str, not {type(body).__name__}")
    check_batch_size(batch_size)
    targets = check_targets(targets)
    loaded_ner, loaded_stance = tier_models(ner, stance, models, precision)
    analyses = analyze_many(
        docs, targets, ner=loaded_ner, stance=loaded_stance, batch_size=batch_size, progress=progress
    )
    return frames(analyses, id_column, ids.dtype)
