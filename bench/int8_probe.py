"""Whether int8 weights can speed up the stance models on this CPU (issue 23), before the engine has them.

    PYTHONPATH=. python bench/int8_probe.py [--reps 3]

Classifies the bundled article's lines x 4 targets (pairs as the engine builds them, batches of 16) with each tier's
stance model in `transformers` (fast: the bundled MiniLM model; accurate: all-mpnet-base-v2 from the store with the
bundled adapter merged by peft), in fp32 and with libtorch's dynamic int8 linear layers
(`torch.ao.quantization.quantize_dynamic`: int8 weights packed for fbgemm, activations quantized per batch; tch
exposes the same kernels as `fbgemm_linear_int8_weight_fp32_activation`), and how often int8 keeps fp32's label.
Prints the CPU flags that decide the int8 kernels (avx2, avx512_vnni / avx_vnni, amx). Same process and threads;
the median of `--reps` after a warm-up. A quick probe on 56 pairs, not the task-level parity issue 23 asks for.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

import torch

import stancekit

REPO = Path(__file__).resolve().parent.parent


def cpu_flags() -> str:
    try:
        flags = next(
            line.split(":", 1)[1].split()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("flags")
        )
    except (OSError, StopIteration):
        return platform.processor()
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8", "amx_bf16")
    return " ".join(flag for flag in wanted if flag in flags) or "none of avx2/avx512/vnni/amx"


def median_seconds(run, reps: int) -> float:
    run()
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def probe(name: str, model: torch.nn.Module, tokenizer, pairs: list[tuple[str, str]], reps: int) -> tuple[str, ...]:
    """fp32 and int8 time of the pairs in batches of 16, and how often int8 keeps fp32's label."""
    model = model.eval()
    quantized = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    batches = [
        tokenizer(
            [text for text, _ in pairs[i : i + 16]],
            [h for _, h in pairs[i : i + 16]],
            padding=True,
            truncation="only_first",
            max_length=256,
            return_tensors="pt",
        )
        for i in range(0, len(pairs), 16)
    ]

    keys = ("input_ids", "attention_mask", "token_type_ids") if "bert" in type(model).__name__.lower() else ()
    inputs = [{key: batch[key] for key in keys or ("input_ids", "attention_mask")} for batch in batches]

    def run(network: torch.nn.Module) -> torch.Tensor:
        return torch.cat([network(**batch).logits for batch in inputs]).softmax(-1)

    with torch.inference_mode():
        fp32 = median_seconds(lambda: run(model), reps)
        int8 = median_seconds(lambda: run(quantized), reps)
        reference, moved = run(model), run(quantized)
    drift = (reference - moved).abs().max().item()
    agree = (reference.argmax(-1) == moved.argmax(-1)).float().mean().item()
    rate = len(pairs) / fp32, len(pairs) / int8
    return (name, f"{rate[0]:.1f}", f"{rate[1]:.1f}", f"{fp32 / int8:.2f}x", f"{drift:.3f}", f"{agree:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    from peft import PeftModel
    from transformers import (
        AutoConfig,
        AutoModelForSequenceClassification,
        MPNetForSequenceClassification,
        PreTrainedTokenizerFast,
    )

    print(
        f"CPU: {platform.processor() or platform.machine()}; flags: {cpu_flags()}; torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; engine: {torch.backends.quantized.engine}"
    )
    article = (REPO / "notebooks" / "data" / "ukraine_talks.txt").read_text(encoding="utf-8")
    lines = [line for line in article.splitlines() if line.strip()]
    targets = ["sanctions on Russia", "sending US troops to Ukraine", "peace talks with Russia", "Ukraine joining NATO"]
    rows = []
    fast = stancekit.StanceClassifier("fast")
    pairs = [(line, fast.hypothesis(target)) for line in lines for target in targets]
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=str(REPO / "models" / "stance" / "tokenizer.json"),
        cls_token="[CLS]",
        sep_token="[SEP]",
        pad_token="[PAD]",
    )
    model = AutoModelForSequenceClassification.from_pretrained(str(REPO / "models" / "stance"))
    rows.append(probe("fast (MiniLM-L6 stance)", model, tokenizer, pairs, args.reps))
    accurate_dir = REPO / "models" / "stance-accurate"
    accurate = stancekit.StanceClassifier("accurate")
    pairs = [(line, accurate.hypothesis(target)) for line in lines for target in targets]
    base = stancekit.download("accurate", quiet=True)
    model = MPNetForSequenceClassification.from_pretrained(
        str(base), config=AutoConfig.from_pretrained(str(accurate_dir))
    )
    model = PeftModel.from_pretrained(model, str(accurate_dir)).merge_and_unload()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=str(accurate_dir / "tokenizer.json"), cls_token="<s>", sep_token="</s>", pad_token="<pad>"
    )
    rows.append(probe("accurate (all-mpnet-base-v2 + adapter)", model, tokenizer, pairs, args.reps))
    print(f"The bundled article's {len(lines)} lines x {len(targets)} targets, batches of 16, in transformers:")
    print("| stance model | fp32 pairs/s | int8 pairs/s | speed-up | max prob. change | same label |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
