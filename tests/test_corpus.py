"""Many documents through the installed wheel: `analyze_many`, `analyze_frame`, thread settings, and the CLI's
JSONL corpus path through the console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stancekit
from stancekit import EntityRecognizer, InvalidInputError, StanceClassifier

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tiny_models(tiny_ner: Path, tiny_nli: Path) -> tuple[EntityRecognizer, StanceClassifier]:
    return EntityRecognizer(tiny_ner), StanceClassifier(tiny_nli)


@pytest.fixture(scope="module")
def documents(article: str) -> list[str]:
    paragraphs = [p for p in article.split("\n") if p.strip()]
    return [*paragraphs[:12], "", "Vance said “peace” — 👍🏽 in São Paulo."]


def _same_analysis(a: stancekit.Analysis, b: stancekit.Analysis) -> None:
    assert a.text == b.text and a.sentences == b.sentences and a.attributions == b.attributions
    assert [(e.name, e.label, [(m.start, m.end) for m in e.mentions]) for e in a.entities] == [
        (e.name, e.label, [(m.start, m.end) for m in e.mentions]) for e in b.entities
    ]
    assert a.speakers == b.speakers and a.targets == b.targets
    for x, y in zip(a.stances, b.stances, strict=True):
        assert (x.speaker, x.target, x.label, x.evidence) == (y.speaker, y.target, y.label, y.evidence)
        assert x.score == pytest.approx(y.score, abs=1e-4)
    np.testing.assert_allclose(a.stance_matrix()[0], b.stance_matrix()[0], atol=1e-4)


def test_analyze_many_equals_analyze_one_by_one(tiny_models, documents: list[str]) -> None:
    ner, stance = tiny_models
    targets = ["sanctions on Russia", "peace talks"]
    many = list(stancekit.analyze_many(documents, targets, ner=ner, stance=stance, batch_size=5))
    assert [a.id for a in many] == list(range(len(documents)))
    for analysis, text in zip(many, documents, strict=True):
        _same_analysis(analysis, stancekit.analyze(text, targets, ner=ner, stance=stance))
    assert "<mark" in many[0]._repr_html_() or not many[0].entities
    pairs = [(f"doc-{i}", text) for i, text in enumerate(documents[:4])]
    ids = [a.id for a in stancekit.analyze_many(iter(pairs), ner=ner, stance=stance, batch_size=3)]
    assert ids == ["doc-0", "doc-1", "doc-2", "doc-3"]


def test_analyze_many_is_lazy_and_names_the_failing_document(tiny_models) -> None:
    ner, stance = tiny_models

    def texts():
        yield "Vance spoke."
        yield "Macron spoke."
        raise AssertionError("read past what was asked for")

    first = next(stancekit.analyze_many(texts(), ner=ner, stance=stance, batch_size=1))
    assert first.id == 0
    with pytest.raises(InvalidInputError, match="document 'b'"):
        list(stancekit.analyze_many([("b", "text")], [""], ner=ner, stance=stance))
    with pytest.raises(TypeError, match=r"docs\[1\]"):
        list(stancekit.analyze_many(["a", 3], ner=ner, stance=stance))  # type: ignore[list-item]
    with pytest.raises(TypeError, match="single string"):
        list(stancekit.analyze_many("one text", ner=ner, stance=stance))
    with pytest.raises(ValueError, match="batch_size"):
        list(stancekit.analyze_many(["a"], ner=ner, stance=stance, batch_size=0))


def test_analyze_frame_has_stable_columns_and_document_ids(tiny_models, documents: list[str]) -> None:
    ner, stance = tiny_models
    df = pd.DataFrame({"doc": [101 + i for i in range(len(documents))], "body": documents})
    tables = stancekit.analyze_frame(df, text="body", id="doc", targets=["NATO"], ner=ner, stance=stance)
    assert set(tables) == {"entities", "attributions", "stances", "evidence"}
    for name, table in tables.items():
        assert table.columns[0] == "doc", name
        assert table["doc"].dtype == np.int64
        assert set(table["doc"]) <= set(df["doc"])
    entities = tables["entities"]
    assert entities["start"].dtype == np.int64 and entities["score"].dtype == np.float64
    bodies = dict(zip(df["doc"], df["body"]))
    for row in entities.itertuples():
        assert bodies[row.doc][row.start : row.end] == row.text
    stances = tables["stances"]
    assert len(stances) == sum(
        len(a.speakers) for a in stancekit.analyze_many(documents, ["NATO"], ner=ner, stance=stance)
    )
    # An empty frame gives empty tables with the same columns and types.
    empty = stancekit.analyze_frame(df.iloc[:0], text="body", id="doc", ner=ner, stance=stance)
    for name, table in empty.items():
        assert list(table.columns) == list(tables[name].columns)
        assert list(table.dtypes) == list(tables[name].dtypes)
    by_index = stancekit.analyze_frame(df.set_index("doc"), text="body", id=None, ner=ner, stance=stance)
    assert by_index["attributions"].columns[0] == "id"
    with pytest.raises(KeyError, match="text"):
        stancekit.analyze_frame(df, ner=ner, stance=stance)


def test_analyze_frame_takes_model_paths_and_loads_each_once(tiny_models, tiny_ner: Path, tiny_nli: Path) -> None:
    ner, stance = tiny_models
    df = pd.DataFrame({"id": ["a", "b"], "text": ["Vance said peace talks start.", "Macron spoke in Paris."]})
    given = stancekit.analyze_frame(df, targets=["peace talks"], ner=ner, stance=stance, progress=False)
    before = stancekit._cache.load.cache_info()
    for _ in range(2):
        named = stancekit.analyze_frame(df, targets=["peace talks"], ner=tiny_ner, stance=str(tiny_nli), progress=False)
        for name, table in given.items():
            pd.testing.assert_frame_equal(named[name], table, atol=1e-5)
    # Two models named, loaded once each and then found in the one model cache.
    after = stancekit._cache.load.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (2, 2)
    with pytest.raises(ValueError, match="'fast' or 'accurate'"):
        stancekit.analyze_frame(df, ner=ner, stance=stance, models="slow")


def test_dask_analyze_frame_takes_the_arguments_of_analyze_frame() -> None:
    """The same names, order, kinds, defaults and types, but for the frame (stancekit.dask imports without Dask)."""
    import inspect

    import stancekit.dask

    def parameters(function) -> list[tuple[str, object, object, object]]:
        found = inspect.signature(function).parameters.values()
        return [(p.name, p.kind, p.default, p.annotation) for p in found]

    pandas_frame, *rest = parameters(stancekit.analyze_frame)
    dask_frame, *dask_rest = parameters(stancekit.dask.analyze_frame)
    assert (pandas_frame[3], dask_frame[3]) == ("pd.DataFrame", "dd.DataFrame")
    assert dask_rest == rest


def test_to_pandas_of_one_analysis_matches_the_frame_columns(tiny_models) -> None:
    ner, stance = tiny_models
    frames = stancekit.analyze("Vance said no.", ["NATO"], ner=ner, stance=stance).to_pandas()
    assert list(frames["stances"].columns[:3]) == ["speaker", "target", "label"]
    assert frames["entities"]["start"].dtype == np.int64


def test_threads_are_one_setting(tiny_ner: Path) -> None:
    before = stancekit.get_num_threads()
    try:
        stancekit.set_num_threads(1)
        assert stancekit.get_num_threads() == 1
    finally:
        stancekit.set_num_threads(before)
    with pytest.raises(InvalidInputError, match="at least 1"):
        stancekit.set_num_threads(0)
    with pytest.raises(TypeError):
        stancekit.set_num_threads(1.5)  # type: ignore[arg-type]
    code = "import sys, stancekit; stancekit.EntityRecognizer(sys.argv[1]); print(stancekit.get_num_threads())"
    env = {**os.environ, "STANCEKIT_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code, str(tiny_ner)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"
    env["STANCEKIT_NUM_THREADS"] = "lots"
    done = subprocess.run(
        [sys.executable, "-c", code, str(tiny_ner)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1 and "InvalidInputError" in done.stderr and "STANCEKIT_NUM_THREADS" in done.stderr


def test_cli_analyze_corpus_is_resumable(tiny_ner: Path, tiny_nli: Path, tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "stancekit"
    corpus = tmp_path / "corpus.jsonl"
    lines = [{"id": f"d{i}", "text": f"Vance said peace talks start in Paris, day {i}."} for i in range(5)]
    corpus.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    out.write_text(json.dumps({"id": "d0", "analysis": {}}) + "\n" + '{"id": "d1", "anal', encoding="utf-8")
    common = [str(script), "analyze", str(corpus), "--ner-model", str(tiny_ner), "--stance-model", str(tiny_nli)]
    done = subprocess.run(
        [*common, "--output", str(out), "--threads", "1"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["id"] for r in records) == [f"d{i}" for i in range(5)]
    assert "1 skipped" in done.stderr
