"""The Python API through the installed wheel: results, offsets, errors, pickling, threads, processes."""

from __future__ import annotations

import multiprocessing
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import stancekit
from stancekit import Entity, EntityRecognizer, StanceClassifier, StancePrediction

TEXTS = [
    "President Trump said “peace talks” with Russia start in Paris.",
    "Vance told reporters in Munich that sanctions on Russia stay. São Paulo 👍🏽 北京",
    "",
    "   \n ",
    "e\u0301 👩‍👩‍👧‍👦 \r\n lone\rcr \x00 nul",
]


def test_exports_and_exception_hierarchy() -> None:
    assert set(stancekit.__all__) <= set(dir(stancekit))
    for error in (stancekit.ModelLoadError, stancekit.InvalidInputError, stancekit.InferenceError):
        assert issubclass(error, stancekit.StancekitError)
    assert issubclass(stancekit.StancekitError, Exception)
    assert isinstance(stancekit.__version__, str)


def test_entities_have_python_string_offsets(tiny_ner: Path, article: str) -> None:
    for aggregation in ("first", "average", "max"):
        ner = EntityRecognizer(tiny_ner, aggregation=aggregation)
        results = ner.predict_batch([*TEXTS, article])
        assert len(results) == len(TEXTS) + 1
        assert results[2] == [] and results[3] == []
        for text, entities in zip([*TEXTS, article], results, strict=True):
            end = 0
            for entity in entities:
                assert isinstance(entity, Entity)
                assert text[entity.start : entity.end] == entity.text
                assert entity.start >= end
                end = entity.end
                assert 0.0 <= entity.score <= 1.0
        assert any(results[-1]), "a random model still labels something in the article"
        # Alone or in a padded batch: the same entities; scores equal up to float rounding (padding changes
        # how libtorch's fused attention blocks its sums).
        alone = ner.predict(TEXTS[0])
        assert [(e.text, e.label, e.start, e.end) for e in alone] == [
            (e.text, e.label, e.start, e.end) for e in results[0]
        ]
        assert [e.score for e in alone] == pytest.approx([e.score for e in results[0]], abs=1e-5)
    assert ner.predict_batch([]) == []


def test_token_scores_are_a_numpy_matrix(tiny_ner: Path) -> None:
    ner = EntityRecognizer(tiny_ner)
    scores, labels = ner.token_scores(TEXTS[1])
    assert isinstance(scores, np.ndarray) and scores.dtype == np.float32
    assert scores.shape == (len(ner.tokens(TEXTS[1])), len(labels))
    assert labels == ner.labels
    np.testing.assert_allclose(scores.sum(axis=1), 1.0, atol=1e-5)
    for token, start, end in ner.tokens(TEXTS[1]):
        assert 0 <= start <= end <= len(TEXTS[1])
        assert token


def test_results_are_frozen_dataclasses_that_pickle(tiny_ner: Path, tiny_nli: Path) -> None:
    entity = Entity("Vance", "PER", 0, 5, 0.9)
    assert entity.to_dict() == {"text": "Vance", "label": "PER", "start": 0, "end": 5, "score": 0.9}
    assert pickle.loads(pickle.dumps(entity)) == entity
    assert "Vance" in repr(entity)
    with pytest.raises(AttributeError):
        entity.text = "x"  # type: ignore[misc]
    prediction = StanceClassifier(tiny_nli).predict(TEXTS[0], "sanctions")
    assert isinstance(prediction, StancePrediction)
    assert pickle.loads(pickle.dumps(prediction)) == prediction
    assert prediction.to_dict()["scores"] == prediction.scores


def test_models_pickle_by_path(tiny_ner: Path, tiny_nli: Path) -> None:
    ner = EntityRecognizer(tiny_ner, aggregation="max")
    clone = pickle.loads(pickle.dumps(ner))
    assert clone.predict(TEXTS[1]) == ner.predict(TEXTS[1])
    assert "max" in repr(clone)
    classifier = StanceClassifier(tiny_nli, "We should have {}.")
    clone = pickle.loads(pickle.dumps(classifier))
    assert clone.hypothesis_template == "We should have {}."


def test_stance_api(tiny_nli: Path) -> None:
    classifier = StanceClassifier(tiny_nli)
    assert classifier.hypothesis_template == "The author supports {}."
    assert classifier.hypothesis("NATO") == "The author supports NATO."
    assert classifier.labels == ["contradiction", "entailment", "neutral"]
    pairs = [(TEXTS[0], "sanctions on Russia"), (TEXTS[1], "NATO"), (TEXTS[0], "sanctions on Russia")]
    predictions = classifier.predict_batch(pairs)
    assert predictions[0] == predictions[2]
    for prediction in predictions:
        assert set(prediction.scores) == {"favor", "against", "none"}
        assert prediction.label in prediction.scores
        assert abs(sum(prediction.scores.values()) - 1.0) < 1e-5
        assert prediction.score == max(prediction.scores.values())
    matrix = classifier.score_matrix([TEXTS[0], TEXTS[1]], ["NATO", "troops"])
    assert matrix.shape == (2, 2, 3)
    direct = classifier.predict(TEXTS[1], "troops")
    assert matrix[1, 1, 0] == pytest.approx(direct.scores["favor"], abs=1e-5)
    assert classifier.predict_batch([]) == []
    custom = StanceClassifier(tiny_nli, hypothesis_template="{} is good.")
    assert custom.hypothesis("Peace") == "Peace is good."
    assert classifier.evidence_threshold == 0.5
    with pytest.raises(stancekit.InvalidInputError, match="evidence_threshold"):
        StanceClassifier(tiny_nli, evidence_threshold=1.5)


def test_long_texts_are_read_in_windows_of_sentences(tiny_nli: Path) -> None:
    """A text that does not fit beside the hypothesis is classified a window of whole sentences at a time, and the
    windows combined by the evidence rule, instead of being cut at `max_length`."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tiny_nli / "tokenizer.json"))
    count = lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)
    first = "Vance said the sanctions on Russia must stay in place for now."
    second = "Macron warned that Europe would not accept any deal made without Ukraine at the table."
    target = "sanctions on Russia"
    hypothesis = count(f"The author supports {target}.")
    # Room for the longer sentence beside the hypothesis, not for both.
    max_length = 3 + hypothesis + max(count(first), count(second)) + 2
    assert count(f"{first} {second}") + hypothesis + 3 > max_length
    for threshold in (0.0, 0.99):
        windowed = StanceClassifier(tiny_nli, max_length=max_length, evidence_threshold=threshold)
        whole = windowed.predict(f"{first} {second}", target)
        parts = [windowed.predict(part, target) for part in (first, second)]
        evidence = [p for p in parts if max(p.scores["favor"], p.scores["against"]) >= threshold and p.label != "none"]
        pool = evidence or parts
        mean = {label: sum(p.scores[label] for p in pool) / len(pool) for label in ("favor", "against", "none")}
        for label, value in mean.items():
            assert whole.scores[label] == pytest.approx(value, abs=1e-5)
        if evidence:
            assert whole.label == ("favor" if mean["favor"] >= mean["against"] else "against")
        else:
            assert whole.label == "none"
    # A text that fits is classified whole, as before.
    fitting = StanceClassifier(tiny_nli)
    assert fitting.predict(f"{first} {second}", target).scores == pytest.approx(
        fitting.predict_batch([(f"{first} {second}", target)])[0].scores
    )


def test_pandas_output(tiny_ner: Path, tiny_nli: Path) -> None:
    pd = pytest.importorskip("pandas")
    ner = EntityRecognizer(tiny_ner)
    frame = stancekit.to_pandas(ner.predict_batch(TEXTS[:2]))
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["document", "text", "label", "start", "end", "score"]
    stances = stancekit.to_pandas(StanceClassifier(tiny_nli).predict_batch([(TEXTS[0], "NATO")]))
    assert {"target", "label", "score", "score_favor", "score_against", "score_none"} <= set(stances.columns)


def test_errors_are_typed(tiny_ner: Path, tiny_nli: Path, tmp_path: Path) -> None:
    with pytest.raises(stancekit.ModelLoadError, match="does not exist"):
        EntityRecognizer(tmp_path / "missing")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "config.json").write_text((tiny_ner / "config.json").read_text())
    (tmp_path / "bin" / "pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(stancekit.ModelLoadError, match="refused"):
        EntityRecognizer(tmp_path / "bin")
    with pytest.raises(stancekit.ModelLoadError, match="ForTokenClassification"):
        EntityRecognizer(tiny_nli)
    with pytest.raises(ValueError, match="first, average, max"):
        EntityRecognizer(tiny_ner, aggregation="median")  # type: ignore[arg-type]
    classifier = StanceClassifier(tiny_nli)
    with pytest.raises(stancekit.InvalidInputError, match="target is empty"):
        classifier.predict("text", "  ")
    with pytest.raises(stancekit.InvalidInputError, match="tokens long"):
        classifier.predict("text", "war " * 2500)
    with pytest.raises(stancekit.InvalidInputError, match="exactly one"):
        StanceClassifier(tiny_nli, hypothesis_template="no placeholder")
    ner = EntityRecognizer(tiny_ner)
    with pytest.raises(TypeError):
        ner.predict(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ner.predict_batch("a single string")
    with pytest.raises(TypeError):
        classifier.predict_batch([("only one",)])  # type: ignore[list-item]


def test_threads_share_a_model_and_the_gil_is_released(tiny_ner: Path, article: str) -> None:
    ner = EntityRecognizer(tiny_ner)
    texts = [article, *TEXTS]
    expected = ner.predict_batch(texts)
    results: list[object] = [None] * 8

    def work(slot: int) -> None:
        results[slot] = ner.predict_batch(texts)

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(result == expected for result in results)

    # While one thread runs a long inference, this thread keeps running Python code.
    long_text = article * 40
    ticks = 0
    done = threading.Event()
    worker = threading.Thread(target=lambda: (ner.predict(long_text), done.set()))
    started = time.monotonic()
    worker.start()
    while not done.is_set() and time.monotonic() - started < 120:
        ticks += 1
        time.sleep(0.001)
    worker.join()
    assert done.is_set()
    assert ticks > 5, "the main thread was blocked during inference"


def _count_entities(path: str, text: str) -> int:
    return len(EntityRecognizer(path).predict(text))


def test_worker_processes_build_their_own_models(tiny_ner: Path) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        counts = pool.starmap(_count_entities, [(str(tiny_ner), text) for text in TEXTS[:2]])
    assert counts == [len(EntityRecognizer(tiny_ner).predict(text)) for text in TEXTS[:2]]


def test_console_script_runs_the_cli(tiny_ner: Path) -> None:
    script = Path(sys.executable).parent / "stancekit"
    assert script.exists()
    done = subprocess.run(
        [str(script), "ner", "--model", str(tiny_ner), "--format", "jsonl"],
        input=TEXTS[0].encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert b'"entities"' in done.stdout
    usage = subprocess.run([str(script), "stance"], capture_output=True, timeout=60, check=False)
    assert usage.returncode == 2
