"""Same-process timings of stancekit against Hugging Face transformers on the same weights.

    make bench                      # or: python bench/run.py --data-dir ../shared/data [--sentences 1000] [--reps 5]

Each workload runs once to warm up, then `--reps` times; the table gives the median. The ratio is
stancekit / transformers throughput measured in the same run (> 1 means stancekit is faster); transformers runs at
its best batch size among 1, 8 and 32 under `torch.inference_mode()`. Both engines use the same libtorch (stancekit
links the pip torch's), so thread settings are shared.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch

import stancekit
from training.casing import casing_pipeline
from training.conll import read_documents

REPO = Path(__file__).resolve().parent.parent
TARGETS = [
    "sanctions on Russia",
    "sending US troops to Ukraine",
    "peace talks with Russia",
    "Ukraine joining NATO",
    "European defence spending",
    "Donald Trump",
    "Vladimir Putin",
    "a ceasefire",
    "the European Union",
    "military aid to Ukraine",
]


def median_seconds(work: Callable[[], object], reps: int) -> float:
    work()
    timings = []
    for _ in range(reps):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def best_batch_size(run: Callable[[int], object], reps: int) -> tuple[float, int]:
    """The fastest median time of `run(batch_size)` over batch sizes 1, 8 and 32, and that batch size."""
    timings = {batch_size: median_seconds(lambda b=batch_size: run(b), reps) for batch_size in (1, 8, 32)}
    best = min(timings, key=timings.__getitem__)
    return timings[best], best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--sentences", type=int, default=1000, help="CoNLL-2003 test sentences (max 3453)")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()

    rows: list[tuple[str, str, str, str]] = []
    sentences = [
        " ".join(sentence.words)
        for document in read_documents(args.data_dir / "conll2003" / "test.txt")
        for sentence in document
    ][: args.sentences]
    article = (REPO / "notebooks" / "data" / "ukraine_talks.txt").read_text(encoding="utf-8")
    ner_dir, stance_dir = REPO / "models" / "ner", REPO / "models" / "stance"

    started = time.perf_counter()
    ner = stancekit.EntityRecognizer(ner_dir)
    stance = stancekit.StanceClassifier(stance_dir)
    ours_load = time.perf_counter() - started
    started = time.perf_counter()
    pipeline = casing_pipeline(str(ner_dir), aggregation_strategy="first")
    from transformers import BertForSequenceClassification, PreTrainedTokenizerFast

    pair_model = BertForSequenceClassification.from_pretrained(str(stance_dir)).eval()
    pair_tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=str(stance_dir / "tokenizer.json"), cls_token="[CLS]", sep_token="[SEP]", pad_token="[PAD]"
    )
    theirs_load = time.perf_counter() - started
    rows.append(("load both models (s)", f"{ours_load:.2f}", f"{theirs_load:.2f}", f"{theirs_load / ours_load:.2f}x"))

    tokens = sum(len(ner.tokens(sentence)) for sentence in sentences)
    ours = median_seconds(lambda: ner.predict_batch(sentences), args.reps)
    with torch.inference_mode():
        best_theirs, best_batch = best_batch_size(
            lambda batch_size: pipeline(sentences, batch_size=batch_size), max(1, args.reps // 2)
        )
    rows.append(
        (
            f"NER, {len(sentences)} CoNLL test sentences (tokens/s)",
            f"{tokens / ours:,.0f}",
            f"{tokens / best_theirs:,.0f} (batch {best_batch})",
            f"{best_theirs / ours:.2f}x",
        )
    )

    lines = [line for line in article.splitlines() if line.strip()]
    pairs = [(line, target) for line in lines for target in TARGETS]
    hypotheses = [stance.hypothesis(target) for _, target in pairs]
    ours = median_seconds(lambda: stance.predict_batch(pairs), args.reps)

    def transformers_pairs(batch_size: int) -> None:
        with torch.inference_mode():
            for begin in range(0, len(pairs), batch_size):
                encoded = pair_tokenizer(
                    [text for text, _ in pairs[begin : begin + batch_size]],
                    hypotheses[begin : begin + batch_size],
                    padding=True,
                    truncation="only_first",
                    max_length=512,
                    return_tensors="pt",
                )
                torch.softmax(pair_model(**encoded).logits, dim=-1)

    best_theirs, best_batch = best_batch_size(transformers_pairs, max(1, args.reps // 2))
    rows.append(
        (
            f"stance, {len(pairs)} article-line x target pairs (pairs/s)",
            f"{len(pairs) / ours:,.1f}",
            f"{len(pairs) / best_theirs:,.1f} (batch {best_batch})",
            f"{best_theirs / ours:.2f}x",
        )
    )
    seconds = median_seconds(lambda: stancekit.analyze(article, TARGETS[:4], ner=ner, stance=stance), args.reps)
    rows.append(("analyze the article, 4 targets (s)", f"{seconds:.2f}", "n/a", "n/a"))

    print(f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads")
    print(f"torch {torch.__version__}, stancekit {stancekit.__version__}, median of {args.reps} after a warm-up")
    print("| workload | stancekit | transformers | ratio |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
