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
    # search in a window around the diagonal (sides over faiss_above) finds what the search
    # over the whole side finds, as long as the window covers the drift the omissions make.
    rng = np.random.default_rng(5)
    meaning = _unit(rng.normal(size=(900, 48)))
    src = _unit(meaning + rng.normal(scale=0.1, size=meaning.shape))
    kept = np.sort(rng.choice(900, 800, replace=False))
    tgt = _unit(meaning[kept] + rng.normal(scale=0.1, size=(800, 48)))
    src_mean, tgt_mean = neighbourhood_mean(src, tgt, 4), neighbourhood_mean(tgt, src, 4)
    exact = align_sentence_sequences(src, tgt, src_mean, tgt_mean,
                                     AlignSettings(faiss_above=100_000))
    knn = align_sentence_sequences(src, tgt, src_mean, tgt_mean,
                                   AlignSettings(faiss_above=400))
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
