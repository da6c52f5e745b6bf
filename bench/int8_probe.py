"""Whether int8 weights can speed up the stance encoders on this CPU (issue 23), before the engine has them.

    PYTHONPATH=. python bench/int8_probe.py [--reps 5] [--batch 16] [--length 96]

Times one forward of each tier's stance encoder in `transformers` (fast: the bundled MiniLM stance model;
accurate: all-mpnet-base-v2 from the store; the bundled adapter is not needed for timing) on a batch of pair-sized
inputs, in fp32 and with libtorch's dynamic int8 linear layers (`torch.ao.quantization.quantize_dynamic`: int8
weights packed for fbgemm, activations quantized per batch; tch exposes the same kernels as
`fbgemm_linear_int8_weight_fp32_activation`). Also how far the int8 outputs move: the softmax of the fast stance
head, and of an untrained head on the accurate base (its drift shows the encoder's). Prints the CPU flags that
decide the int8 kernels (avx2, avx512_vnni / avx_vnni, amx). Same process and threads; the median of `--reps`
after a warm-up.
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


def probe(name: str, model: torch.nn.Module, batch: int, length: int, reps: int) -> tuple[str, ...]:
    model = model.eval()
    vocab = model.config.vocab_size
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(5, vocab, (batch, length), generator=generator)
    mask = torch.ones_like(ids)
    quantized = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    with torch.inference_mode():
        fp32 = median_seconds(lambda: model(input_ids=ids, attention_mask=mask), reps)
        int8 = median_seconds(lambda: quantized(input_ids=ids, attention_mask=mask), reps)
        reference = model(input_ids=ids, attention_mask=mask).logits.softmax(-1)
        moved = quantized(input_ids=ids, attention_mask=mask).logits.softmax(-1)
    drift = (reference - moved).abs().max().item()
    agree = (reference.argmax(-1) == moved.argmax(-1)).float().mean().item()
    return (name, f"{fp32 * 1000:.0f}", f"{int8 * 1000:.0f}", f"{fp32 / int8:.2f}x", f"{drift:.3f}", f"{agree:.0%}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--length", type=int, default=96)
    args = parser.parse_args()
    from transformers import AutoModelForSequenceClassification, MPNetForSequenceClassification

    print(
        f"CPU: {platform.processor() or platform.machine()}; flags: {cpu_flags()}; torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; engine: {torch.backends.quantized.engine}"
    )
    rows = [
        probe(
            "fast (MiniLM-L6 stance)",
            AutoModelForSequenceClassification.from_pretrained(str(REPO / "models" / "stance")),
            args.batch,
            args.length,
            args.reps,
        )
    ]
    base = stancekit.download("accurate", quiet=True)
    accurate = MPNetForSequenceClassification.from_pretrained(str(base), num_labels=3)
    rows.append(probe("accurate (all-mpnet-base-v2)", accurate, args.batch, args.length, args.reps))
    header = f"| encoder, batch {args.batch} x {args.length} | fp32 ms | int8 ms | speed-up"
    print(header + " | max prob. change | same argmax |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
