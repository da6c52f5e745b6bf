"""Readers for the stance and NLI sets, all mapped to (text, target, label) with label in favor/against/none.

`target` is either a bare target ("Atheism", "Joe Biden") or a sentence (a claim, headline, motion or NLI
hypothesis). Bare targets are put into the hypothesis template at training time and by the engine at inference
time; sentences are used as they are.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
from dataclasses import asdict, dataclass
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


def fnc1(data: Path, rng: random.Random, discuss: int, unrelated_kept: int) -> list[Pair]:
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
    return by_class["0"] + by_class["1"] + by_class["2"][:discuss] + by_class["3"][:unrelated_kept]


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


def unrelated(texts: list[Pair], targets: list[Pair], count: int, rng: random.Random) -> list[Pair]:
    """`count` synthetic `none` pairs: a text with a target from another stance set that the text does not mention.

    A model that only ever sees a text next to its own topic learns to give every pair a side; when an article's
    sentences are crossed with a user's targets, most pairs are unrelated and must come out `none`. A target is
    rejected when it is one of the text's own set's targets or when one of its longer words occurs in the text.
    """
    own: dict[str, set[str]] = {}
    for pair in texts + targets:
        own.setdefault(pair.source, set()).add(pair.target.lower())
    # Bare targets (a few names and issues) and sentence targets (thousands of claims) are drawn half and half.
    pools = [
        sorted({(pair.target, pair.bare_target, pair.source) for pair in targets if pair.bare_target == bare})
        for bare in (True, False)
    ]
    pools = [pool for pool in pools if pool]
    pairs: list[Pair] = []
    attempts = 0
    while len(pairs) < count and pools and texts and attempts < 20 * count:
        attempts += 1
        text = rng.choice(texts)
        target, bare, source = rng.choice(rng.choice(pools))
        if source == text.source or target.lower() in own[text.source]:
            continue
        words = [word for word in target.lower().replace(".", " ").split() if len(word) > 3]
        lowered = text.text.lower()
        if any(word in lowered for word in words):
            continue
        pairs.append(Pair(text.text, target, NONE, "unrelated", bare))
    return pairs


def training_mix(data: Path, rng: random.Random, per_source: int, unrelated_pairs: int = 0) -> list[Pair]:
    """The training mix: every stance set's train split and the NLI sets, each capped at `per_source`, plus
    `unrelated_pairs` synthetic `none` pairs (see `unrelated`).

    VAST is never used for training: it is the zero-shot check.
    """
    nli = data / "nli"
    stance = [
        semeval(data, "train"),
        pstance(data, "train"),
        mtsd(data, "train"),
        perspectrum(data, "train"),
        ibm(data, "train"),
    ]
    sources = [
        *stance,
        fnc1(data, rng, discuss=3000, unrelated_kept=2000),
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
    if unrelated_pairs:
        texts = [pair for pairs in stance[:3] for pair in pairs]
        targets = [pair for pairs in stance for pair in pairs]
        mix.extend(unrelated(texts, targets, unrelated_pairs, rng))
    rng.shuffle(mix)
    return mix


def dev_mix(data: Path, rng: random.Random, per_source: int = 800, unrelated_pairs: int = 0) -> list[Pair]:
    """Held-out dev splits used for model selection (never the reported test sets, never VAST), plus
    `unrelated_pairs` synthetic `none` pairs built from the same dev splits."""
    pstance_dev, mtsd_dev, perspectrum_dev = pstance(data, "val"), mtsd(data, "val"), perspectrum(data, "dev")
    pairs = (
        cap(pstance_dev, per_source, rng)
        + cap(mtsd_dev, per_source, rng)
        + cap(perspectrum_dev, per_source, rng)
        + rte(data, "dev")
    )
    if unrelated_pairs:
        pairs += unrelated(pstance_dev + mtsd_dev, pstance_dev + mtsd_dev + perspectrum_dev, unrelated_pairs, rng)
    return pairs


def write_pairs(path: Path, train: list[Pair], dev: list[Pair], meta: dict) -> None:
    """Writes a training and a dev mix to one gzipped JSON-lines file (to train where the data is not); the first
    line records how the mixes were made."""
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"meta": meta}) + "\n")
        for split, pairs in (("train", train), ("dev", dev)):
            for pair in pairs:
                handle.write(json.dumps({"split": split, **asdict(pair)}, ensure_ascii=False) + "\n")


def read_pairs(path: Path) -> tuple[list[Pair], list[Pair], dict]:
    splits: dict[str, list[Pair]] = {"train": [], "dev": []}
    meta: dict = {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if "meta" in record:
                meta = record["meta"]
                continue
            splits[record.pop("split")].append(Pair(**record))
    return splits["train"], splits["dev"], meta


def main() -> None:
    parser = argparse.ArgumentParser(description="Writes the stance training and dev mixes to a .jsonl.gz file.")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-source", type=int, default=20000)
    parser.add_argument("--unrelated", type=int, default=10000)
    parser.add_argument("--dev-unrelated", type=int, default=800)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    train = training_mix(args.data_dir, random.Random(args.seed), args.per_source, args.unrelated)
    dev = dev_mix(args.data_dir, random.Random(args.seed + 1), unrelated_pairs=args.dev_unrelated)
    meta = {name: value for name, value in vars(args).items() if name not in ("data_dir", "out")}
    write_pairs(args.out, train, dev, meta)
    print(f"{len(train)} training pairs, {len(dev)} dev pairs -> {args.out}")


if __name__ == "__main__":
    main()
