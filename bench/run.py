"""Same-process timings of stancekit against Hugging Face transformers and rust-bert on the same weights.

    make bench        # or: python bench/run.py --data-dir ../shared/data [--sentences 3453] [--reps 5]

Each workload runs once to warm up, then `--reps` times; the table gives the median. A ratio is stancekit's
throughput over the baseline's, measured in the same run (> 1 means stancekit is faster). transformers runs at its
best batch size among 1, 8 and 32 under `torch.inference_mode()`; rust-bert's `NERModel` runs in a subprocess
(`crates/stancekit-core/examples/rust_bert_ner.rs`, its default batch of 64). stancekit, transformers and rust-bert
use the same libtorch (the pip torch's), so thread settings are shared.

Encoder GFLOP/s count the multiply-adds of the real (unpadded) tokens: per layer 2·L·H·(4H + 2I) for the dense
layers and 4·L²·H for attention. The peak they are compared with is a 2048×2048 fp32 `torch.matmul` timed in the
same run; the analyze floor divides the encoder work of `analyze` on the article (its NER windows and its content ×
target stance pairs) by that peak: the least time any fp32 forward could take on this machine. Peak RSS is measured
in a child process that imports only stancekit (`bench/rss_probe.py`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

import stancekit
from bench.documents import conll_paragraphs, long_document

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
DOCUMENT_TOKENS = (1_000, 10_000, 100_000)


def timings(work: Callable[[], object], reps: int) -> list[float]:
    work()
    seconds = []
    for _ in range(reps):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return seconds


def median_seconds(work: Callable[[], object], reps: int) -> float:
    return statistics.median(timings(work, reps))


def best_batch_size(run: Callable[[int], object], reps: int) -> tuple[float, int]:
    """The fastest median time of `run(batch_size)` over batch sizes 1, 8 and 32, and that batch size."""
    medians = {batch_size: median_seconds(lambda b=batch_size: run(b), reps) for batch_size in (1, 8, 32)}
    best = min(medians, key=medians.__getitem__)
    return medians[best], best


def transformers_pairs(
    tokenizer, model, pairs: list[tuple[str, str]], hypotheses: list[str], token_types: bool = True
) -> Callable[[int], None]:
    """A transformers forward loop over `(text, hypothesis)` pairs at a given batch size (the stance baseline);
    `token_types=False` for encoders without segment embeddings (MPNet)."""

    def run(batch_size: int) -> None:
        with torch.inference_mode():
            for begin in range(0, len(pairs), batch_size):
                inputs = tokenizer(
                    [text for text, _ in pairs[begin : begin + batch_size]],
                    hypotheses[begin : begin + batch_size],
                    padding=True,
                    truncation="only_first",
                    max_length=512,
                    return_tensors="pt",
                )
                if not token_types:
                    inputs.pop("token_type_ids", None)
                torch.softmax(model(**inputs).logits, dim=-1)

    return run


def rss_probe(data_dir: Path, *extra: str) -> dict:
    """`bench/rss_probe.py` in a child process that imports only stancekit: its peak-RSS readings (MB)."""
    probe = subprocess.run(
        [sys.executable, str(REPO / "bench" / "rss_probe.py"), "--data-dir", str(data_dir), *extra],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    return json.loads(probe.stdout.strip().splitlines()[-1])


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def encoder_flops(lengths: Sequence[int], config: dict) -> float:
    hidden, inner, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    return layers * sum(2 * n * hidden * (4 * hidden + 2 * inner) + 4 * n * n * hidden for n in lengths)


def analysis_flops(article: str, targets, ner, stance, ner_config: dict, stance_config: dict, pair_tokenizer) -> float:
    """The encoder multiply-adds `stancekit.analyze` needs for `article`: the NER windows (the engine's plan: windows
    of `window` tokens overlapping by `stride`) and one stance pair per content and target (contents joined by a
    space, a relation without content read as its sentence)."""
    settings = ner_config.get("stancekit", {})
    content, overlap = settings.get("window", 512) - 2, settings.get("stride", 0)
    count, start, windows = len(ner.tokens(article)), 0, []
    while True:
        end = min(count, start + content)
        windows.append(end - start + 2)
        if end >= count:
            break
        start += content - overlap
    analysis = stancekit.analyze(article, targets, ner=ner, stance=stance)
    texts = [
        " ".join(span.text for span in relation.content) if relation.content else article[relation.start : relation.end]
        for relation in analysis.attributions
    ]
    pairs = [(text, stance.hypothesis(target)) for text in texts for target in targets]
    encoded = pair_tokenizer([t for t, _ in pairs], [h for _, h in pairs], truncation="only_first", max_length=512)
    pair_lengths = [len(ids) for ids in encoded["input_ids"]]
    return encoder_flops(windows, ner_config) + encoder_flops(pair_lengths, stance_config)


def matmul_peak_gflops(reps: int) -> float:
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    return 2 * 2048**3 / median_seconds(lambda: torch.matmul(a, b), reps) / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--sentences", type=int, default=3453, help="CoNLL-2003 test sentences (all: 3453)")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--fast-only", action="store_true", help="skip the accurate tier's rows (bench/accurate.py)")
    args = parser.parse_args()

    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    theirs_reps = max(2, args.reps // 2)
    paragraphs = conll_paragraphs(args.data_dir)  # one CoNLL test document each, a sentence per line
    sentences = [sentence for paragraph in paragraphs for sentence in paragraph.split("\n")][: args.sentences]
    article = (REPO / "notebooks" / "data" / "ukraine_talks.txt").read_text(encoding="utf-8")
    ner_dir, stance_dir = REPO / "models" / "ner", REPO / "models" / "stance"
    ner_config = json.loads((ner_dir / "config.json").read_text(encoding="utf-8"))
    stance_config = json.loads((stance_dir / "config.json").read_text(encoding="utf-8"))
    peak = matmul_peak_gflops(args.reps)

    # Loading.
    started = time.perf_counter()
    ner = stancekit.EntityRecognizer(ner_dir)
    stance = stancekit.StanceClassifier(stance_dir)
    ours_load = time.perf_counter() - started
    from training.casing import casing_pipeline  # imports transformers

    started = time.perf_counter()
    pipeline = casing_pipeline(str(ner_dir), aggregation_strategy="first")
    from transformers import BertForSequenceClassification, PreTrainedTokenizerFast

    pair_model = BertForSequenceClassification.from_pretrained(str(stance_dir)).eval()
    pair_tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=str(stance_dir / "tokenizer.json"), cls_token="[CLS]", sep_token="[SEP]", pad_token="[PAD]"
    )
    theirs_load = time.perf_counter() - started
    rows.append(("load both models (s)", f"{ours_load:.2f}", f"{theirs_load:.2f}", f"{theirs_load / ours_load:.2f}x"))

    # rust-bert's forward inside stancekit, to show what stancekit's own BERT forward pays.
    os.environ["STANCEKIT_REFERENCE_FORWARD"] = "1"
    ner_reference = stancekit.EntityRecognizer(ner_dir)
    stance_reference = stancekit.StanceClassifier(stance_dir)
    del os.environ["STANCEKIT_REFERENCE_FORWARD"]

    # NER on CoNLL sentences.
    lengths = [len(ner.tokens(sentence)) + 2 for sentence in sentences]
    tokens = sum(lengths) - 2 * len(sentences)
    ours = median_seconds(lambda: ner.predict_batch(sentences), args.reps)
    reference = median_seconds(lambda: ner_reference.predict_batch(sentences), args.reps)
    with torch.inference_mode():
        theirs, batch = best_batch_size(lambda size: pipeline(sentences, batch_size=size), theirs_reps)
    label = f"NER, {len(sentences)} CoNLL test sentences (tokens/s)"
    rows.append(
        (label, f"{tokens / ours:,.0f}", f"{tokens / theirs:,.0f} (transformers, batch {batch})", ratio(theirs, ours))
    )
    rows.append(
        (
            label,
            f"{tokens / ours:,.0f}",
            f"{tokens / reference:,.0f} (stancekit on rust-bert's forward)",
            ratio(reference, ours),
        )
    )
    rust_bert = rust_bert_ner(ner_dir, ner_config, sentences, args.reps)
    if rust_bert is None:
        notes.append(
            "rust-bert NERModel skipped: target/release/examples/rust_bert_ner is not built (make bench builds it)."
        )
    else:
        rows.append(
            (
                label,
                f"{tokens / ours:,.0f}",
                f"{tokens / rust_bert['median_seconds']:,.0f} (rust-bert NERModel)",
                ratio(rust_bert["median_seconds"], ours),
            )
        )
        notes.append(
            f"rust-bert NERModel loads in {rust_bert['load_seconds']:.2f} s; it runs the same weights without the "
            "casing embedding (rust-bert has no such architecture), which is the same amount of encoder work."
        )
    gflops = encoder_flops(lengths, ner_config) / ours / 1e9
    rows.append(
        (
            "NER encoder GFLOP/s (share of the fp32 matmul peak)",
            f"{gflops:,.0f} ({gflops / peak:.0%})",
            f"{peak:,.0f} (peak)",
            "",
        )
    )

    # The CLI on a JSONL file (process start and model load included).
    cli = REPO / "target" / "release" / "stancekit"
    if not cli.is_file():
        notes.append(f"CLI row skipped: {cli} is not built (make bench builds it).")
    else:
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as handle:
            for index, sentence in enumerate(sentences):
                handle.write(json.dumps({"id": index, "text": sentence}) + "\n")
        command = [str(cli), "ner", handle.name, "--format", "jsonl", "--batch-size", "64", "--model", str(ner_dir)]
        seconds = median_seconds(lambda: subprocess.run(command, check=True, stdout=subprocess.DEVNULL), args.reps)
        os.unlink(handle.name)
        rows.append(
            (
                f"CLI `stancekit ner` on a {len(sentences)}-line JSONL file, load included (tokens/s)",
                f"{tokens / seconds:,.0f}",
                f"{tokens / theirs:,.0f} (transformers, no load)",
                ratio(theirs, seconds),
            )
        )

    # Whole documents: time per token from 1k to 100k tokens, and single-document latency.
    count = lambda text: len(ner.tokens(text))
    per_token = {}
    for size in DOCUMENT_TOKENS:
        document = long_document(paragraphs, size, count)
        n = count(document)
        seconds = median_seconds(
            lambda d=document: ner.predict(d), args.reps if size < 100_000 else max(2, args.reps // 2)
        )
        per_token[size] = seconds / n * 1e6
        rows.append(
            (
                f"NER, one document of {n:,} tokens (µs/token)",
                f"{per_token[size]:.1f}",
                "",
                f"{per_token[size] / per_token[DOCUMENT_TOKENS[0]]:.2f} of 1k",
            )
        )
    latencies = [timings(lambda p=paragraph: ner.predict(p), 1)[0] for paragraph in paragraphs]
    rows.append(
        (
            f"NER latency, {len(paragraphs)} CoNLL test documents one at a time (ms, p50 / p95)",
            f"{percentile(latencies, 0.5) * 1e3:.1f} / {percentile(latencies, 0.95) * 1e3:.1f}",
            "",
            "",
        )
    )

    # Stance pairs.
    def stance_rows(name: str, pairs: list[tuple[str, str]]) -> None:
        hypotheses = [stance.hypothesis(target) for _, target in pairs]
        encoded = pair_tokenizer([t for t, _ in pairs], hypotheses, truncation="only_first", max_length=512)
        pair_lengths = [len(ids) for ids in encoded["input_ids"]]
        ours = median_seconds(lambda: stance.predict_batch(pairs), args.reps)
        reference = median_seconds(lambda: stance_reference.predict_batch(pairs), args.reps)

        theirs, batch = best_batch_size(transformers_pairs(pair_tokenizer, pair_model, pairs, hypotheses), theirs_reps)
        label = f"stance, {name} (pairs/s)"
        rows.append(
            (
                label,
                f"{len(pairs) / ours:,.1f}",
                f"{len(pairs) / theirs:,.1f} (transformers, batch {batch})",
                ratio(theirs, ours),
            )
        )
        rows.append(
            (
                label,
                f"{len(pairs) / ours:,.1f}",
                f"{len(pairs) / reference:,.1f} (stancekit on rust-bert's forward)",
                ratio(reference, ours),
            )
        )
        gflops = encoder_flops(pair_lengths, stance_config) / ours / 1e9
        rows.append(
            (f"stance encoder GFLOP/s, {name}", f"{gflops:,.0f} ({gflops / peak:.0%})", f"{peak:,.0f} (peak)", "")
        )

    lines = [line for line in article.splitlines() if line.strip()]
    stance_rows(f"{len(lines)} article lines x {len(TARGETS)} targets", [(line, t) for line in lines for t in TARGETS])
    vast = vast_pairs(args.data_dir, 200)
    if vast:
        stance_rows(f"{len(vast)} VAST dev paragraphs x their topic", vast)
    else:
        notes.append("VAST rows skipped: stance/vast/vast_dev.csv is not in --data-dir.")

    seconds = median_seconds(lambda: stancekit.analyze(article, TARGETS[:4], ner=ner, stance=stance), args.reps)
    rows.append(("analyze the article, 4 targets, models loaded (s)", f"{seconds:.2f}", "n/a", ""))
    floor = analysis_flops(article, TARGETS[:4], ner, stance, ner_config, stance_config, pair_tokenizer) / peak / 1e9
    rows.append(("analyze the article: its encoder work at the fp32 matmul peak (s, a floor)", f"{floor:.2f}", "", ""))

    rss = rss_probe(args.data_dir)
    rows.append(
        (
            f"peak RSS, stancekit alone (MB): imported / both models loaded / after a {rss['document_tokens']:,}-token"
            " document / after analyze",
            " / ".join(f"{rss[key]:,.0f}" for key in ("imported_mb", "loaded_mb", "after_document_mb", "peak_mb")),
            "",
            "",
        )
    )

    if not args.fast_only:
        from bench.accurate import accurate_rows

        rows.extend(accurate_rows(article, TARGETS, args.reps, args.data_dir))

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {torch.get_num_threads()} torch threads")
    print(f"torch {torch.__version__}, stancekit {stancekit.__version__}, median of {args.reps} after a warm-up")
    print("| workload | stancekit | baseline | ratio |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    for note in notes:
        print(f"\n{note}")


def ratio(theirs: float, ours: float) -> str:
    return f"{theirs / ours:.2f}x"


def vast_pairs(data_dir: Path, limit: int) -> list[tuple[str, str]]:
    import csv

    path = data_dir / "stance" / "vast" / "vast_dev.csv"
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [(" ".join(row["Tweet"].split()), row["Target 1"].strip()) for row in rows[:limit]]


def rust_bert_ner(ner_dir: Path, config: dict, sentences: list[str], reps: int) -> dict | None:
    """Runs the rust-bert NERModel example on the NER weights (config, vocab.txt made from tokenizer.json)."""
    example = REPO / "target" / "release" / "examples" / "rust_bert_ner"
    if not example.is_file():
        return None
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        vocab = json.loads((ner_dir / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
        ordered = sorted(vocab, key=vocab.__getitem__)
        (work / "vocab.txt").write_text("\n".join(ordered) + "\n", encoding="utf-8")
        (work / "config.json").write_text(json.dumps(config), encoding="utf-8")
        (work / "model.safetensors").symlink_to(ner_dir / "model.safetensors")
        (work / "texts.txt").write_text("\n".join(sentences) + "\n", encoding="utf-8")
        result = subprocess.run(
            [str(example), str(work), str(work / "texts.txt"), str(reps)], check=True, capture_output=True, text=True
        )
    return json.loads(result.stdout)


if __name__ == "__main__":
    main()
