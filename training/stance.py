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
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

from training.common import (
    DEFAULT_DATA_DIR,
    Timer,
    bucketed_batches,
    clean_tokenizer_json,
    ensure_base_encoder,
    linear_schedule,
    log,
    save_model_dir,
    seed_everything,
    setup_logging,
    write_training_record,
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
    # BERT tokenizers return token types; RoBERTa-style ones (MPNet) have none.
    types = encoded.get("token_type_ids")
    return [
        {
            "input_ids": encoded["input_ids"][i],
            **({"token_type_ids": types[i]} if types is not None else {}),
            "label": LABEL_TO_ID[pair.label],
        }
        for i, pair in enumerate(pairs)
    ]


def collate(items: list[dict], indices: list[int], pad_id: int = 0) -> dict[str, torch.Tensor]:
    width = max(len(items[i]["input_ids"]) for i in indices)
    names = [name for name in ("input_ids", "token_type_ids") if name in items[indices[0]]]
    batch = {name: torch.zeros((len(indices), width), dtype=torch.long) for name in [*names, "attention_mask"]}
    batch["input_ids"].fill_(pad_id)
    for row, index in enumerate(indices):
        length = len(items[index]["input_ids"])
        for name in names:
            batch[name][row, :length] = torch.tensor(items[index][name])
        batch["attention_mask"][row, :length] = 1
    batch["labels"] = torch.tensor([items[i]["label"] for i in indices])
    return batch


@torch.inference_mode()
def predict(model, items: list[dict], device: torch.device, batch_size: int = 128, pad_id: int = 0) -> list[int]:
    model.eval()
    predictions = [0] * len(items)
    lengths = [len(item["input_ids"]) for item in items]
    for indices in bucketed_batches(lengths, batch_size, rng=None):
        batch = {name: tensor.to(device) for name, tensor in collate(items, indices, pad_id).items()}
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
        "--base-name",
        default=None,
        help="the base's Hub id, recorded in the model (e.g. sentence-transformers/all-mpnet-base-v2)",
    )
    parser.add_argument("--lora-r", type=int, default=0, help="train LoRA adapters of this rank (0: full fine-tune)")
    parser.add_argument("--lora-alpha", type=int, default=32)
    parser.add_argument("--lora-dropout", type=float, default=0.1)
    parser.add_argument("--evals-per-epoch", type=int, default=1, help="dev evaluations (and checkpoints) per epoch")
    parser.add_argument("--max-minutes", type=float, default=0, help="stop after this long (0: no limit)")
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

    config = AutoConfig.from_pretrained(str(base))
    config.num_labels = len(LABELS)
    config.id2label = dict(enumerate(LABELS))
    config.label2id = LABEL_TO_ID
    config.architectures = [f"{type(config).__name__.removesuffix('Config')}ForSequenceClassification"]
    if args.init:
        model = AutoModelForSequenceClassification.from_pretrained(str(args.init))
        if [model.config.id2label[i] for i in range(len(LABELS))] != LABELS:
            raise SystemExit(f"{args.init} does not have the labels {LABELS}")
    else:
        model = AutoModelForSequenceClassification.from_pretrained(str(base), config=config)
    device = torch.device(args.device)
    model = model.float()  # the base may be stored in fp16; train in fp32 (optionally bf16 autocast)
    if args.lora_r:
        model = with_lora(model, args)
    model = model.to(device)
    pad_id = tokenizer.pad_token_id or 0
    no_decay = ("bias", "LayerNorm.weight")
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    log.info("trainable parameters %d", sum(p.numel() for _, p in trainable))
    groups = [
        {"params": [p for n, p in trainable if not n.endswith(no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in trainable if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=args.lr)
    steps_per_epoch = (len(train) + args.batch_size - 1) // args.batch_size
    total = steps_per_epoch * args.epochs
    scheduler = linear_schedule(optimizer, warmup=int(0.06 * total), total=total)
    lengths = [len(item["input_ids"]) for item in train]
    timer = Timer()
    best, best_point, history = -1.0, None, []
    config_dict = config.to_dict()
    config_dict.pop("_name_or_path", None)
    config_dict["stancekit"] = {"task": "stance", "hypothesis_template": TEMPLATE}
    if args.base_name:
        config_dict["stancekit"]["base"] = args.base_name
    # Evaluation points: the end of each epoch, and `--evals-per-epoch` points within it.
    eval_steps = {round(steps_per_epoch * k / args.evals_per_epoch) for k in range(1, args.evals_per_epoch + 1)}
    out_of_time = False
    for epoch in range(1, args.epochs + 1):
        model.train()
        running, seen = 0.0, 0
        for step, indices in enumerate(bucketed_batches(lengths, args.batch_size, rng), start=1):
            batch = {
                name: tensor.to(device, non_blocking=True) for name, tensor in collate(train, indices, pad_id).items()
            }
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16):
                loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for _, p in trainable], 1.0)
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
            out_of_time = bool(args.max_minutes) and timer.minutes() > args.max_minutes
            if step not in eval_steps and not out_of_time:
                continue
            point = round(epoch - 1 + step / steps_per_epoch, 2)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16):
                predictions = predict(model, dev, device, pad_id=pad_id)
            model.train()
            gold = [item["label"] for item in dev]
            dev_f1 = f1_score(gold, predictions, average="macro")
            natural = [i for i, pair in enumerate(dev_pairs) if pair.source != "unrelated"]
            natural_f1 = f1_score([gold[i] for i in natural], [predictions[i] for i in natural], average="macro")
            history.append(
                {
                    "epoch": point,
                    "train_loss": running / max(1, seen),
                    "dev_macro_f1": dev_f1,
                    "dev_macro_f1_without_unrelated": natural_f1,
                    "minutes": timer.minutes(),
                }
            )
            log.info(
                "epoch %.2f train loss %.4f dev macro-F1 %.4f (without synthetic unrelated pairs %.4f) (%.1f min)",
                point,
                running / max(1, seen),
                dev_f1,
                natural_f1,
                timer.minutes(),
            )
            if dev_f1 > best:
                best, best_point = dev_f1, point
                save_checkpoint(model, config_dict, base, args.work_dir / "best", lora=bool(args.lora_r))
            if out_of_time:
                log.info("stopping: --max-minutes %.1f reached", args.max_minutes)
                break
        if out_of_time:
            break
    log.info("best point %s dev macro-F1 %.4f; writing %s", best_point, best, args.out)
    if args.lora_r:
        write_adapter_dir(args.work_dir / "best", config_dict, base, args.out)
    else:
        best_model = AutoModelForSequenceClassification.from_pretrained(str(args.work_dir / "best"))
        save_model_dir(best_model, config_dict, base, args.out, fp16=True)
    write_training_record(
        args.out,
        "python -m training.stance",
        args,
        train_pairs=len(train),
        pairs_file=pairs_meta,
        history=history,
        best_epoch=best_point,
        best_dev_macro_f1=best,
    )


# LoRA targets: every attention projection and both feed-forward projections of each layer, named as in BERT
# (query/key/value, attention.output.dense) and MPNet (attn.q/k/v/o); intermediate.dense and output.dense in both.
LORA_TARGETS = ["query", "key", "value", "q", "k", "v", "o", "intermediate.dense", "output.dense"]


PORTABLE_LORA_KEYS = (
    "peft_type",
    "task_type",
    "base_model_name_or_path",
    "revision",
    "inference_mode",
    "r",
    "lora_alpha",
    "lora_dropout",
    "target_modules",
    "modules_to_save",
    "bias",
    "fan_in_fan_out",
    "init_lora_weights",
    "use_rslora",
    "use_dora",
    "rank_pattern",
    "alpha_pattern",
    "layers_to_transform",
    "layers_pattern",
)


def with_lora(model, args: argparse.Namespace):
    """Wraps the classifier in PEFT LoRA adapters; the classification head stays fully trainable."""
    from peft import LoraConfig, get_peft_model

    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    targets = [t for t in LORA_TARGETS if t.rsplit(".", 1)[-1] in names]
    lora = LoraConfig(
        task_type="SEQ_CLS",
        r=args.lora_r,
        lora_alpha=args.lora_alpha,
        lora_dropout=args.lora_dropout,
        target_modules=targets,
        modules_to_save=["classifier"],
    )
    return get_peft_model(model, lora)


def save_checkpoint(model, config_dict: dict, base: Path, out: Path, lora: bool) -> None:
    if lora:
        model.save_pretrained(str(out))  # PEFT: adapter_config.json + adapter_model.safetensors
    else:
        save_model_dir(model, config_dict, base, out, fp16=False)


def write_adapter_dir(checkpoint: Path, config_dict: dict, base: Path, out: Path) -> None:
    """A stancekit adapter model: PEFT files (weights in fp16), the classifier config and the base's tokenizer."""
    from safetensors.torch import load_file, save_file

    out.mkdir(parents=True, exist_ok=True)
    state = load_file(str(checkpoint / "adapter_model.safetensors"))
    state = {name: tensor.half() if tensor.is_floating_point() else tensor for name, tensor in state.items()}
    save_file(state, str(out / "adapter_model.safetensors"), metadata={"format": "pt"})
    written = json.loads((checkpoint / "adapter_config.json").read_text())
    # The keys every PEFT release since 0.13 reads (newer releases write more keys, which older ones reject).
    adapter_config = {key: written[key] for key in PORTABLE_LORA_KEYS if key in written}
    adapter_config["modules_to_save"] = sorted(set(written.get("modules_to_save") or []) & {"classifier"})
    adapter_config["base_model_name_or_path"] = config_dict.get("stancekit", {}).get("base", str(base.name))
    (out / "adapter_config.json").write_text(json.dumps(adapter_config, indent=2) + "\n")
    (out / "config.json").write_text(json.dumps(config_dict, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    clean_tokenizer_json(base / "tokenizer.json", out / "tokenizer.json")


if __name__ == "__main__":
    main()
