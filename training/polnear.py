"""PolNeAR reader: articles and their attribution relations (source, cue, content), as character ranges.

`../shared/data/polnear/{train,dev,test}/text/<article>.txt` holds an article; `attributions/<article>_<annotator>.ann`
(brat standoff) its relations: `T` lines `Source|Cue|Content START END[;START END...]`, and `E` lines that tie one
relation's `Source:`, `Cue:` and `Content:` spans together. Several annotators' files may exist for an article: the
first by name is used, as the data's README says. Offsets are `str` (code point) indices into the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ROLES = ("SOURCE", "CUE", "CONTENT")
TAGS = ["O"] + [f"{prefix}-{role}" for role in ROLES for prefix in ("B", "I")]

Ranges = list[tuple[int, int]]


@dataclass
class Relation:
    source: Ranges = field(default_factory=list)
    cue: Ranges = field(default_factory=list)
    content: Ranges = field(default_factory=list)

    def role(self, name: str) -> Ranges:
        return {"SOURCE": self.source, "CUE": self.cue, "CONTENT": self.content}[name]


@dataclass
class Article:
    name: str
    text: str
    relations: list[Relation]


def _ranges(spec: str) -> Ranges:
    ranges = []
    for part in spec.split(";"):
        start, end = part.split()
        ranges.append((int(start), int(end)))
    return ranges


def parse_ann(text: str) -> list[Relation]:
    spans: dict[str, tuple[str, Ranges]] = {}
    events: list[str] = []
    for line in text.splitlines():
        if line.startswith("T"):
            parts = line.split("\t")
            if len(parts) < 2:
                continue
            kind, _, offsets = parts[1].partition(" ")
            spans[parts[0]] = (kind, _ranges(offsets))
        elif line.startswith("E"):
            events.append(line.split("\t", 1)[1])
    relations = []
    for event in events:
        relation = Relation()
        for argument in event.split():
            role, _, key = argument.partition(":")
            role = role.rstrip("0123456789")
            if key not in spans or role not in ("Source", "Cue", "Content"):
                continue
            getattr(relation, role.lower()).extend(spans[key][1])
        for ranges in (relation.source, relation.cue, relation.content):
            ranges.sort()
        if relation.content or relation.source or relation.cue:
            relations.append(relation)
    return relations


def read_split(data_dir: Path, split: str) -> list[Article]:
    root = data_dir / "polnear" / split
    annotations: dict[str, Path] = {}
    for path in sorted((root / "attributions").glob("*.ann")):
        article = path.stem.rsplit("_", 1)[0]
        annotations.setdefault(article, path)
    articles = []
    for text_path in sorted((root / "text").glob("*.txt")):
        ann = annotations.get(text_path.stem)
        if ann is None:
            continue
        text = text_path.read_text(encoding="utf-8")
        articles.append(Article(text_path.stem, text, parse_ann(ann.read_text(encoding="utf-8"))))
    return articles


def char_tags(article: Article) -> list[str]:
    """One BIO tag per character: B at the first character of a relation's role (its first range), I elsewhere.

    A role's later ranges (a content interrupted by its source and cue) are I throughout, so a tagger can tell a
    continuation from a new span.
    """
    tags = ["O"] * len(article.text)
    for relation in article.relations:
        for role in ROLES:
            ranges = relation.role(role)
            for index, (start, end) in enumerate(ranges):
                for position in range(max(0, start), min(end, len(tags))):
                    tags[position] = f"I-{role}"
                if index == 0 and start < len(tags):
                    tags[start] = f"B-{role}"
    return tags
