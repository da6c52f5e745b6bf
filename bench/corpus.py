"""Corpus throughput on real news: PolNeAR's articles through the CLI, `analyze_many` and Dask, on this machine.

    make bench-corpus        # or: python bench/corpus.py --data-dir ../shared/data [--articles 100|all]

The articles (`polnear/{train,dev,test}/text/*.txt`, taken in name order across the splits, every k-th one so that
all publishers and months are sampled) become a JSONL corpus in a temporary folder (never in the repository). Each
configuration runs in its own process, models loading included, on the same documents and targets:

- the CLI (`stancekit analyze corpus.jsonl`) with 2 libtorch threads, writing JSONL to /dev/null, and with
  `--output FILE` (records flushed one by one), then restarted on the finished file (the cost of resuming);
- `stancekit.analyze_many` in one Python process with 2 threads, batch 16 and batch 1 (no cross-document batching);
- `stancekit.dask.analyze_frame` on a `distributed.LocalCluster` of 2 worker processes × 1 thread, computed on 16
  partitions, against `stancekit.analyze_frame` in one process with 2 threads on the same 2 cores.

Peak RSS is each process's VmHWM (Dask: each worker's). The sizing table divides a corpus by the documents/s per
core measured here.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.memory import peak_rss_mb

REPO = Path(__file__).resolve().parent.parent
CLI = REPO / "target" / "release" / "stancekit"
TARGETS = ["Hillary Clinton", "Donald Trump", "immigration", "free trade"]


def articles(data_dir: Path, count: int | None) -> list[tuple[str, str]]:
    paths = sorted((data_dir / "polnear").glob("*/text/*.txt"), key=lambda p: p.name)
    if count is not None and count < len(paths):
        step = len(paths) / count
        paths = [paths[int(i * step)] for i in range(count)]
    return [(path.stem, path.read_text(encoding="utf-8")) for path in paths]


def run_cli(args: list[str], stdout: int | None = subprocess.DEVNULL) -> tuple[float, float, str]:
    """Runs the CLI; its wall time, its peak RSS (polled from /proc while it runs) and its stderr."""
    started = time.perf_counter()
    child = subprocess.Popen([str(CLI), *args], stdout=stdout, stderr=subprocess.PIPE, text=True)
    peak = [0.0]

    def poll() -> None:
        while child.poll() is None:
            try:
                peak[0] = max(peak[0], peak_rss_mb(child.pid))
            except (FileNotFoundError, ProcessLookupError):
                break
            time.sleep(0.05)

    watcher = threading.Thread(target=poll)
    watcher.start()
    _, stderr = child.communicate()
    elapsed = time.perf_counter() - started
    watcher.join()
    if child.returncode != 0:
        raise RuntimeError(f"stancekit {' '.join(args)} failed: {stderr}")
    return elapsed, peak[0], stderr


def worker(mode: str, corpus: Path, batch_size: int) -> None:
    """One Python-side configuration in this (child) process; prints a JSON line."""
    import stancekit

    documents = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    started = time.perf_counter()
    result: dict[str, object] = {}
    if mode == "many":
        stancekit.set_num_threads(2)
        count = sum(
            1 for _ in stancekit.analyze_many([(d["id"], d["text"]) for d in documents], TARGETS, batch_size=batch_size)
        )
        result["documents"] = count
        result["peak_rss_mb"] = peak_rss_mb()
    elif mode in ("frame", "dask"):
        import pandas as pd

        df = pd.DataFrame(documents)
        if mode == "frame":
            stancekit.set_num_threads(2)
            tables = stancekit.analyze_frame(df, targets=TARGETS, batch_size=batch_size)
            result["peak_rss_mb"] = peak_rss_mb()
        else:
            import dask
            import dask.dataframe as dd
            import distributed

            import stancekit.dask

            with (
                distributed.LocalCluster(
                    n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40
                ) as cluster,
                distributed.Client(cluster) as client,
            ):
                started = time.perf_counter()  # the cluster's start-up is not counted
                lazy = stancekit.dask.analyze_frame(
                    dd.from_pandas(df, npartitions=16), targets=TARGETS, batch_size=batch_size
                )
                tables = dict(zip(lazy, dask.compute(*lazy.values())))
                elapsed = time.perf_counter() - started
                result["worker_peak_rss_mb"] = sorted(client.run(peak_rss_mb).values())
                result["seconds"] = elapsed
        result["rows"] = {name: len(table) for name, table in tables.items()}
        result["documents"] = len(df)
    result.setdefault("seconds", time.perf_counter() - started)
    print(json.dumps(result))


def run_worker(mode: str, corpus: Path, batch_size: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, __file__, "worker", mode, str(corpus), str(batch_size)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{mode} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--articles", default="100", help="how many articles, or 'all' (1,008)")
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()
    count = None if args.articles == "all" else int(args.articles)
    docs = articles(args.data_dir, count)
    words = sum(len(text.split()) for _, text in docs)
    rows: list[tuple[str, float, float, str]] = []

    def row(name: str, seconds: float, rss: str) -> None:
        rows.append((name, len(docs) / seconds, words / seconds, rss))
        print(f"  {name}: {seconds:.1f} s", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "polnear.jsonl"
        corpus.write_text(
            "".join(json.dumps({"id": name, "text": text}) + "\n" for name, text in docs), encoding="utf-8"
        )
        targets = [arg for target in TARGETS for arg in ("-t", target)]
        common = ["analyze", str(corpus), *targets, "--threads", "2", "--batch-size", str(args.batch_size)]
        print(f"{len(docs)} PolNeAR articles, {words:,} words, targets {TARGETS}", file=sys.stderr)
        seconds, rss, _ = run_cli([*common, "--format", "jsonl"])
        row("CLI → stdout (JSONL), 2 threads", seconds, f"{rss:.0f}")
        output = Path(folder) / "out.jsonl"
        seconds, rss, _ = run_cli([*common, "--output", str(output)])
        row("CLI --output (resumable), 2 threads", seconds, f"{rss:.0f}")
        resume_seconds, _, stderr = run_cli([*common, "--output", str(output)])
        assert f"{len(docs)} skipped" in stderr, stderr
        many = run_worker("many", corpus, args.batch_size)
        row(f"analyze_many, batch {args.batch_size}, 2 threads", many["seconds"], f"{many['peak_rss_mb']:.0f}")
        single = run_worker("many", corpus, 1)
        row("analyze_many, batch 1, 2 threads", single["seconds"], f"{single['peak_rss_mb']:.0f}")
        frame = run_worker("frame", corpus, args.batch_size)
        row("analyze_frame, 1 process × 2 threads", frame["seconds"], f"{frame['peak_rss_mb']:.0f}")
        distributed_run = run_worker("dask", corpus, args.batch_size)
        worker_rss = " / ".join(f"{value:.0f}" for value in distributed_run["worker_peak_rss_mb"])
        row("stancekit.dask, 2 workers × 1 thread", distributed_run["seconds"], worker_rss)
        assert distributed_run["rows"] == frame["rows"], (distributed_run["rows"], frame["rows"])

    print(f"\n{len(docs)} PolNeAR articles ({words:,} words), {len(TARGETS)} targets, fast tier (MiniLM), 2 cores\n")
    print("| configuration | documents/s | words/s | peak RSS (MB) |")
    print("|---|---|---|---|")
    for name, docs_per_s, words_per_s, rss in rows:
        print(f"| {name} | {docs_per_s:.2f} | {words_per_s:,.0f} | {rss} |")
    dask_rate = len(docs) / distributed_run["seconds"]
    frame_rate = len(docs) / frame["seconds"]
    print(f"\nDask 2×1 / one process 2 threads: {dask_rate / frame_rate:.2f}")
    print(f"resuming a finished output of {len(docs)} records: {resume_seconds:.2f} s (load, scan, skip)")
    per_core = statistics.mean([dask_rate, frame_rate]) / 2
    print(f"documents/s per core: {per_core:.2f} (mean of the two 2-core runs / 2)\n")
    print("| corpus | core-hours | 1 machine × 2 cores | 16 cores | 256 cores |")
    print("|---|---|---|---|---|")
    for size in (10**5, 10**7):
        core_hours = size / per_core / 3600
        print(
            f"| {size:.0e} articles | {core_hours:,.0f} | {core_hours / 2:,.1f} h | "
            f"{core_hours / 16:,.1f} h | {core_hours / 256:,.1f} h |"
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        worker(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
