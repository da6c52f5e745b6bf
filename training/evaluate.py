"""Evaluates a stancekit model directory through the stancekit engine (the installed wheel) and writes metrics.json.

    python -m training.evaluate ner --model models/ner --data-dir ../shared/data
    python -m training.evaluate stance --model models/stance --data-dir ../shared/data
    python -m training.evaluate stance --model accurate     # a preset: this checkout's models/stance-accurate
    python -m training.evaluate attribution --model models/ner --split dev|test [--spans relations|tags]
    python -m training.evaluate stance-threshold --model fast   # chooses and records the evidence threshold

NER: entity-level micro F1 (exact span and type, conlleval rules via seqeval) on CoNLL-2003 test, plus per-type
F1. Documents are fed whole (sentences joined by newlines), as a user would feed an article, and the entities'
character spans are mapped back onto the CoNLL tokens. Also entity F1 on exact character spans as a user sees them:
an entity counts only when its `start`/`end` and type equal a gold entity's (the gold tokens' first and last
characters), once with whole documents and once with each sentence fed alone; and how many predicted entities do
not start and end on token boundaries (a name cut at a hyphen or a dot).

Stance: SemEval-2016 Task A F_avg on the test set, P-Stance macro-F1 (favor, against) on raw_test_all, VAST dev
macro-F1 over three classes, Perspectrum test accuracy (favor vs against), SNLI test accuracy. Bare targets go
through the model's hypothesis template; sentence targets (Perspectrum claims, SNLI hypotheses) are used as they are.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from training.common import DEFAULT_DATA_DIR, REPO_ROOT


def evaluate_ner(model: Path, data_dir: Path, split: str, words: str = "names") -> dict:
    from seqeval.metrics import classification_report, f1_score, precision_score, recall_score

    import stancekit
    from training.conll import document_text, read_documents

    documents = read_documents(data_dir / "conll2003" / f"{split}.txt")
    texts, spans, gold = [], [], []
    for document in documents:
        text, offsets = document_text(document)
        texts.append(text)
        spans.append(offsets)
        gold.extend(sentence.tags for sentence in document)
    recognizer = stancekit.EntityRecognizer(model, words=words)
    started = time.perf_counter()
    predictions = recognizer.predict_batch(texts)
    seconds = time.perf_counter() - started
    predicted = []
    for entities, offsets in zip(predictions, spans, strict=True):
        for sentence_offsets in offsets:
            tags = ["O"] * len(sentence_offsets)
            for entity in entities:
                inside = [
                    i for i, (start, end) in enumerate(sentence_offsets) if start < entity.end and end > entity.start
                ]
                for rank, index in enumerate(inside):
                    tags[index] = ("B-" if rank == 0 else "I-") + entity.label
            predicted.append(tags)
    report = classification_report(gold, predicted, output_dict=True, digits=4)
    sentence_texts = [" ".join(sentence.words) for document in documents for sentence in document]
    sentence_offsets = [offsets for document_offsets in spans for offsets in document_offsets]
    by_sentence = recognizer.predict_batch(sentence_texts)
    sentence_spans = [{(e.start, e.end, e.label) for e in entities} for entities in by_sentence]
    document_spans = [
        {
            (e.start - offsets[0][0], e.end - offsets[0][0], e.label)
            for e in entities
            if offsets[0][0] <= e.start and e.end <= offsets[-1][1]
        }
        for entities, document_offsets in zip(predictions, spans, strict=True)
        for offsets in document_offsets
    ]
    relative = [[(start - o[0][0], end - o[0][0]) for start, end in o] for o in sentence_offsets]
    gold_spans = [_gold_spans(tags, offsets) for tags, offsets in zip(gold, relative, strict=True)]
    return {
        "task": "ner",
        "split": split,
        "words": words,
        "documents": len(texts),
        "sentences": len(gold),
        "entity_micro_f1": f1_score(gold, predicted),
        "precision": precision_score(gold, predicted),
        "recall": recall_score(gold, predicted),
        "per_type_f1": {kind: values["f1-score"] for kind, values in report.items() if "avg" not in kind},
        "char_span_f1_documents": _span_f1(gold_spans, document_spans),
        "char_span_f1_sentences": _span_f1(gold_spans, sentence_spans),
        "off_token_boundary_entities_sentences": sum(
            _off_boundary(found, offsets) for found, offsets in zip(sentence_spans, relative, strict=True)
        ),
        "inference_seconds": seconds,
    }


def _gold_spans(tags: list[str], offsets: list[tuple[int, int]]) -> set[tuple[int, int, str]]:
    """Character spans and types of the gold entities of a sentence (BIO tags, conlleval rules)."""
    found: set[tuple[int, int, str]] = set()
    start, label = None, None
    for index, tag in enumerate([*tags, "O"]):
        continues = tag.startswith("I-") and label == tag[2:]
        if start is not None and not continues:
            found.add((offsets[start][0], offsets[index - 1][1], label))
            start, label = None, None
        if tag != "O" and not continues:
            start, label = index, tag[2:]
    return found


def _span_f1(gold: list[set], predicted: list[set]) -> float:
    hits = sum(len(g & p) for g, p in zip(gold, predicted, strict=True))
    total_gold, total_predicted = sum(map(len, gold)), sum(map(len, predicted))
    return 2 * hits / (total_gold + total_predicted) if total_gold + total_predicted else 0.0


def _off_boundary(found: set[tuple[int, int, str]], offsets: list[tuple[int, int]]) -> int:
    """Predicted entities whose start or end is not a token's start or end."""
    starts, ends = {start for start, _ in offsets}, {end for _, end in offsets}
    return sum(1 for start, end, _ in found if start not in starts or end not in ends)


def _f1(gold: list[str], predicted: list[str], label: str) -> float:
    true_positive = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
    predicted_count = sum(p == label for p in predicted)
    gold_count = sum(g == label for g in gold)
    if not true_positive:
        return 0.0
    precision, recall = true_positive / predicted_count, true_positive / gold_count
    return 2 * precision * recall / (precision + recall)


class _PairPredictor:
    """Predicts stance pairs in order: bare targets through the model's template, sentence targets as they are."""

    def __init__(self, model: Path) -> None:
        import stancekit

        self.bare = stancekit.StanceClassifier(model)
        self.sentence = stancekit.StanceClassifier(model, hypothesis_template="{}")

    def __call__(self, pairs: list) -> list:
        bare = iter(self.bare.predict_batch([(p.text, p.target) for p in pairs if p.bare_target]))
        sentence = iter(self.sentence.predict_batch([(p.text, p.target) for p in pairs if not p.bare_target]))
        return [next(bare) if p.bare_target else next(sentence) for p in pairs]


_EDGE = " \t\n\"'“”‘’«».,;:!?()[]{}-–—"


def _strip(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The range without spaces, quotes and punctuation at its edges; None when nothing is left."""
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return (start, end) if start < end else None


def _words(text: str, ranges) -> set[int]:
    """Start offsets of the word tokens (runs of letters and digits) inside `ranges`."""
    import re

    words = set()
    for start, end in ranges:
        words.update(start + match.start() for match in re.finditer(r"\w+", text[start:end]))
    return words


def _prf(gold: int, predicted: int, correct: int) -> dict[str, float]:
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def evaluate_attribution(model: Path, data_dir: Path, split: str, spans: str = "relations") -> dict:
    """Source, cue and content spans of PolNeAR `split` through the engine: exact-span F1 (each gold range and each
    predicted span, compared after stripping spaces, quotes and punctuation at their edges) and word-token F1 (the
    words inside the spans). `spans="relations"` scores the relations `AttributionExtractor` assembles (what
    `analyze` uses: a source or cue that no content takes is dropped); `spans="tags"` the head's raw spans."""
    import stancekit
    from training.polnear import ROLES, read_split

    articles = read_split(data_dir, split)
    texts = [article.text for article in articles]
    started = time.perf_counter()
    if spans == "tags":
        recognizer = stancekit.EntityRecognizer(model, head="attribution")
        predictions = recognizer.predict_batch(texts)
    else:
        extractor = stancekit.AttributionExtractor(model)
        predictions = [_relation_spans(relations) for relations in extractor.predict_batch(texts)]
    seconds = time.perf_counter() - started
    metrics: dict = {"task": "attribution", "split": split, "spans": spans, "articles": len(articles)}
    for role in ROLES:
        counts = {"span": [0, 0, 0], "word": [0, 0, 0]}
        for article, entities in zip(articles, predictions, strict=True):
            text = article.text
            gold_ranges = [r for relation in article.relations for r in relation.role(role)]
            gold = {span for span in (_strip(text, s, e) for s, e in gold_ranges) if span}
            predicted_ranges = [(e.start, e.end) for e in entities if e.label == role]
            predicted = {span for span in (_strip(text, s, e) for s, e in predicted_ranges) if span}
            counts["span"][0] += len(gold)
            counts["span"][1] += len(predicted)
            counts["span"][2] += len(gold & predicted)
            gold_words, predicted_words = _words(text, gold_ranges), _words(text, predicted_ranges)
            counts["word"][0] += len(gold_words)
            counts["word"][1] += len(predicted_words)
            counts["word"][2] += len(gold_words & predicted_words)
        for unit, (gold_count, predicted_count, correct) in counts.items():
            for name, value in _prf(gold_count, predicted_count, correct).items():
                metrics[f"{role.lower()}_{unit}_{name}"] = value
    metrics["inference_seconds"] = seconds
    return metrics


def _relation_spans(relations: list) -> list:
    """The source, cue and content ranges of relations as labelled spans (objects with `label`, `start`, `end`)."""
    from types import SimpleNamespace

    found = []
    for relation in relations:
        parts = [("SOURCE", relation.source), ("CUE", relation.cue), *(("CONTENT", part) for part in relation.content)]
        found.extend(SimpleNamespace(label=label, start=span.start, end=span.end) for label, span in parts if span)
    return found


def evaluate_stance(model: Path, data_dir: Path) -> dict:
    from training import stance_data

    predictor = _PairPredictor(model)

    def predict(pairs: list[stance_data.Pair]) -> list[dict[str, float]]:
        return [prediction.scores for prediction in predictor(pairs)]

    def argmax(scores: dict[str, float], labels: tuple[str, ...] = ("favor", "against", "none")) -> str:
        return max(labels, key=lambda label: scores[label])

    metrics: dict = {"task": "stance", "hypothesis_template": predictor.bare.hypothesis_template}
    started = time.perf_counter()
    count = 0

    semeval = stance_data.semeval(data_dir, "test")
    predicted = [argmax(s) for s in predict(semeval)]
    gold = [p.label for p in semeval]
    metrics["semeval2016_taskA_f_avg"] = (_f1(gold, predicted, "favor") + _f1(gold, predicted, "against")) / 2
    count += len(semeval)

    pstance = stance_data.pstance(data_dir, "test")
    predicted = [argmax(s) for s in predict(pstance)]
    gold = [p.label for p in pstance]
    metrics["pstance_macro_f1"] = (_f1(gold, predicted, "favor") + _f1(gold, predicted, "against")) / 2
    count += len(pstance)

    vast = stance_data.vast(data_dir)
    predicted = [argmax(s) for s in predict(vast)]
    gold = [p.label for p in vast]
    metrics["vast_dev_macro_f1"] = sum(_f1(gold, predicted, label) for label in ("favor", "against", "none")) / 3
    count += len(vast)

    perspectrum = stance_data.perspectrum(data_dir, "test")
    predicted = [argmax(s, ("favor", "against")) for s in predict(perspectrum)]
    metrics["perspectrum_test_accuracy"] = sum(p == g.label for p, g in zip(predicted, perspectrum, strict=True)) / len(
        perspectrum
    )
    count += len(perspectrum)

    snli = stance_data.snli(data_dir, "test")
    predicted = [argmax(s) for s in predict(snli)]
    metrics["snli_test_accuracy"] = sum(p == g.label for p, g in zip(predicted, snli, strict=True)) / len(snli)
    count += len(snli)

    metrics["pairs"] = count
    metrics["inference_seconds"] = time.perf_counter() - started
    return metrics


def evaluate_stance_dev(model: Path, data_dir: Path, seed: int = 13, unrelated: int = 800) -> dict:
    """Macro-F1 on the model-selection dev mix (the same sample `training.stance --seed 13` uses), with and
    without its synthetic unrelated pairs."""
    import random

    from training import stance_data

    pairs = stance_data.dev_mix(data_dir, random.Random(seed + 1), unrelated_pairs=unrelated)
    predicted = [prediction.label for prediction in _PairPredictor(model)(pairs)]
    gold = [pair.label for pair in pairs]
    natural = [i for i, pair in enumerate(pairs) if pair.source != "unrelated"]
    macro = lambda indices: (
        sum(_f1([gold[i] for i in indices], [predicted[i] for i in indices], label) for label in stance_data.LABELS) / 3
    )
    return {
        "task": "stance",
        "split": "dev-mix",
        "pairs": len(pairs),
        "dev_macro_f1": macro(range(len(pairs))),
        "dev_macro_f1_without_unrelated": macro(natural),
        "unrelated_pairs": len(pairs) - len(natural),
    }


def choose_threshold(model: Path, data_dir: Path, seed: int = 13, unrelated: int = 800) -> dict:
    """The evidence threshold of a stance model, chosen on the model-selection dev mix: a pair is favor (against)
    when its probability of favor (against) is its largest and at least the threshold, else none (the engine's
    evidence rule, `stancekit_core::stance::evidence`); the
    threshold with the best macro-F1 over the three classes wins (the higher one on ties). Also how often each
    threshold abstains (answers none) and how precise its favor/against answers are."""
    import random

    from training import stance_data

    pairs = stance_data.dev_mix(data_dir, random.Random(seed + 1), unrelated_pairs=unrelated)
    predictions = _PairPredictor(model)(pairs)
    gold = [pair.label for pair in pairs]
    rows = []
    for step in range(34, 96):
        threshold = step / 100
        predicted = []
        for prediction in predictions:
            favor, against = prediction.scores["favor"], prediction.scores["against"]
            best, probability = ("favor", favor) if favor >= against else ("against", against)
            evidence = probability >= threshold and probability > prediction.scores["none"]
            predicted.append(best if evidence else "none")
        macro = sum(_f1(gold, predicted, label) for label in stance_data.LABELS) / 3
        calls = [i for i, label in enumerate(predicted) if label != "none"]
        rows.append(
            {
                "threshold": threshold,
                "dev_macro_f1": macro,
                "abstains": 1 - len(calls) / len(pairs),
                "stance_precision": sum(gold[i] == predicted[i] for i in calls) / len(calls) if calls else 0.0,
            }
        )
    best = max(rows, key=lambda row: (round(row["dev_macro_f1"], 4), row["threshold"]))
    return {"task": "stance-threshold", "split": "dev-mix", "pairs": len(pairs), "chosen": best, "grid": rows}


def _write_threshold(model: Path, threshold: float) -> None:
    """Records the chosen evidence threshold in the model's config.json (`stancekit.evidence_threshold`)."""
    path = model / "config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config.setdefault("stancekit", {})["evidence_threshold"] = threshold
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("task", choices=["ner", "stance", "stance-threshold", "attribution"])
    parser.add_argument(
        "--model", required=True, help="a model directory, or a preset (fast, accurate) of this checkout's models/"
    )
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument(
        "--words", default="names", choices=["names", "pretokenizer"], help="NER word grouping (see EntityRecognizer)"
    )
    parser.add_argument("--split", default="test", help="test, or dev (NER: CoNLL dev; stance: the selection dev mix)")
    parser.add_argument("--out", type=Path, default=None, help="metrics file (default: MODEL/metrics.json)")
    parser.add_argument(
        "--spans",
        default="relations",
        choices=["relations", "tags"],
        help="attribution: score assembled relations (default) or the head's raw spans",
    )
    args = parser.parse_args()
    # Presets name this checkout's models (whose metrics files these are), not the installed wheel's copies.
    os.environ.setdefault("STANCEKIT_MODELS", str(REPO_ROOT / "models"))
    from stancekit._models import resolve_model

    args.model = resolve_model(args.model, "stance" if args.task.startswith("stance") else "ner")
    if args.task == "stance-threshold":
        metrics = choose_threshold(args.model, args.data_dir)
        print(json.dumps(metrics["chosen"], indent=2))
        _write_threshold(args.model, metrics["chosen"]["threshold"])
        out = args.out or args.model / "evidence-threshold-dev.json"
        out.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        return
    if args.task == "attribution":
        metrics = evaluate_attribution(args.model, args.data_dir, args.split, args.spans)
    elif args.task == "ner":
        metrics = evaluate_ner(args.model, args.data_dir, args.split, args.words)
    elif args.split == "dev":
        metrics = evaluate_stance_dev(args.model, args.data_dir)
    else:
        metrics = evaluate_stance(args.model, args.data_dir)
    text = json.dumps(metrics, indent=2)
    print(text)
    prefix = "attribution-metrics" if args.task == "attribution" else "metrics"
    if args.task == "attribution" and args.spans == "tags":
        prefix = "attribution-tags-metrics"
    out = args.out or args.model / (f"{prefix}.json" if args.split == "test" else f"{prefix}-{args.split}.json")
    out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
