"""Trains the default NER model: MiniLM + casing embeddings, token classification on CoNLL-2003.

    python -m training.ner --data-dir ../shared/data --out models/ner

Sentences of one document are packed into chunks of up to `--max-length` subword tokens, so the model learns with
the neighbouring sentences as context, exactly as the engine sees a document through its windows. Labels go on
the first subword of each word. The epoch with the best dev entity F1 is kept.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import torch
from seqeval.metrics import f1_score
from transformers import AutoTokenizer, BertConfig

from training.casing import (
    ARCHITECTURE,
    CASING_VOCAB_SIZE,
    BertWithCasingForTokenClassification,
    casing_class,
)
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
    write_training_record,
)
from training.conll import LABELS, Sentence, pack_document, read_documents

LABEL_TO_ID = {label: index for index, label in enumerate(LABELS)}
SPECIAL = 5


def encode_words(tokenizer, words: list[str]) -> tuple[list[int], list[int], list[int]]:
    """Subword ids, casing classes and the index of the word each subword belongs to."""
    encoding = tokenizer(
        words,
        is_split_into_words=True,
        add_special_tokens=False,
        return_offsets_mapping=True,
    )
    ids = encoding["input_ids"]
    word_ids = encoding.word_ids()
    casings = [casing_class(words[word][start:end]) for word, (start, end) in zip(word_ids, encoding["offset_mapping"])]
    return ids, casings, word_ids


def build_chunks(tokenizer, documents: list[list[Sentence]], max_length: int) -> list[dict]:
    """Model inputs for each chunk of consecutive sentences; `words` keeps the gold tags for scoring."""
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    content = max_length - 2
    chunks = []
    for document in documents:
        encoded = [encode_words(tokenizer, sentence.words) for sentence in document]
        for group in pack_document([len(ids) for ids, _, _ in encoded], content):
            ids, casings, labels, first_positions, gold = (
                [cls_id],
                [SPECIAL],
                [-100],
                [],
                [],
            )
            for sentence_index in group:
                sentence = document[sentence_index]
                sentence_ids, sentence_casings, word_ids = encoded[sentence_index]
                previous_word = None
                sentence_first = []
                for token_id, casing, word in zip(sentence_ids, sentence_casings, word_ids):
                    if len(ids) >= content + 1:
                        break
                    if word != previous_word:
                        labels.append(LABEL_TO_ID[sentence.tags[word]])
                        sentence_first.append(len(ids))
                    else:
                        labels.append(-100)
                    ids.append(token_id)
                    casings.append(casing)
                    previous_word = word
                # Words cut off by truncation (only in over-long sentences) are scored as predicted "O".
                first_positions.append(sentence_first)
                gold.append(sentence.tags)
            ids.append(sep_id)
            casings.append(SPECIAL)
            labels.append(-100)
            chunks.append(
                {
                    "input_ids": ids,
                    "casing_ids": casings,
                    "labels": labels,
                    "first": first_positions,
                    "gold": gold,
                }
            )
    return chunks


def collate(chunks: list[dict], indices: list[int]) -> dict[str, torch.Tensor]:
    width = max(len(chunks[i]["input_ids"]) for i in indices)
    batch = {name: torch.zeros((len(indices), width), dtype=torch.long) for name in ("input_ids", "casing_ids")}
    batch["labels"] = torch.full((len(indices), width), -100, dtype=torch.long)
    batch["attention_mask"] = torch.zeros((len(indices), width), dtype=torch.long)
    for row, index in enumerate(indices):
        chunk = chunks[index]
        length = len(chunk["input_ids"])
        for name in ("input_ids", "casing_ids", "labels"):
            batch[name][row, :length] = torch.tensor(chunk[name])
        batch["attention_mask"][row, :length] = 1
    return batch


@torch.inference_mode()
def predict_tags(model, chunks: list[dict], batch_size: int = 64) -> tuple[list[list[str]], list[list[str]]]:
    """Word-level predicted and gold tag sequences, one per sentence."""
    model.eval()
    predicted, gold = [], []
    lengths = [len(chunk["input_ids"]) for chunk in chunks]
    for indices in bucketed_batches(lengths, batch_size, rng=None):
        batch = collate(chunks, indices)
        batch.pop("labels")
        argmax = model(**batch).logits.argmax(-1)
        for row, index in enumerate(indices):
            chunk = chunks[index]
            for first, tags in zip(chunk["first"], chunk["gold"]):
                words = [LABELS[int(argmax[row, position])] for position in first]
                words += ["O"] * (len(tags) - len(words))
                predicted.append(words)
                gold.append(tags)
    return predicted, gold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument(
        "--base",
        type=Path,
        default=None,
        help="base encoder directory (default: unpack MiniLM)",
    )
    parser.add_argument("--out", type=Path, default=Path("models/ner"))
    parser.add_argument("--work-dir", type=Path, default=Path("runs/ner"), help="log and checkpoints")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument(
        "--limit-docs",
        type=int,
        default=0,
        help="smoke tests: use only the first N documents",
    )
    parser.add_argument("--no-casing", action="store_true", help="plain BertForTokenClassification")
    args = parser.parse_args()

    setup_logging(args.work_dir / "train.log")
    seed_everything(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    base = ensure_base_encoder(args.base) if args.base else ensure_base_encoder()
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    train_docs = read_documents(args.data_dir / "conll2003" / "train.txt")
    dev_docs = read_documents(args.data_dir / "conll2003" / "dev.txt")
    if args.limit_docs:
        train_docs, dev_docs = (
            train_docs[: args.limit_docs],
            dev_docs[: args.limit_docs],
        )
    train_chunks = build_chunks(tokenizer, train_docs, args.max_length)
    dev_chunks = build_chunks(tokenizer, dev_docs, args.max_length)
    log.info(
        "train chunks %d, dev chunks %d, args %s",
        len(train_chunks),
        len(dev_chunks),
        vars(args),
    )

    config = BertConfig.from_pretrained(str(base))
    config.num_labels = len(LABELS)
    config.id2label = dict(enumerate(LABELS))
    config.label2id = LABEL_TO_ID
    if args.no_casing:
        from transformers import BertForTokenClassification

        model = BertForTokenClassification.from_pretrained(str(base), config=config)
        config.architectures = ["BertForTokenClassification"]
    else:
        config.casing_vocab_size = CASING_VOCAB_SIZE
        config.architectures = [ARCHITECTURE]
        model = BertWithCasingForTokenClassification.from_pretrained(str(base), config=config)

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
    steps_per_epoch = (len(train_chunks) + args.batch_size - 1) // args.batch_size
    total = steps_per_epoch * args.epochs
    scheduler = linear_schedule(optimizer, warmup=int(0.1 * total), total=total)
    rng = random.Random(args.seed)
    lengths = [len(chunk["input_ids"]) for chunk in train_chunks]
    timer = Timer()
    best_f1, best_epoch = -1.0, -1
    history = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        running, seen = 0.0, 0
        for step, indices in enumerate(bucketed_batches(lengths, args.batch_size, rng), start=1):
            batch = collate(train_chunks, indices)
            if args.no_casing:
                batch.pop("casing_ids")
            loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            running += loss.item()
            seen += 1
            if step % 50 == 0:
                log.info(
                    "epoch %d step %d/%d loss %.4f (%.1f min)",
                    epoch,
                    step,
                    steps_per_epoch,
                    running / seen,
                    timer.minutes(),
                )
        predicted, gold = predict_tags(_without_casing(model) if args.no_casing else model, dev_chunks)
        dev_f1 = f1_score(gold, predicted)
        history.append(
            {
                "epoch": epoch,
                "train_loss": running / max(1, seen),
                "dev_f1": dev_f1,
                "minutes": timer.minutes(),
            }
        )
        log.info(
            "epoch %d train loss %.4f dev entity F1 %.4f (%.1f min)",
            epoch,
            running / max(1, seen),
            dev_f1,
            timer.minutes(),
        )
        if dev_f1 > best_f1:
            best_f1, best_epoch = dev_f1, epoch
            save_model_dir(
                model,
                _config_dict(config, args),
                base,
                args.work_dir / "best",
                fp16=False,
            )
    log.info("best epoch %d dev F1 %.4f; writing %s", best_epoch, best_f1, args.out)
    best = (
        BertWithCasingForTokenClassification.from_pretrained(str(args.work_dir / "best"))
        if not args.no_casing
        else model
    )
    save_model_dir(best, _config_dict(config, args), base, args.out, fp16=True)
    write_training_record(
        args.out,
        "python -m training.ner",
        args,
        history=history,
        best_epoch=best_epoch,
        best_dev_f1=best_f1,
    )


def _without_casing(model):
    class Wrapper(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, casing_ids=None, **kwargs):
            return self.inner(**kwargs)

    return Wrapper(model)


def _config_dict(config: BertConfig, args: argparse.Namespace) -> dict:
    data = config.to_dict()
    data.pop("_name_or_path", None)
    # The engine's windows match the training chunks.
    data["stancekit"] = {
        "task": "ner",
        "window": args.max_length,
        "stride": args.max_length // 4,
    }
    return data


if __name__ == "__main__":
    main()
