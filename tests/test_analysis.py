"""`stancekit.analyze` through the installed wheel."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import stancekit
from stancekit import EntityRecognizer, StanceClassifier

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tiny_models(tiny_ner: Path, tiny_nli: Path) -> tuple[EntityRecognizer, StanceClassifier]:
    return EntityRecognizer(tiny_ner), StanceClassifier(tiny_nli)


def test_analysis_structure_and_offsets(tiny_models, article: str) -> None:
    ner, stance = tiny_models
    targets = ["sanctions on Russia", "peace talks", "sanctions on Russia"]
    analysis = stancekit.analyze(article, targets, ner=ner, stance=stance)
    assert analysis.targets == ["sanctions on Russia", "peace talks"]
    assert analysis.speakers[-1] == "author"
    assert len(analysis.attributions) == len(analysis.sentences) > 10
    for sentence in analysis.sentences:
        assert article[sentence.start : sentence.end] == sentence.text
    for attribution in analysis.attributions:
        assert attribution.speaker in analysis.speakers
        assert 0.0 <= attribution.confidence <= 1.0
        for span in [attribution.source, attribution.cue, *attribution.content]:
            assert span is None or article[span.start : span.end] == span.text
    for entity in analysis.entities:
        for mention in entity.mentions:
            assert article[mention.start : mention.end] == mention.text
    assert len(analysis.stances) == len(analysis.speakers) * len(analysis.targets)
    for stance_entry in analysis.stances:
        assert stance_entry.label in ("favor", "against", "none")
        assert stance_entry.basis in ("evidence", "read_as_none", "no_relevant_content")
        assert (stance_entry.label != "none") == (stance_entry.basis == "evidence")
        for start, end in stance_entry.evidence:
            assert any(
                a.speaker == stance_entry.speaker and any((c.start, c.end) == (start, end) for c in a.content)
                for a in analysis.attributions
            )
    matrix, speakers, columns = analysis.stance_matrix()
    assert isinstance(matrix, np.ndarray) and matrix.shape == (len(speakers), len(columns))
    assert np.all(np.abs(matrix) <= 1.0 + 1e-6)
    table = analysis.stance_table()
    assert set(table) == set(analysis.speakers)
    assert json.loads(analysis.to_json())["targets"] == analysis.targets
    html = analysis._repr_html_()
    assert "<mark" in html and "<table" in html
    assert "Analysis(" in repr(analysis)
    assert pickle.loads(pickle.dumps(analysis.attributions[0])) == analysis.attributions[0]


def test_default_targets_and_empty_text(tiny_models, article: str) -> None:
    ner, stance = tiny_models
    analysis = stancekit.analyze(article, ner=ner, stance=stance)
    assert len(analysis.targets) <= 3
    assert not set(analysis.targets) & set(analysis.speakers)
    empty = stancekit.analyze("", ["NATO"], ner=ner, stance=stance)
    assert empty.sentences == [] and empty.speakers == ["author"]
    with pytest.raises(TypeError):
        stancekit.analyze(article, "NATO", ner=ner, stance=stance)  # type: ignore[arg-type]
    with pytest.raises(stancekit.InvalidInputError):
        stancekit.analyze(article, [""], ner=ner, stance=stance)


def test_to_pandas(tiny_models, article: str) -> None:
    pytest.importorskip("pandas")
    ner, stance = tiny_models
    frames = stancekit.analyze(article, ["NATO"], ner=ner, stance=stance).to_pandas()
    assert set(frames) == {"entities", "attributions", "stances", "evidence"}
    assert {"speaker", "source", "cue", "content", "content_start", "content_end", "content_parts"} <= set(
        frames["attributions"].columns
    )
    assert {"speaker", "target", "label", "evidence_count", "basis"} <= set(frames["stances"].columns)
    assert frames["stances"]["evidence_count"].sum() == len(frames["evidence"])


@pytest.mark.slow
def test_article_speakers_with_the_bundled_ner_model(article: str, tiny_nli: Path) -> None:
    """The shipped NER model finds the four speakers under their full names and attributes their statements."""
    analysis = stancekit.analyze(article, ["sanctions on Russia"], stance=StanceClassifier(tiny_nli))
    names = {entity.name for entity in analysis.entities if entity.label == "PER"}
    assert {"JD Vance", "Donald Trump", "Pete Hegseth", "Emmanuel Macron"} <= names
    speakers = set(analysis.speakers)
    assert {"JD Vance", "Donald Trump", "Pete Hegseth", "Emmanuel Macron", "author"} <= speakers
    first = analysis.attributions[0]
    assert first.speaker == "JD Vance" and first.cue is not None and first.cue.text.lower() == "according to"
    # The learned attribution head names group speakers and reads stances from contents only.
    assert "European leaders" in speakers
    for entry in analysis.stances:
        if entry.label != "none":
            assert entry.evidence
    roles = {entity.name: entity.roles for entity in analysis.entities}
    assert "Vice President" in roles["JD Vance"]
    assert "Defense Secretary" in roles["Pete Hegseth"]


def test_cli_analyze_formats(tiny_ner: Path, tiny_nli: Path, tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "stancekit"
    article = REPO / "notebooks" / "data" / "ukraine_talks.txt"
    common = [str(script), "analyze", str(article), "--ner-model", str(tiny_ner), "--stance-model", str(tiny_nli)]
    done = subprocess.run([*common, "-t", "NATO", "--format", "json"], capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()
    records = json.loads(done.stdout)
    assert records[0]["analysis"]["targets"] == ["NATO"]
    done = subprocess.run([*common, "--format", "html"], capture_output=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.startswith(b"<!DOCTYPE html>")
    done = subprocess.run([*common, "-t", "NATO"], capture_output=True, timeout=120, check=False)
    assert done.returncode == 0 and b"Attributions" in done.stdout
