"""Gold sentence alignments of a generated corpus, and scoring of pipeline alignments against them.

The gold and its scoring live in pipeline/evaluate.py (which `make eval` runs on the
evaluation set); this module points them at the sample corpus in corpus/ for the tests.

    gold = load_gold(Path("corpus"))
    scores = score(rows, gold)   # {"en|fa": PairScore(...), "en|zh": ..., ...}
"""

from __future__ import annotations

from pathlib import Path

from pipeline import evaluate
from pipeline.evaluate import (LANGUAGE_ORDER, PAIRS, ROOT, SCRIPTS, GoldLink, GoldSet, PairScore,  # noqa: F401
                               corpus_spec_module, normalize, pair_key, score, side_matches)

DEFAULT_SPEC = SCRIPTS / "corpus_sources" / "documents.yaml"


def load_gold(corpus_dir: Path, spec: Path = DEFAULT_SPEC) -> GoldSet:
    """The gold of the corpus rendered from `spec` (by default the sample corpus's spec)."""
    return evaluate.load_gold(corpus_dir, spec)
