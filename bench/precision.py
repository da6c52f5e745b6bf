"""Each precision's speed against float32 and against transformers in float32 and bfloat16 (issue 23).

    PYTHONPATH=. python bench/precision.py --data-dir ../shared/data [--reps 3] [--articles 16]
        [--precisions float32 bfloat16 int8]

`make bench` runs it after `bench/run.py`. Same process and threads for stancekit and transformers; the median of
`--reps` after a warm-up. Workloads:

- NER on CoNLL-2003 test sentences (the shared tagger, casing architecture; transformers: its token-classification
  pipeline at its best batch size of 8 and 32);
- stance pairs, fast tier (MiniLM) and accurate tier (all-mpnet-base-v2 + the adapter, merged by peft for
  transformers), on VAST dev paragraphs × their topic;
- `analyze` on the bundled article with 4 targets, both tiers, models loaded;
- the CLI on PolNeAR articles (`stancekit analyze corpus.jsonl --precision P`, load included), both tiers:
  articles/s per core (divided by the threads given).

transformers' bfloat16 baseline is the faster of its weights cast (`model.to(torch.bfloat16)`) and
`torch.autocast("cpu", dtype=torch.bfloat16)` on the float32 model. Rows name the CPU's features
(`stancekit.cpu_features()`): bfloat16 is native with AMX or AVX512-BF16, emulated (slow) elsewhere; int8 is fast
with VNNI.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import tempfile
from pathlib import Path

import torch

import stancekit
from bench.corpus import articles, run_cli
from bench.documents import conll_paragraphs
from bench.run import TARGETS, median_seconds, ratio, transformers_pairs, vast_pairs

# int8 is not offered (it fails the parity bar this script measures); this lets it run, to measure it.
os.environ.setdefault("STANCEKIT_EXPERIMENTAL_INT8", "1")

REPO = Path(__file__).resolve().parent.parent
ACCURATE = REPO / "models" / "stance-accurate"
CORPUS_TARGETS = ["Hillary Clinton", "Donald Trump", "immigration", "free trade"]


def fastest(runs: dict[str, object], reps: int) -> tuple[float, str]:
    """The fastest median among named runs, and its name."""
    times = {name: median_seconds(run, reps) for name, run in runs.items()}
    best = min(times, key=times.__getitem__)
    return times[best], best


def autocast(run):
    def wrapped():
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return run()

    return wrapped


def transformers_baselines(make_model, run_with, reps: int) -> dict[str, tuple[float, str]]:
    """transformers' float32 time and its best bfloat16 time (weights cast, or autocast), each at its best batch."""
    model = make_model()
    float32 = fastest({f"batch {b}": (lambda m=model, b=b: run_with(m, b)) for b in (8, 32)}, reps)
    bf16_runs = {f"autocast, batch {b}": autocast(lambda m=model, b=b: run_with(m, b)) for b in (8, 32)}
    cast = make_model().to(torch.bfloat16)
    bf16_runs |= {f"weights cast, batch {b}": (lambda m=cast, b=b: run_with(m, b)) for b in (8, 32)}
    return {"float32": float32, "bfloat16": fastest(bf16_runs, reps)}


def compare(rows: list, label: str, unit_count: float, unit: str, ours: dict[str, float], theirs: dict) -> None:
    """One row per precision: its rate, then against stancekit float32 and transformers float32 and bfloat16."""
    for precision, seconds in ours.items():
        rows.append(
            (
                f"{label} ({unit}), {precision}",
                f"{unit_count / seconds:,.1f}",
                ratio(ours["float32"], seconds),
                f"{ratio(theirs['float32'][0], seconds)} ({theirs['float32'][1]})",
                f"{ratio(theirs['bfloat16'][0], seconds)} ({theirs['bfloat16'][1]})",
            )
        )


def ner_rows(rows: list, sentences: list[str], precisions: list[str], reps: int) -> None:
    from training.casing import casing_pipeline, load_token_classifier

    ner_dir = REPO / "models" / "ner"
    models = {p: stancekit.EntityRecognizer(ner_dir, precision=p) for p in precisions}
    tokens = sum(len(models["float32"].tokens(sentence)) for sentence in sentences)
    ours = {p: median_seconds(lambda m=m: m.predict_batch(sentences), reps) for p, m in models.items()}
    pipeline = casing_pipeline(str(ner_dir), aggregation_strategy="first")

    def make_model():
        return load_token_classifier(str(ner_dir)).eval()

    def run_with(model, batch_size):
        pipeline.model = model
        with torch.inference_mode():
            return pipeline(sentences, batch_size=batch_size)

    theirs = transformers_baselines(make_model, run_with, max(2, reps // 2))
    compare(rows, f"NER, {len(sentences)} CoNLL test sentences", tokens, "tokens/s", ours, theirs)


def stance_rows(rows: list, tier: str, pairs: list[tuple[str, str]], precisions: list[str], reps: int) -> None:
    from transformers import PreTrainedTokenizerFast

    models = {p: stancekit.StanceClassifier(tier, precision=p) for p in precisions}
    hypotheses = [models["float32"].hypothesis(target) for _, target in pairs]
    ours = {p: median_seconds(lambda m=m: m.predict_batch(pairs), reps) for p, m in models.items()}
    if tier == "fast":
        from transformers import BertForSequenceClassification

        directory = REPO / "models" / "stance"
        tokenizer = PreTrainedTokenizerFast(
            tokenizer_file=str(directory / "tokenizer.json"), cls_token="[CLS]", sep_token="[SEP]", pad_token="[PAD]"
        )

        def make_model():
            return BertForSequenceClassification.from_pretrained(str(directory)).eval()

        token_types, name = True, "fast tier (MiniLM)"
    else:
        from peft import PeftModel
        from transformers import AutoConfig, MPNetForSequenceClassification

        base = stancekit.download("accurate", quiet=True)
        tokenizer = PreTrainedTokenizerFast(
            tokenizer_file=str(ACCURATE / "tokenizer.json"), cls_token="<s>", sep_token="</s>", pad_token="<pad>"
        )

        def make_model():
            model = MPNetForSequenceClassification.from_pretrained(
                str(base), config=AutoConfig.from_pretrained(str(ACCURATE))
            )
            return PeftModel.from_pretrained(model, str(ACCURATE)).merge_and_unload().eval()

        token_types, name = False, "accurate tier (all-mpnet-base-v2 + adapter; transformers + peft)"

    def run_with(model, batch_size):
        return transformers_pairs(tokenizer, model, pairs, hypotheses, token_types=token_types)(batch_size)

    theirs = transformers_baselines(make_model, run_with, max(2, reps // 2))
    compare(rows, f"stance, {name}, {len(pairs)} VAST dev pairs", len(pairs), "pairs/s", ours, theirs)


def analyze_rows(rows: list, article: str, precisions: list[str], reps: int) -> None:
    for tier in ("fast", "accurate"):
        seconds = {}
        for precision in precisions:
            ner = stancekit.EntityRecognizer("fast", precision=precision)
            stance = stancekit.StanceClassifier(tier, precision=precision)
            seconds[precision] = median_seconds(
                lambda n=ner, s=stance: stancekit.analyze(article, TARGETS[:4], ner=n, stance=s), reps
            )
        for precision, took in seconds.items():
            rows.append(
                (
                    f"analyze the article, 4 targets, {tier} tier, models loaded (s), {precision}",
                    f"{took:.2f}",
                    ratio(seconds["float32"], took),
                    "",
                    "",
                )
            )


def corpus_rows(rows: list, data_dir: Path, count: int, precisions: list[str]) -> None:
    docs = articles(data_dir, count)
    threads = stancekit.get_num_threads()
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "polnear.jsonl"
        corpus.write_text("".join(json.dumps({"id": n, "text": t}) + "\n" for n, t in docs), encoding="utf-8")
        targets = [arg for target in CORPUS_TARGETS for arg in ("-t", target)]
        for tier in ("fast", "accurate"):
            rates = {}
            for precision in precisions:
                seconds, _, _ = run_cli(
                    [
                        "analyze",
                        str(corpus),
                        *targets,
                        "--stance-model",
                        tier,
                        "--format",
                        "jsonl",
                        "--threads",
                        str(threads),
                        "--precision",
                        precision,
                    ]
                )
                rates[precision] = len(docs) / seconds / threads
            for precision, rate in rates.items():
                rows.append(
                    (
                        f"CLI analyze, {len(docs)} PolNeAR articles, {tier} tier, load included "
                        f"(articles/s per core), {precision}",
                        f"{rate:.3f}",
                        f"{rate / rates['float32']:.2f}x",
                        "",
                        "",
                    )
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=200, help="VAST dev pairs for the stance rows")
    parser.add_argument("--articles", type=int, default=16, help="PolNeAR articles for the corpus rows (0: skip)")
    parser.add_argument("--precisions", nargs="+", default=["float32", "bfloat16", "int8"])
    args = parser.parse_args()
    precisions = ["float32", *[p for p in args.precisions if p != "float32"]]
    rows: list[tuple[str, ...]] = []
    paragraphs = conll_paragraphs(args.data_dir)
    sentences = [s for paragraph in paragraphs for s in paragraph.split("\n")][: args.sentences]
    with contextlib.redirect_stdout(None):
        ner_rows(rows, sentences, precisions, args.reps)
    pairs = vast_pairs(args.data_dir, args.pairs)
    for tier in ("fast", "accurate"):
        stance_rows(rows, tier, pairs, precisions, args.reps)
    article = (REPO / "notebooks" / "data" / "ukraine_talks.txt").read_text(encoding="utf-8")
    analyze_rows(rows, article, precisions, args.reps)
    if args.articles:
        corpus_rows(rows, args.data_dir, args.articles, precisions)
    print(
        f"CPU: {platform.processor() or platform.machine()}, features: {stancekit.cpu_features()}; "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; median of {args.reps} after a warm-up"
    )
    print(
        "| workload, precision | stancekit | vs stancekit float32 | vs transformers float32 |"
        " vs transformers bfloat16 |"
    )
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
