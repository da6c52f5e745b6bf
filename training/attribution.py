"""Trains the attribution head beside the NER head: one encoder, two token classifiers, one forward pass.

    python -m training.attribution --data-dir ../shared/data --init models/ner --out runs/attribution/model

The encoder (MiniLM + casing embeddings) starts from the shipped NER model. Each step trains on one batch of
either task, mixed at random: PolNeAR articles in windows of `--max-length` word pieces, every piece tagged
O / B-SOURCE / I-SOURCE / B-CUE / I-CUE / B-CONTENT / I-CONTENT (see `training.polnear.char_tags`), and CoNLL-2003
chunks with the NER recipe (labels on first pieces), so the NER head keeps its task while the encoder learns the new
one. The epoch with the best dev score (mean of PolNeAR source, cue and content span F1 on pieces, plus CoNLL dev
entity F1) is kept.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from pathlib import Path

import torch
from seqeval.metrics import classification_report
from seqeval.metrics import f1_score as entity_f1
from torch import nn
from transformers import AutoTokenizer, BertConfig

from training.casing import SPECIAL, BertWithCasingForTokenClassification, casing_class
from training.common import (
    DEFAULT_DATA_DIR,
    Timer,
    bucketed_batches,
    linear_schedule,
    log,
    save_model_dir,
    seed_everything,
    setup_logging,
    write_training_record,
)
from training.conll import read_documents
from training.ner import build_chunks
from training.ner import collate as ner_collate
from training.ner import predict_tags as ner_predict
from training.polnear import ROLES, TAGS, Article, char_tags, read_split

TAG_TO_ID = {tag: index for index, tag in enumerate(TAGS)}
ARCHITECTURE = "BertWithCasingForTokenClassification"


class BertWithCasingForTokensAndAttribution(BertWithCasingForTokenClassification):
    """The casing NER model with a second token classifier (attribution roles) on the same encoder output."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__(config)
        self.attribution_classifier = nn.Linear(config.hidden_size, len(TAGS))

    def attribution_logits(self, input_ids, attention_mask, casing_ids) -> torch.Tensor:
        embeds = self.bert.embeddings.word_embeddings(input_ids) + self.casing_embeddings(casing_ids)
        hidden = self.bert(inputs_embeds=embeds, attention_mask=attention_mask).last_hidden_state
        return self.attribution_classifier(self.dropout(hidden))


@dataclass
class Window:
    input_ids: list[int]
    casing_ids: list[int]
    labels: list[int]
    article: int
    positions: list[int]  # piece index in the article of each content token (labels[1:-1])


def encode_article(tokenizer, article: Article) -> tuple[list[int], list[int], list[str]]:
    """Word-piece ids, casing classes and piece tags of a whole article."""
    encoding = tokenizer(article.text, add_special_tokens=False, return_offsets_mapping=True)
    tags_by_char = char_tags(article)
    ids, casings, tags = [], [], []
    for token_id, (start, end) in zip(encoding["input_ids"], encoding["offset_mapping"], strict=True):
        ids.append(token_id)
        casings.append(casing_class(article.text[start:end]))
        piece = tags_by_char[start:end] or ["O"]
        begin = next((tag for tag in piece if tag.startswith("B-")), None)
        tags.append(begin or piece[0])
    return ids, casings, tags


def build_windows(tokenizer, articles: list[Article], max_length: int, stride: int) -> tuple[list[Window], list]:
    """Overlapping windows over each article; also every article's piece tags (for scoring)."""
    content = max_length - 2
    windows, encoded = [], []
    for index, article in enumerate(articles):
        ids, casings, tags = encode_article(tokenizer, article)
        encoded.append(tags)
        start = 0
        while True:
            end = min(len(ids), start + content)
            windows.append(
                Window(
                    [tokenizer.cls_token_id, *ids[start:end], tokenizer.sep_token_id],
                    [SPECIAL, *casings[start:end], SPECIAL],
                    [-100, *(TAG_TO_ID[tag] for tag in tags[start:end]), -100],
                    index,
                    list(range(start, end)),
                )
            )
            if end >= len(ids):
                break
            start += stride
    return windows, encoded


def collate_windows(windows: list[Window], indices: list[int]) -> dict[str, torch.Tensor]:
    width = max(len(windows[i].input_ids) for i in indices)
    batch = {name: torch.zeros((len(indices), width), dtype=torch.long) for name in ("input_ids", "casing_ids")}
    batch["labels"] = torch.full((len(indices), width), -100, dtype=torch.long)
    batch["attention_mask"] = torch.zeros((len(indices), width), dtype=torch.long)
    for row, index in enumerate(indices):
        window = windows[index]
        length = len(window.input_ids)
        batch["input_ids"][row, :length] = torch.tensor(window.input_ids)
        batch["casing_ids"][row, :length] = torch.tensor(window.casing_ids)
        batch["labels"][row, :length] = torch.tensor(window.labels)
        batch["attention_mask"][row, :length] = 1
    return batch


@torch.inference_mode()
def predict_articles(model, windows: list[Window], gold: list[list[str]], device, batch_size: int = 64) -> list:
    """Piece tags of every article: each piece takes the prediction of the window where it sits most centrally."""
    model.eval()
    best: list[list[tuple[int, int]]] = [[(-1, 0)] * len(tags) for tags in gold]
    lengths = [len(window.input_ids) for window in windows]
    for indices in bucketed_batches(lengths, batch_size, rng=None):
        batch = {k: v.to(device) for k, v in collate_windows(windows, indices).items()}
        logits = model.attribution_logits(batch["input_ids"], batch["attention_mask"], batch["casing_ids"])
        argmax = logits.argmax(-1).tolist()
        for row, index in enumerate(indices):
            window = windows[index]
            count = len(window.positions)
            for offset, position in enumerate(window.positions):
                centrality = min(offset, count - 1 - offset)
                if centrality > best[window.article][position][0]:
                    best[window.article][position] = (centrality, argmax[row][offset + 1])
    return [[TAGS[label] for _, label in article] for article in best]


def attribution_scores(gold: list[list[str]], predicted: list[list[str]]) -> dict[str, float]:
    """Exact span F1 per role over pieces (seqeval, BIO), and their mean."""
    report = classification_report(gold, predicted, output_dict=True, zero_division=0)
    scores = {f"{role.lower()}_span_f1": float(report.get(role, {}).get("f1-score", 0.0)) for role in ROLES}
    scores["mean_span_f1"] = sum(scores.values()) / len(ROLES)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--init", type=Path, default=Path("models/ner"), help="the NER model to start from")
    parser.add_argument("--out", type=Path, default=Path("runs/attribution/model"))
    parser.add_argument("--work-dir", type=Path, default=Path("runs/attribution"))
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--head-lr", type=float, default=1e-3, help="learning rate of the new attribution head")
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--stride", type=int, default=192, help="pieces between the starts of training windows")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast (on a GPU)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--limit-docs", type=int, default=0, help="smoke tests: only N articles / documents per split")
    parser.add_argument(
        "--sentences",
        action="store_true",
        help="also train NER on every CoNLL sentence alone (as users feed short texts), and score dev that way too",
    )
    parser.add_argument(
        "--attribution-fraction",
        type=float,
        default=1.0,
        help="share of the PolNeAR windows drawn each epoch (a continuation run that weighs NER up)",
    )
    args = parser.parse_args()

    setup_logging(args.work_dir / "train.log")
    seed_everything(args.seed)
    rng = random.Random(args.seed)
    tokenizer = AutoTokenizer.from_pretrained(str(args.init))
    train_articles = read_split(args.data_dir, "train")
    dev_articles = read_split(args.data_dir, "dev")
    train_docs = read_documents(args.data_dir / "conll2003" / "train.txt")
    dev_docs = read_documents(args.data_dir / "conll2003" / "dev.txt")
    if args.limit_docs:
        train_articles, dev_articles = train_articles[: args.limit_docs], dev_articles[: args.limit_docs]
        train_docs, dev_docs = train_docs[: args.limit_docs], dev_docs[: args.limit_docs]
    train_windows, _ = build_windows(tokenizer, train_articles, args.max_length, args.stride)
    dev_windows, dev_gold = build_windows(tokenizer, dev_articles, args.max_length, args.max_length // 2)
    train_chunks = build_chunks(tokenizer, train_docs, args.max_length)
    dev_chunks = build_chunks(tokenizer, dev_docs, args.max_length)
    dev_sentence_chunks = []
    if args.sentences:
        train_chunks += build_chunks(tokenizer, _one_per_document(train_docs), args.max_length)
        dev_sentence_chunks = build_chunks(tokenizer, _one_per_document(dev_docs), args.max_length)
    log.info(
        "PolNeAR windows train %d dev %d; CoNLL chunks train %d dev %d; args %s",
        len(train_windows),
        len(dev_windows),
        len(train_chunks),
        len(dev_chunks),
        vars(args),
    )

    model = BertWithCasingForTokensAndAttribution.from_pretrained(str(args.init))
    device = torch.device(args.device)
    model = model.float().to(device)
    head = {name for name, _ in model.named_parameters() if name.startswith("attribution_classifier")}
    no_decay = ("bias", "LayerNorm.weight")
    named = list(model.named_parameters())
    groups = [
        {"params": [p for n, p in named if n not in head and not n.endswith(no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in named if n not in head and n.endswith(no_decay)], "weight_decay": 0.0},
        {"params": [p for n, p in named if n in head], "weight_decay": 0.0, "lr": args.head_lr},
    ]
    optimizer = torch.optim.AdamW(groups, lr=args.lr)
    attribution_lengths = [len(window.input_ids) for window in train_windows]
    ner_lengths = [len(chunk["input_ids"]) for chunk in train_chunks]
    drawn = max(1, round(args.attribution_fraction * len(train_windows)))
    steps_per_epoch = -(-drawn // args.batch_size) + -(-len(train_chunks) // args.batch_size)
    total = steps_per_epoch * args.epochs
    scheduler = linear_schedule(optimizer, warmup=int(0.06 * total), total=total)
    loss_fn = nn.CrossEntropyLoss(ignore_index=-100)
    config = model.config.to_dict()
    config.pop("_name_or_path", None)
    config["architectures"] = [ARCHITECTURE]
    config["attribution_labels"] = TAGS
    config["stancekit"] = {
        **config.get("stancekit", {}),
        "task": "ner",
        "window": args.max_length,
        "stride": args.max_length // 4,
    }
    timer = Timer()
    best, best_epoch, history = -1.0, -1, []
    for epoch in range(1, args.epochs + 1):
        model.train()
        batches = [("attribution", b) for b in bucketed_batches(attribution_lengths, args.batch_size, rng)]
        batches = batches[: -(-drawn // args.batch_size)]
        batches += [("ner", b) for b in bucketed_batches(ner_lengths, args.batch_size, rng)]
        rng.shuffle(batches)
        losses = {"attribution": [0.0, 0], "ner": [0.0, 0]}
        for step, (task, indices) in enumerate(batches, start=1):
            if task == "attribution":
                batch = {k: v.to(device) for k, v in collate_windows(train_windows, indices).items()}
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16):
                    logits = model.attribution_logits(batch["input_ids"], batch["attention_mask"], batch["casing_ids"])
                loss = loss_fn(logits.float().reshape(-1, len(TAGS)), batch["labels"].reshape(-1))
            else:
                batch = {k: v.to(device) for k, v in ner_collate(train_chunks, indices).items()}
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16):
                    loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            losses[task][0] += loss.item()
            losses[task][1] += 1
            if step % 200 == 0:
                log.info("epoch %d step %d/%d (%.1f min)", epoch, step, len(batches), timer.minutes())
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16):
            predicted = predict_articles(model, dev_windows, dev_gold, device)
        ner_predicted, ner_gold = _ner_predict_on(model, dev_chunks, device, args.bf16)
        scores = attribution_scores(dev_gold, predicted)
        ner_f1 = float(entity_f1(ner_gold, ner_predicted))
        score = scores["mean_span_f1"] + ner_f1
        sentence_f1 = None
        if dev_sentence_chunks:
            sentence_predicted, sentence_gold = _ner_predict_on(model, dev_sentence_chunks, device, args.bf16)
            sentence_f1 = float(entity_f1(sentence_gold, sentence_predicted))
            score = scores["mean_span_f1"] + (ner_f1 + sentence_f1) / 2
        history.append(
            {
                "epoch": epoch,
                "attribution_loss": losses["attribution"][0] / max(1, losses["attribution"][1]),
                "ner_loss": losses["ner"][0] / max(1, losses["ner"][1]),
                **scores,
                "ner_dev_f1": ner_f1,
                "ner_dev_sentences_f1": sentence_f1,
                "minutes": timer.minutes(),
            }
        )
        log.info("epoch %d %s", epoch, json.dumps(history[-1]))
        if score > best:
            best, best_epoch = score, epoch
            save_model_dir(model, config, args.init, args.work_dir / "best", fp16=False)
    log.info("best epoch %d; writing %s", best_epoch, args.out)
    best_model = BertWithCasingForTokensAndAttribution.from_pretrained(str(args.work_dir / "best"))
    save_model_dir(best_model, config, args.init, args.out, fp16=True)
    write_training_record(
        args.out,
        "python -m training.attribution",
        args,
        history=history,
        best_epoch=best_epoch,
    )


def _one_per_document(documents: list) -> list:
    """Every sentence as a document of its own."""
    return [[sentence] for document in documents for sentence in document]


@torch.inference_mode()
def _ner_predict_on(model, chunks: list[dict], device, bf16: bool):
    """`training.ner.predict_tags` with the batches moved to the model's device."""

    class OnDevice(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, **batch):
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                output = self.inner(**{k: v.to(device) for k, v in batch.items()})
            output.logits = output.logits.float().cpu()
            return output

    return ner_predict(OnDevice(model), chunks)


if __name__ == "__main__":
    main()
