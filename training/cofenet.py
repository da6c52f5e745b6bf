"""Scores stancekit's attribution tagger on PolNeAR the way CofeNet scores it (issue 21).

    python -m training.cofenet --model models/ner [--split test|dev] [--cofenet-dir DIR] [--json]
    python -m training.cofenet --from-mirror /work/.mirror/cofe-ai+CofeNet/repo   # fills --cofenet-dir first
    python -m training.cofenet --self-check                                       # the scorer's own checks

Data: CofeNet's tokenized PolNeAR pieces (Wang et al., *CofeNet: Context and Former-Label Enhanced Net for
Complicated Quotation Extraction*, COLING 2022; github.com/cofe-ai/CofeNet, commit 7904299e), `res/polnear/test.txt`
(1,814 pieces, 84 articles) and `valid.txt` (`--split dev`, 1,925 pieces): one JSON object a line with `tokens` and
BIO `labels` (O, B/I-source, B/I-cue, B/I-content). Nothing of CofeNet is copied here: the files are read from
`--cofenet-dir` (default /tmp/cofenet), which `--from-mirror GIT_DIR` fills from a bare clone with `git show`.

Scoring, re-implemented from `exe/eval/evaluation.py` (`evaluate_extraction`, `cal_evaluation_detail`,
`cal_overlap`) and `exe/eval/extraction.py` (`get_element`), as `run_eval.py` → `exe/executor.py` call them:

- pieces are cut to their first 300 tokens, gold labels and input alike (`max_seqs: 300` in every
  `conf/setting/pn_bert*.json`, applied by `utils/data.py` `load_data_from_file`; 10 test pieces are longer);
- spans come from BIO tags by `get_element`: a span opens at `B-X` and goes on over `I-X` of the same role; any
  other tag closes it, and an `I-` tag that does not continue a span is dropped (it opens nothing, unlike conlleval);
- per role, over all pieces together (micro): each gold span is a hit if a predicted span of that role has the same
  [start, end) token indices, else a miss; each predicted span not in gold is a false alarm. Precision, recall and
  F1 are sklearn's binary scores on those lists (0 when undefined); `acc` = hits / (hits + misses + false alarms).
  Exact tokens: punctuation at span edges is NOT forgiven (`evaluation.py` has no such rule; a content that ends
  before its closing `, ''` is a miss). The paper's PolNeAR "Exact Match" F1 (BERT 81.1 / 74.0 / 68.9, BERT + Cofe
  83.2 / 75.3 / 72.9, source / cue / content; `docs/cofenet-detail-exp.pdf`) is this `exact` F1;
- `begin`: the same on span start indices only; `jaccard`: the mean, over gold spans and over predicted spans that
  overlap no gold span, of the best overlap (|a ∩ b| / (max end - min start)) of each gold span, 0 for the others.

stancekit's side: each piece's text is its (cut) tokens joined by single spaces, with a map from token to character
offsets; `EntityRecognizer(model, head="attribution")` gives the head's raw spans (`tags`) and
`AttributionExtractor(model)` the assembled relations (`relations`: each distinct source, cue and content range).
A predicted character span covers the tokens it overlaps; the spans are painted onto the tokens as B-/I- tags of
their role in text order (a token claimed twice keeps the later span's tag; counted in `token_conflicts`) and the
tags go through `get_element` like a CofeNet model's output. `--strip-punct` also prints a non-CofeNet variant in
which punctuation tokens at the edges of gold and predicted spans are dropped before matching.

Predictions are cached in /tmp/stancekit-cofenet-<split>-<hash>.json (keyed on the model files and the pieces).

Checked: `--self-check` (gold as prediction 1.000 on test and dev, also through character spans and back; every
tag moved one token right 0.000; the example at the foot of `evaluation.py`), and CofeNet's own
`evaluate_extraction` (run outside this repository on the tags below) gives the same exact, begin and jaccard
figures to 1e-12.

Test, models/ner (the fast tagger, stage 4), run once (AMD EPYC, 2 shared cores, load ~3.5; 89 s for the tags,
98 s for the relations): `python -m training.cofenet --model models/ner --split test --strip-punct`.
1,814 pieces (1,662 distinct texts: two articles come with six annotators each), 77,836 tokens after the cut;
gold spans: source 1,832, cue 2,156, content 2,562. Exact-match F1 (precision / recall) of the raw tags
(`EntityRecognizer`, attribution head) and the assembled relations (`AttributionExtractor`):

| spans | source | cue | content |
|---|---|---|---|
| raw tags | 0.633 (0.562 / 0.725) | 0.643 (0.596 / 0.699) | 0.509 (0.440 / 0.603) |
| assembled relations | 0.656 (0.645 / 0.668) | 0.652 (0.650 / 0.654) | 0.318 (0.289 / 0.354) |
| raw tags, edge punctuation dropped (not CofeNet) | 0.652 | 0.644 | 0.527 |
| relations, edge punctuation dropped (not CofeNet) | 0.694 | 0.661 | 0.564 |
| BERT-base tagger / BERT + CofeNet (paper) | 0.811 / 0.832 | 0.740 / 0.753 | 0.689 / 0.729 |

Begin F1: tags 0.718 / 0.729 / 0.635, relations 0.743 / 0.723 / 0.667; jaccard: tags 0.574 / 0.584 / 0.582,
relations 0.609 / 0.579 / 0.596. Predicted spans not on token edges (the engine cuts "Mr." or "'s"): 114 tags, 78
relations; tokens claimed twice: 17 and 9.

Issue 21's 0.69 / 0.66 / 0.32 look like relations figures under a looser rule than CofeNet's (its scorer is not in
the repository; this is a reconstruction): dropping edge tokens that are single punctuation characters
(`token in string.punctuation`, which keeps the PTB quote tokens `` and '') gives 0.690 / 0.661 / 0.327 here.
Under CofeNet's own rule (nothing forgiven) relations' content is 0.318: CofeNet's gold contents keep their quotation
marks (776 of 2,562 end with '', 605 start with ``), while the relations trim quotes and punctuation at content
edges; the raw tags keep more of them (content 0.509).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_COFENET_DIR = Path("/tmp/cofenet")
MAX_TOKENS = 300  # CofeNet's `max_seqs` for PolNeAR (conf/setting/pn_bert*.json)
ROLES = ("source", "cue", "content")
SPLIT_FILES = {"test": "test.txt", "dev": "valid.txt"}
MODES = ("tags", "relations")
PUBLISHED = {
    "BERT-base tagger (paper)": {"source": 0.811, "cue": 0.740, "content": 0.689},
    "BERT + CofeNet (paper)": {"source": 0.832, "cue": 0.753, "content": 0.729},
}
_PUNCT = set("\"'`.,;:!?()[]{}-–—…/“”‘’«»") | {"``", "''", "--", "-LRB-", "-RRB-", "-LSB-", "-RSB-", "..."}

Span = tuple[int, int]


# ---------------------------------------------------------------------------------------------------------------
# CofeNet's scoring (exe/eval/extraction.py get_element, exe/eval/evaluation.py), re-implemented


def get_element(labels: Sequence[str]) -> dict[str, list[Span]]:
    """Role -> [start, end) token spans of a BIO sequence, by `extraction.py` `get_element`'s rules."""
    found: dict[str, list[Span]] = {}
    role, start = None, -1
    for index, label in enumerate(labels):
        if label == "<IGN>":
            break
        if role is not None and not (label.startswith("I-") and label[2:] == role):
            found[role].append((start, index))
            role = None
        if label.startswith("B-"):
            role, start = label[2:], index
            found.setdefault(role, [])
    else:
        if role is not None:
            found[role].append((start, len(labels)))
            role = None
    if role is not None:  # stopped at <IGN>
        found[role].append((start, index))
    return found


def _overlap(a: Span, b: Span) -> float:
    """`evaluation.py` `cal_overlap`: the shared length over the covered extent, at least 0."""
    shared = min(a[1] - b[0], b[1] - a[0], b[1] - b[0], a[1] - a[0])
    return max(0.0, shared / (max(a[1], b[1]) - min(a[0], b[0])))


def match_lists(gold: list, predicted: list, kind: str) -> tuple[list[int], list[float]]:
    """`evaluation.py` `cal_evaluation_detail`: parallel (true, predicted) lists for one piece and role."""
    if kind == "begin":
        gold, predicted = [s[0] for s in gold], [s[0] for s in predicted]
    trues: list[int] = []
    preds: list[float] = []
    for span in gold:
        trues.append(1)
        if span in predicted:
            preds.append(1)
        elif kind == "jaccard":
            preds.append(max((_overlap(span, other) for other in predicted), default=0))
        else:
            preds.append(0)
    for span in predicted:
        if span in gold:
            continue
        if kind == "jaccard" and gold and max(_overlap(span, other) for other in gold) > 0:
            continue
        trues.append(0)
        preds.append(1)
    return trues, preds


def _binary(trues: list[int], preds: list[float]) -> dict[str, float | int]:
    """sklearn's binary precision / recall / F1 (0 when undefined) and accuracy on the lists."""
    hits = sum(1 for t, p in zip(trues, preds) if t == 1 and p == 1)
    misses = sum(1 for t, p in zip(trues, preds) if t == 1 and p != 1)
    false_alarms = sum(1 for t, p in zip(trues, preds) if t != 1 and p == 1)
    precision = hits / (hits + false_alarms) if hits + false_alarms else 0.0
    recall = hits / (hits + misses) if hits + misses else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = sum(1 for t, p in zip(trues, preds) if t == p) / len(trues) if trues else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "acc": accuracy,
        "gold": hits + misses,
        "predicted": hits + false_alarms,
        "hits": hits,
    }


def evaluate_extraction(gold_bio: Iterable[Sequence[str]], predicted_bio: Iterable[Sequence[str]]) -> dict:
    """`evaluation.py` `evaluate_extraction` for the span metrics: kind (exact, begin, jaccard) -> role -> scores."""
    lists = {kind: {role: ([], []) for role in ROLES} for kind in ("exact", "begin", "jaccard")}
    for gold_tags, predicted_tags in zip(gold_bio, predicted_bio, strict=True):
        gold, predicted = get_element(gold_tags), get_element(predicted_tags)
        for role in ROLES:
            for kind, by_role in lists.items():
                trues, preds = match_lists(gold.get(role, []), predicted.get(role, []), kind)
                by_role[role][0].extend(trues)
                by_role[role][1].extend(preds)
    result: dict = {}
    for kind, by_role in lists.items():
        for role, (trues, preds) in by_role.items():
            if kind == "jaccard":
                value = sum(t * p for t, p in zip(trues, preds)) / len(trues) if trues else float("nan")
                result.setdefault(kind, {})[role] = value
            else:
                result.setdefault(kind, {})[role] = _binary(trues, preds)
    return result


# ---------------------------------------------------------------------------------------------------------------
# Pieces, texts and predictions


def read_pieces(cofenet_dir: Path, split: str, max_tokens: int = MAX_TOKENS) -> list[dict]:
    path = cofenet_dir / "res" / "polnear" / SPLIT_FILES[split]
    if not path.exists():
        sys.exit(f"{path} not found: pass --cofenet-dir, or --from-mirror GIT_DIR to fill {cofenet_dir}")
    pieces = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            tokens, labels = row["tokens"], row["labels"]
            assert len(tokens) == len(labels)
            if max_tokens > 0:
                tokens, labels = tokens[:max_tokens], labels[:max_tokens]
            pieces.append({"id": row.get("id"), "tokens": tokens, "labels": labels})
    return pieces


def from_mirror(git_dir: Path, cofenet_dir: Path) -> None:
    """Writes CofeNet's PolNeAR test, valid and tag files from a bare clone into `cofenet_dir`."""
    target = cofenet_dir / "res" / "polnear"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("test.txt", "valid.txt", "tag.txt"):
        blob = subprocess.run(
            ["git", f"--git-dir={git_dir}", "show", f"HEAD:res/polnear/{name}"], check=True, capture_output=True
        ).stdout
        (target / name).write_bytes(blob)


def text_of(tokens: Sequence[str]) -> tuple[str, list[Span]]:
    """The tokens joined by single spaces, and each token's character range in it."""
    offsets, position = [], 0
    for token in tokens:
        offsets.append((position, position + len(token)))
        position += len(token) + 1
    return " ".join(tokens), offsets


def _cache_path(model: Path, split: str, texts: list[str]) -> Path:
    digest = hashlib.sha256()
    for path in sorted(p for p in model.iterdir() if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    digest.update("\n".join(texts).encode())
    return Path("/tmp") / f"stancekit-cofenet-{split}-{digest.hexdigest()[:16]}.json"


def predict(model: Path, split: str, texts: list[str], use_cache: bool = True) -> dict:
    """Per mode, per text, the predicted [role, start, end] character spans; cached in /tmp."""
    cache = _cache_path(model, split, texts)
    if use_cache and cache.exists():
        return json.loads(cache.read_text())
    import stancekit

    found: dict = {"model": str(model), "seconds": {}}
    started = time.perf_counter()
    recognizer = stancekit.EntityRecognizer(model, head="attribution")
    found["tags"] = [
        [[entity.label.lower(), entity.start, entity.end] for entity in entities]
        for entities in recognizer.predict_batch(texts)
    ]
    found["seconds"]["tags"] = time.perf_counter() - started
    started = time.perf_counter()
    extractor = stancekit.AttributionExtractor(model)
    relations_spans = []
    for relations in extractor.predict_batch(texts):
        spans: list = []
        for relation in relations:
            parts = [("source", relation.source), ("cue", relation.cue), *(("content", p) for p in relation.content)]
            for role, part in parts:
                if part is not None and [role, part.start, part.end] not in spans:
                    spans.append([role, part.start, part.end])
        relations_spans.append(sorted(spans, key=lambda s: (s[1], s[2])))
    found["relations"] = relations_spans
    found["seconds"]["relations"] = time.perf_counter() - started
    cache.write_text(json.dumps(found))
    return found


def to_bio(spans: Iterable[Sequence], offsets: list[Span], stats: dict) -> list[str]:
    """BIO tags over the tokens from predicted [role, start, end] character spans (each covers the tokens it
    overlaps), painted in text order."""
    tags = ["O"] * len(offsets)
    owner = [-1] * len(offsets)
    starts, ends = {s for s, _ in offsets}, {e for _, e in offsets}
    for number, (role, start, end) in enumerate(sorted(spans, key=lambda s: (s[1], s[2]))):
        covered = [i for i, (s, e) in enumerate(offsets) if s < end and e > start]
        if not covered:
            stats["spans_past_cut"] += 1  # beyond the last token kept (cannot happen with the cut text)
            continue
        if start not in starts or end not in ends:
            stats["spans_off_token_edges"] += 1
        for position, index in enumerate(covered):
            if owner[index] >= 0:
                stats["token_conflicts"] += 1
            owner[index] = number
            tags[index] = ("B-" if position == 0 else "I-") + role
    return tags


def strip_punct(tags: Sequence[str], tokens: Sequence[str]) -> list[str]:
    """A non-CofeNet variant: each span loses the punctuation tokens at its edges (O), then is re-tagged."""
    result = ["O"] * len(tags)
    for role, spans in get_element(tags).items():
        for start, end in spans:
            while start < end and tokens[start] in _PUNCT:
                start += 1
            while end > start and tokens[end - 1] in _PUNCT:
                end -= 1
            for index in range(start, end):
                result[index] = ("B-" if index == start else "I-") + role
    return result


def score(model: Path, cofenet_dir: Path, split: str, max_tokens: int, punct: bool, use_cache: bool) -> dict:
    pieces = read_pieces(cofenet_dir, split, max_tokens)
    texts, offsets = zip(*(text_of(piece["tokens"]) for piece in pieces), strict=True)
    predictions = predict(model, split, list(texts), use_cache)
    gold = [piece["labels"] for piece in pieces]
    result: dict = {
        "split": split,
        "file": str(cofenet_dir / "res" / "polnear" / SPLIT_FILES[split]),
        "pieces": len(pieces),
        "tokens": sum(len(p["tokens"]) for p in pieces),
        "max_tokens": max_tokens,
        "model": str(model),
        "inference_seconds": predictions["seconds"],
        "scores": {},
    }
    for mode in MODES:
        stats = {"spans_off_token_edges": 0, "token_conflicts": 0, "spans_past_cut": 0}
        predicted = [to_bio(s, o, stats) for s, o in zip(predictions[mode], offsets, strict=True)]
        result["scores"][mode] = evaluate_extraction(gold, predicted)
        result["scores"][mode]["mapping"] = stats
        if punct:
            tokens = [p["tokens"] for p in pieces]
            result["scores"][f"{mode}, punctuation at edges dropped (not CofeNet)"] = evaluate_extraction(
                [strip_punct(g, t) for g, t in zip(gold, tokens)],
                [strip_punct(p, t) for p, t in zip(predicted, tokens)],
            )
    return result


def table(result: dict) -> str:
    lines = [
        f"PolNeAR {result['split']} as CofeNet scores it: {result['pieces']} pieces, {result['tokens']} tokens "
        f"(cut at {result['max_tokens']}), {result['model']}",
        "",
        "| spans | exact F1 source | cue | content | P / R source | P / R cue | P / R content |"
        " begin F1 src / cue / cnt | jaccard src / cue / cnt |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for mode, scores in result["scores"].items():
        exact, begin, jaccard = scores["exact"], scores["begin"], scores["jaccard"]
        pr = [f"{exact[r]['precision']:.3f} / {exact[r]['recall']:.3f}" for r in ROLES]
        lines.append(
            f"| {mode} | "
            + " | ".join(f"{exact[r]['f1']:.3f}" for r in ROLES)
            + " | "
            + " | ".join(pr)
            + " | "
            + " / ".join(f"{begin[r]['f1']:.3f}" for r in ROLES)
            + " | "
            + " / ".join(f"{jaccard[r]:.3f}" for r in ROLES)
            + " |"
        )
    for name, figures in PUBLISHED.items():
        lines.append(f"| {name} | " + " | ".join(f"{figures[r]:.3f}" for r in ROLES) + " | | | | | |")
    lines.append("")
    counts = result["scores"]["tags"]["exact"]
    lines.append("gold spans: " + ", ".join(f"{r} {counts[r]['gold']}" for r in ROLES))
    for mode in MODES:
        lines.append(f"{mode}: mapping {result['scores'][mode]['mapping']}")
    lines.append(f"inference seconds: {result['inference_seconds']}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# The scorer's own checks


def self_check(cofenet_dir: Path | None = None) -> None:
    """Gold as prediction scores 1.0; a span shifted by one token, cut short or retyped is no hit; the rules of
    `get_element`; the example at the foot of `evaluation.py` (cue exact and begin F1 2/3, jaccard 5/6, as the
    original prints)."""
    assert get_element(["B-source", "I-cue", "B-cue", "I-cue", "O", "I-content", "B-content"]) == {
        "source": [(0, 1)],
        "cue": [(2, 4)],
        "content": [(6, 7)],
    }
    assert get_element(["B-cue", "I-cue", "<IGN>", "B-cue"]) == {"cue": [(0, 2)]}
    gold = [["O", "B-source", "I-source", "B-cue", "B-content", "I-content", "I-content", "O"]]
    perfect = evaluate_extraction(gold, gold)
    assert all(perfect["exact"][r]["f1"] == 1.0 and perfect["jaccard"][r] == 1.0 for r in ROLES)
    shifted = [["O", "O", "B-source", "I-source", "B-cue", "B-content", "I-content", "I-content"]]
    moved = evaluate_extraction(gold, shifted)
    assert all(moved["exact"][r]["hits"] == 0 for r in ROLES), moved
    short = [["O", "B-source", "O", "B-cue", "B-content", "I-content", "O", "O"]]
    cut = evaluate_extraction(gold, short)
    assert cut["exact"]["source"]["f1"] == 0 and cut["exact"]["content"]["f1"] == 0
    assert cut["exact"]["cue"]["f1"] == 1 and cut["begin"]["content"]["f1"] == 1
    retyped = [["O", "B-cue", "I-cue", "B-cue", "B-content", "I-content", "I-content", "O"]]
    assert evaluate_extraction(gold, retyped)["exact"]["source"]["hits"] == 0
    # evaluation.py's __main__ example
    true_test = ["B-cue", "I-cue", "O", "B-cue", "I-cue", "I-cue", "B-content", "I-content", "I-content"]
    true_test += ["O"] * 7 + ["B-source", "B-cue", "I-cue", "I-cue", "B-content", "I-content", "I-content"]
    true_test += ["O"] * 7 + ["B-content"] + ["O"] * 7
    pred_test = ["O", "B-cue", *true_test[2:]]
    example = evaluate_extraction([true_test], [pred_test])
    assert abs(example["exact"]["cue"]["f1"] - 2 / 3) < 1e-9 and abs(example["begin"]["cue"]["f1"] - 2 / 3) < 1e-9
    assert abs(example["jaccard"]["cue"] - 5 / 6) < 1e-9 and example["exact"]["content"]["f1"] == 1.0
    # character spans -> tokens -> tags
    text, offsets = text_of(["Obama", "said", "``", "yes", "''", "."])
    assert text == "Obama said `` yes '' ." and offsets[3] == (14, 17)
    stats = {"spans_off_token_edges": 0, "token_conflicts": 0, "spans_past_cut": 0}
    assert to_bio([["content", 14, 17], ["source", 0, 5], ["cue", 6, 10]], offsets, stats) == [
        "B-source",
        "B-cue",
        "O",
        "B-content",
        "O",
        "O",
    ]
    assert to_bio([["content", 11, 20]], offsets, stats)[2:5] == ["B-content", "I-content", "I-content"]
    assert stats == {"spans_off_token_edges": 0, "token_conflicts": 0, "spans_past_cut": 0}
    assert strip_punct(["B-content", "I-content", "I-content", "O"], ["``", "yes", "''", "."]) == [
        "O",
        "B-content",
        "O",
        "O",
    ]
    print("scorer checks: ok")
    if cofenet_dir is not None:
        for split in SPLIT_FILES:
            try:
                pieces = read_pieces(cofenet_dir, split)
            except SystemExit:
                continue
            labels = [piece["labels"] for piece in pieces]
            result = evaluate_extraction(labels, labels)
            assert all(result["exact"][r]["f1"] == 1.0 for r in ROLES)
            rebuilt = []
            for piece in pieces:
                _, offsets = text_of(piece["tokens"])
                spans = [
                    [role, offsets[s][0], offsets[e - 1][1]]
                    for role, found in get_element(piece["labels"]).items()
                    for s, e in found
                ]
                rebuilt.append(to_bio(spans, offsets, stats))
            assert rebuilt == labels, "gold -> character spans -> tags does not give the gold tags back"
            shifted_labels = [["O", *tags[:-1]] for tags in labels]
            moved = evaluate_extraction(labels, shifted_labels)
            print(
                f"{split}: gold as prediction exact F1 "
                + " / ".join(f"{result['exact'][r]['f1']:.3f}" for r in ROLES)
                + " (also through character spans); every tag moved one token right: "
                + " / ".join(f"{moved['exact'][r]['f1']:.3f}" for r in ROLES)
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=REPO_ROOT / "models" / "ner")
    parser.add_argument("--split", choices=sorted(SPLIT_FILES), default="test")
    parser.add_argument("--cofenet-dir", type=Path, default=DEFAULT_COFENET_DIR)
    parser.add_argument("--from-mirror", type=Path, metavar="GIT_DIR", help="fill --cofenet-dir from a bare clone")
    parser.add_argument("--max-tokens", type=int, default=MAX_TOKENS, help="cut pieces as CofeNet does (0: never)")
    parser.add_argument("--strip-punct", action="store_true", help="also score with edge punctuation dropped")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--self-check", action="store_true", help="run the scorer's checks and stop")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args()
    if args.from_mirror:
        from_mirror(args.from_mirror, args.cofenet_dir)
    if args.self_check:
        self_check(args.cofenet_dir)
        return
    result = score(args.model, args.cofenet_dir, args.split, args.max_tokens, args.strip_punct, not args.no_cache)
    print(json.dumps(result, indent=2) if args.json else table(result))


if __name__ == "__main__":
    main()
