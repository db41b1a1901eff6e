"""Write pipeline/extractors/persian_pairs.py: how often each pair of neighbouring words
occurs, in that order, in our own Persian writing (scripts/corpus_sources/bank). The
visual-order repair (pipeline/extractors/visual_order.py) weighs a line's word order against
these counts. The evaluation set's Persian (scripts/corpus_sources/eval) is left out, so
that bench/visual_order_repair.py can measure the repair on text the counts never saw.

    .venv/bin/python scripts/make_persian_pairs.py
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.extractors.visual_order import pair_counts  # noqa: E402

OUT = ROOT / "pipeline" / "extractors" / "persian_pairs.py"


def persian_texts(folder: Path) -> list[str]:
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "fa" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(folder.glob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def main() -> None:
    counts: Counter = pair_counts(persian_texts(ROOT / "scripts" / "corpus_sources" / "bank"))
    rows = "\n".join(f"{a} {b} {n}" for (a, b), n in sorted(counts.items()))
    OUT.write_text(
        '"""Neighbouring Persian word pairs and how often they occur in that order in our own\n'
        "writing (scripts/corpus_sources/bank); written by scripts/make_persian_pairs.py, do not\n"
        'edit by hand."""\n\n'
        f'PAIRS = """\n{rows}\n"""\n', encoding="utf-8")
    print(f"wrote {OUT}: {len(counts)} pairs")


if __name__ == "__main__":
    main()
