"""A second token head on the NER encoder (`attribution_classifier`): parity with the training code's model, and the
errors around it. The tiny model is the casing NER model of conftest with a random attribution head."""

from __future__ import annotations

import dataclasses
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


def test_one_forward_pass_serves_both_heads(tiny_attribution: Path, monkeypatch) -> None:
    """With both heads stacked, the entity head's output is the one rust-bert's forward gives for it alone."""
    both = stancekit.EntityRecognizer(tiny_attribution)
    assert both.has_attribution
    monkeypatch.setenv("STANCEKIT_REFERENCE_FORWARD", "1")
    alone = stancekit.EntityRecognizer(tiny_attribution)
    assert not alone.has_attribution
    for text in TEXTS:
        assert [(e.start, e.end, e.label) for e in both.predict(text)] == [
            (e.start, e.end, e.label) for e in alone.predict(text)
        ]
        ours, _ = both.token_scores(text)
        reference, _ = alone.token_scores(text)
        assert np.abs(ours - reference).max() < 1e-4


def test_attribution_extractor_relations(tiny_attribution: Path, tiny_ner: Path, article: str) -> None:
    import pickle

    extractor = stancekit.AttributionExtractor(tiny_attribution, window=64, stride=16)
    texts = [*TEXTS, article, ""]
    batches = extractor.predict_batch(texts)
    assert len(batches) == len(texts) and batches[-1] == []
    alone = extractor.predict(TEXTS[1])
    assert [dataclasses.replace(r, score=0.0) for r in alone] == [dataclasses.replace(r, score=0.0) for r in batches[1]]
    assert all(abs(a.score - b.score) < 1e-4 for a, b in zip(alone, batches[1], strict=True))
    found = 0
    for text, relations in zip(texts, batches, strict=True):
        starts = [relation.start for relation in relations]
        assert starts == sorted(starts)
        for relation in relations:
            found += 1
            assert relation.content and 0.0 <= relation.score <= 1.0
            spans = [relation.source, relation.cue, *relation.content]
            for span in spans:
                assert span is None or text[span.start : span.end] == span.text
            present = [span for span in spans if span is not None]
            assert relation.start == min(s.start for s in present) and relation.end == max(s.end for s in present)
    assert found, "a random head tags some spans on the article"
    assert len(pickle.loads(pickle.dumps(extractor)).predict(TEXTS[0])) == len(batches[0])
    with pytest.raises(stancekit.ModelLoadError, match="no attribution head"):
        stancekit.AttributionExtractor(tiny_ner)
    with pytest.raises(TypeError):
        extractor.predict(None)  # type: ignore[arg-type]


def test_analyze_with_an_attribution_head(tiny_attribution: Path, tiny_nli: Path, article: str) -> None:
    """End to end on a tiny random model: speakers come from relations, stances from contents."""
    ner = stancekit.EntityRecognizer(tiny_attribution, window=64, stride=16)
    stance = stancekit.StanceClassifier(tiny_nli, evidence_threshold=0.4)
    analysis = stancekit.analyze(article, ["sanctions <b>on</b> Russia", "NATO"], ner=ner, stance=stance)
    reported = [a for a in analysis.attributions if a.speaker != "author" or a.source is not None]
    assert reported, "the random head yields relations"
    for attribution in analysis.attributions:
        for span in [attribution.source, attribution.cue, *attribution.content]:
            assert span is None or article[span.start : span.end] == span.text
        if attribution.source is None and attribution.cue is None and attribution.speaker == "author":
            # The author's text is whole sentences that no relation touches.
            assert attribution.content_text in {s.text for s in analysis.sentences}
    for entry in analysis.stances:
        contents = {(c.start, c.end) for a in analysis.attributions if a.speaker == entry.speaker for c in a.content}
        assert set(entry.evidence) <= contents
        assert (entry.label != "none") == (entry.basis == "evidence")
    html = analysis._repr_html_()
    assert "<b>on</b>" not in html and "sanctions &lt;b&gt;on&lt;/b&gt; Russia" in html
    frames = analysis.to_pandas()
    assert len(frames["attributions"]) == len(analysis.attributions)
