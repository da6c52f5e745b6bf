"""Where stancekit's time goes: libtorch operators recorded by torch.profiler around stancekit calls (the Rust engine
dispatches through the same libtorch in this process), plus tokenization alone.

    PYTHONPATH=. python bench/profile.py --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

import stancekit
from bench.run import TARGETS
from training.conll import read_documents

REPO = Path(__file__).resolve().parent.parent


def table(title: str, work) -> None:
    work()
    started = time.perf_counter()
    work()
    unprofiled = time.perf_counter() - started
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        started = time.perf_counter()
        work()
        total = time.perf_counter() - started
    events = list(prof.key_averages())
    operators = sum(event.self_cpu_time_total for event in events) / 1e6
    print(f"\n## {title}: {unprofiled:.2f} s wall ({total:.2f} s under the profiler)")
    print("| operator | self time (s) | share of the profiled wall time |")
    print("|---|---|---|")
    for event in sorted(events, key=lambda e: e.self_cpu_time_total, reverse=True)[:6]:
        print(
            f"| `{event.key}` | {event.self_cpu_time_total / 1e6:.3f} | {event.self_cpu_time_total / 1e6 / total:.0%} |"
        )
    outside = max(0.0, total - operators)
    print(f"| outside libtorch operators (tokenize, pad, decode, Python) | {outside:.3f} | {outside / total:.0%} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--sentences", type=int, default=1000)
    args = parser.parse_args()
    sentences = [
        " ".join(sentence.words)
        for document in read_documents(args.data_dir / "conll2003" / "test.txt")
        for sentence in document
    ][: args.sentences]
    ner = stancekit.EntityRecognizer(REPO / "models" / "ner")
    stance = stancekit.StanceClassifier(REPO / "models" / "stance")
    article = (REPO / "notebooks" / "data" / "ukraine_talks.txt").read_text(encoding="utf-8")
    lines = [line for line in article.splitlines() if line.strip()]
    pairs = [(line, target) for line in lines for target in TARGETS]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    started = time.perf_counter()
    for sentence in sentences:
        ner.tokens(sentence)
    print(f"tokenizing {len(sentences)} sentences one by one: {time.perf_counter() - started:.3f} s")
    table(f"NER, {len(sentences)} CoNLL test sentences", lambda: ner.predict_batch(sentences))
    table(f"stance, {len(pairs)} article-line x target pairs", lambda: stance.predict_batch(pairs))


if __name__ == "__main__":
    main()
