"""Parity with Hugging Face transformers on the same weights: logits, probabilities and entities."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
import torch

import stancekit

pytestmark = pytest.mark.parity

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = REPO.parent / "shared" / "data"
SENTENCES = [
    "President Trump said that peace talks with Russia and Ukraine will start in Paris.",
    "Vance told the minister in Munich: “the united states supports sanctions.”",
    "Macron and Trump, Russia, Ukraine; Europe's troops (war) – São Paulo 2025!",
    "the",
]


@pytest.fixture(autouse=True, params=["stancekit-forward", "rust-bert-forward"])
def forward(request, monkeypatch) -> str:
    """Every parity test runs on both BERT forward passes: stancekit's own and rust-bert's (read at load time)."""
    monkeypatch.setenv("STANCEKIT_REFERENCE_FORWARD", "1" if request.param == "rust-bert-forward" else "0")
    return request.param


def _tokenizer(model_dir: Path):
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_file=str(model_dir / "tokenizer.json"),
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        pad_token="[PAD]",
        mask_token="[MASK]",
    )


@functools.cache
def _reference(model_dir: Path):
    from training.casing import load_token_classifier

    return _tokenizer(model_dir), load_token_classifier(str(model_dir)).eval()


def _reference_log_probabilities(model_dir: Path, text: str) -> np.ndarray:
    from training.casing import BertWithCasingForTokenClassification, casing_ids

    tokenizer, model = _reference(model_dir)
    encoded = tokenizer(text, return_offsets_mapping=True, return_special_tokens_mask=True, return_tensors="pt")
    inputs = {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}
    if isinstance(model, BertWithCasingForTokenClassification):
        offsets = [tuple(pair) for pair in encoded["offset_mapping"][0].tolist()]
        ids = casing_ids(text, offsets, encoded["special_tokens_mask"][0].tolist())
        inputs["casing_ids"] = torch.tensor([ids])
    with torch.inference_mode():
        logits = model(**inputs).logits[0, 1:-1]
    return torch.log_softmax(logits, dim=-1).numpy()


def _assert_token_parity(model_dir: Path, texts: list[str], tolerance: float) -> None:
    # One window as wide as the encoder allows, like transformers' single forward pass.
    recognizer = stancekit.EntityRecognizer(model_dir, window=10_000)
    for text in texts:
        probabilities, _labels = recognizer.token_scores(text)
        reference = _reference_log_probabilities(model_dir, text)
        assert probabilities.shape == reference.shape, text
        ours = np.log(np.clip(probabilities, 1e-30, None))
        # Log-probabilities are logits up to a per-token constant; compare them where they carry mass.
        mask = reference > -15
        difference = np.abs(ours - reference)[mask].max()
        assert difference < tolerance, f"{difference} on {text!r}"


def test_token_logits_match_transformers(tiny_ner: Path) -> None:
    _assert_token_parity(tiny_ner, SENTENCES, 1e-4)


def test_casing_model_logits_match_transformers(tiny_casing_ner: Path) -> None:
    _assert_token_parity(tiny_casing_ner, SENTENCES, 1e-4)


@pytest.mark.parametrize("aggregation", ["first", "average", "max"])
@pytest.mark.parametrize("fixture", ["tiny_ner", "tiny_casing_ner"])
def test_entities_match_the_transformers_pipeline(aggregation: str, fixture: str, request) -> None:
    from training.casing import casing_pipeline

    model_dir: Path = request.getfixturevalue(fixture)
    pipeline = casing_pipeline(str(model_dir), aggregation_strategy=aggregation)
    # The pipeline splits words at every punctuation mark; stancekit does so with words="pretokenizer".
    recognizer = stancekit.EntityRecognizer(model_dir, aggregation=aggregation, words="pretokenizer")
    compared = 0
    for text in SENTENCES:
        expected = [(e["entity_group"], e["start"], e["end"], float(e["score"])) for e in pipeline(text)]
        ours = [(e.label, e.start, e.end, e.score) for e in recognizer.predict(text)]
        assert [e[:3] for e in ours] == [e[:3] for e in expected], text
        for (_, _, _, score), (_, _, _, reference) in zip(ours, expected, strict=True):
            assert score == pytest.approx(reference, abs=1e-4)
        compared += len(expected)
    assert compared > 0, "the random model produced no entities to compare"


def _assert_pair_parity(model_dir: Path, pairs: list[tuple[str, str]], tolerance: float) -> None:
    """stancekit's stance distribution equals transformers' softmax over the same labels (NLI names mapped)."""
    from transformers import BertForSequenceClassification

    classifier = stancekit.StanceClassifier(model_dir)
    model = BertForSequenceClassification.from_pretrained(str(model_dir)).eval()
    encoded = _tokenizer(model_dir)(
        [text for text, _ in pairs],
        [classifier.hypothesis(target) for _, target in pairs],
        padding=True,
        truncation="only_first",
        max_length=512,
        return_tensors="pt",
    )
    with torch.inference_mode():
        probabilities = torch.softmax(model(**encoded).logits, dim=-1).numpy()
    stance_of = {"entailment": "favor", "contradiction": "against", "neutral": "none"}
    for prediction, row in zip(classifier.predict_batch(pairs), probabilities, strict=True):
        for index, label in model.config.id2label.items():
            assert prediction.scores[stance_of.get(label, label)] == pytest.approx(float(row[index]), abs=tolerance)


def test_stance_probabilities_match_transformers(tiny_nli: Path) -> None:
    targets = ["sanctions on Russia", "peace talks", "troops"]
    _assert_pair_parity(tiny_nli, [(text, target) for text in SENTENCES for target in targets], 1e-5)


def _conll_sentences(limit: int) -> list[str]:
    from training.conll import read_documents

    sentences = [
        " ".join(sentence.words)
        for document in read_documents(DATA_DIR / "conll2003" / "test.txt")
        for sentence in document
    ]
    return sentences[:limit]


@pytest.mark.slow
@pytest.mark.skipif(not (DATA_DIR / "conll2003").is_dir(), reason="needs ../shared/data/conll2003")
def test_shipped_ner_model_matches_transformers_on_conll() -> None:
    model_dir = REPO / "models" / "ner"
    assert (model_dir / "model.safetensors").is_file(), "the default NER model must be in models/ner"
    _assert_token_parity(model_dir, _conll_sentences(300), 1e-3)


@pytest.mark.slow
def test_shipped_stance_model_matches_transformers(article: str) -> None:
    model_dir = REPO / "models" / "stance"
    assert (model_dir / "model.safetensors").is_file(), "the default stance model must be in models/stance"
    sentences = [line for line in article.splitlines() if line.strip()]
    targets = ["sanctions on Russia", "sending US troops to Ukraine", "peace talks with Russia"]
    _assert_pair_parity(model_dir, [(sentence, target) for sentence in sentences for target in targets], 1e-3)
