"""Who really said the relations that `analyze` finds without a source: a check of the speaker rule on PolNeAR.

    python -m training.sourceless --model models/ner --split dev

For every attribution of `stancekit.analyze` whose relation has no source span, the gold PolNeAR relation whose
content overlaps it most is looked up, and its gold source compared with the speaker `analyze` chose. Counts, split
by whether the relation has a cue and by who it went to (the author, or the previous speaker carried over):

- "gold source names the speaker": a word of the gold source is a word of the chosen speaker's name;
- "gold source a pronoun": the gold source is only pronouns ("he", "this"), so it may or may not be that speaker;
- "gold source someone else": a gold source that names neither;
- "no gold source": no gold relation overlaps the content, or it has no source (text the annotators did not
  attribute, or a relation the tagger made up): the author is the right answer.

The name match is by words, so it is a rough measure: it can only bound how often a rule is right.
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

from training.common import DEFAULT_DATA_DIR

PRONOUNS = {"he", "she", "they", "we", "i", "it", "this", "that", "you"}


def _words(text: str) -> set[str]:
    return {word.strip(".,;:'’\"“”()").removesuffix("’s").removesuffix("'s").lower() for word in text.split()} - {""}


def check(model: Path, data_dir: Path, split: str) -> dict:
    import stancekit
    from training.polnear import read_split

    recognizer = stancekit.EntityRecognizer(model)
    counts: collections.Counter[str] = collections.Counter()
    for article in read_split(data_dir, split):
        analysis = stancekit.analyze(article.text, [], ner=recognizer)
        for attribution in analysis.attributions:
            if attribution.source is not None or not attribution.content:
                continue
            start, end = attribution.content[0].start, attribution.content[-1].end
            best, overlap = None, 0
            for relation in article.relations:
                for gold_start, gold_end in relation.content:
                    shared = min(gold_end, end) - max(gold_start, start)
                    if shared > overlap:
                        best, overlap = relation, shared
            went_to = "author" if attribution.speaker == "author" else "previous speaker"
            key = f"{'with' if attribution.cue is not None else 'without'} cue, to the {went_to}"
            if best is None or not best.source:
                verdict = "no gold source"
            else:
                gold = _words(" ".join(article.text[s:e] for s, e in best.source))
                if went_to != "author" and gold & _words(attribution.speaker):
                    verdict = "gold source names the speaker"
                elif gold <= PRONOUNS:
                    verdict = "gold source a pronoun"
                else:
                    verdict = "gold source someone else"
            counts[f"{key}: {verdict}"] += 1
    return {"task": "sourceless", "split": split, "counts": dict(sorted(counts.items()))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=Path("models/ner"))
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--split", default="dev", choices=["train", "dev", "test"])
    args = parser.parse_args()
    print(json.dumps(check(args.model, args.data_dir, args.split), indent=2))


if __name__ == "__main__":
    main()
