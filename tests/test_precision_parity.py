"""bfloat16 and int8 against transformers on the same weights, for BERT (with and without casing) and MPNet.

- bfloat16: stancekit's encoder in bfloat16 against `transformers` with `model.to(torch.bfloat16)`; both differ
  from float32 by bfloat16 rounding, so stancekit must be as close to transformers' bfloat16 as the rounding
  allows and no farther from float32 than transformers' bfloat16 is (times a small factor for operation order).
- int8 (not offered: it fails the task-level parity bar; these tests keep the experimental path right while it is
  measured, with STANCEKIT_EXPERIMENTAL_INT8=1): stancekit's scheme (per-channel int8 weights, per-token scaled
  activations, libtorch's fbgemm kernel on the transformer layers' four dense layers; embeddings, norms,
  attention and heads in float32) written here independently on the `transformers` model: the two must agree to
  float rounding.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import stancekit

pytestmark = [
    pytest.mark.parity,
    # The int8 reference below calls torch's fbgemm functions, which torch 2.4 marks deprecated.
    pytest.mark.filterwarnings("ignore:fbgemm_.* is deprecated:UserWarning"),
    # On CPUs where a precision runs slowly stancekit says so; the numbers are what these tests check.
    pytest.mark.filterwarnings("ignore:precision .* on this CPU:RuntimeWarning"),
]

TEXTS = [
    "President Trump said that peace talks with Russia and Ukraine will start in Paris.",
    "Vance told the minister in Munich: “the United States supports sanctions.”",
    "Macron and Trump, Russia, Ukraine; Europe's troops (war) – São Paulo 2025!",
    "the",
    " ".join(["Europe must be at the table when the war ends."] * 2),
]
TARGETS = ["sanctions on Russia", "peace talks"]
STANCE_OF = {"entailment": "favor", "contradiction": "against", "neutral": "none"}


@pytest.fixture(autouse=True)
def _measure_int8(monkeypatch: pytest.MonkeyPatch) -> None:
    """int8 runs only where it is asked for to be measured (read when a model loads)."""
    monkeypatch.setenv("STANCEKIT_EXPERIMENTAL_INT8", "1")


class _Int8Reference(torch.nn.Module):
    """A dense layer as stancekit's int8 layer computes it, written on torch's fbgemm functions."""

    def __init__(self, linear: torch.nn.Linear) -> None:
        super().__init__()
        weight = linear.weight.detach().float()
        self.magnitude = weight.abs().amax(1, keepdim=True).clamp_min(torch.finfo(torch.float32).tiny)
        self.quantized = (weight / self.magnitude * 127).round().clamp(-127, 127).to(torch.int8).contiguous()
        self.row_sums = self.quantized.sum(1, dtype=torch.int32)
        self.packed = torch.fbgemm_pack_quantized_matrix(self.quantized)
        self.magnitude = self.magnitude.squeeze(1)
        self.bias = linear.bias.detach().float()

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        flat = inputs.reshape(-1, inputs.shape[-1])
        rows = flat.abs().amax(1, keepdim=True).clamp_min(torch.finfo(torch.float32).tiny)
        product = torch.fbgemm_linear_int8_weight_fp32_activation(
            flat / rows, self.quantized, self.packed, self.row_sums, 1 / 127, 0, torch.zeros_like(self.bias)
        )
        return (product * rows * self.magnitude + self.bias).reshape(*inputs.shape[:-1], -1)


def _int8_reference(model: torch.nn.Module) -> torch.nn.Module:
    """`model` with the dense layers inside its transformer layers replaced (not the pooler, not the heads)."""
    for name, module in list(model.named_modules()):
        if ".layer." not in f".{name}." or "classifier" in name:
            continue
        for child_name, child in list(module.named_children()):
            if isinstance(child, torch.nn.Linear):
                setattr(module, child_name, _Int8Reference(child))
    return model


def _in(model: torch.nn.Module, precision: str) -> torch.nn.Module:
    if precision == "bfloat16":
        return model.to(torch.bfloat16)
    return _int8_reference(model)


def _bert_tokenizer(model_dir: Path):
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_file=str(model_dir / "tokenizer.json"), cls_token="[CLS]", sep_token="[SEP]", pad_token="[PAD]"
    )


def _mpnet_tokenizer(model_dir: Path):
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_file=str(model_dir / "tokenizer.json"), cls_token="<s>", sep_token="</s>", pad_token="<pad>"
    )


def _pair_probabilities(model, tokenizer, classifier, pairs, drop_types: bool) -> np.ndarray:
    encoded = tokenizer(
        [text for text, _ in pairs],
        [classifier.hypothesis(target) for _, target in pairs],
        padding=True,
        truncation="only_first",
        max_length=512,
        return_tensors="pt",
    )
    if drop_types:
        encoded.pop("token_type_ids", None)
    with torch.inference_mode():
        return torch.softmax(model(**encoded).logits.float(), dim=-1).numpy()


def _ours(model_dir: Path, precision: str, labels: dict[int, str]) -> np.ndarray:
    classifier = stancekit.StanceClassifier(model_dir, precision=precision)
    assert classifier.precision == precision
    predictions = classifier.predict_batch([(text, target) for text in TEXTS for target in TARGETS])
    return np.array([[p.scores[STANCE_OF.get(labels[i], labels[i])] for i in sorted(labels)] for p in predictions])


def _assert_close(ours: np.ndarray, reference: np.ndarray, float32: np.ndarray, precision: str) -> None:
    drift = np.abs(ours - reference).max()
    assert np.abs(ours - float32).max() > 1e-6, f"{precision} gave float32's numbers: the encoder did not convert"
    if precision == "int8":
        assert drift < 1e-4, f"int8: {drift} from the reference scheme"
    else:
        # bfloat16 keeps 8 bits of mantissa: the two implementations round differently, within a few units.
        reference_error = np.abs(reference - float32).max()
        our_error = np.abs(ours - float32).max()
        assert drift < 0.03, f"bfloat16: {drift} from transformers' bfloat16"
        assert our_error <= 2 * reference_error + 1e-3, (our_error, reference_error)


def _sequence_parity(model_dir: Path, load, tokenizer, precision: str, drop_types: bool) -> None:
    pairs = [(text, target) for text in TEXTS for target in TARGETS]
    classifier = stancekit.StanceClassifier(model_dir)
    float32 = _pair_probabilities(load(), tokenizer, classifier, pairs, drop_types)
    model = _in(load(), precision)
    reference = _pair_probabilities(model, tokenizer, classifier, pairs, drop_types)
    ours = _ours(model_dir, precision, model.config.id2label)
    _assert_close(ours, reference, float32, precision)


@pytest.mark.parametrize("precision", ["bfloat16", "int8"])
def test_bert_pairs_match_transformers(tiny_nli: Path, precision: str) -> None:
    from transformers import BertForSequenceClassification

    def load():
        return BertForSequenceClassification.from_pretrained(str(tiny_nli)).eval()

    _sequence_parity(tiny_nli, load, _bert_tokenizer(tiny_nli), precision, drop_types=False)


@pytest.mark.parametrize("precision", ["bfloat16", "int8"])
def test_mpnet_pairs_match_transformers(tmp_path: Path, precision: str) -> None:
    from test_mpnet import _tiny
    from transformers import MPNetForSequenceClassification

    model_dir = _tiny(tmp_path / "nli", "nli", seed=3)

    def load():
        return MPNetForSequenceClassification.from_pretrained(str(model_dir)).eval()

    _sequence_parity(model_dir, load, _mpnet_tokenizer(model_dir), precision, drop_types=True)


@pytest.mark.parametrize("precision", ["bfloat16", "int8"])
def test_casing_tagger_matches_transformers(tiny_casing_ner: Path, precision: str) -> None:
    from training.casing import casing_ids, load_token_classifier

    tokenizer = _bert_tokenizer(tiny_casing_ner)
    float32 = load_token_classifier(str(tiny_casing_ner)).eval()
    model = _in(load_token_classifier(str(tiny_casing_ner)).eval(), precision)
    recognizer = stancekit.EntityRecognizer(tiny_casing_ner, window=10_000, precision=precision)
    assert recognizer.precision == precision
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for text in TEXTS:
        encoded = tokenizer(text, return_offsets_mapping=True, return_special_tokens_mask=True, return_tensors="pt")
        offsets = [tuple(pair) for pair in encoded["offset_mapping"][0].tolist()]
        inputs = {
            "input_ids": encoded["input_ids"],
            "attention_mask": encoded["attention_mask"],
            "casing_ids": torch.tensor([casing_ids(text, offsets, encoded["special_tokens_mask"][0].tolist())]),
        }
        with torch.inference_mode():
            reference = torch.softmax(model(**inputs).logits[0, 1:-1].float(), dim=-1).numpy()
            exact = torch.softmax(float32(**inputs).logits[0, 1:-1], dim=-1).numpy()
        ours, _ = recognizer.token_scores(text)
        assert ours.shape == reference.shape, text
        found.append((ours, reference, exact))
    # All tokens of all texts at once: bfloat16's rounding is compared over the whole sample, not per text.
    _assert_close(*(np.concatenate(arrays) for arrays in zip(*found, strict=True)), precision)
