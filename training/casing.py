"""Casing features for the uncased encoder, and the BERT token classifier that uses them.

The encoder lower-cases its input, so "US" and "us" reach it as the same token. Each token therefore also gets
one of six casing classes, read from its surface text in the original string, whose learned embedding is added to
the word embedding. The Rust engine computes the same classes (`stancekit-core/src/casing.rs`); keep both in step.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import BertConfig, BertForTokenClassification

LOWER, TITLE, UPPER, MIXED, OTHER, SPECIAL = range(6)
CASING_VOCAB_SIZE = 6
ARCHITECTURE = "BertWithCasingForTokenClassification"


def casing_class(surface: str) -> int:
    """The casing class of a token's surface text (an empty surface is OTHER)."""
    cased = [c for c in surface if c.isupper() or c.islower()]
    if not cased:
        return OTHER
    if all(c.islower() for c in cased):
        return LOWER
    if all(c.isupper() for c in cased):
        return UPPER if len(cased) > 1 else TITLE
    if cased[0].isupper() and all(c.islower() for c in cased[1:]):
        return TITLE
    return MIXED


def casing_ids(text: str, offsets: list[tuple[int, int]], special_mask: list[int]) -> list[int]:
    """Casing classes of the tokens of one encoded text (offsets are `str` indices into `text`)."""
    return [
        SPECIAL if special else casing_class(text[start:end])
        for (start, end), special in zip(offsets, special_mask, strict=True)
    ]


class BertWithCasingForTokenClassification(BertForTokenClassification):
    """BertForTokenClassification whose input embeddings are word + casing embeddings."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__(config)
        self.casing_embeddings = nn.Embedding(
            getattr(config, "casing_vocab_size", CASING_VOCAB_SIZE), config.hidden_size
        )
        nn.init.zeros_(self.casing_embeddings.weight)

    def forward(  # type: ignore[override]
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        casing_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs,
    ):
        if casing_ids is None:
            raise ValueError("BertWithCasingForTokenClassification needs casing_ids (see training.casing.casing_ids)")
        embeds = self.bert.embeddings.word_embeddings(input_ids) + self.casing_embeddings(casing_ids)
        return super().forward(
            inputs_embeds=embeds,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            labels=labels,
            **kwargs,
        )


def load_token_classifier(model_dir: str) -> BertForTokenClassification:
    """Loads a stancekit NER directory in transformers, picking the casing class when the config names it."""
    config = BertConfig.from_pretrained(model_dir)
    if ARCHITECTURE in (config.architectures or []):
        return BertWithCasingForTokenClassification.from_pretrained(model_dir)
    return BertForTokenClassification.from_pretrained(model_dir)


def casing_pipeline(model_dir: str, aggregation_strategy: str = "first", **kwargs):
    """A transformers token-classification pipeline for a stancekit NER directory, casing models included."""
    from transformers import PreTrainedTokenizerFast, TokenClassificationPipeline

    class CasingTokenClassificationPipeline(TokenClassificationPipeline):
        """Adds the casing ids, read from the sentence through the offsets, before the forward pass."""

        def _forward(self, model_inputs):
            if isinstance(self.model, BertWithCasingForTokenClassification):
                sentences = model_inputs["sentence"]
                # One sentence, or a list of them when the pipeline batches (padding is marked special).
                sentences = [sentences] if isinstance(sentences, str) else list(sentences)
                offsets = model_inputs["offset_mapping"].tolist()
                special = model_inputs["special_tokens_mask"].tolist()
                rows = [
                    casing_ids(sentence, [tuple(pair) for pair in row_offsets], row_special)
                    for sentence, row_offsets, row_special in zip(sentences, offsets, special, strict=True)
                ]
                model_inputs = {**model_inputs, "casing_ids": torch.tensor(rows)}
            return super()._forward(model_inputs)

    tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=f"{model_dir}/tokenizer.json",
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        pad_token="[PAD]",
        mask_token="[MASK]",
        model_max_length=512,
    )
    model = load_token_classifier(model_dir).eval()
    return CasingTokenClassificationPipeline(
        model=model, tokenizer=tokenizer, aggregation_strategy=aggregation_strategy, **kwargs
    )
