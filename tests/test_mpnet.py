"""MPNet in the engine: parity with transformers' MPNet models and with peft's merged LoRA adapters.

Tiny random models use the real all-mpnet-base-v2 tokenizer (it ships inside models/stance-accurate), so the
special tokens, the pad id 1 and the position numbering are those of the accurate tier. The real base is compared
when the store holds it (`make test` fetches it first).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

import stancekit

pytestmark = pytest.mark.parity

REPO = Path(__file__).resolve().parent.parent
ACCURATE = REPO / "models" / "stance-accurate"
NER_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
NLI_LABELS = ["contradiction", "entailment", "neutral"]
TEXTS = [
    "President Trump said that peace talks with Russia and Ukraine will start in Paris.",
    "Vance told the minister in Munich: “the United States supports sanctions.”",
    "Macron and Trump, Russia, Ukraine; Europe's troops (war) – São Paulo 2025!",
    "the",
    " ".join(["Europe must be at the table when the war ends."] * 12),
]
TARGETS = ["sanctions on Russia", "peace talks", "sending troops"]


def _tokenizer(model_dir: Path):
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_file=str(model_dir / "tokenizer.json"),
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="[UNK]",
        pad_token="<pad>",
        mask_token="<mask>",
    )


def _config(labels: list[str]):
    from transformers import MPNetConfig

    return MPNetConfig(
        vocab_size=30527,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        max_position_embeddings=514,
        relative_attention_num_buckets=32,
        layer_norm_eps=1e-5,
        pad_token_id=1,
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )


def _randomize(model) -> None:
    # Larger random heads and position bias than the initializer's, so labels differ and the bias matters.
    torch.nn.init.normal_(model.base_model.encoder.relative_attention_bias.weight, std=1.0)
    for name, parameter in model.named_parameters():
        if name.startswith("classifier") and name.endswith("weight"):
            torch.nn.init.normal_(parameter, std=1.0)


def _tiny(directory: Path, kind: str, seed: int) -> Path:
    from transformers import MPNetForSequenceClassification, MPNetForTokenClassification

    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(ACCURATE / "tokenizer.json", directory / "tokenizer.json")
    torch.manual_seed(seed)
    if kind == "ner":
        model = MPNetForTokenClassification(_config(NER_LABELS))
    else:
        model = MPNetForSequenceClassification(_config(NLI_LABELS))
    _randomize(model)
    model.eval().save_pretrained(str(directory), safe_serialization=True)
    return directory


@pytest.fixture(scope="module")
def tiny_mpnet_nli(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tiny(tmp_path_factory.mktemp("mpnet") / "nli", "nli", seed=3)


@pytest.fixture(scope="module")
def tiny_mpnet_ner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tiny(tmp_path_factory.mktemp("mpnet") / "ner", "ner", seed=4)


def _reference_probabilities(model, model_dir: Path, classifier, pairs) -> np.ndarray:
    encoded = _tokenizer(model_dir)(
        [text for text, _ in pairs],
        [classifier.hypothesis(target) for _, target in pairs],
        padding=True,
        truncation="only_first",
        max_length=512,
        return_tensors="pt",
    )
    encoded.pop("token_type_ids", None)
    with torch.inference_mode():
        return torch.softmax(model(**encoded).logits, dim=-1).numpy()


def _assert_stance_parity(classifier, model, model_dir: Path, pairs, tolerance: float) -> None:
    probabilities = _reference_probabilities(model, model_dir, classifier, pairs)
    stance_of = {"entailment": "favor", "contradiction": "against", "neutral": "none"}
    # One batch of pairs of very different lengths: padding must not move any position or score.
    for prediction, row in zip(classifier.predict_batch(pairs), probabilities, strict=True):
        for index, label in model.config.id2label.items():
            assert prediction.scores[stance_of.get(label, label)] == pytest.approx(float(row[index]), abs=tolerance)


def test_sequence_probabilities_match_transformers(tiny_mpnet_nli: Path) -> None:
    from transformers import MPNetForSequenceClassification

    model = MPNetForSequenceClassification.from_pretrained(str(tiny_mpnet_nli)).eval()
    classifier = stancekit.StanceClassifier(tiny_mpnet_nli)
    pairs = [(text, target) for text in TEXTS for target in TARGETS]
    _assert_stance_parity(classifier, model, tiny_mpnet_nli, pairs, 1e-4)


def test_token_logits_match_transformers(tiny_mpnet_ner: Path) -> None:
    from transformers import MPNetForTokenClassification

    model = MPNetForTokenClassification.from_pretrained(str(tiny_mpnet_ner)).eval()
    tokenizer = _tokenizer(tiny_mpnet_ner)
    recognizer = stancekit.EntityRecognizer(tiny_mpnet_ner, window=10_000)
    for text in TEXTS:
        probabilities, _ = recognizer.token_scores(text)
        encoded = tokenizer(text, return_tensors="pt")
        encoded.pop("token_type_ids", None)
        with torch.inference_mode():
            reference = torch.log_softmax(model(**encoded).logits[0, 1:-1], dim=-1).numpy()
        assert probabilities.shape == reference.shape, text
        ours = np.log(np.clip(probabilities, 1e-30, None))
        mask = reference > -15
        assert np.abs(ours - reference)[mask].max() < 1e-4, text


def _tiny_adapter(root: Path, seed: int, **lora) -> tuple[Path, object]:
    """A bare random MPNet base, and a random LoRA adapter + head over it saved by peft; returns the adapter
    directory and peft's merged model."""
    from peft import LoraConfig, get_peft_model
    from transformers import MPNetForSequenceClassification, MPNetModel

    torch.manual_seed(seed)
    base_dir = root / "base"
    base = MPNetModel(_config(NLI_LABELS), add_pooling_layer=False)
    torch.nn.init.normal_(base.encoder.relative_attention_bias.weight, std=1.0)
    base.eval().save_pretrained(str(base_dir), safe_serialization=True)
    model = MPNetForSequenceClassification.from_pretrained(str(base_dir), config=_config(NLI_LABELS))
    config = LoraConfig(
        task_type="SEQ_CLS",
        r=lora.get("r", 4),
        lora_alpha=lora.get("alpha", 8),
        use_rslora=lora.get("rslora", False),
        target_modules=["q", "k", "v", "o", "intermediate.dense", "output.dense"],
        modules_to_save=["classifier"],
        init_lora_weights=False,  # random A and B: the merge must move every targeted weight
    )
    peft_model = get_peft_model(model, config)
    for name, parameter in peft_model.named_parameters():
        if "modules_to_save" in name and name.endswith("weight"):
            torch.nn.init.normal_(parameter.data, std=1.0)
    adapter_dir = root / "adapter"
    peft_model.save_pretrained(str(adapter_dir))
    settings = json.loads((adapter_dir / "adapter_config.json").read_text())
    settings["base_model_name_or_path"] = "../base"
    (adapter_dir / "adapter_config.json").write_text(json.dumps(settings))
    classifier_config = _config(NLI_LABELS)
    classifier_config.architectures = ["MPNetForSequenceClassification"]
    classifier_config.save_pretrained(str(adapter_dir))
    shutil.copy(ACCURATE / "tokenizer.json", adapter_dir / "tokenizer.json")
    return adapter_dir, peft_model.merge_and_unload().eval()


@pytest.mark.parametrize("rslora", [False, True])
def test_lora_adapter_merges_like_peft(tmp_path: Path, rslora: bool) -> None:
    adapter_dir, merged = _tiny_adapter(tmp_path, seed=5, rslora=rslora)
    classifier = stancekit.StanceClassifier(adapter_dir)
    pairs = [(text, target) for text in TEXTS for target in TARGETS]
    _assert_stance_parity(classifier, merged, adapter_dir, pairs, 1e-4)


def _peft_merged(adapter_dir: Path, base_dir: Path):
    from peft import PeftModel
    from transformers import MPNetForSequenceClassification

    model = MPNetForSequenceClassification.from_pretrained(str(base_dir), config=_config(NLI_LABELS))
    return PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload().eval()


def _write_adapter(template: Path, out: Path, settings: dict, tensors: dict) -> Path:
    from safetensors.torch import save_file

    shutil.copytree(template, out)
    (out / "adapter_config.json").write_text(json.dumps(settings))
    save_file(tensors, str(out / "adapter_model.safetensors"))
    return out


def test_exact_adapter_soup_is_the_mean_of_the_merged_models(tmp_path: Path) -> None:
    """training.soup: the exact soup of two adapters of one base, merged by peft, has the mean of the two merged
    models' weights, and the engine reads it as peft does."""
    from safetensors.torch import load_file

    from training.soup import average, read_adapter

    first_dir, first = _tiny_adapter(tmp_path, seed=5)
    settings, tensors = read_adapter(first_dir)
    generator = torch.Generator().manual_seed(9)
    other = {key: torch.randn(value.shape, generator=generator) for key, value in tensors.items()}
    second_dir = _write_adapter(first_dir, tmp_path / "second", settings, other)
    second = _peft_merged(second_dir, tmp_path / "base")

    soup_settings, soup_tensors, errors = average([read_adapter(first_dir), read_adapter(second_dir)], rank=None)
    assert soup_settings["r"] == 2 * settings["r"] and max(errors.values()) == 0.0
    soup_dir = _write_adapter(first_dir, tmp_path / "soup", soup_settings, soup_tensors)
    assert load_file(str(soup_dir / "adapter_model.safetensors")).keys() == tensors.keys()
    soup = _peft_merged(soup_dir, tmp_path / "base")
    weights_a, weights_b = first.state_dict(), second.state_dict()
    moved = 0
    for name, weight in soup.state_dict().items():
        expected = (weights_a[name] + weights_b[name]) / 2
        assert torch.allclose(weight, expected, atol=1e-5), name
        moved += not torch.equal(weights_a[name], weights_b[name])
    assert moved >= 6 * soup.config.num_hidden_layers + 2  # every adapted matrix and the head differ

    classifier = stancekit.StanceClassifier(soup_dir)
    pairs = [(text, target) for text in TEXTS for target in TARGETS]
    _assert_stance_parity(classifier, soup, soup_dir, pairs, 1e-4)


def test_truncated_adapter_soup_is_the_best_low_rank_update() -> None:
    """training.soup --rank: each written update is the mean update's best rank-R approximation (Eckart-Young),
    and R = n*r loses nothing."""
    from training.soup import average

    generator = torch.Generator().manual_seed(3)
    settings = {"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q"], "modules_to_save": None}
    key_a, key_b = "m.q.lora_A.weight", "m.q.lora_B.weight"
    adapters = [
        (settings, {key_a: torch.randn(2, 6, generator=generator), key_b: torch.randn(5, 2, generator=generator)})
        for _ in range(3)
    ]
    mean = sum(tensors[key_b] @ tensors[key_a] for _, tensors in adapters) / 3
    singular = torch.linalg.svdvals(mean)
    for rank in (1, 2, 3):
        config, written, errors = average(adapters, rank)
        assert (config["r"], config["lora_alpha"]) == (rank, 2 * rank)  # the scale alpha / r stays 2
        update = written[key_b] @ written[key_a]
        best = singular[rank:].norm() / singular.norm()
        assert errors[key_a] == pytest.approx(float(best), abs=1e-5)
        assert float((update - mean).norm() / mean.norm()) == pytest.approx(float(best), abs=1e-5)
    _, written, errors = average(adapters, 5)
    assert errors[key_a] < 1e-5


def test_adapter_soup_refuses_adapters_that_differ() -> None:
    from training.soup import SoupError, average

    one = {"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q"]}
    tensors = {"m.q.lora_A.weight": torch.zeros(2, 4), "m.q.lora_B.weight": torch.zeros(4, 2)}
    with pytest.raises(SoupError, match="differ in r"):
        average([(one, tensors), (dict(one, r=4), tensors)], rank=None)
    with pytest.raises(SoupError, match="at least two"):
        average([(one, tensors)], rank=None)


def test_adapter_without_its_base_says_how_to_fetch_it(tmp_path: Path, monkeypatch) -> None:
    adapter_dir, _ = _tiny_adapter(tmp_path, seed=6)
    settings = json.loads((adapter_dir / "adapter_config.json").read_text())
    settings["base_model_name_or_path"] = "someone/missing-base"
    (adapter_dir / "adapter_config.json").write_text(json.dumps(settings))
    monkeypatch.setenv("STANCEKIT_HOME", str(tmp_path / "empty-store"))
    with pytest.raises(stancekit.ModelLoadError, match=r"stancekit\.download\(\"someone/missing-base\"\)"):
        stancekit.StanceClassifier(adapter_dir)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [("use_dora", True, "DoRA"), ("peft_type", "IA3", "IA3"), ("rank_pattern", {"q": 8}, "rank_pattern")],
)
def test_unsupported_adapters_are_refused(tmp_path: Path, key: str, value, message: str) -> None:
    adapter_dir, _ = _tiny_adapter(tmp_path, seed=7)
    settings = json.loads((adapter_dir / "adapter_config.json").read_text())
    settings[key] = value
    (adapter_dir / "adapter_config.json").write_text(json.dumps(settings))
    with pytest.raises(stancekit.ModelLoadError, match=message):
        stancekit.StanceClassifier(adapter_dir)


@pytest.mark.slow
def test_accurate_stance_model_matches_peft_on_the_real_base(article: str) -> None:
    from peft import PeftModel
    from transformers import AutoConfig, MPNetForSequenceClassification

    base = stancekit.base_dir("sentence-transformers/all-mpnet-base-v2")
    if not (base / "model.safetensors").is_file():
        pytest.fail(f"the accurate base is not in {base}: run `make base` (make test does)")
    config = AutoConfig.from_pretrained(str(ACCURATE))
    model = MPNetForSequenceClassification.from_pretrained(str(base), config=config)
    merged = PeftModel.from_pretrained(model, str(ACCURATE)).merge_and_unload().eval()
    classifier = stancekit.StanceClassifier(ACCURATE)
    sentences = [line for line in article.splitlines() if line.strip()][:6]
    pairs = [(sentence, target) for sentence in sentences for target in TARGETS]
    _assert_stance_parity(classifier, merged, ACCURATE, pairs, 1e-3)


def test_analyze_takes_a_tier(article: str) -> None:
    targets = ["peace talks with Russia"]
    tier = stancekit.analyze(article, targets, models="accurate")
    given = stancekit.analyze(article, targets, stance=stancekit.StanceClassifier("accurate"))
    cells = lambda analysis: [(s.speaker, s.target, s.label, round(s.score, 5)) for s in analysis.stances]
    assert cells(tier) == cells(given)
    assert cells(tier) != cells(stancekit.analyze(article, targets))
    with pytest.raises(ValueError, match="fast' or 'accurate"):
        stancekit.analyze(article, targets, models="huge")
