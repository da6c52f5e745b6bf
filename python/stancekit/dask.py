"""Analyse a corpus on a Dask cluster: `stancekit.dask.analyze_frame(ddf)` gives the tables of
`stancekit.analyze_frame` as Dask DataFrames, computed partition by partition.

Needs `pip install stancekit[dask]`. Each worker process loads the models once, the first time one of its
tasks runs, from the model paths the tasks carry (models travel by path, never by value): every worker must
see the same paths (a shared file system, the same image, or the same wheel installed everywhere for the
bundled models). libtorch in a worker uses as many threads as the worker has (`--nthreads`), unless
`STANCEKIT_NUM_THREADS` is set there, and the worker's allocator keeps large buffers instead of unmapping them (see
`_keep_large_buffers`; `STANCEKIT_DASK_MALLOC=keep` leaves it as Dask set it).

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
    return EntityRecognizer(ner_path), StanceClassifier(stance_path)


def _prepare_worker() -> None:
    """Inside a Dask worker: libtorch gets the worker's own thread count rather than every core, and glibc's
    allocator keeps large buffers (checked on every task; the work is done once per process)."""
    global _PREPARED
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return
    threads = getattr(worker.state, "nthreads", None) or getattr(worker, "nthreads", None)
    if threads and not os.environ.get("STANCEKIT_NUM_THREADS"):
        from stancekit._threads import get_num_threads, set_num_threads

        if get_num_threads() != int(threads):
            set_num_threads(int(threads))
    if not _PREPARED:
        _PREPARED = True
        _keep_large_buffers()


_PREPARED = False


def _keep_large_buffers() -> None:
    """Undo, for this worker process, the allocator setting Dask's nanny starts workers with.

    The nanny sets `MALLOC_TRIM_THRESHOLD_=65536` to hand freed memory back to the system early; that also fixes
    glibc's mmap threshold at 128 KiB, so every activation buffer of the encoder (megabytes) is mapped and unmapped
    again on every layer, and half the CPU time goes to page faults (measured: 50% system time, analysis ~15% slower
    than with the default allocator). Raising both thresholds restores the default behaviour for large buffers. Skipped
    where glibc is absent and when `STANCEKIT_DASK_MALLOC=keep` asks to leave the allocator alone."""
    if os.environ.get("STANCEKIT_DASK_MALLOC") == "keep" or not os.environ.get("MALLOC_TRIM_THRESHOLD_"):
        return
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        libc = ctypes.CDLL(name)
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024)
        libc.mallopt(m_trim_threshold, 256 * 1024 * 1024)
    except (OSError, AttributeError):
        return


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

    _prepare_worker()
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
