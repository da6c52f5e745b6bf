"""Trains the default stance model: MiniLM cross-encoder over (text, hypothesis) → favor / against / none.

    python -m training.stance --data-dir ../shared/data --out models/stance

Bare targets become hypotheses through the template stored in the model's config ("The author supports {}."),
so stance data and NLI data (entailment→favor, contradiction→against, neutral→none) teach one task. Synthetic
`unrelated` pairs (a text with another set's target, labelled none) teach the model that most sentence × target
pairs of an article take no side. The epoch with the best dev macro-F1 (P-Stance val, MTSD val, Perspectrum dev,
RTE dev and 800 unrelated pairs made from those dev splits) is kept.

The defaults are the shipped model's recipe (99k pairs, 3 epochs: about 9,300 steps of 32 pairs, roughly 95 minutes
on 2 idle CPU cores, 5 minutes on one GPU). To train on a machine that does not hold the data, write the mixes to a
file first and pass it with --pairs:

    python -m training.stance_data --data-dir ../shared/data --out pairs.jsonl.gz \
        --per-source 20000 --unrelated 10000 --dev-unrelated 800
    python -m training.stance --pairs pairs.jsonl.gz --out models/stance
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
from training.stance_data import LABELS, TEMPLATE, Pair, dev_mix, read_pairs, training_mix

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
def predict(model, items: list[dict], device: torch.device, batch_size: int = 128) -> list[int]:
    model.eval()
    predictions = [0] * len(items)
    lengths = [len(item["input_ids"]) for item in items]
    for indices in bucketed_batches(lengths, batch_size, rng=None):
        batch = {name: tensor.to(device) for name, tensor in collate(items, indices).items()}
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
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--per-source", type=int, default=20000, help="cap on pairs from each source")
    parser.add_argument("--unrelated", type=int, default=10000, help="synthetic `none` pairs")
    parser.add_argument("--dev-unrelated", type=int, default=800, help="the same for the dev mix")
    parser.add_argument(
        "--pairs",
        type=Path,
        default=None,
        help="read the training and dev mixes from a file written by `python -m training.stance_data` "
        "instead of --data-dir (to train on a machine without the data)",
    )
    parser.add_argument(
        "--exclude-source", action="append", default=[], help="drop a source from the training mix (ablations)"
    )
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast (on a GPU)")
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
    if args.pairs:
        train_pairs, dev_pairs, pairs_meta = read_pairs(args.pairs)
    else:
        pairs_meta = {}
        train_pairs = training_mix(args.data_dir, rng, args.per_source, args.unrelated)
        dev_pairs = dev_mix(args.data_dir, random.Random(args.seed + 1), unrelated_pairs=args.dev_unrelated)
    if args.exclude_source:
        train_pairs = [pair for pair in train_pairs if pair.source not in args.exclude_source]
    if args.threads:
        torch.set_num_threads(args.threads)
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
    device = torch.device(args.device)
    model = model.float().to(device)  # the base may be stored in fp16; train in fp32 (optionally bf16 autocast)
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
            batch = {name: tensor.to(device, non_blocking=True) for name, tensor in collate(train, indices).items()}
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16):
                loss = model(**batch).loss
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
        predictions = predict(model, dev, device)
        gold = [item["label"] for item in dev]
        dev_f1 = f1_score(gold, predictions, average="macro")
        natural = [i for i, pair in enumerate(dev_pairs) if pair.source != "unrelated"]
        natural_f1 = f1_score([gold[i] for i in natural], [predictions[i] for i in natural], average="macro")
        history.append(
            {
                "epoch": epoch,
                "train_loss": running / max(1, seen),
                "dev_macro_f1": dev_f1,
                "dev_macro_f1_without_unrelated": natural_f1,
                "minutes": timer.minutes(),
            }
        )
        log.info(
            "epoch %d train loss %.4f dev macro-F1 %.4f (without synthetic unrelated pairs %.4f) (%.1f min)",
            epoch,
            running / max(1, seen),
            dev_f1,
            natural_f1,
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
                "pairs_file": pairs_meta,
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
