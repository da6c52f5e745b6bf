"""Hostile input, each case through the Python API and through the CLI (the installed `stancekit` console script).

Expected everywhere: a correct (possibly empty) result with code-point offsets that slice the input, or a typed
error (`InvalidInputError` in Python, an error record and exit code 1 in the CLI); never a panic, never a hang
(every CLI call runs under a timeout).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import stancekit
from stancekit import EntityRecognizer, StanceClassifier

CASES = {
    "empty": "",
    "whitespace": " \t\n  \r\n \u00a0\u3000",
    "punctuation": "!?.,;:--...!!! ((( ))) ''' \"\"\" --- ¿¡ «» “”",
    "word_20k": "x" * 20_000,
    "emoji": "Vance 👩‍👩‍👧‍👦 met 👍🏽 Macron 🇺🇦 and 🏳️‍🌈 in Paris.",
    "combining": "Cafe\u0301 owners in Zu\u0308rich met Mr. Mu\u0308ller; a\u0301\u0302\u0303\u0304 stacked.",
    "rtl": "قال فانس في ميونيخ إن العقوبات ممكنة. שלום Macron \u202eevil\u202c.",
    "cjk": "特朗普和普京通话。Trump spoke with 普京 in 北京.",
    "mixed_scripts": "Zelensky (Зеленский) met Vance — 日本, ελληνικά, हिन्दी too.",
    "crlf": "Vance spoke.\r\nMacron replied.\r\n",
    "lone_cr": "Vance spoke.\rMacron replied.\r",
    "control": "Vance\x00 met\x07 Macron\x1b in\x7f Paris\u200b\ufeff.\x0b\x0c",
    # About 220k tokens: the 100k-token case and the 1 MB case in one (working memory is checked in Rust, with a
    # counting allocator: crates/stancekit-core/tests/memory.rs).
    "one_megabyte": ("Vance met Macron in Paris on Friday. " * 30_000)[:1_000_000],
}
EMPTY = {"empty", "whitespace"}
LONG_TARGET = ("sanctions on Russia " * 500)[:10_000]
CLI_TIMEOUT = 300


def cli() -> list[str]:
    script = Path(sys.executable).parent / "stancekit"
    assert script.exists(), "the wheel installs a `stancekit` console script"
    return [str(script)]


def check_entities(text: str, entities: list) -> None:
    end = 0
    for entity in entities:
        start, stop = (entity.start, entity.end) if hasattr(entity, "start") else (entity["start"], entity["end"])
        surface = entity.text if hasattr(entity, "text") else entity["text"]
        assert text[start:stop] == surface
        assert 0 <= start < stop <= len(text)
        assert start >= end, "spans are ordered and do not overlap"
        end = stop


@pytest.mark.parametrize("case", sorted(CASES))
def test_ner_python(case: str, tiny_ner: Path) -> None:
    text = CASES[case]
    entities = EntityRecognizer(tiny_ner).predict(text)
    check_entities(text, entities)
    if case in EMPTY:
        assert entities == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_ner_cli(case: str, tiny_ner: Path) -> None:
    text = CASES[case]
    done = subprocess.run(
        [*cli(), "ner", "--model", str(tiny_ner), "--format", "jsonl"],
        input=text.encode("utf-8"),
        capture_output=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"panicked" not in done.stderr
    [record] = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    check_entities(text, record["entities"])
    if case in EMPTY:
        assert record["entities"] == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_stance_python(case: str, tiny_nli: Path) -> None:
    text = CASES[case]
    classifier = StanceClassifier(tiny_nli)
    if case in EMPTY:
        with pytest.raises(stancekit.InvalidInputError, match="text is empty"):
            classifier.predict(text, "sanctions on Russia")
        return
    prediction = classifier.predict(text, "sanctions on Russia")
    assert sum(prediction.scores.values()) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("case", sorted(CASES))
def test_stance_cli(case: str, tiny_nli: Path) -> None:
    text = CASES[case]
    done = subprocess.run(
        [*cli(), "stance", "--target", "sanctions on Russia", "--model", str(tiny_nli), "--format", "jsonl"],
        input=text.encode("utf-8"),
        capture_output=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert b"panicked" not in done.stderr
    [record] = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    if case in EMPTY:
        assert done.returncode == 1
        assert record["error"]["kind"] == "invalid_input"
        return
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    [stance] = record["stances"]
    assert sum(stance["scores"].values()) == pytest.approx(1.0, abs=1e-4)


def test_bad_targets_python(tiny_nli: Path) -> None:
    classifier = StanceClassifier(tiny_nli)
    with pytest.raises(stancekit.InvalidInputError, match="target is empty"):
        classifier.predict("Vance spoke.", "")
    with pytest.raises(stancekit.InvalidInputError, match="tokens long"):
        classifier.predict("Vance spoke.", LONG_TARGET)
    # One 10k-character word is one unknown token: a valid (if meaningless) target.
    assert sum(classifier.predict("Vance spoke.", "a" * 10_000).scores.values()) == pytest.approx(1.0, abs=1e-5)
    twice = classifier.predict_batch([("Vance spoke.", "NATO"), ("Vance spoke.", "NATO")])
    assert twice[0] == twice[1]
    assert classifier.predict_batch([]) == []


def test_bad_targets_cli(tiny_nli: Path) -> None:
    def run(*targets: str) -> tuple[int, list[dict]]:
        arguments = [argument for target in targets for argument in ("--target", target)]
        done = subprocess.run(
            [*cli(), "stance", *arguments, "--model", str(tiny_nli), "--format", "jsonl"],
            input=b"Vance spoke in Munich.",
            capture_output=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )
        assert b"panicked" not in done.stderr
        return done.returncode, [json.loads(line) for line in done.stdout.decode().splitlines()]

    code, [record] = run("")
    assert code == 1 and record["error"]["kind"] == "invalid_input"
    code, [record] = run(LONG_TARGET)
    assert code == 1 and "tokens long" in record["error"]["message"]
    code, [record] = run("a" * 10_000)
    assert code == 0 and len(record["stances"]) == 1
    code, [record] = run("NATO", "NATO")
    assert code == 0
    first, second = record["stances"]
    assert first == second


def test_invalid_utf8_python_and_cli(tiny_ner: Path, tmp_path: Path) -> None:
    # Python strings cannot hold invalid UTF-8; bytes are refused with a TypeError, never decoded silently.
    with pytest.raises(TypeError):
        EntityRecognizer(tiny_ner).predict(b"ok \xc3\x28 bad")  # type: ignore[arg-type]
    # A str can hold a lone surrogate, which has no UTF-8 form: Python's own typed error, naming the position.
    with pytest.raises(UnicodeEncodeError, match="position 6"):
        EntityRecognizer(tiny_ner).predict("Vance \ud800 spoke")
    path = tmp_path / "bad.txt"
    path.write_bytes(b"Vance \xff\xfe spoke")
    done = subprocess.run(
        [*cli(), "ner", str(path), "--model", str(tiny_ner), "--format", "jsonl"],
        capture_output=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert done.returncode == 1
    [record] = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert record["error"]["kind"] == "invalid_input"
    assert "offset 6" in record["error"]["message"]


def test_jsonl_with_bad_lines_python_and_cli(tiny_ner: Path, tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "text": "Vance spoke in Munich."}),
        "not json",
        "[1, 2]",
        json.dumps({"id": "no-text"}),
        json.dumps({"id": "b", "text": "Macron replied."}),
    ]
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run(
        [*cli(), "ner", str(path), "--model", str(tiny_ner), "--format", "jsonl"],
        capture_output=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert done.returncode == 1, "some lines failed"
    records = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert records[0]["id"] == "a"
    assert [("error" in record) for record in records] == [False, True, True, True, False]
    assert records[-1]["id"] == "b" and isinstance(records[-1]["entities"], list)
    # In Python a batch is a list of str; anything else is refused before any work starts.
    with pytest.raises(TypeError):
        EntityRecognizer(tiny_ner).predict_batch(["fine", 3])  # type: ignore[list-item]
