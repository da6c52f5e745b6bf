"""A second token head on the NER encoder (`attribution_classifier`): parity with the training code's model, and the
errors around it. The tiny model is the casing NER model of conftest with a random attribution head."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import make_tiny_model

import stancekit

TEXTS = [
    "Vance told the minister in Munich that the united states supports sanctions.",
    "“Peace talks will start,” Trump said, according to the president.",
]


@pytest.fixture(scope="module")
def tiny_attribution(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from safetensors.torch import load_file, save_file

    from training.polnear import TAGS

    directory = make_tiny_model(tmp_path_factory.mktemp("tiny") / "attribution", "ner", casing=True, seed=8)
    weights = load_file(str(directory / "model.safetensors"))
    generator = torch.Generator().manual_seed(9)
    hidden = weights["classifier.weight"].shape[1]
    weights["attribution_classifier.weight"] = torch.randn(len(TAGS), hidden, generator=generator)
    weights["attribution_classifier.bias"] = torch.randn(len(TAGS), generator=generator)
    save_file(weights, str(directory / "model.safetensors"), metadata={"format": "pt"})
    config = json.loads((directory / "config.json").read_text())
    config["attribution_labels"] = TAGS
    (directory / "config.json").write_text(json.dumps(config))
    return directory


def test_attribution_scores_match_the_training_model(tiny_attribution: Path) -> None:
    from transformers import PreTrainedTokenizerFast

    from training.attribution import BertWithCasingForTokensAndAttribution
    from training.casing import casing_ids

    model = BertWithCasingForTokensAndAttribution.from_pretrained(str(tiny_attribution)).eval()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=str(tiny_attribution / "tokenizer.json"), cls_token="[CLS]", sep_token="[SEP]"
    )
    recognizer = stancekit.EntityRecognizer(tiny_attribution, head="attribution", window=10_000)
    assert recognizer.labels == json.loads((tiny_attribution / "config.json").read_text())["attribution_labels"]
    for text in TEXTS:
        ours, _ = recognizer.token_scores(text)
        encoded = tokenizer(text, return_offsets_mapping=True, return_special_tokens_mask=True, return_tensors="pt")
        offsets = [tuple(pair) for pair in encoded["offset_mapping"][0].tolist()]
        casing = torch.tensor([casing_ids(text, offsets, encoded["special_tokens_mask"][0].tolist())])
        with torch.inference_mode():
            logits = model.attribution_logits(encoded["input_ids"], encoded["attention_mask"], casing)
        reference = torch.softmax(logits[0, 1:-1], dim=-1).numpy()
        assert np.abs(ours - reference).max() < 1e-5, text
    # The NER head of the same directory is untouched by the second one.
    assert stancekit.EntityRecognizer(tiny_attribution).labels[0] == "O"


def test_attribution_head_errors(tiny_attribution: Path, tiny_ner: Path, monkeypatch) -> None:
    with pytest.raises(stancekit.ModelLoadError, match="no attribution head"):
        stancekit.EntityRecognizer(tiny_ner, head="attribution")
    with pytest.raises(ValueError, match="head must be"):
        stancekit.EntityRecognizer(tiny_attribution, head="quotes")  # type: ignore[arg-type]
    monkeypatch.setenv("STANCEKIT_REFERENCE_FORWARD", "1")
    with pytest.raises(stancekit.ModelLoadError, match="BERT forward only"):
        stancekit.EntityRecognizer(tiny_attribution, head="attribution")
