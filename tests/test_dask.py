"""`stancekit.dask` on a real `distributed.LocalCluster` (2 worker processes, 1 thread each, loopback only):
the same tables as one process, a worker killed mid-computation, and a Parquet round trip."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pandas as pd
import pytest

import stancekit

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
import stancekit.dask  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",
        worker_dashboard_address=":0",
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


def _frame(article: str, copies: int = 1) -> pd.DataFrame:
    paragraphs = [p for p in article.split("\n") if p.strip()]
    texts = ["\n".join(paragraphs[i : i + 3]) for i in range(0, len(paragraphs), 3)] * copies
    return pd.DataFrame({"doc": [f"a{i:03d}" for i in range(len(texts))], "text": texts})


def _plain(table: pd.DataFrame, id_column: str = "doc") -> pd.DataFrame:
    """Rows in a fixed order, strings as Python objects (Dask stores them as Arrow strings), for comparing."""
    table = table.sort_values([id_column, *table.columns[1:3]], kind="stable").reset_index(drop=True)
    for column in table.columns:
        if table[column].dtype.kind not in "ifb":
            table[column] = table[column].astype(object)
    return table


def _worker_threads() -> tuple[bool, int]:
    """Whether this worker process loaded models, and libtorch's thread count there."""
    return stancekit._cache.load.cache_info().currsize > 0, stancekit.get_num_threads()


def _single_process(df: pd.DataFrame, ner: Path, stance: Path, targets: list[str]) -> dict[str, pd.DataFrame]:
    return stancekit.analyze_frame(
        df, id="doc", targets=targets, ner=stancekit.EntityRecognizer(ner), stance=stancekit.StanceClassifier(stance)
    )


def test_cluster_tables_equal_the_single_process_tables(client, tiny_ner: Path, tiny_nli: Path, article: str):
    df = _frame(article)
    targets = ["sanctions on Russia", "peace talks"]
    ddf = dd.from_pandas(df, npartitions=4)
    tables = stancekit.dask.analyze_frame(ddf, id="doc", targets=targets, ner=tiny_ner, stance=tiny_nli)
    computed = dict(zip(tables, dask.compute(*tables.values())))
    expected = _single_process(df, tiny_ner, tiny_nli, targets)
    for name in expected:
        got, want = _plain(computed[name]), _plain(expected[name])
        assert list(got.columns) == list(want.columns)
        pd.testing.assert_frame_equal(got, want, check_dtype=False, atol=1e-4)
        assert len(got) > 0
    # The workers ran with the worker's one thread each, not with every core.
    used = [threads for loaded, threads in client.run(_worker_threads).values() if loaded]
    assert used and set(used) == {1}


def test_model_objects_the_index_as_id_and_batch_size_go_through(tiny_ner: Path, tiny_nli: Path, article: str):
    """The arguments `stancekit.analyze_frame` takes, in one process (the synchronous scheduler): model objects
    travel as their path and options, `id=None` heads the rows with the index."""
    df = _frame(article).set_index("doc")
    ner, stance = stancekit.EntityRecognizer(tiny_ner, batch_size=4), stancekit.StanceClassifier(tiny_nli)
    arguments = {"id": None, "targets": ["peace talks"], "ner": ner, "stance": stance, "batch_size": 3}
    tables = stancekit.dask.analyze_frame(dd.from_pandas(df, npartitions=2), **arguments, progress=False)
    computed = dict(zip(tables, dask.compute(*tables.values(), scheduler="synchronous")))
    expected = stancekit.analyze_frame(df, **arguments, progress=False)
    for name, want in expected.items():
        got = computed[name]
        assert list(got.columns) == list(want.columns) and got.columns[0] == "id"
        pd.testing.assert_frame_equal(_plain(got, "id"), _plain(want, "id"), check_dtype=False, atol=1e-4)
    with pytest.raises(KeyError, match="id=None"):
        stancekit.dask.analyze_frame(dd.from_pandas(df, npartitions=1), ner=ner, stance=stance)


def _partition_holders(dask_scheduler) -> list[str]:
    """The worker holding each analysed partition so far."""
    return [
        next(iter(ts.who_has)).address
        for key, ts in dask_scheduler.tasks.items()
        if "_analyze_partition" in str(key) and ts.state == "memory" and ts.who_has
    ]


def test_a_killed_worker_loses_and_duplicates_no_document(client, article: str):
    """The shipped models on 16 partitions; one worker process is SIGKILLed once a partition is done."""
    df = _frame(article, copies=4)
    ddf = dd.from_pandas(df, npartitions=16)
    tables = stancekit.dask.analyze_frame(ddf, id="doc", targets=["peace talks with Russia"])
    futures = client.compute(list(tables.values()))
    pids = client.run(os.getpid)
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline:
        holders = client.run_on_scheduler(_partition_holders)
        if holders and len(holders) < 12:
            killed = holders[0]
            os.kill(pids[killed], signal.SIGKILL)
        time.sleep(0.02)
    assert killed is not None, "no partition finished in time, or all finished before the kill"
    gathered = client.gather(futures)
    expected = stancekit.analyze_frame(df, id="doc", targets=["peace talks with Russia"])
    for got, want in zip(gathered, expected.values(), strict=True):
        assert got["doc"].value_counts().sort_index().to_dict() == want["doc"].value_counts().sort_index().to_dict()
        pd.testing.assert_frame_equal(_plain(got), _plain(want), check_dtype=False, atol=1e-4)
    assert killed not in client.run(os.getpid) or client.run(os.getpid)[killed] != pids[killed]


# dask 2026.8's Parquet reader calls reset_index(inplace=True), which pandas 3.1 deprecates.
@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_parquet_round_trip_keeps_types_and_offsets(
    client, tiny_ner: Path, tiny_nli: Path, article: str, tmp_path: Path
):
    df = _frame(article)
    ddf = dd.from_pandas(df, npartitions=3)
    tables = stancekit.dask.analyze_frame(ddf, id="doc", targets=["NATO"], ner=tiny_ner, stance=tiny_nli)
    persisted = dask.persist(*tables.values())
    for name, table in zip(tables, persisted):
        table.to_parquet(tmp_path / name)
    back = {name: dd.read_parquet(tmp_path / name).compute() for name in tables}
    computed = dict(zip(tables, dask.compute(*persisted)))
    for name in tables:
        for column in ("start", "end", "score", "confidence", "score_favor", "evidence_count"):
            if column in computed[name]:
                assert back[name][column].dtype == computed[name][column].dtype
        pd.testing.assert_frame_equal(_plain(back[name]), _plain(computed[name]), check_dtype=False)
    texts = dict(zip(df["doc"], df["text"]))
    for row in back["entities"].itertuples():
        assert texts[row.doc][row.start : row.end] == row.text
    for row in back["attributions"].itertuples():
        text = texts[row.doc]
        if row.content_parts == 1:
            assert text[row.content_start : row.content_end] == row.content
        assert pd.isna(row.source) or text[row.source_start : row.source_end] == row.source
    # The offsets above were checked on some rows: contents of one part and sources exist in this article.
    assert (back["attributions"]["content_parts"] == 1).any() and back["attributions"]["source"].notna().any()
