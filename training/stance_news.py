"""Scores a stance model on the news-quote stance dev set (`training/stance_news_dev.jsonl`, see STANCE_NEWS_DEV.md).

    python -m training.stance_news --model fast [--data-dir ../shared/data] [--json] [--out FILE]
    python -m training.stance_news --model accurate --predictions preds.jsonl
    python -m training.stance_news --check      # no model: the contents still match the articles; counts

Each item names a PolNeAR dev article, the character ranges of one speaker's content (as the fast tagger's
attribution head gives it, joined by a space the way `Relation.content_text` joins them), a target phrased as a user
would type it, and a hand label (favor / against / none) with a kind tag. No article text is stored: the contents are
cut from `DATA_DIR/polnear/dev/text/<article>.txt` and checked against the stored SHA-1.

Reported: accuracy, macro-F1 over favor/against/none, per-class precision/recall/F1, accuracy per kind and the
confusion matrix, twice: with the model's most probable class ("argmax"), and with the label the evidence rule
gives (favor or against only when its probability is the largest and at least the model's `evidence_threshold`,
else none; the rule `analyze` reads speakers' stances with). Select on this set and on the existing dev mix only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from collections import Counter
from pathlib import Path

from training.common import DEFAULT_DATA_DIR, REPO_ROOT

DATA = Path(__file__).resolve().with_name("stance_news_dev.jsonl")
LABELS = ("favor", "against", "none")
KINDS = ("plain", "reaction", "rejection", "claim", "dismissal", "threat", "neutral", "unrelated")


def load_items(path: Path = DATA) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def content_text(text: str, ranges: list[list[int]]) -> str:
    """The content's ranges joined by a space, as `stancekit.Relation.content_text` joins them."""
    return " ".join(text[start:end] for start, end in ranges)


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def contents(items: list[dict], data_dir: Path, split: str = "dev") -> list[str]:
    """The content text of each item, cut from its article; a mismatch with the stored hash is an error."""
    root = data_dir / "polnear" / split / "text"
    articles: dict[str, str] = {}
    texts = []
    for item in items:
        name = item["article"]
        if name not in articles:
            articles[name] = (root / f"{name}.txt").read_text(encoding="utf-8")
        text = content_text(articles[name], item["content"])
        if sha1(text) != item["content_sha1"]:
            raise ValueError(f"{item['id']}: the content of {name} at {item['content']} does not match its hash")
        texts.append(text)
    return texts


def evidence_label(scores: dict[str, float], threshold: float) -> str:
    """favor or against when its probability is the largest of the three and at least `threshold`, else none."""
    best = max(LABELS, key=lambda label: scores[label])
    return best if best != "none" and scores[best] >= threshold else "none"


def summarize(gold: list[str], predicted: list[str], kinds: list[str]) -> dict:
    """Accuracy, macro-F1 over the three labels, per-class P/R/F1, accuracy per kind, confusion (gold → predicted)."""
    total = len(gold)
    per_class = {}
    for label in LABELS:
        true_positive = sum(g == p == label for g, p in zip(gold, predicted))
        predicted_count = sum(p == label for p in predicted)
        gold_count = sum(g == label for g in gold)
        precision = true_positive / predicted_count if predicted_count else 0.0
        recall = true_positive / gold_count if gold_count else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": precision, "recall": recall, "f1": f1, "gold": gold_count}
    per_kind = {}
    for kind in [k for k in KINDS if k in kinds] + sorted(set(kinds) - set(KINDS)):
        indices = [i for i, k in enumerate(kinds) if k == kind]
        per_kind[kind] = {
            "items": len(indices),
            "accuracy": sum(gold[i] == predicted[i] for i in indices) / len(indices),
            "gold": dict(Counter(gold[i] for i in indices)),
        }
    confusion = {g: {p: sum(a == g and b == p for a, b in zip(gold, predicted)) for p in LABELS} for g in LABELS}
    return {
        "accuracy": sum(g == p for g, p in zip(gold, predicted)) / total,
        "macro_f1": sum(per_class[label]["f1"] for label in LABELS) / len(LABELS),
        "per_class": per_class,
        "per_kind": per_kind,
        "confusion": confusion,
    }


def score(model: str, data_dir: Path, data: Path = DATA) -> tuple[dict, list[dict]]:
    import stancekit

    items = load_items(data)
    texts = contents(items, data_dir)
    classifier = stancekit.StanceClassifier(model)
    threshold = classifier.evidence_threshold
    started = time.perf_counter()
    predictions = classifier.predict_batch([(text, item["target"]) for text, item in zip(texts, items)])
    seconds = time.perf_counter() - started
    gold = [item["label"] for item in items]
    kinds = [item["kind"] for item in items]
    argmax = [max(LABELS, key=lambda label: p.scores[label]) for p in predictions]
    evidence = [evidence_label(p.scores, threshold) for p in predictions]
    metrics = {
        "task": "stance-news-dev",
        "data": str(data.relative_to(REPO_ROOT) if data.is_relative_to(REPO_ROOT) else data),
        "model": classifier.model_path,
        "hypothesis_template": classifier.hypothesis_template,
        "evidence_threshold": threshold,
        "items": len(items),
        "articles": len({item["article"] for item in items}),
        "gold": dict(Counter(gold)),
        "argmax": summarize(gold, argmax, kinds),
        "evidence_rule": summarize(gold, evidence, kinds),
        "engine_label_agrees_with_argmax": sum(p.label == a for p, a in zip(predictions, argmax)) / len(items),
        "inference_seconds": seconds,
    }
    rows = [
        {
            "id": item["id"],
            "target": item["target"],
            "kind": item["kind"],
            "label": item["label"],
            "argmax": a,
            "evidence_rule": e,
            "scores": p.scores,
        }
        for item, p, a, e in zip(items, predictions, argmax, evidence)
    ]
    return metrics, rows


def report(metrics: dict) -> str:
    lines = [
        f"news-quote stance dev: {metrics['items']} items from {metrics['articles']} PolNeAR dev articles "
        f"(gold {', '.join(f'{k} {v}' for k, v in sorted(metrics['gold'].items()))})",
        f"model {metrics['model']}  evidence threshold {metrics['evidence_threshold']:.2f}  "
        f"({metrics['inference_seconds']:.1f} s)",
    ]
    for rule in ("argmax", "evidence_rule"):
        summary = metrics[rule]
        lines += ["", f"== {rule}: accuracy {summary['accuracy']:.3f}  macro-F1 {summary['macro_f1']:.3f}"]
        lines.append(f"{'class':<10}{'P':>7}{'R':>7}{'F1':>7}{'gold':>6}")
        for label, row in summary["per_class"].items():
            lines.append(f"{label:<10}{row['precision']:>7.3f}{row['recall']:>7.3f}{row['f1']:>7.3f}{row['gold']:>6}")
        lines.append(f"{'kind':<11}{'items':>6}{'acc':>7}")
        for kind, row in summary["per_kind"].items():
            lines.append(f"{kind:<11}{row['items']:>6}{row['accuracy']:>7.3f}")
        lines.append("confusion (rows gold, columns predicted)")
        lines.append(f"{'gold':<10}" + "".join(f"{p:>9}" for p in LABELS))
        for gold, row in summary["confusion"].items():
            lines.append(f"{gold:<10}" + "".join(f"{row[p]:>9}" for p in LABELS))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="fast", help="fast, accurate (this checkout's models/) or a model directory")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--data", type=Path, default=DATA, help="the items (default: training/stance_news_dev.jsonl)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON instead of a table")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON summary here")
    parser.add_argument("--predictions", type=Path, default=None, help="write each item's scores here (JSONL)")
    parser.add_argument("--check", action="store_true", help="only check the items against the articles and count them")
    args = parser.parse_args()
    if args.check:
        items = load_items(args.data)
        contents(items, args.data_dir)
        counts = {key: dict(Counter(item[key] for item in items)) for key in ("label", "kind", "range_source")}
        articles = len({item["article"] for item in items})
        print(json.dumps({"items": len(items), "articles": articles, **counts}, indent=2))
        return
    # Presets name this checkout's models, as in training.evaluate.
    os.environ.setdefault("STANCEKIT_MODELS", str(REPO_ROOT / "models"))
    metrics, rows = score(args.model, args.data_dir, args.data.resolve())
    text = json.dumps(metrics, indent=2)
    print(text if args.json else report(metrics))
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    if args.predictions:
        with args.predictions.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
