"""Peak RSS of stancekit alone (no torch or transformers imported by Python): load both bundled models, then run
the heaviest workloads of `bench/run.py`. Prints one JSON object (MB).

    PYTHONPATH=. python bench/rss_probe.py --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import stancekit
from bench.documents import conll_paragraphs, long_document
from bench.memory import peak_rss_mb

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--tokens", type=int, default=100_000)
    parser.add_argument("--stance", default=str(REPO / "models" / "stance"), help="stance model directory or preset")
    args = parser.parse_args()
    imported = peak_rss_mb()
    ner = stancekit.EntityRecognizer(REPO / "models" / "ner")
    stance = stancekit.StanceClassifier(args.stance)
    loaded = peak_rss_mb()
    text = long_document(conll_paragraphs(args.data_dir), args.tokens, lambda piece: len(ner.tokens(piece)))
    count = len(ner.tokens(text))
    ner.predict(text)
    after_document = peak_rss_mb()
    article = (REPO / "notebooks" / "data" / "ukraine_talks.txt").read_text(encoding="utf-8")
    stancekit.analyze(article, ["sanctions on Russia", "sending US troops to Ukraine"], ner=ner, stance=stance)
    print(
        json.dumps(
            {
                "imported_mb": imported,
                "loaded_mb": loaded,
                "document_tokens": count,
                "after_document_mb": after_document,
                "peak_mb": peak_rss_mb(),
            }
        )
    )


if __name__ == "__main__":
    main()
