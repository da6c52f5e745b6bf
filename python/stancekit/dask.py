"""Analyse a corpus on a Dask cluster: `stancekit.dask.analyze_frame(ddf)` gives the tables of
`stancekit.analyze_frame` as Dask DataFrames, computed partition by partition.

Needs `pip install stancekit[dask]`. `analyze_frame` takes the arguments of `stancekit.analyze_frame`. Each worker
process loads the models once, the first time one of its tasks runs, from the model paths (and options) the tasks
carry (models travel by path, never by value): every worker must see the same paths (a shared file system, the
same image, or the same wheel installed everywhere for the bundled models). libtorch in a worker uses as many
threads as the worker has (`--nthreads`), unless `STANCEKIT_NUM_THREADS` is set there, and the worker's allocator
keeps large buffers instead of unmapping them (see `_keep_large_buffers`; `STANCEKIT_DASK_MALLOC=keep` leaves it
as Dask set it).

    >>> import dask.dataframe as dd, dask, stancekit.dask
    >>> ddf = dd.read_parquet("articles/")                                    # doctest: +SKIP
    >>> tables = stancekit.dask.analyze_frame(ddf, text="body", id="url")     # doctest: +SKIP
    >>> entities, attributions, stances, evidence = dask.compute(*tables.values())  # doctest: +SKIP

Compute the tables together (`dask.compute(*tables.values())`, or `to_parquet` on each after `persist`): each
partition is analysed once for all of them; computed one by one, each table analyses its partitions again.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from stancekit import _corpus
from stancekit._api import EntityRecognizer, StanceClassifier
from stancekit._cache import Recipe, load, recipe
from stancekit._checks import check_batch_size, check_columns, check_targets
from stancekit._frames import TABLES, empty
from stancekit._models import ModelKind, check_preset, resolve_path
from stancekit._precision import Precision, resolve_precision
from stancekit._threads import get_num_threads, set_num_threads

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

__all__ = ["analyze_frame"]


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
    id: str | None,
    targets: list[str] | None,
    ner: Recipe,
    stance: Recipe,
    batch_size: int,
) -> dict[str, pd.DataFrame]:
    _prepare_worker()
    return _corpus.analyze_frame(
        part,
        text=text,
        id=id,
        targets=targets,
        ner=load(ner),
        stance=load(stance),
        batch_size=batch_size,
        progress=False,
    )


def _recipe(
    kind: ModelKind, model: EntityRecognizer | StanceClassifier | str | os.PathLike[str] | None, precision: str
) -> Recipe:
    """What builds the model on a worker: a model object's path and options (its own precision among them), else
    the directory `model` names here (None: the default of `kind`, which `STANCEKIT_NER_MODEL` /
    `STANCEKIT_STANCE_MODEL` may replace) in `precision`, as asked: each worker resolves "auto" for its own CPU."""
    if isinstance(model, EntityRecognizer | StanceClassifier):
        return recipe(kind, model)
    return recipe(kind, resolve_path(model, kind), precision)


def analyze_frame(
    ddf: dd.DataFrame,
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
) -> dict[str, dd.DataFrame]:
    """`{"entities", "attributions", "stances", "evidence"}` as lazy Dask DataFrames over the `text` column of
    `ddf`, with the columns of `stancekit.analyze_frame` and the document id (the `id` column; `id=None`: the
    index, in a column named "id") on every row.

    The arguments are those of `stancekit.analyze_frame`: `ner` and `stance` are models, or model directories or
    presets, that every worker can read (a model object travels as its path and options; each worker process loads
    it once); models not given are those of the `models` tier ("fast" or "accurate"); `precision` is that of the
    models named here (the tier's, a directory or a preset), which each worker loads in it ("auto" is resolved for
    the worker's CPU), while a model object keeps its own; `batch_size` documents of a partition go through the
    models together. `progress` shows no bar here: nothing runs until the tables are computed (Dask's dashboard or
    `distributed.progress` shows that). A worker that dies mid-way has its partitions recomputed elsewhere by Dask,
    so no document is lost or counted twice.
    """
    import dask
    import dask.dataframe as dd

    check_columns(ddf.columns, text, id)
    check_batch_size(batch_size)
    targets = check_targets(targets)
    tier = check_preset(models)
    resolve_precision(precision)  # a ValueError on the client, not on the workers; they resolve "auto" for their CPU
    # Resolved here, where the environment's default models are known: the fast tier is the default (None).
    ner_recipe = _recipe("ner", ner, precision)
    stance_recipe = _recipe("stance", stance if stance is not None or tier == "fast" else tier, precision)
    id_column, id_dtype = ("id", ddf.index.dtype) if id is None else (id, ddf[id].dtype)
    columns = [text] if id is None else [id, text]
    analyse = dask.delayed(_analyze_partition, pure=True)
    results = [
        analyse(part, text, id, targets, ner_recipe, stance_recipe, batch_size) for part in ddf[columns].to_delayed()
    ]
    return {
        name: dd.from_delayed(
            [result[name] for result in results], meta=empty(name, id_column, id_dtype), verify_meta=False
        )
        for name in TABLES
    }
