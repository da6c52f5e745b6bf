"""CoNLL-2003 reading and document-context chunking."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]


@dataclass
class Sentence:
    words: list[str]
    tags: list[str]


def read_documents(path: Path) -> list[list[Sentence]]:
    """Documents (split at -DOCSTART-) of sentences; the NER tag is the last column."""
    documents: list[list[Sentence]] = []
    current: list[Sentence] = []
    words: list[str] = []
    tags: list[str] = []

    def flush_sentence() -> None:
        nonlocal words, tags
        if words:
            current.append(Sentence(words, tags))
        words, tags = [], []

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("-DOCSTART-"):
            flush_sentence()
            if current:
                documents.append(current)
            current = []
            continue
        if not line:
            flush_sentence()
            continue
        columns = line.split()
        words.append(columns[0])
        tags.append(columns[-1])
    flush_sentence()
    if current:
        documents.append(current)
    return documents


def document_text(document: list[Sentence]) -> tuple[str, list[list[tuple[int, int]]]]:
    """A document as a user would feed it (sentences joined by newlines, words by spaces) and each sentence's
    words' character offsets in that text."""
    pieces: list[str] = []
    offsets: list[list[tuple[int, int]]] = []
    position = 0
    for sentence_index, sentence in enumerate(document):
        if sentence_index:
            pieces.append("\n")
            position += 1
        sentence_offsets = []
        for word_index, word in enumerate(sentence.words):
            if word_index:
                pieces.append(" ")
                position += 1
            sentence_offsets.append((position, position + len(word)))
            pieces.append(word)
            position += len(word)
        offsets.append(sentence_offsets)
    return "".join(pieces), offsets


def pack_document(sentence_lengths: list[int], max_tokens: int) -> list[list[int]]:
    """Groups consecutive sentences (by their subword counts) into chunks of at most `max_tokens`.

    A sentence longer than `max_tokens` forms a chunk of its own (the caller truncates or windows it).
    """
    chunks: list[list[int]] = []
    current: list[int] = []
    used = 0
    for index, length in enumerate(sentence_lengths):
        if current and used + length > max_tokens:
            chunks.append(current)
            current, used = [], 0
        current.append(index)
        used += length
    if current:
        chunks.append(current)
    return chunks
