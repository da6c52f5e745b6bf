"""Workload texts shared by `bench/run.py` and `bench/rss_probe.py` (no torch import, so the RSS probe stays lean)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

from training.conll import read_documents


def long_document(paragraphs: list[str], tokens: int, count: Callable[[str], int]) -> str:
    """CoNLL test documents joined (repeated if needed) until the text has about `tokens` word pieces."""
    pieces, total = [], 0
    for paragraph in itertools.cycle(paragraphs):
        n = count(paragraph)
        if total + n <= tokens:
            pieces.append(paragraph)
            total += n
            continue
        words: list[str] = []
        for word in paragraph.split(" "):
            if count(" ".join([*words, word])) > tokens - total:
                break
            words.append(word)
        if words:
            pieces.append(" ".join(words))
        break
    return "\n".join(pieces)


def conll_paragraphs(data_dir: Path) -> list[str]:
    return [
        "\n".join(" ".join(sentence.words) for sentence in document)
        for document in read_documents(data_dir / "conll2003" / "test.txt")
    ]
