"""The cell rule on the news-quote stance dev set (issue 22, item 4): speaker x target cells, see STANCE_CELLS.md.

    python -m training.stance_cells --model fast|accurate [--cache DIR] [--data-dir ../shared/data] [--json]
    python -m training.stance_cells --model accurate --analyze-max-pairs 200   # as run for STANCE_CELLS.md

Each dev article is analysed once per tier (`stancekit.analyze(text, targets=<the article's dev targets>,
models=tier)`); each dev item is mapped to the attribution whose content overlaps it most, hence to a speaker; a gold
cell is (article, speaker, target) with the label of its items (favor/against over none; cells whose items say both
favor and against are dropped). The per-content distributions of every content of a cell's speaker toward the
target are computed once with `StanceClassifier(tier).predict_batch` and cached under `--cache`; the rules below are
then computed from the cache without new model runs, and scored against the gold cells (accuracy, macro-F1 over
favor/against/none, a paired bootstrap of the difference to the current rule, and an exact sign test).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from training.common import DEFAULT_DATA_DIR, REPO_ROOT
from training.stance_news import DATA, LABELS, contents, load_items

DEFAULT_CACHE = Path("/tmp/stance_cells")
THRESHOLDS = {"fast": 0.34, "accurate": 0.36}
Distribution = tuple[float, float, float]


# ---------------------------------------------------------------------------------------------- inference (cached)


def _article_texts(items: list[dict], data_dir: Path) -> dict[str, str]:
    root = data_dir / "polnear" / "dev" / "text"
    return {name: (root / f"{name}.txt").read_text(encoding="utf-8") for name in sorted({i["article"] for i in items})}


def _article_targets(items: list[dict]) -> dict[str, list[str]]:
    targets: dict[str, list[str]] = defaultdict(list)
    for item in items:
        if item["target"] not in targets[item["article"]]:
            targets[item["article"]].append(item["target"])
    return targets


def run_analyses(
    tier: str,
    items: list[dict],
    data_dir: Path,
    path: Path,
    max_pairs: int | None = None,
    fast_path: Path | None = None,
) -> None:
    """`stancekit.analyze` on each dev article with its dev targets, one JSON line per article (resumable).

    With `max_pairs`, an article whose analysis would classify more (content, target) pairs than that (counted on
    the fast tier's analysis in `fast_path`) is not analysed: it takes the fast tier's attributions (both tiers
    share the NER model, hence the attributions) and has no engine labels (`"analysed": false`)."""
    import stancekit

    fast = load_analyses(fast_path) if max_pairs is not None and fast_path is not None else {}

    done = set()
    if path.exists():
        done = {json.loads(line)["article"] for line in path.read_text(encoding="utf-8").splitlines() if line}
    texts = _article_texts(items, data_dir)
    targets = _article_targets(items)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        for name, text in texts.items():
            if name in done:
                continue
            if name in fast:
                attributions = fast[name]["analysis"]["attributions"]
                if len(attributions) * len(targets[name]) > max_pairs:
                    analysis = {"attributions": attributions, "stances": []}
                    row = {"article": name, "targets": targets[name], "analysed": False, "analysis": analysis}
                    handle.write(json.dumps(row) + "\n")
                    continue
            started = time.perf_counter()
            analysis = stancekit.analyze(text, targets=targets[name], models=tier)
            seconds = time.perf_counter() - started
            row = {"article": name, "targets": targets[name], "analysed": True, "seconds": seconds}
            row["analysis"] = analysis.to_dict()
            handle.write(json.dumps(row) + "\n")
            handle.flush()
            print(f"{tier} {name}: {seconds:.1f} s", flush=True)


def load_analyses(path: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return {row["article"]: row for row in rows}


def predict_contents(tier: str, cells: list[dict], analyses: dict[str, dict], path: Path) -> None:
    """The distribution of every content of each cell's speaker toward the cell's target (resumable, one JSON line
    per (article, attribution index, target))."""
    import stancekit

    done = set()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line:
                row = json.loads(line)
                done.add((row["article"], row["index"], row["target"]))
    wanted = []
    for cell in cells:
        for index in cell["contents"]:
            key = (cell["article"], index, cell["target"])
            if key not in done:
                done.add(key)
                wanted.append(key)
    if not wanted:
        return
    classifier = stancekit.StanceClassifier(tier)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        for start in range(0, len(wanted), 64):
            chunk = wanted[start : start + 64]
            pairs = [(_content_text(analyses[a]["analysis"]["attributions"][i]), t) for a, i, t in chunk]
            started = time.perf_counter()
            predictions = classifier.predict_batch(pairs)
            seconds = time.perf_counter() - started
            for (article, index, target), prediction in zip(chunk, predictions):
                row = {"article": article, "index": index, "target": target, "scores": prediction.scores}
                handle.write(json.dumps(row) + "\n")
            handle.flush()
            print(f"{tier} contents {start + len(chunk)}/{len(wanted)}: {seconds:.1f} s", flush=True)


def load_distributions(path: Path) -> dict[tuple[str, int, str], Distribution]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line:
            row = json.loads(line)
            found[(row["article"], row["index"], row["target"])] = tuple(row["scores"][label] for label in LABELS)
    return found


# ------------------------------------------------------------------------------------------------------- cells


def _content_text(attribution: dict) -> str:
    return " ".join(part["text"] for part in attribution["content"])


def _overlap(first: list, second: list) -> int:
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in first for s2, e2 in second)


def build_cells(items: list[dict], analyses: dict[str, dict]) -> tuple[list[dict], dict]:
    """Gold cells (article, speaker, target) from the items and the attributions `analyze` found."""
    grouped: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    stats: Counter = Counter()
    for item in items:
        attributions = analyses[item["article"]]["analysis"]["attributions"]
        ranges = [tuple(pair) for pair in item["content"]]
        overlaps = [_overlap(ranges, [(p["start"], p["end"]) for p in a["content"]]) for a in attributions]
        best = max(range(len(attributions)), key=lambda i: overlaps[i]) if attributions else None
        if best is None or overlaps[best] == 0:
            stats["items without an overlapping attribution"] += 1
            continue
        speakers = {attributions[i]["speaker"] for i, o in enumerate(overlaps) if o > 0}
        if len(speakers) > 1:
            stats["items overlapping contents of several speakers (the largest overlap taken)"] += 1
        item_chars = sum(end - start for start, end in ranges)
        content = [(p["start"], p["end"]) for p in attributions[best]["content"]]
        union = item_chars + sum(end - start for start, end in content) - overlaps[best]
        if overlaps[best] == union:
            stats["items whose content is exactly an attribution's"] += 1
        elif overlaps[best] / union >= 0.8:
            stats["items overlapping an attribution with Jaccard >= 0.8 (not exact)"] += 1
        else:
            stats["items overlapping an attribution with Jaccard < 0.8"] += 1
        speaker = attributions[best]["speaker"]
        if speaker == "author":
            stats["items mapped to the author"] += 1
        grouped[(item["article"], speaker, item["target"])].append({**item, "index": best})
    cells = []
    for (article, speaker, target), members in grouped.items():
        labels = {item["label"] for item in members}
        if {"favor", "against"} <= labels:
            stats["cells dropped: items say favor and against"] += 1
            continue
        label = "favor" if "favor" in labels else "against" if "against" in labels else "none"
        if len(labels) > 1:
            stats["cells whose items mix a side and none (the side taken)"] += 1
        attributions = analyses[article]["analysis"]["attributions"]
        indices = [i for i, a in enumerate(attributions) if a["speaker"] == speaker]
        stances = analyses[article]["analysis"]["stances"]
        engine = next((s for s in stances if s["speaker"] == speaker and s["target"] == target), None)
        cells.append(
            {
                "article": article,
                "speaker": speaker,
                "target": target,
                "label": label,
                "items": [item["id"] for item in members],
                "item_labels": [item["label"] for item in members],
                "item_contents": [item["index"] for item in members],
                "kinds": sorted({item["kind"] for item in members}),
                "contents": indices,
                "texts": [_content_text(attributions[i]) for i in indices],
                "engine": engine["label"] if engine else None,
                "engine_basis": engine["basis"] if engine else "not analysed",
            }
        )
    return cells, dict(stats)


# ------------------------------------------------------------------------------------------------------- rules

Rule = Callable[[list[Distribution], list[str], str], str]
FAVOR, AGAINST, NONE = range(3)
GRID = [round(0.30 + 0.02 * step, 2) for step in range(26)]  # 0.30 … 0.80
MARGINS = [round(0.02 * step, 2) for step in range(26)]  # 0.00 … 0.50


_STOP_WORDS = frozenset(
    line.strip()
    for line in (Path(__file__).resolve().parent.parent / "crates/stancekit-core/src/analysis/words/stop_words.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip() and not line.startswith("#")
)


def stems(text: str) -> list[str]:
    """The engine's `stems`: words of two letters or more that are no stop words (the engine's list), lower case,
    cut to their first five letters when they have four or more."""
    words = [word.lower() for word in re.split(r"[^\w]|_", text) if len(word) >= 2]
    return [word[:5] if len(word) >= 4 else word for word in words if word not in _STOP_WORDS]


def mentions_target(text: str, target: str) -> bool:
    """The engine's `mentions_target`: a word of `text` starts like a word of `target` (a short word whole or with a
    plural "s")."""
    wanted = set(stems(target))
    return bool(wanted) and any(
        stem in wanted or (stem.endswith("s") and len(stem) >= 3 and stem[:-1] in wanted) for stem in stems(text)
    )


def _is_evidence(d: Distribution, threshold: float) -> bool:
    stance = max(d[FAVOR], d[AGAINST])
    return stance >= threshold and stance > d[NONE]


def _side(favor: float, against: float) -> str:
    return "favor" if favor >= against else "against"


def evidence_rule(threshold: float) -> Rule:
    """The engine's rule: evidence contents (favor or against largest and >= threshold); more summed probability
    of favor or against over them wins (favor on a tie); none without evidence."""

    def rule(dists: list[Distribution], texts: list[str], target: str) -> str:
        pool = [d for d in dists if _is_evidence(d, threshold)]
        if not pool:
            return "none"
        return _side(sum(d[FAVOR] for d in pool), sum(d[AGAINST] for d in pool))

    return rule


def strongest_rule(threshold: float) -> Rule:
    """One strong content against several weak: the evidence content with the largest favor or against decides."""

    def rule(dists: list[Distribution], texts: list[str], target: str) -> str:
        pool = [d for d in dists if _is_evidence(d, threshold)]
        if not pool:
            return "none"
        best = max(pool, key=lambda d: max(d[FAVOR], d[AGAINST]))
        return _side(best[FAVOR], best[AGAINST])

    return rule


def vote_rule(threshold: float) -> Rule:
    """Evidence contents vote with their own side; a tie goes to the engine's summed probabilities."""

    def rule(dists: list[Distribution], texts: list[str], target: str) -> str:
        pool = [d for d in dists if _is_evidence(d, threshold)]
        if not pool:
            return "none"
        favor = sum(d[FAVOR] >= d[AGAINST] for d in pool)
        if favor * 2 != len(pool):
            return "favor" if favor * 2 > len(pool) else "against"
        return _side(sum(d[FAVOR] for d in pool), sum(d[AGAINST] for d in pool))

    return rule


def mean_rule(threshold: float) -> Rule:
    """Mean distribution over all the speaker's contents; favor/against when largest and >= threshold."""

    def rule(dists: list[Distribution], texts: list[str], target: str) -> str:
        mean = [sum(d[k] for d in dists) / len(dists) for k in range(3)]
        return _side(mean[FAVOR], mean[AGAINST]) if _is_evidence(tuple(mean), threshold) else "none"

    return rule


def relevant_rule(threshold: float) -> Rule:
    """Evidence only from contents that mention the target (the engine's `mentions_target`); else none."""

    def rule(dists: list[Distribution], texts: list[str], target: str) -> str:
        kept = [d for d, text in zip(dists, texts) if mentions_target(text, target)]
        return evidence_rule(threshold)(kept, [], target) if kept else "none"

    return rule


def relevant_first_rule(threshold: float) -> Rule:
    """The evidence rule over the contents that mention the target when one of them is evidence, else over all."""

    def rule(dists: list[Distribution], texts: list[str], target: str) -> str:
        kept = [d for d, text in zip(dists, texts) if mentions_target(text, target)]
        if any(_is_evidence(d, threshold) for d in kept):
            return evidence_rule(threshold)(kept, [], target)
        return evidence_rule(threshold)(dists, [], target)

    return rule


def relevant_pool_rule(threshold: float) -> Rule:
    """The evidence rule over the contents that mention the target when there are any, else over all contents."""

    def rule(dists: list[Distribution], texts: list[str], target: str) -> str:
        kept = [d for d, text in zip(dists, texts) if mentions_target(text, target)]
        return evidence_rule(threshold)(kept or dists, [], target)

    return rule


def relevant_strongest_rule(threshold: float) -> Rule:
    """Relevant-only and strongest together: among the evidence contents that mention the target, the one with the
    largest favor or against decides; none without such a content."""

    def rule(dists: list[Distribution], texts: list[str], target: str) -> str:
        kept = [d for d, text in zip(dists, texts) if mentions_target(text, target)]
        return strongest_rule(threshold)(kept, [], target)

    return rule


def weighted_rule(threshold: float) -> Rule:
    """Evidence contents as the engine's; each weighs by its stance mass 1 - P(none) (relevance by the none
    probability): sum of favor·(1 - none) against sum of against·(1 - none)."""

    def rule(dists: list[Distribution], texts: list[str], target: str) -> str:
        pool = [d for d in dists if _is_evidence(d, threshold)]
        if not pool:
            return "none"
        return _side(sum(d[FAVOR] * (1 - d[NONE]) for d in pool), sum(d[AGAINST] * (1 - d[NONE]) for d in pool))

    return rule


def margin_rule(margin: float) -> Rule:
    """Mean of P(favor) - P(against) over all contents (the engine's matrix value for a cell without evidence):
    favor when >= margin, against when <= -margin, else none."""

    def rule(dists: list[Distribution], texts: list[str], target: str) -> str:
        value = sum(d[FAVOR] - d[AGAINST] for d in dists) / len(dists)
        if abs(value) < margin or value == 0:
            return "none"
        return "favor" if value > 0 else "against"

    return rule


def evidence_margin_rule(margin: float, threshold: float) -> Rule:
    """The engine's rule at the tier's threshold, a content being evidence only when |favor - against| >= margin
    too."""

    def rule(dists: list[Distribution], texts: list[str], target: str) -> str:
        pool = [d for d in dists if _is_evidence(d, threshold) and abs(d[FAVOR] - d[AGAINST]) >= margin]
        if not pool:
            return "none"
        return _side(sum(d[FAVOR] for d in pool), sum(d[AGAINST] for d in pool))

    return rule


def max_confidence_rule(dists: list[Distribution], texts: list[str], target: str) -> str:
    """The content whose largest probability (any class) is the highest decides, with its argmax."""
    best = max(dists, key=max)
    return LABELS[max(range(3), key=lambda k: best[k])]


# Families: name -> (parameter grid, rule of (parameter, the tier's threshold), what the parameter is).
FAMILIES: dict[str, tuple[list[float], Callable[[float, float], Rule], str]] = {
    "evidence": (GRID, lambda value, _: evidence_rule(value), "threshold"),
    "strongest": (GRID, lambda value, _: strongest_rule(value), "threshold"),
    "vote": (GRID, lambda value, _: vote_rule(value), "threshold"),
    "mean-all": (GRID, lambda value, _: mean_rule(value), "threshold"),
    "relevant-only": (GRID, lambda value, _: relevant_rule(value), "threshold"),
    "relevant-first": (GRID, lambda value, _: relevant_first_rule(value), "threshold"),
    "relevant-pool": (GRID, lambda value, _: relevant_pool_rule(value), "threshold"),
    "relevant-strongest": (GRID, lambda value, _: relevant_strongest_rule(value), "threshold"),
    "none-weighted": (GRID, lambda value, _: weighted_rule(value), "threshold"),
    "margin-mean": (MARGINS, lambda value, _: margin_rule(value), "margin"),
    "evidence-margin": (MARGINS, evidence_margin_rule, "margin"),
}


# ------------------------------------------------------------------------------------------------------- scoring


def scores(gold: list[str], predicted: list[str]) -> tuple[float, float]:
    """Accuracy and macro-F1 over favor/against/none."""
    f1s = []
    for label in LABELS:
        tp = sum(g == p == label for g, p in zip(gold, predicted))
        pred = sum(p == label for p in predicted)
        true = sum(g == label for g in gold)
        f1s.append(2 * tp / (pred + true) if pred + true else 0.0)
    return sum(g == p for g, p in zip(gold, predicted)) / len(gold), sum(f1s) / len(LABELS)


def sign_test(wins: int, losses: int) -> float:
    """Exact two-sided sign test p-value on the discordant cells."""
    n = wins + losses
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(wins, losses) + 1)) / 2**n
    return min(1.0, 2 * tail)


def bootstrap(cells: list[dict], base: list[str], other: list[str], reps: int = 2000, seed: int = 22) -> dict:
    """95% intervals of the difference (other - base) in accuracy and macro-F1, resampling whole articles."""
    by_article: dict[str, list[int]] = defaultdict(list)
    for index, cell in enumerate(cells):
        by_article[cell["article"]].append(index)
    groups = list(by_article.values())
    generator = random.Random(seed)
    accuracy, macro = [], []
    for _ in range(reps):
        sample = [i for _ in groups for i in generator.choice(groups)]
        gold = [cells[i]["label"] for i in sample]
        a1, m1 = scores(gold, [base[i] for i in sample])
        a2, m2 = scores(gold, [other[i] for i in sample])
        accuracy.append(a2 - a1)
        macro.append(m2 - m1)
    accuracy.sort()
    macro.sort()
    low, high = int(0.025 * reps), int(0.975 * reps) - 1
    return {"accuracy_ci": (accuracy[low], accuracy[high]), "macro_f1_ci": (macro[low], macro[high])}


def _predict(rule: Rule, cells: list[dict], dists: list[list[Distribution]]) -> list[str]:
    return [rule(d, cell["texts"], cell["target"]) for cell, d in zip(cells, dists)]


def _folds(cells: list[dict], count: int = 5, seed: int = 22) -> list[int]:
    articles = sorted({cell["article"] for cell in cells})
    random.Random(seed).shuffle(articles)
    fold = {article: index % count for index, article in enumerate(articles)}
    return [fold[cell["article"]] for cell in cells]


def _best(grid: list[float], predictions: dict[float, list[str]], gold: list[str], keep: list[int], near: float):
    """The parameter with the best accuracy on `keep` (then macro-F1, then nearest `near`)."""

    def key(value: float) -> tuple[float, float, float]:
        accuracy, macro = scores([gold[i] for i in keep], [predictions[value][i] for i in keep])
        return (accuracy, macro, -abs(value - near))

    return max(grid, key=key)


def evaluate(tier: str, cells: list[dict], table: dict[tuple[str, int, str], Distribution]) -> dict:
    threshold = THRESHOLDS[tier]
    dists = [[table[(cell["article"], i, cell["target"])] for i in cell["contents"]] for cell in cells]
    gold = [cell["label"] for cell in cells]
    current = _predict(evidence_rule(threshold), cells, dists)
    engine = [cell["engine"] for cell in cells]
    multi = [i for i, cell in enumerate(cells) if len(cell["contents"]) > 1]
    # Item level (each item's own content alone), the figure training.stance_news reports, for comparison.
    item_gold = [label for cell in cells for label in cell["item_labels"]]
    item_predicted = [
        evidence_rule(threshold)([table[(cell["article"], index, cell["target"])]], [], "")
        for cell in cells
        for index in cell["item_contents"]
    ]
    folds = _folds(cells)
    rows = []

    def row(name: str, predicted: list[str], parameter: str = "", cv: tuple[float, float] | None = None) -> None:
        accuracy, macro = scores(gold, predicted)
        wins = sum(p == g != c for p, g, c in zip(predicted, gold, current))
        losses = sum(c == g != p for p, g, c in zip(predicted, gold, current))
        multi_accuracy = sum(predicted[i] == gold[i] for i in multi) / len(multi) if multi else float("nan")
        entry = {
            "rule": name,
            "parameter": parameter,
            "accuracy": accuracy,
            "macro_f1": macro,
            "multi_content_accuracy": multi_accuracy,
            "differs_from_current": sum(p != c for p, c in zip(predicted, current)),
            "wins": wins,
            "losses": losses,
            "sign_p": sign_test(wins, losses),
            **bootstrap(cells, current, predicted),
        }
        if cv is not None:
            entry["cv_accuracy"], entry["cv_macro_f1"] = cv
        rows.append(entry)

    if None not in engine:
        row("engine (analyze)", engine)
    row(f"current: evidence @ {threshold:.2f}", current)
    row("max-confidence content", _predict(max_confidence_rule, cells, dists))
    row("mean-all argmax", _predict(mean_rule(0.0), cells, dists))
    row(f"mean-all @ {threshold:.2f}", _predict(mean_rule(threshold), cells, dists))
    for family in (
        "strongest",
        "vote",
        "relevant-only",
        "relevant-first",
        "relevant-pool",
        "relevant-strongest",
        "none-weighted",
    ):
        row(f"{family} @ {threshold:.2f}", _predict(FAMILIES[family][1](threshold, threshold), cells, dists))
    # Swept families: the best parameter on all cells, and its 5-fold (by article) cross-validated figure.
    swept: dict[str, dict[float, list[str]]] = {}
    for family, (grid, make, what) in FAMILIES.items():
        near = threshold if what == "threshold" else 0.0
        predictions = {value: _predict(make(value, threshold), cells, dists) for value in grid}
        swept[family] = predictions
        held = [""] * len(cells)
        for fold in range(5):
            train = [i for i, f in enumerate(folds) if f != fold]
            chosen = _best(grid, predictions, gold, train, near)
            for i, f in enumerate(folds):
                if f == fold:
                    held[i] = predictions[chosen][i]
        best = _best(grid, predictions, gold, list(range(len(cells))), near)
        row(f"{family} swept", predictions[best], f"{what} {best:.2f}", scores(gold, held))
    # The whole selection (family and parameter) cross-validated.
    held = [""] * len(cells)
    for fold in range(5):
        train = [i for i, f in enumerate(folds) if f != fold]
        options = [(family, value) for family, (grid, _, _) in FAMILIES.items() for value in grid]

        def key(option: tuple[str, float], train: list[int] = train) -> tuple[float, float]:
            predicted = swept[option[0]][option[1]]
            return scores([gold[i] for i in train], [predicted[i] for i in train])

        family, value = max(options, key=key)
        for i, f in enumerate(folds):
            if f == fold:
                held[i] = swept[family][value][i]
    selection_cv = scores(gold, held)
    curves = {family: {value: scores(gold, p) for value, p in swept[family].items()} for family in FAMILIES}
    return {
        "tier": tier,
        "threshold": threshold,
        "cells": len(cells),
        "gold": dict(Counter(gold)),
        "multi_content_cells": len(multi),
        "items": len(item_gold),
        "items_current_rule": scores(item_gold, item_predicted),
        "contents_per_cell": dict(sorted(Counter(len(cell["contents"]) for cell in cells).items())),
        "current_rule_reproduces_engine": sum(c == e for c, e in zip(current, engine)),
        "cells_with_engine_label": sum(e is not None for e in engine),
        "engine_basis": dict(Counter(cell["engine_basis"] for cell in cells)),
        "rows": rows,
        "selection_cv": selection_cv,
        "curves": curves,
        "confusion_current": {
            g: {p: sum(a == g and b == p for a, b in zip(gold, current)) for p in LABELS} for g in LABELS
        },
    }


def report(result: dict, stats: dict) -> str:
    lines = [
        f"tier {result['tier']}  threshold {result['threshold']:.2f}  cells {result['cells']} "
        f"(gold {', '.join(f'{k} {v}' for k, v in sorted(result['gold'].items()))}); "
        f"cells with several contents {result['multi_content_cells']}",
        f"contents per cell {result['contents_per_cell']}",
        "items (each on its own content, the current rule): accuracy {:.3f}, macro-F1 {:.3f} over {}".format(
            *result["items_current_rule"], result["items"]
        ),
        f"current rule (re-computed) = engine label on {result['current_rule_reproduces_engine']} of "
        f"{result['cells_with_engine_label']} analysed cells; engine basis {result['engine_basis']}",
        *(f"  {key}: {value}" for key, value in stats.items()),
        "",
        f"{'rule':<30}{'param':>16}{'acc':>7}{'mF1':>7}{'multi':>7}{'diff':>6}{'+':>4}{'-':>4}{'sign p':>8}"
        f"{'Δacc 95% CI':>18}{'ΔmF1 95% CI':>18}{'cv acc':>8}{'cv mF1':>8}",
    ]
    for row in result["rows"]:
        ci_a = "[{:+.3f},{:+.3f}]".format(*row["accuracy_ci"])
        ci_m = "[{:+.3f},{:+.3f}]".format(*row["macro_f1_ci"])
        cv = f"{row['cv_accuracy']:>8.3f}{row['cv_macro_f1']:>8.3f}" if "cv_accuracy" in row else ""
        lines.append(
            f"{row['rule']:<30}{row['parameter']:>16}{row['accuracy']:>7.3f}{row['macro_f1']:>7.3f}"
            f"{row['multi_content_accuracy']:>7.3f}{row['differs_from_current']:>6}{row['wins']:>4}{row['losses']:>4}"
            f"{row['sign_p']:>8.3f}{ci_a:>18}{ci_m:>18}{cv}"
        )
    accuracy, macro = result["selection_cv"]
    lines += [
        "",
        f"selecting family and parameter on 4 folds of articles, scored on the 5th: accuracy {accuracy:.3f}, "
        f"macro-F1 {macro:.3f}",
        "",
        "evidence-rule threshold curve (accuracy / macro-F1):",
        "  " + "  ".join(f"{t:.2f}:{a:.3f}/{m:.3f}" for t, (a, m) in result["curves"]["evidence"].items()),
        "",
        "confusion of the current rule (rows gold, columns predicted)",
        f"{'gold':<10}" + "".join(f"{p:>9}" for p in LABELS),
    ]
    for gold, row in result["confusion_current"].items():
        lines.append(f"{gold:<10}" + "".join(f"{row[p]:>9}" for p in LABELS))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=sorted(THRESHOLDS), default="fast", help="the tier")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=f"cache folder (default {DEFAULT_CACHE})")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--cells-out", type=Path, default=None, help="write the cells with their labels (JSONL)")
    parser.add_argument(
        "--analyze-max-pairs",
        type=int,
        default=None,
        help="skip `analyze` on articles with more (content, target) pairs (their attributions from the fast cache)",
    )
    args = parser.parse_args()
    os.environ.setdefault("STANCEKIT_MODELS", str(REPO_ROOT / "models"))
    items = load_items(args.data)
    contents(items, args.data_dir)  # the items still match the articles
    folder = args.cache / args.model
    fast_path = args.cache / "fast" / "analyses.jsonl"
    run_analyses(args.model, items, args.data_dir, folder / "analyses.jsonl", args.analyze_max_pairs, fast_path)
    analyses = load_analyses(folder / "analyses.jsonl")
    cells, stats = build_cells(items, analyses)
    predict_contents(args.model, cells, analyses, folder / "contents.jsonl")
    table = load_distributions(folder / "contents.jsonl")
    result = evaluate(args.model, cells, table)
    result["cell_stats"] = stats
    print(json.dumps(result, indent=2) if args.json else report(result, stats))
    if args.cells_out:
        with args.cells_out.open("w", encoding="utf-8") as handle:
            for cell in cells:
                handle.write(json.dumps({k: v for k, v in cell.items() if k != "texts"}) + "\n")


if __name__ == "__main__":
    main()
