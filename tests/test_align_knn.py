"""The k-NN (FAISS) mining path against the exact numpy path on the same vectors."""

import numpy as np

from pipeline.align import (align_sentence_sequences, mine_passages, mutual_best,
                            mutual_best_candidates, neighbourhood_mean, ratio_margin)
from pipeline.config import AlignSettings


def _unit(rows):
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _planted_sides(n_src=1500, n_tgt=1200, planted=700, dim=48, seed=0):
    """Random passages on both sides; `planted` target rows are noisy translations of
    source rows, in shuffled order, and a few near-duplicate source rows act as hubs."""
    rng = np.random.default_rng(seed)
    src = _unit(rng.normal(size=(n_src, dim)))
    tgt = _unit(rng.normal(size=(n_tgt, dim)))
    src[:20] = _unit(src[20:40] + rng.normal(scale=0.05, size=(20, dim)))  # near-duplicates
    chosen_src = rng.choice(n_src, planted, replace=False)
    chosen_tgt = rng.choice(n_tgt, planted, replace=False)
    tgt[chosen_tgt] = _unit(src[chosen_src] + rng.normal(scale=0.05, size=(planted, dim)))
    return src, tgt, set(zip(chosen_src.tolist(), chosen_tgt.tolist()))


def test_knn_mining_gives_the_same_matches_as_the_exact_path():
    src, tgt, planted = _planted_sides()
    src_mean, tgt_mean = neighbourhood_mean(src, tgt, 4), neighbourhood_mean(tgt, src, 4)
    exact = mine_passages(src, tgt, src_mean, tgt_mean, 1.02, 0.7, faiss_above=100_000)
    knn = mine_passages(src, tgt, src_mean, tgt_mean, 1.02, 0.7, faiss_above=100)
    assert [(m.src, m.tgt) for m in knn] == [(m.src, m.tgt) for m in exact]
    assert np.allclose([m.margin for m in knn], [m.margin for m in exact], atol=1e-5)
    assert np.allclose([m.similarity for m in knn], [m.similarity for m in exact], atol=1e-5)
    # The case is not trivial: most planted pairs are found, and only planted pairs.
    found = {(m.src, m.tgt) for m in exact}
    assert len(found & planted) > 0.9 * len(planted) and len(found - planted) <= 20


def test_knn_mutual_best_without_thresholds_matches_the_full_matrix():
    # Random rows have weak, unplanted mutual bests too: the candidates must find those.
    src, tgt, _ = _planted_sides(n_src=600, n_tgt=500, planted=100, seed=3)
    src_mean, tgt_mean = neighbourhood_mean(src, tgt, 4), neighbourhood_mean(tgt, src, 4)
    exact = mutual_best(ratio_margin(src @ tgt.T, src_mean, tgt_mean))
    knn = [(m.src, m.tgt) for m in mutual_best_candidates(src, tgt, src_mean, tgt_mean)]
    assert len(exact) > 150  # more than the planted pairs
    assert knn == exact


def test_sentence_anchors_agree_between_paths():
    # Two long "documents" whose sentences are translations in order, with some omitted: the
    # search in a window around the diagonal (sides over align.window) finds what the search
    # over the whole side finds, as long as the window covers the drift the omissions make.
    rng = np.random.default_rng(5)
    meaning = _unit(rng.normal(size=(900, 48)))
    src = _unit(meaning + rng.normal(scale=0.1, size=meaning.shape))
    kept = np.sort(rng.choice(900, 800, replace=False))
    tgt = _unit(meaning[kept] + rng.normal(scale=0.1, size=(800, 48)))
    src_mean, tgt_mean = neighbourhood_mean(src, tgt, 4), neighbourhood_mean(tgt, src, 4)
    exact = align_sentence_sequences(src, tgt, src_mean, tgt_mean,
                                     AlignSettings(window=100_000))
    knn = align_sentence_sequences(src, tgt, src_mean, tgt_mean,
                                   AlignSettings(window=400))
    # Random vectors have no locality beyond the planted translation, so a sentence's k
    # nearest inside the window are not all its nearest over the side: its neighbourhood
    # mean (the margin's denominator) moves a little, and a link on the edge of a tie may
    # take one sentence more. Real text is local; here at most 1 link in 400 may differ.
    exact_links, knn_links = {(l.src, l.tgt) for l in exact}, {(l.src, l.tgt) for l in knn}
    assert len(exact_links ^ knn_links) <= 2 * len(exact) // 400
    assert len(exact) > 700


def test_approximate_index_finds_the_planted_pairs_of_the_exact_search():
    from pipeline.align import nearest_neighbours

    src, tgt, planted = _planted_sides(n_src=6000, n_tgt=5000, planted=2500, dim=64, seed=7)
    exact_means = neighbourhood_mean(src, tgt, 4, faiss_above=100), neighbourhood_mean(tgt, src, 4, faiss_above=100)
    approximate_means = (neighbourhood_mean(src, tgt, 4, faiss_above=100, approximate_above=1000),
                         neighbourhood_mean(tgt, src, 4, faiss_above=100, approximate_above=1000))
    # The neighbourhood means may miss a neighbour here and there, never invent a closer one.
    assert all((a <= e + 1e-5).all() and np.median(e - a) < 0.01 for a, e in zip(approximate_means, exact_means))
    exact = {(m.src, m.tgt) for m in mine_passages(src, tgt, *exact_means, 1.02, 0.7, faiss_above=100)}
    approximate = {(m.src, m.tgt) for m in mine_passages(src, tgt, *approximate_means, 1.02, 0.7, faiss_above=100,
                                                         approximate_above=1000)}
    assert len(approximate & exact) >= 0.99 * len(exact) and len(approximate - planted) <= len(exact - planted) + 5
    # The search really was approximate: the nearest neighbour of a random row (a far one) is
    # missed now and then, that of a translated row (a close one) nearly never.
    _, found = nearest_neighbours(src, tgt, 1, approximate_above=1000)
    _, truth = nearest_neighbours(src, tgt, 1)
    translated = sorted(i for i, _ in planted)
    assert (found == truth)[translated].mean() > 0.99 and (found == truth).mean() < 0.99
    # and it is reproducible: k-means starts from a fixed seed
    assert (nearest_neighbours(src, tgt, 1, approximate_above=1000)[1] == found).all()


class _CountingPool(np.ndarray):
    """A pool of vectors that counts the cosines computed against it (rows x columns of
    every matrix product it takes part in)."""

    cosines = 0

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = [np.asarray(x) for x in inputs]
        if ufunc is np.matmul:
            _CountingPool.cosines += plain[0].shape[0] * plain[1].shape[-1]
        return getattr(ufunc, method)(*plain, **kwargs)


def _book_sides(n=3000, m=2400, dim=32, seed=11):
    """Two long sides in order, m/n sentences of the other side per sentence: sentence i of
    the source has its translation at i * m / n."""
    rng = np.random.default_rng(seed)
    tgt = _unit(rng.normal(size=(m, dim)))
    src = _unit(tgt[(np.arange(n) * m) // n] + rng.normal(scale=0.3 / np.sqrt(dim), size=(n, dim)))
    return src, tgt


def test_sentence_search_looks_only_inside_its_window_on_the_diagonal():
    from pipeline.sentence_align import nearest_in_window, window_starts

    src, tgt = _book_sides()
    n, m, window, k = len(src), len(tgt), 200, 4
    _CountingPool.cosines = 0
    cosines, indexes = nearest_in_window(src, tgt.view(_CountingPool), k, window)
    # The work is n * window cosines (and the quarter window a block of queries spans), not n * m.
    assert n * window <= _CountingPool.cosines <= 1.25 * n * window + n
    # Each sentence's k nearest among the `window` sentences around its place on the diagonal,
    # exactly: the same as a search over that window alone.
    first = window_starts(n, m, window)
    assert (first >= 0).all() and (first + window <= m).all()
    place = (np.arange(n) + 0.5) * m / n
    inner = (place >= window / 2) & (place <= m - window / 2)  # away from the ends, centred on it
    assert inner.sum() > 0.8 * n and (np.abs(first + window / 2 - place)[inner] <= 1).all()
    for i in range(0, n, 37):
        sims = src[i] @ tgt[first[i]:first[i] + window].T
        best = np.sort(sims)[::-1][:k]
        assert np.allclose(np.sort(cosines[i])[::-1], best, atol=1e-6)
        assert ((indexes[i] >= first[i]) & (indexes[i] < first[i] + window)).all()
    # and it finds each planted translation, which lies on the diagonal.
    assert (indexes[np.arange(n), np.argmax(cosines, axis=1)] == (np.arange(n) * m) // n).mean() > 0.99


def test_sides_no_longer_than_the_window_are_searched_whole():
    from pipeline.sentence_align import candidate_points, nearest_in_window, sentence_neighbourhoods, side_sentences

    src, tgt = _book_sides(n=600, m=500)
    _CountingPool.cosines = 0
    cosines, indexes = nearest_in_window(src, tgt.view(_CountingPool), 4, window=500)
    assert _CountingPool.cosines == 600 * 500
    sims = src @ tgt.T
    assert np.allclose(np.sort(cosines, axis=1), np.sort(np.partition(sims, -4, axis=1)[:, -4:], axis=1), atol=1e-6)
    # Neighbourhoods and anchor candidates of a pair shorter than the window are the same
    # whatever the window beyond it; windowed ones differ (the test can tell).
    whole = sentence_neighbourhoods(src, tgt, 4, window=600)
    assert all(np.array_equal(a, b) for a, b in zip(whole, sentence_neighbourhoods(src, tgt, 4, window=10**6)))
    assert not np.array_equal(whole[0], sentence_neighbourhoods(src, tgt, 4, window=100)[0])
    src_side, tgt_side = (side_sentences(v, None, np.zeros(len(v))) for v in (src, tgt))
    exact = candidate_points(src_side, tgt_side, 4, window=600)
    assert all(np.array_equal(a, b) for a, b in zip(exact, candidate_points(src_side, tgt_side, 4, window=10**6)))


def test_anchor_candidates_of_long_sides_stay_near_the_diagonal():
    from pipeline.sentence_align import candidate_points, side_sentences

    src, tgt = _book_sides()
    src_side, tgt_side = (side_sentences(v, None, np.zeros(len(v))) for v in (src, tgt))
    rows, cols = candidate_points(src_side, tgt_side, 4, window=200)
    off = np.abs(cols - rows * len(tgt) / len(src))
    # Half a window either way; a whole one at the ends of the sides, where windows move inwards.
    inner = (rows >= 200) & (rows < len(src) - 200)
    assert off[inner].max() <= 200 / 2 + 2 and off.max() <= 200 + 1
    assert len(rows) <= 4 * (len(src) + len(tgt))
