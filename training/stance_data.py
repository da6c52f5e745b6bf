"""Readers for the stance and NLI sets, all mapped to (text, target, label) with label in favor/against/none.

`target` is either a bare target ("Atheism", "Joe Biden") or a sentence (a claim, headline, motion or NLI
hypothesis). Bare targets are put into the hypothesis template at training time and by the engine at inference
time; sentences are used as they are.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

FAVOR, AGAINST, NONE = "favor", "against", "none"
LABELS = [FAVOR, AGAINST, NONE]
TEMPLATE = "The author supports {}."

csv.field_size_limit(10**8)


@dataclass(frozen=True)
class Pair:
    text: str
    target: str
    label: str
    source: str
    bare_target: bool

    def hypothesis(self) -> str:
        return TEMPLATE.format(self.target.strip()) if self.bare_target else self.target


def _clean(text: str) -> str:
    return " ".join(text.replace("#SemST", "").split())


def semeval(data: Path, split: str) -> list[Pair]:
    """SemEval-2016 Task 6A; split is 'train' (training + trial) or 'test'."""
    files = (
        ["trainingdata-all-annotations.txt", "trialdata-all-annotations.txt"]
        if split == "train"
        else ["testdata-taskA-all-annotations.txt"]
    )
    pairs = []
    for name in files:
        raw = (data / "stance" / "semeval2016" / name).read_bytes().decode("cp1252", errors="replace")
        rows = csv.DictReader(raw.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
        for row in rows:
            label = row["Stance"].strip().lower()
            pairs.append(Pair(_clean(row["Tweet"]), row["Target"].strip(), label, "semeval", True))
    return pairs


def pstance(data: Path, split: str) -> list[Pair]:
    with open(
        data / "stance" / "pstance" / f"raw_{split}_all.csv",
        encoding="utf-8",
        newline="",
    ) as handle:
        return [
            Pair(
                _clean(row["Tweet"]),
                row["Target"].strip(),
                row["Stance"].strip().lower(),
                "pstance",
                True,
            )
            for row in csv.DictReader(handle)
        ]


def mtsd(data: Path, split: str) -> list[Pair]:
    with open(
        data / "stance" / "mtsd" / f"raw_{split}_all_onecol.csv",
        encoding="utf-8",
        newline="",
    ) as handle:
        return [
            Pair(
                _clean(row["Tweet"]),
                row["Target 1"].strip(),
                row["Stance 1"].strip().lower(),
                "mtsd",
                True,
            )
            for row in csv.DictReader(handle)
        ]


def perspectrum(data: Path, split: str) -> list[Pair]:
    mapping = {"SUPPORT": FAVOR, "UNDERMINE": AGAINST}
    with open(
        data / "stance" / "perspectrum" / f"derived_stance_pairs_{split}.tsv",
        encoding="utf-8",
    ) as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            Pair(
                _clean(row["perspective"]),
                _clean(row["claim"]),
                mapping[row["stance_label_3"]],
                "perspectrum",
                False,
            )
            for row in rows
            if row["stance_label_3"] in mapping
        ]


def ibm(data: Path, split: str) -> list[Pair]:
    """Claims with PRO/CON toward the debate motion (used as a sentence target)."""
    mapping = {"PRO": FAVOR, "CON": AGAINST}
    path = data / "stance" / "ibm_claim_stance" / "claim_stance_dataset_v1.repaired.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        return [
            Pair(
                _clean(row["claims.claimCorrectedText"]),
                _clean(row["topicText"]),
                mapping[row["claims.stance"]],
                "ibm",
                False,
            )
            for row in csv.DictReader(handle)
            if row["split"] == split and row["claims.stance"] in mapping
        ]


def fnc1(data: Path, rng: random.Random, discuss: int, unrelated: int) -> list[Pair]:
    """FNC-1 headline/body pairs: agree→favor, disagree→against, discuss/unrelated→none (subsampled)."""
    folder = data / "stance" / "fnc1"
    with open(folder / "train_bodies.csv", encoding="utf-8", newline="") as handle:
        bodies = {
            row["Body ID"] if "Body ID" in row else row["Body_ID"]: row["articleBody"] for row in csv.DictReader(handle)
        }
    by_class: dict[str, list[Pair]] = {"0": [], "1": [], "2": [], "3": []}
    with open(folder / "train_stances.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            body = _clean(bodies[row["Body_ID"]])
            label = {"0": FAVOR, "1": AGAINST}.get(row["Stance"], NONE)
            by_class[row["Stance"]].append(Pair(body, _clean(row["Headline"]), label, "fnc1", False))
    rng.shuffle(by_class["2"])
    rng.shuffle(by_class["3"])
    return by_class["0"] + by_class["1"] + by_class["2"][:discuss] + by_class["3"][:unrelated]


_NLI = {
    "entailment": FAVOR,
    "contradiction": AGAINST,
    "neutral": NONE,
    "not_entailment": NONE,
}


def snli(data: Path, split: str) -> list[Pair]:
    folder = data / "nli" / "snli"
    read = lambda name: (folder / f"{name}.{split}").read_text(encoding="utf-8").splitlines()
    return [
        Pair(premise.strip(), hypothesis.strip(), _NLI[label.strip()], "snli", False)
        for premise, hypothesis, label in zip(read("s1"), read("s2"), read("labels"), strict=True)
        if label.strip() in _NLI
    ]


def nli_csv(path: Path, source: str) -> list[Pair]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [
            Pair(
                _clean(row["premise"]),
                _clean(row["hypothesis"]),
                _NLI[row["label"].strip()],
                source,
                False,
            )
            for row in csv.DictReader(handle)
            if row["label"].strip() in _NLI and row["premise"].strip() and row["hypothesis"].strip()
        ]


def xnli(data: Path, split: str) -> list[Pair]:
    mapping = {"0": FAVOR, "1": NONE, "2": AGAINST}
    with open(data / "nli" / "xnli_en" / f"xnli_{split}_en.tsv", encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            Pair(
                _clean(r["premise"]),
                _clean(r["hypothesis"]),
                mapping[r["label"]],
                "xnli",
                False,
            )
            for r in rows
        ]


def rte(data: Path, split: str) -> list[Pair]:
    mapping = {"0": FAVOR, "1": NONE}
    with open(data / "nli" / "rte" / f"{split}.tsv", encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            Pair(
                _clean(r["sentence1"]),
                _clean(r["sentence2"]),
                mapping[r["label"]],
                "rte",
                False,
            )
            for r in rows
        ]


def vast(data: Path) -> list[Pair]:
    with open(data / "stance" / "vast" / "vast_dev.csv", encoding="utf-8", newline="") as handle:
        return [
            Pair(
                _clean(row["Tweet"]),
                row["Target 1"].strip(),
                row["Stance 1"].strip().lower(),
                "vast",
                True,
            )
            for row in csv.DictReader(handle)
        ]


def cap(pairs: list[Pair], limit: int, rng: random.Random) -> list[Pair]:
    if len(pairs) <= limit:
        return pairs
    return rng.sample(pairs, limit)


def training_mix(data: Path, rng: random.Random, per_source: int) -> list[Pair]:
    """The training mix: every stance set's train split and the NLI sets, each capped at `per_source`.

    VAST is never used for training: it is the zero-shot check.
    """
    nli = data / "nli"
    sources = [
        semeval(data, "train"),
        pstance(data, "train"),
        mtsd(data, "train"),
        perspectrum(data, "train"),
        ibm(data, "train"),
        fnc1(data, rng, discuss=3000, unrelated=2000),
        snli(data, "dev"),
        nli_csv(nli / "mnli_dev_silver" / "dev.csv", "mnli_silver"),
        xnli(data, "validation") + xnli(data, "test"),
        rte(data, "train"),
        cap(nli_csv(nli / "extra" / "joci" / "train.csv", "joci"), 3000, rng),
        nli_csv(nli / "extra" / "commitment_bank" / "train.csv", "cb")
        + nli_csv(nli / "extra" / "fracas" / "train.csv", "fracas"),
        nli_csv(nli / "scitail_test" / "dev.csv", "scitail"),
    ]
    mix: list[Pair] = []
    for pairs in sources:
        mix.extend(cap(pairs, per_source, rng))
    rng.shuffle(mix)
    return mix


def dev_mix(data: Path, rng: random.Random, per_source: int = 800) -> list[Pair]:
    """Held-out dev splits used for model selection (never the reported test sets, never VAST)."""
    return (
        cap(pstance(data, "val"), per_source, rng)
        + cap(mtsd(data, "val"), per_source, rng)
        + cap(perspectrum(data, "dev"), per_source, rng)
        + rte(data, "dev")
    )
