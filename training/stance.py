"""Trains the default stance model: MiniLM cross-encoder over (text, hypothesis) → favor / against / none.

    python -m training.stance --data-dir ../shared/data --out models/stance

Bare targets become hypotheses through the template stored in the model's config ("The author supports {}."),
so stance data and NLI data (entailment→favor, contradiction→against, neutral→none) teach one task. The epoch
with the best dev macro-F1 (P-Stance val, MTSD val, Perspectrum dev, RTE dev) is kept.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import torch
from sklearn.metrics import f1_score
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

from training.common import (
    DEFAULT_DATA_DIR,
    Timer,
    bucketed_batches,
    ensure_base_encoder,
    linear_schedule,
    log,
    save_model_dir,
    seed_everything,
    setup_logging,
)
from training.stance_data import LABELS, TEMPLATE, Pair, dev_mix, training_mix

LABEL_TO_ID = {label: index for index, label in enumerate(LABELS)}


def encode(tokenizer, pairs: list[Pair], max_length: int) -> list[dict]:
    encoded = tokenizer(
        [pair.text for pair in pairs],
        [pair.hypothesis() for pair in pairs],
        truncation="only_first",
        max_length=max_length,
    )
    return [
        {
            "input_ids": encoded["input_ids"][i],
            "token_type_ids": encoded["token_type_ids"][i],
            "label": LABEL_TO_ID[pair.label],
        }
        for i, pair in enumerate(pairs)
    ]


def collate(items: list[dict], indices: list[int]) -> dict[str, torch.Tensor]:
    width = max(len(items[i]["input_ids"]) for i in indices)
    batch = {
        name: torch.zeros((len(indices), width), dtype=torch.long)
        for name in ("input_ids", "token_type_ids", "attention_mask")
    }
    for row, index in enumerate(indices):
        length = len(items[index]["input_ids"])
        batch["input_ids"][row, :length] = torch.tensor(items[index]["input_ids"])
        batch["token_type_ids"][row, :length] = torch.tensor(items[index]["token_type_ids"])
        batch["attention_mask"][row, :length] = 1
    batch["labels"] = torch.tensor([items[i]["label"] for i in indices])
    return batch


@torch.inference_mode()
def predict(model, items: list[dict], batch_size: int = 128) -> list[int]:
    model.eval()
    predictions = [0] * len(items)
    lengths = [len(item["input_ids"]) for item in items]
    for indices in bucketed_batches(lengths, batch_size, rng=None):
        batch = collate(items, indices)
        batch.pop("labels")
        for index, label in zip(indices, model(**batch).logits.argmax(-1).tolist()):
            predictions[index] = label
    return predictions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--base", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("models/stance"))
    parser.add_argument("--work-dir", type=Path, default=Path("runs/stance"))
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--per-source", type=int, default=8000, help="cap on pairs from each source")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--limit", type=int, default=0, help="smoke tests: use only N training pairs")
    parser.add_argument(
        "--init",
        type=Path,
        default=None,
        help="continue from this stancekit stance model instead of the base encoder (a further round of training)",
    )
    args = parser.parse_args()

    setup_logging(args.work_dir / "train.log")
    seed_everything(args.seed)
    rng = random.Random(args.seed)
    base = ensure_base_encoder(args.base) if args.base else ensure_base_encoder()
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    train_pairs = training_mix(args.data_dir, rng, args.per_source)
    dev_pairs = dev_mix(args.data_dir, random.Random(args.seed + 1))
    if args.limit:
        train_pairs, dev_pairs = train_pairs[: args.limit], dev_pairs[: args.limit]
    train = encode(tokenizer, train_pairs, args.max_length)
    dev = encode(tokenizer, dev_pairs, args.max_length)
    log.info("train pairs %d, dev pairs %d, args %s", len(train), len(dev), vars(args))

    config = BertConfig.from_pretrained(str(base))
    config.num_labels = len(LABELS)
    config.id2label = dict(enumerate(LABELS))
    config.label2id = LABEL_TO_ID
    config.architectures = ["BertForSequenceClassification"]
    if args.init:
        model = BertForSequenceClassification.from_pretrained(str(args.init))
        if [model.config.id2label[i] for i in range(len(LABELS))] != LABELS:
            raise SystemExit(f"{args.init} does not have the labels {LABELS}")
    else:
        model = BertForSequenceClassification.from_pretrained(str(base), config=config)
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {
            "params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)],
            "weight_decay": 0.01,
        },
        {
            "params": [p for n, p in model.named_parameters() if n.endswith(no_decay)],
            "weight_decay": 0.0,
        },
    ]
    optimizer = torch.optim.AdamW(groups, lr=args.lr)
    steps_per_epoch = (len(train) + args.batch_size - 1) // args.batch_size
    total = steps_per_epoch * args.epochs
    scheduler = linear_schedule(optimizer, warmup=int(0.06 * total), total=total)
    lengths = [len(item["input_ids"]) for item in train]
    timer = Timer()
    best, best_epoch, history = -1.0, -1, []
    config_dict = config.to_dict()
    config_dict.pop("_name_or_path", None)
    config_dict["stancekit"] = {"task": "stance", "hypothesis_template": TEMPLATE}
    for epoch in range(1, args.epochs + 1):
        model.train()
        running, seen = 0.0, 0
        for step, indices in enumerate(bucketed_batches(lengths, args.batch_size, rng), start=1):
            loss = model(**collate(train, indices)).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            running += loss.item()
            seen += 1
            if step % 100 == 0:
                log.info(
                    "epoch %d step %d/%d loss %.4f (%.1f min)",
                    epoch,
                    step,
                    steps_per_epoch,
                    running / seen,
                    timer.minutes(),
                )
        predictions = predict(model, dev)
        gold = [item["label"] for item in dev]
        dev_f1 = f1_score(gold, predictions, average="macro")
        history.append(
            {
                "epoch": epoch,
                "train_loss": running / max(1, seen),
                "dev_macro_f1": dev_f1,
                "minutes": timer.minutes(),
            }
        )
        log.info(
            "epoch %d train loss %.4f dev macro-F1 %.4f (%.1f min)",
            epoch,
            running / max(1, seen),
            dev_f1,
            timer.minutes(),
        )
        if dev_f1 > best:
            best, best_epoch = dev_f1, epoch
            save_model_dir(model, config_dict, base, args.work_dir / "best", fp16=False)
    log.info("best epoch %d dev macro-F1 %.4f; writing %s", best_epoch, best, args.out)
    best_model = BertForSequenceClassification.from_pretrained(str(args.work_dir / "best"))
    save_model_dir(best_model, config_dict, base, args.out, fp16=True)
    (args.out / "training.json").write_text(
        json.dumps(
            {
                "command": "python -m training.stance",
                "args": {k: str(v) for k, v in vars(args).items()},
                "train_pairs": len(train),
                "history": history,
                "best_epoch": best_epoch,
                "best_dev_macro_f1": best,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
