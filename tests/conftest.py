"""Tiny random models built with transformers for the Python tests (no download)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789.,;:!?'\"()-“”’éüñ"
WORDS = (
    "the of and to in a said that on for is was he she it with as by president russia ukraine united states "
    "europe vance trump macron peace talks sanctions troops war minister paris munich author supports"
).split()
NER_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
NLI_LABELS = ["contradiction", "entailment", "neutral"]


def write_tokenizer(directory: Path) -> None:
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocabulary += list(CHARACTERS) + [f"##{c}" for c in CHARACTERS if c.isalnum()] + WORDS + ["##s", "##ed", "##ing"]
    vocabulary = list(dict.fromkeys(vocabulary))
    tokenizer = Tokenizer(models.WordPiece({token: i for i, token in enumerate(vocabulary)}, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=None)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.BertProcessing(("[SEP]", 3), ("[CLS]", 2))
    tokenizer.decoder = decoders.WordPiece()
    tokenizer.add_special_tokens(vocabulary[:5])
    tokenizer.save(str(directory / "tokenizer.json"))
    (directory / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "PreTrainedTokenizerFast",
                "unk_token": "[UNK]",
                "cls_token": "[CLS]",
                "sep_token": "[SEP]",
                "pad_token": "[PAD]",
                "mask_token": "[MASK]",
                "model_max_length": 64,
            }
        )
    )


def make_tiny_model(directory: Path, kind: str, *, casing: bool = False, seed: int = 0) -> Path:
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertForTokenClassification

    directory.mkdir(parents=True, exist_ok=True)
    write_tokenizer(directory)
    vocab_size = len(json.loads((directory / "tokenizer.json").read_text())["model"]["vocab"])
    labels = NER_LABELS if kind == "ner" else NLI_LABELS
    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        max_position_embeddings=64,
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    torch.manual_seed(seed)
    if kind == "ner" and casing:
        from training.casing import ARCHITECTURE, CASING_VOCAB_SIZE, BertWithCasingForTokenClassification

        config.casing_vocab_size = CASING_VOCAB_SIZE
        config.architectures = [ARCHITECTURE]
        model = BertWithCasingForTokenClassification(config)
        torch.nn.init.normal_(model.casing_embeddings.weight, std=0.5)
    elif kind == "ner":
        model = BertForTokenClassification(config)
    else:
        model = BertForSequenceClassification(config)
    # Larger random classifier weights make the labels differ, so entity decoding has something to decode.
    torch.nn.init.normal_(model.classifier.weight, std=1.0)
    model.eval()
    model.save_pretrained(str(directory), safe_serialization=True)
    return directory


@pytest.fixture(scope="session")
def tiny_ner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("tiny") / "ner", "ner")


@pytest.fixture(scope="session")
def tiny_casing_ner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("tiny") / "casing", "ner", casing=True, seed=1)


@pytest.fixture(scope="session")
def tiny_nli(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("tiny") / "nli", "nli", seed=2)


@pytest.fixture(scope="session")
def article() -> str:
    return (Path(__file__).resolve().parent.parent / "notebooks" / "data" / "ukraine_talks.txt").read_text("utf-8")
