"""Weight-space average ("soup") of LoRA adapters trained from one base, written as one PEFT LoRA adapter.

    python -m training.soup --adapter runs/a --adapter runs/b --out models/stance-accurate [--rank 16 | --exact]

Each input is a stancekit adapter directory (`adapter_config.json`, `adapter_model.safetensors`, `config.json`,
`tokenizer.json`) of the same base, with the same rank, alpha, target modules and head. The soup's weight update of
every adapted matrix is the mean of the inputs' updates, `mean_i(scale * B_i A_i)`, and its fully trained modules
(`modules_to_save`, the classification head) are the mean of theirs. A mean of n rank-r updates has rank up to n*r:

- `--exact` writes it as it is, a rank n*r adapter (A stacked, B stacked and divided by n, alpha times n so that
  the scale stays alpha / r): the same model, n times the bytes;
- `--rank R` (default: the inputs' r) writes the best rank-R approximation of each update (truncated SVD), the
  size of one input; `soup.json` records how far each matrix moved from the exact mean (relative Frobenius error).

Averaging fine-tunes of one pre-trained model that share their initialisation is Wortsman et al.'s "model soup"
(ICML 2022); the model cards say which adapters were averaged and how the soup was chosen.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

# What the inputs must share for their updates to be averaged.
SHARED_KEYS = ("peft_type", "r", "lora_alpha", "target_modules", "modules_to_save", "base_model_name_or_path")
LORA_A, LORA_B = ".lora_A.", ".lora_B."


class SoupError(ValueError):
    """The inputs cannot be averaged (different configs or tensors)."""


def read_adapter(folder: Path) -> tuple[dict, dict[str, torch.Tensor]]:
    config = json.loads((folder / "adapter_config.json").read_text())
    if config.get("peft_type") != "LORA":
        raise SoupError(f"{folder}: not a LoRA adapter (peft_type {config.get('peft_type')!r})")
    return config, load_file(str(folder / "adapter_model.safetensors"))


def average(
    adapters: list[tuple[dict, dict[str, torch.Tensor]]], rank: int | None
) -> tuple[dict, dict[str, torch.Tensor], dict[str, float]]:
    """The soup of `adapters`: its adapter config, its tensors (in the inputs' dtype; the arithmetic in fp32) and,
    per LoRA A key, the relative error of the written update against the exact mean (0 for the exact form,
    `rank=None`)."""
    if len(adapters) < 2:
        raise SoupError("a soup needs at least two adapters")
    config, first = adapters[0]
    for other_config, tensors in adapters[1:]:
        for key in SHARED_KEYS:
            if _normalised(other_config.get(key)) != _normalised(config.get(key)):
                raise SoupError(f"the adapters differ in {key}: {config.get(key)!r} against {other_config.get(key)!r}")
        if tensors.keys() != first.keys():
            raise SoupError("the adapters do not hold the same tensors")
    n, r = len(adapters), int(config["r"])
    scale = float(config["lora_alpha"]) / r
    out: dict[str, torch.Tensor] = {}
    errors: dict[str, float] = {}
    for key in sorted(first):
        if LORA_B in key:
            continue
        dtype = first[key].dtype
        stack = [tensors[key].float() for _, tensors in adapters]
        if LORA_A not in key:  # a fully trained module (the head): plain mean
            out[key] = (sum(stack) / n).to(dtype).contiguous()
            continue
        b_key = key.replace(LORA_A, LORA_B)
        a_list, b_list = stack, [tensors[b_key].float() for _, tensors in adapters]
        if rank is None:
            out[key] = torch.cat(a_list, 0).to(dtype).contiguous()
            out[b_key] = (torch.cat(b_list, 1) / n).to(dtype).contiguous()
            errors[key] = 0.0
            continue
        # The mean update without the scale (the written adapter keeps alpha / r, so B'A' carries no scale).
        mean = sum(b @ a for a, b in zip(a_list, b_list)) / n
        if rank > min(mean.shape):
            raise SoupError(f"rank {rank} is larger than the update's dimensions ({tuple(mean.shape)})")
        u, s, vh = torch.linalg.svd(mean, full_matrices=False)
        root = s[:rank].sqrt()
        out[key] = (root[:, None] * vh[:rank]).to(dtype).contiguous()
        out[b_key] = (u[:, :rank] * root).to(dtype).contiguous()
        written = out[b_key].float() @ out[key].float()
        errors[key] = float((written - mean).norm() / mean.norm().clamp_min(1e-12))
    written_rank = n * r if rank is None else rank
    soup_config = dict(config, r=written_rank, lora_alpha=scale * written_rank)
    if float(soup_config["lora_alpha"]).is_integer():
        soup_config["lora_alpha"] = int(soup_config["lora_alpha"])
    return soup_config, out, errors


def _normalised(value):
    return sorted(value) if isinstance(value, list) else value


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()  # adapters are a few MB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--adapter", type=Path, action="append", required=True, help="an adapter directory (2+)")
    parser.add_argument("--out", type=Path, required=True)
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--rank", type=int, default=None, help="rank of the written adapter (default: the inputs')")
    form.add_argument("--exact", action="store_true", help="write the exact mean (rank n*r)")
    args = parser.parse_args()

    adapters = [read_adapter(folder) for folder in args.adapter]
    rank = None if args.exact else (args.rank or int(adapters[0][0]["r"]))
    config, tensors, errors = average(adapters, rank)
    inputs = [
        {"adapter": str(folder), "sha256": sha256(folder / "adapter_model.safetensors")} for folder in args.adapter
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json"):
        if (args.adapter[0] / name).resolve() != (args.out / name).resolve():
            shutil.copy(args.adapter[0] / name, args.out / name)
    (args.out / "adapter_config.json").write_text(json.dumps(config, indent=2) + "\n")
    save_file(tensors, str(args.out / "adapter_model.safetensors"), metadata={"format": "pt"})
    values = sorted(errors.values())
    record = {
        "command": "python -m training.soup",
        "inputs": inputs,
        "form": "exact" if rank is None else f"truncated SVD, rank {rank}",
        "rank": config["r"],
        "lora_alpha": config["lora_alpha"],
        "relative_error": {
            "median": values[len(values) // 2],
            "max": values[-1],
            "per_matrix": {key.replace(".lora_A.weight", ""): round(value, 5) for key, value in errors.items()},
        },
        "adapter_sha256": sha256(args.out / "adapter_model.safetensors"),
    }
    (args.out / "soup.json").write_text(json.dumps(record, indent=2) + "\n")
    error = record["relative_error"]
    print(f"{args.out}: {record['form']}, {len(tensors)} tensors, relative error median {error['median']:.4f}", end="")
    print(f" max {error['max']:.4f}")


if __name__ == "__main__":
    main()
