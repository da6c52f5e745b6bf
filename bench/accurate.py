"""The accurate tier (all-mpnet-base-v2 + the bundled LoRA stance adapter) against transformers + peft on the same
weights, and against the fast tier, in one process. `bench/run.py` adds these rows to its table; alone:

    PYTHONPATH=. python bench/accurate.py --data-dir ../shared/data [--reps 3]

Baseline: transformers' `MPNetForSequenceClassification` on the store's base with the adapter merged by peft
(`merge_and_unload`), at its best batch size among 1, 8 and 32 under `torch.inference_mode()`. Loading counts the
adapter merge on both sides.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import torch

import stancekit

REPO = Path(__file__).resolve().parent.parent
ACCURATE = REPO / "models" / "stance-accurate"


def accurate_rows(article: str, targets: list[str], reps: int, data_dir: Path) -> list[tuple[str, ...]]:
    from bench.run import best_batch_size, median_seconds, ratio, rss_probe, transformers_pairs

    rows: list[tuple[str, ...]] = []
    base = stancekit.download("accurate", quiet=True)
    started = time.perf_counter()
    accurate = stancekit.StanceClassifier(ACCURATE)
    ours_load = time.perf_counter() - started

    from peft import PeftModel
    from transformers import AutoConfig, MPNetForSequenceClassification, PreTrainedTokenizerFast

    started = time.perf_counter()
    model = MPNetForSequenceClassification.from_pretrained(str(base), config=AutoConfig.from_pretrained(str(ACCURATE)))
    model = PeftModel.from_pretrained(model, str(ACCURATE)).merge_and_unload().eval()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=str(ACCURATE / "tokenizer.json"), cls_token="<s>", sep_token="</s>", pad_token="<pad>"
    )
    theirs_load = time.perf_counter() - started
    rows.append(
        (
            "accurate tier: load the stance model, adapter merged (s)",
            f"{ours_load:.2f}",
            f"{theirs_load:.2f} (transformers + peft)",
            f"{theirs_load / ours_load:.2f}x",
        )
    )

    lines = [line for line in article.splitlines() if line.strip()]
    pairs = [(line, target) for line in lines for target in targets]
    hypotheses = [accurate.hypothesis(target) for _, target in pairs]
    ours = median_seconds(lambda: accurate.predict_batch(pairs), reps)

    theirs, batch = best_batch_size(
        transformers_pairs(tokenizer, model, pairs, hypotheses, token_types=False), max(2, reps // 2)
    )
    rows.append(
        (
            f"accurate tier: stance, {len(lines)} article lines x {len(targets)} targets (pairs/s)",
            f"{len(pairs) / ours:,.1f}",
            f"{len(pairs) / theirs:,.1f} (transformers + peft, batch {batch})",
            ratio(theirs, ours),
        )
    )
    fast = stancekit.StanceClassifier("fast")
    fast_seconds = median_seconds(lambda: fast.predict_batch(pairs), reps)
    rows.append(
        (
            "accurate tier: the same pairs, accurate against fast (pairs/s)",
            f"{len(pairs) / ours:,.1f}",
            f"{len(pairs) / fast_seconds:,.1f} (fast tier)",
            ratio(fast_seconds, ours),
        )
    )
    ner = stancekit.EntityRecognizer()
    seconds = median_seconds(lambda: stancekit.analyze(article, targets[:4], ner=ner, stance=accurate), reps)
    rows.append(("accurate tier: analyze the article, 4 targets, models loaded (s)", f"{seconds:.2f}", "n/a", ""))
    rss = rss_probe(data_dir, "--stance", "accurate")
    rows.append(
        (
            "accurate tier: peak RSS, stancekit alone (MB): imported / both models loaded / after analyze",
            " / ".join(f"{rss[key]:,.0f}" for key in ("imported_mb", "loaded_mb", "peak_mb")),
            "",
            "",
        )
    )
    return rows


def main() -> None:
    from bench.run import TARGETS

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    article = (REPO / "notebooks" / "data" / "ukraine_talks.txt").read_text(encoding="utf-8")
    rows = accurate_rows(article, TARGETS, args.reps, args.data_dir)
    print(f"{os.cpu_count()} CPUs, {torch.get_num_threads()} torch threads, median of {args.reps} after a warm-up")
    print("| workload | stancekit | baseline | ratio |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
