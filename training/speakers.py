"""Speaker resolution of `stancekit.analyze`, scored on the hand-labelled PolNeAR dev set `speakers_dev.jsonl`.

    python -m training.speakers --model fast [--data-dir ../shared/data] [--limit N] [--errors]

Each item of `training/speakers_dev.jsonl` is a gold PolNeAR dev relation (article, relation index, source / cue /
content ranges) with the referent of its source labelled by hand (see `training/SPEAKERS_DEV.md`): an entity of the
document (its name and the offsets of its fullest-name mention), a group, the author, or unclear (not scored).

For each item, the attribution of `analyze` whose content overlaps the gold content most (in characters) is taken;
none overlapping is "missed". analyze's speaker is then read as one of three kinds: "author"; an entity (the name of
one of the analysis's document entities labelled PER, ORG or LOC); or a group (any other speaker: one named by its
source, or a MISC document entity such as "Democrats"). A speaker is junk when it is a bare pronoun or relative
pronoun, a document ("the report", "a review of records"), a fragment (starting "which", "and", "per", ...), or a
document entity made of common words only ("Federal" from "Federal investigators", "The", "Fellow"). It is right when:

- gold entity: analyze's speaker is a non-junk document entity with a mention overlapping the gold fullest-name
  mention, or whose name equals the gold name (case and "the" aside);
- gold group: analyze's speaker is a non-junk group speaker. Which group is not checked: "officials" for "federal
  investigators" counts. `lenient` also accepts an entity that the label lists as a member ("Grassley and Leahy"
  -> Grassley);
- gold author: analyze says "author".

Wrong answers get an error kind: author for a speaker, speaker for author text, wrong entity, name not joined (a
separate entity whose name is part of the gold name, or its initials: "Mr. Trump", "S.E.C."), group for an entity,
entity for a group, junk speaker (pronoun | relative | document | fragment | common word), missed. The summary
prints as JSON, then as a table; `--errors` lists each wrong item (article and offsets, source text).
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEV_SET = Path(__file__).resolve().parent / "speakers_dev.jsonl"
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"

PRONOUNS = {
    "he", "she", "it", "they", "we", "i", "you", "him", "her", "them", "us", "me", "his", "its", "their", "our",
    "this", "these", "those", "one", "someone", "some", "many", "others",
}  # fmt: skip
RELATIVES = {"who", "which", "that", "whom", "whose", "what"}
FRAGMENT_STARTS = RELATIVES | {"and", "but", "or", "per", "when", "while", "if", "because", "although", "to"}
DOCUMENT_WORDS = {
    "report", "statement", "piece", "article", "memo", "poll", "polls", "study", "studies", "document", "complaint",
    "tweet", "book", "account", "rules", "bylaws", "letter", "survey", "review", "records", "data", "statistics",
    "research", "analysis", "editorial", "essay", "commentary", "convention", "charter", "program", "case",
}  # fmt: skip


def _norm(name: str) -> str:
    name = name.lower().replace("’", "'").strip()
    name = re.sub(r"^(the|a|an)\s+", "", name)
    return re.sub(r"\s+", " ", name.removesuffix("'s"))


TITLES = {"the", "a", "an", "mr.", "mrs.", "ms.", "dr.", "rep.", "sen.", "gov.", "president", "secretary", "general"}
DETERMINERS = {"a", "an", "the", "one", "this", "that", "some", "former", "new"}


def _words(name: str) -> set[str]:
    return {w.rstrip(".") for w in re.findall(r"[a-z0-9@][a-z0-9@.\-]*", _norm(name)) if w not in TITLES} - {""}


def _initials(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[a-z]+", name.lower()) if w not in {"and", "of", "the", "for"})


def name_not_joined(predicted: str, gold: str) -> bool:
    """Whether `predicted` is a short form of `gold` (or the reverse): part of its words, or its initials."""
    pred, full = _words(predicted), _words(gold)
    if pred and full and (pred <= full or full <= pred):
        return True
    letters = re.sub(r"[^a-z]", "", predicted.lower())
    return len(letters) >= 2 and letters == _initials(gold)


def common_word_entity(name: str, text: str) -> bool:
    """A document entity that is only determiners ("The", "A", "One") or one capitalised word that the text also
    writes in lower case ("Federal" from "Federal investigators", "Fellow"): a common word taken for a name."""
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’\-]*", name) if w.lower() not in DETERMINERS]
    if not words:
        return True
    if len(words) > 1 or not words[0][0].isupper():
        return False
    return re.search(r"(?<![A-Za-z@#])" + re.escape(words[0].lower()) + r"(?![A-Za-z])", text) is not None


def junk_kind(speaker: str) -> str | None:
    """Why a group speaker's name cannot be a speaker, or None: "pronoun", "relative", "document", "fragment"."""
    words = re.findall(r"[a-z]+", speaker.lower())
    if not words:
        return "fragment"
    if len(words) == 1 and words[0] in RELATIVES:
        return "relative"
    if all(word in PRONOUNS for word in words):
        return "pronoun"
    if words[-1] in DOCUMENT_WORDS or (len(words) > 1 and words[0] in DOCUMENT_WORDS):
        return "document"
    if words[0] in FRAGMENT_STARTS:
        return "fragment"
    return None


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


@dataclass
class Outcome:
    """One scored item: its gold kind, what analyze said, right or the error kind."""

    item: dict[str, Any]
    predicted: str  # the speaker, "" when missed
    predicted_kind: str  # "entity", "group", "author" or "missed"
    right: bool
    error: str | None = None
    lenient_right: bool = False
    speaker_source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def score_item(item: dict[str, Any], analysis: Any) -> Outcome:
    """Compares analyze's speaker for the gold relation `item` with its label."""
    label = item["label"]
    kind = label["kind"]
    content = [tuple(r) for r in item["content"]]
    best, best_overlap = None, 0
    for attribution in analysis.attributions:
        shared = _overlap(content, [(part.start, part.end) for part in attribution.content])
        if shared > best_overlap:
            best, best_overlap = attribution, shared
    if best is None:
        return Outcome(item, "", "missed", False, "missed (no overlapping content)")
    speaker = best.speaker
    source = best.source.text if best.source is not None else None
    entities = {entity.name: entity for entity in analysis.entities}
    if speaker == "author":
        predicted_kind = "author"
    elif speaker in entities and entities[speaker].label != "MISC":
        predicted_kind = "entity"
    else:  # a group named by its source, or a MISC entity ("Democrats", "Republicans")
        predicted_kind = "group"
    junk = None
    if speaker in entities:
        junk = "common word" if common_word_entity(speaker, analysis.text) else None
    elif predicted_kind != "author":
        junk = junk_kind(speaker)

    def is_referent(name: str, mention: list[int] | None) -> bool:
        if predicted_kind != "entity":
            return False
        if _norm(speaker) == _norm(name):
            return True
        if mention is None:
            return False
        return any(m.start < mention[1] and mention[0] < m.end for m in entities[speaker].mentions)

    outcome = Outcome(item, speaker, predicted_kind, False, speaker_source=source)
    if kind == "author":
        outcome.right = predicted_kind == "author"
        if not outcome.right:
            outcome.error = "speaker for author text"
    elif kind == "entity":
        outcome.right = junk is None and is_referent(label["name"], label.get("mention"))
        if outcome.right:
            pass
        elif predicted_kind == "author":
            outcome.error = "author for a speaker"
        elif junk is not None:
            outcome.error = f"junk speaker ({junk})"
        elif predicted_kind == "entity":
            outcome.error = "name not joined" if name_not_joined(speaker, label["name"]) else "wrong entity"
        else:
            outcome.error = "group for an entity"
    elif kind == "group":
        outcome.right = predicted_kind == "group" and junk is None
        members = label.get("members", [])
        outcome.lenient_right = outcome.right or any(is_referent(m["name"], m["mention"]) for m in members)
        if outcome.right:
            pass
        elif predicted_kind == "author":
            outcome.error = "author for a speaker"
        elif junk is not None:
            outcome.error = f"junk speaker ({junk})"
        else:
            outcome.error = "entity for a group"
    if kind != "group":
        outcome.lenient_right = outcome.right
    return outcome


def load_items(path: Path = DEV_SET) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _rate(right: int, total: int) -> float | None:
    return round(right / total, 4) if total else None


def summarize(outcomes: list[Outcome]) -> dict[str, Any]:
    """Accuracy overall, by gold kind and by case tag; missed; error kinds; referents split over speakers."""
    scored = [o for o in outcomes if o.item["label"]["kind"] != "unclear"]
    with_source = [o for o in scored if o.item["source"]]
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in ("entity", "group", "author"):
        group = [o for o in scored if o.item["label"]["kind"] == kind]
        by_kind[kind] = {
            "items": len(group),
            "right": sum(o.right for o in group),
            "accuracy": _rate(sum(o.right for o in group), len(group)),
        }
    by_kind["group"]["accuracy_lenient"] = _rate(
        sum(o.lenient_right for o in scored if o.item["label"]["kind"] == "group"), by_kind["group"]["items"]
    )
    by_case: dict[str, dict[str, Any]] = {}
    for case in sorted({c for o in scored for c in o.item.get("cases", [])}):
        group = [o for o in scored if case in o.item.get("cases", [])]
        by_case[case] = {"items": len(group), "accuracy": _rate(sum(o.right for o in group), len(group))}
    errors = collections.Counter(o.error for o in scored if o.error)
    predicted = collections.Counter(f"{o.item['label']['kind']} -> {o.predicted_kind}" for o in scored)
    # A referent (entity or named group) with several items: how many distinct speakers analyze gave it.
    referents: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    for o in scored:
        label = o.item["label"]
        if label["kind"] in ("entity", "group") and o.predicted_kind in ("entity", "group"):
            key = (o.item["article"], label["kind"] + ":" + label["name"])
            referents[key].add(o.predicted)
            counts[key] += 1
    several = [key for key, n in counts.items() if n >= 2]
    split = [key for key in several if len(referents[key]) > 1]
    return {
        "items": len(outcomes),
        "articles": len({o.item["article"] for o in outcomes}),
        "scored": len(scored),
        "unclear_excluded": len(outcomes) - len(scored),
        "accuracy": _rate(sum(o.right for o in scored), len(scored)),
        "accuracy_lenient": _rate(sum(o.lenient_right for o in scored), len(scored)),
        "with_source": {
            "items": len(with_source),
            "accuracy": _rate(sum(o.right for o in with_source), len(with_source)),
        },
        "missed": sum(o.predicted_kind == "missed" for o in scored),
        "by_kind": by_kind,
        "by_case": by_case,
        "errors": dict(errors.most_common()),
        "gold_to_predicted_kind": dict(sorted(predicted.items())),
        "referents_with_2plus_items": len(several),
        "referents_split_over_speakers": len(split),
    }


def table(summary: dict[str, Any], tier: str) -> str:
    def pct(value: float | None) -> str:
        return "  -  " if value is None else f"{100 * value:5.1f}%"

    lines = [
        f"Speaker resolution, tier {tier}: {summary['scored']} scored items ({summary['unclear_excluded']} unclear "
        f"excluded), {summary['articles']} articles",
        f"  accuracy {pct(summary['accuracy'])}   (lenient {pct(summary['accuracy_lenient'])}; items with a source "
        f"span {pct(summary['with_source']['accuracy'])} of {summary['with_source']['items']})   "
        f"missed {summary['missed']}",
        "",
        f"  {'gold kind':<12}{'items':>6}{'right':>7}{'accuracy':>10}",
    ]
    for kind, row in summary["by_kind"].items():
        extra = f"   lenient {pct(row['accuracy_lenient'])}" if "accuracy_lenient" in row else ""
        lines.append(f"  {kind:<12}{row['items']:>6}{row['right']:>7}{pct(row['accuracy']):>10}{extra}")
    lines += ["", f"  {'case':<21}{'items':>6}{'accuracy':>10}"]
    for case, row in summary["by_case"].items():
        lines.append(f"  {case:<21}{row['items']:>6}{pct(row['accuracy']):>10}")
    lines += ["", f"  {'error':<32}{'items':>6}"]
    for error, n in summary["errors"].items():
        lines.append(f"  {error:<32}{n:>6}")
    lines += ["", f"  {'gold -> analyze':<32}{'items':>6}"]
    for pair, n in summary["gold_to_predicted_kind"].items():
        lines.append(f"  {pair:<32}{n:>6}")
    lines.append(
        f"\n  referents with 2+ items given to several speakers: {summary['referents_split_over_speakers']} of "
        f"{summary['referents_with_2plus_items']}"
    )
    return "\n".join(lines)


def run(tier: str, data_dir: Path, limit: int | None, dev_set: Path = DEV_SET) -> tuple[dict[str, Any], list]:
    import stancekit
    from training.polnear import read_split

    items = load_items(dev_set)
    names = list(dict.fromkeys(item["article"] for item in items))
    if limit is not None:
        names = names[:limit]
    articles = {article.name: article for article in read_split(data_dir, "dev") if article.name in names}
    missing = [name for name in names if name not in articles]
    if missing:
        raise SystemExit(f"articles not in {data_dir}/polnear/dev: {missing}")
    outcomes: list[Outcome] = []
    started = time.perf_counter()
    for name in names:
        article = articles[name]
        analysis = stancekit.analyze(article.text, [], models=tier)
        for item in items:
            if item["article"] != name:
                continue
            relation = article.relations[item["relation"]]
            if [list(r) for r in relation.content] != item["content"]:
                raise SystemExit(f"{name} relation {item['relation']}: content ranges differ from the data")
            outcomes.append(score_item(item, analysis))
            outcomes[-1].extra["text"] = article.text
    summary = summarize(outcomes)
    summary.update(
        tier=tier, seconds=round(time.perf_counter() - started, 1), stancekit=getattr(stancekit, "__version__", None)
    )
    return summary, outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="fast", choices=["fast", "accurate"], help="analyze's models= tier")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles of the dev set")
    parser.add_argument("--dev-set", type=Path, default=DEV_SET)
    parser.add_argument("--errors", action="store_true", help="list every wrong item")
    args = parser.parse_args()
    summary, outcomes = run(args.model, args.data_dir, args.limit, args.dev_set)
    print(json.dumps(summary, indent=2))
    print()
    print(table(summary, args.model))
    if args.errors:
        print()
        for o in outcomes:
            if o.right or o.item["label"]["kind"] == "unclear":
                continue
            text = o.extra["text"]
            source = " ".join(text[s:e] for s, e in o.item["source"]) or "-"
            label = o.item["label"]
            print(
                f"{o.item['article']} #{o.item['relation']} src={o.item['source']} {source!r}: gold "
                f"{label['kind']} {label.get('name', '')!r} | analyze {o.predicted_kind} {o.predicted!r} "
                f"(source {o.speaker_source!r}) | {o.error} | cases {o.item.get('cases', [])}"
            )


if __name__ == "__main__":
    main()
