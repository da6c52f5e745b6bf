"""Analyse a corpus on a Dask cluster: `stancekit.dask.analyze_frame(ddf)` gives the tables of
`stancekit.analyze_frame` as Dask DataFrames, computed partition by partition.

Needs `pip install stancekit[dask]`. Each worker process loads the models once, the first time one of its
tasks runs, from the model paths the tasks carry (models travel by path, never by value): every worker must
see the same paths (a shared file system, the same image, or the same wheel installed everywhere for the
bundled models). libtorch in a worker uses as many threads as the worker has (`--nthreads`), unless
`STANCEKIT_NUM_THREADS` is set there.

    >>> import dask.dataframe as dd, dask, stancekit.dask
    >>> ddf = dd.read_parquet("articles/")                                    # doctest: +SKIP
    >>> tables = stancekit.dask.analyze_frame(ddf, text="body", id="url")     # doctest: +SKIP
    >>> entities, attributions, stances, evidence = dask.compute(*tables.values())  # doctest: +SKIP

Compute the tables together (`dask.compute(*tables.values())`, or `to_parquet` on each after `persist`): each
partition is analysed once for all of them; computed one by one, each table analyses its partitions again.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

from stancekit._api import EntityRecognizer, StanceClassifier, _model_path
from stancekit._frames import TABLES, empty

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

__all__ = ["analyze_frame"]


@lru_cache(maxsize=4)
def _models(ner_path: str, stance_path: str) -> tuple[EntityRecognizer, StanceClassifier]:
    """The models of this process, loaded on first use (once per worker process)."""
    _share_worker_threads()
    return EntityRecognizer(ner_path), StanceClassifier(stance_path)


def _share_worker_threads() -> None:
    """Inside a Dask worker, give libtorch the worker's own thread count rather than every core."""
    if os.environ.get("STANCEKIT_NUM_THREADS"):
        return
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return
    threads = getattr(worker.state, "nthreads", None) or getattr(worker, "nthreads", None)
    if threads:
        from stancekit._threads import set_num_threads

        set_num_threads(int(threads))


def _analyze_partition(
    part: pd.DataFrame,
    text: str,
    id: str,
    targets: list[str] | None,
    ner_path: str,
    stance_path: str,
    batch_size: int,
) -> dict[str, pd.DataFrame]:
    from stancekit._corpus import analyze_frame

    ner, stance = _models(ner_path, stance_path)
    return analyze_frame(
        part, text=text, id=id, targets=targets, ner=ner, stance=stance, batch_size=batch_size, progress=False
    )


def analyze_frame(
    ddf: dd.DataFrame,
    text: str = "text",
    id: str = "id",
    targets: list[str] | None = None,
    *,
    ner: str | os.PathLike[str] | None = None,
    stance: str | os.PathLike[str] | None = None,
    batch_size: int = 16,
) -> dict[str, dd.DataFrame]:
    """`{"entities", "attributions", "stances", "evidence"}` as lazy Dask DataFrames over the `text` column of
    `ddf`, with the columns of `stancekit.analyze_frame` and the document id (the `id` column) on every row.

    `ner` and `stance` are model directories (default: the bundled models) that
    every worker can read.
    Nothing runs until the tables are computed; a worker that dies mid-way has its partitions recomputed
    elsewhere by Dask, so no document is lost or counted twice.
    """
    import dask
    import dask.dataframe as dd

    from stancekit._analysis import check_targets

    for column in (text, id):
        if column not in ddf.columns:
            raise KeyError(f"no column {column!r} in the frame (columns: {list(ddf.columns)})")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    targets = check_targets(targets)
    ner_path, stance_path = _model_path(ner, "ner"), _model_path(stance, "stance")
    id_dtype = ddf[id].dtype
    analyse = dask.delayed(_analyze_partition, pure=True)
    results = [
        analyse(part, text, id, targets, ner_path, stance_path, batch_size) for part in ddf[[id, text]].to_delayed()
    ]
    return {
        name: dd.from_delayed([result[name] for result in results], meta=empty(name, id, id_dtype), verify_meta=False)
        for name in TABLES
    }
