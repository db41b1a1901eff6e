"""The speed benchmark in --quick mode: its ratios point the right way. Directions only, with
wide margins, never absolute times: the machine may be busy with other work."""

import csv
import math

import pytest

from bench import speed


@pytest.mark.slow
def test_quick_benchmark_ratios_point_the_right_way(tmp_path):
    speed.main(["--quick", "--out", str(tmp_path)])
    with (tmp_path / "speed.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert (tmp_path / "speed.png").stat().st_size > 10_000
    measured = {(r["measure"], r["size"]): r for r in rows}

    def ratio(measure):
        return next(float(r["ratio"]) for (m, _), r in measured.items() if m == measure)

    assert ratio("Embedder, warm cache") >= 5
    assert ratio("Embedder, cold cache") >= 0.5  # the cache's bookkeeping is no burden
    # Splitting one large PDF into page ranges must not lose to extracting it whole.
    assert ratio("one large PDF: Hamta, page ranges in parallel") >= \
        0.8 * ratio("one large PDF: Hamta, whole document")

    def value(measure, size):
        return float(measured[(measure, str(size))]["value"])

    corpus = "corpus, k nearest documents"
    corpus_growth = math.log(value(f"{corpus}: seconds", 10_000) / value(f"{corpus}: seconds", 1_000)) / math.log(10)
    assert corpus_growth < 1.6, "aligning a corpus with each document's nearest ones should grow about linearly"
    assert value(f"{corpus}: seconds", 10_000) < value("corpus, every document pair: seconds", 10_000) / 5
    book = "one book pair, sentences"
    book_growth = math.log(value(f"{book}: seconds", 10_000) / value(f"{book}: seconds", 1_000)) / math.log(10)
    assert book_growth < 1.75, "the sentence DP runs in a band around its anchors, not over the full n x m grid"
    pair = "one pair, k-NN (FAISS)"
    knn_growth = math.log(value(f"{pair}: seconds", 10_000) / value(f"{pair}: seconds", 1_000)) / math.log(10)
    assert knn_growth < 2, "the k-NN path should grow less than quadratically from 1k to 10k"
    # Memory: the exact path holds n x m matrices, the k-NN path does not.
    assert value(f"{pair}: peak RSS", 10_000) < value("one pair, exact (numpy): peak RSS", 10_000)
    for size in (1_000, 10_000):
        for mode in (corpus, "corpus, every document pair", book, pair, "one pair, exact (numpy)"):
            assert "recall 1.000, precision 1.000" in measured[(f"{mode}: seconds", str(size))]["note"]
