"""The aligner's core on vectors with known structure (no model needed)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.align import (align_sentences, anchor_band, mine_passages, mutual_best, neighbourhood_mean,
                            ratio_margin)


def _unit(rows):
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _meanings(count, dim=64, seed=0):
    return _unit(np.random.default_rng(seed).normal(size=(count, dim)))


def _noisy(vectors, scale=0.15, seed=1):
    return _unit(vectors + np.random.default_rng(seed).normal(scale=scale, size=vectors.shape))


def test_one_to_one_alignment_of_a_translation():
    meaning = _meanings(6)
    links = align_sentences(_noisy(meaning, seed=1), _noisy(meaning, seed=2), skip_similarity=0.3)
    assert [(l.src, l.tgt) for l in links] == [((i,), (i,)) for i in range(6)]


def test_merged_target_sentence_becomes_a_two_to_one_link():
    meaning = _meanings(5)
    src = _noisy(meaning, scale=0.05, seed=3)
    # The target merges source sentences 1 and 2 into one sentence.
    tgt = _unit([meaning[0], meaning[1] + meaning[2], meaning[3], meaning[4]])
    links = align_sentences(src, tgt, skip_similarity=0.3)
    assert [(l.src, l.tgt) for l in links] == [((0,), (0,)), ((1, 2), (1,)), ((2 + 1,), (2,)), ((4,), (3,))]


def test_omitted_sentence_is_skipped_not_forced():
    meaning = _meanings(6)
    src = _noisy(meaning, scale=0.05, seed=4)
    tgt = _noisy(meaning[[0, 1, 3, 4, 5]], scale=0.05, seed=5)  # sentence 2 left out
    links = align_sentences(src, tgt, skip_similarity=0.3)
    assert [(l.src, l.tgt) for l in links] == [((0,), (0,)), ((1,), (1,)), ((3,), (2,)), ((4,), (3,)), ((5,), (4,))]


def test_unrelated_sequences_give_no_links():
    links = align_sentences(_meanings(5, seed=7), _meanings(5, seed=8), skip_similarity=0.3)
    assert links == []


def test_margin_demotes_a_hub():
    # Eight source passages (basis vectors); each has a weak translation (cosine 0.3), and
    # one target "hub" sits at cosine 0.35 to every source passage.
    n = 8
    src = np.eye(2 * n, dtype=np.float32)[:n]
    tgt = np.zeros((n + 1, 2 * n), np.float32)
    for i in range(n):
        tgt[i, i], tgt[i, n + i] = 0.3, np.sqrt(1 - 0.3**2)
    tgt[n, :n] = 1 / np.sqrt(n)
    similarity = src @ tgt.T
    assert similarity.argmax(axis=1).tolist() == [n] * n  # raw cosine: the hub wins everywhere
    src_mean, tgt_mean = neighbourhood_mean(src, tgt, k=3), neighbourhood_mean(tgt, src, k=3)
    assert ratio_margin(similarity, src_mean, tgt_mean).argmax(axis=1).tolist() == list(range(n))
    matches = mine_passages(src, tgt, src_mean, tgt_mean, min_margin=1.5, min_similarity=0.2)
    assert [(m.src, m.tgt) for m in matches] == [(i, i) for i in range(n)]


def test_mutual_best_drops_one_sided_matches():
    score = np.array([[0.9, 0.1], [0.8, 0.2]])
    assert mutual_best(score) == [(0, 0)]


def test_faiss_and_numpy_neighbourhoods_agree():
    queries, pool = _meanings(20, seed=11), _meanings(300, seed=12)
    exact = neighbourhood_mean(queries, pool, k=4, faiss_above=10_000)
    approximate = neighbourhood_mean(queries, pool, k=4, faiss_above=10)
    assert np.allclose(exact, approximate, atol=1e-5)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 7), st.integers(0, 7), st.integers(0, 1000))
def test_every_sentence_in_at_most_one_link_and_links_in_order(n, m, seed):
    rng = np.random.default_rng(seed)
    src = _unit(rng.normal(size=(n, 8))) if n else np.zeros((0, 8), np.float32)
    tgt = _unit(rng.normal(size=(m, 8))) if m else np.zeros((0, 8), np.float32)
    links = align_sentences(src, tgt, skip_similarity=0.0)
    used_src = [i for l in links for i in l.src]
    used_tgt = [j for l in links for j in l.tgt]
    assert used_src == sorted(set(used_src)) and used_tgt == sorted(set(used_tgt))
    assert all(0 <= i < n for i in used_src) and all(0 <= j < m for j in used_tgt)
    assert all((len(l.src), len(l.tgt)) in {(1, 1), (1, 2), (2, 1)} for l in links)


def test_lone_sentence_crossing_a_run_of_anchors_is_dropped_but_a_moved_section_is_kept():
    from pipeline.align import align_sentence_sequences
    from pipeline.config import AlignSettings

    settings = AlignSettings(sentence_similarity=0.5, sentence_margin=1.0, max_gap=2, min_block=3,
                             lone_anchor_margin=1.05)
    meaning = _meanings(12, seed=11)
    # Source: sections A (0-4) and B (5-8), then a lone sentence 9. Target: B before A, and the
    # lone sentence first, before the run A it follows in the source.
    src = _noisy(meaning[:10], scale=0.05, seed=12)
    tgt = _noisy(meaning[[9, 5, 6, 7, 8, 10, 0, 1, 2, 3, 4]], scale=0.05, seed=13)
    links = align_sentence_sequences(src, tgt, neighbourhood_mean(src, tgt, 3), neighbourhood_mean(tgt, src, 3),
                                     settings)
    pairs = {(l.src, l.tgt) for l in links}
    assert pairs == {((i,), (i + 6,)) for i in range(5)} | {((i,), (i - 4,)) for i in range(5, 9)}


def test_headings_are_no_evidence_that_two_documents_are_related():
    from pipeline.align import PassageMatch, Side, side_relation
    from pipeline.records import Block, passages_from_blocks

    def side(doc_id, kinds):
        passages = passages_from_blocks(doc_id, [Block(page=1, kind=k, text=f"{k} {i}") for i, k in enumerate(kinds)])
        return Side(doc_id, "en", passages, np.zeros((len(kinds), 4), np.float32), [], np.zeros((0, 4), np.float32))

    src = side("a", ["title", "heading", "paragraph", "heading", "paragraph", "paragraph"])
    tgt = side("b", ["title", "heading", "paragraph", "heading", "paragraph"])
    headings_only = [PassageMatch(0, 0, 0.9, 1.05), PassageMatch(1, 1, 0.9, 1.04), PassageMatch(3, 3, 0.9, 1.04)]
    assert side_relation(headings_only, src, tgt) == "unrelated"
    with_body = headings_only + [PassageMatch(2, 2, 0.9, 1.1), PassageMatch(4, 4, 0.9, 1.1)]
    assert side_relation(with_body, src, tgt) == "translation"


def test_no_merge_joins_the_first_sentence_of_a_passage_to_the_one_before():
    meaning = _meanings(4, seed=21)
    # The target merges source sentences 1 and 2; when 2 begins a new passage (a heading
    # after a paragraph), the merge is not allowed and sentence 2 is skipped instead.
    src = _noisy(meaning, scale=0.05, seed=22)
    tgt = _unit([meaning[0], meaning[1] + meaning[2], meaning[3]])
    merged = align_sentences(src, tgt, skip_similarity=0.3)
    assert ((1, 2), (1,)) in [(l.src, l.tgt) for l in merged]
    apart = align_sentences(src, tgt, skip_similarity=0.3, src_starts=frozenset({2}))
    assert all(len(l.src) == 1 for l in apart) and ((1,), (1,)) in [(l.src, l.tgt) for l in apart]


def test_one_sentence_left_out_on_each_side_between_links_is_linked_by_its_place():
    from pipeline.align import align_sentence_sequences
    from pipeline.config import AlignSettings

    meaning = _meanings(7, seed=31)
    src, tgt = _noisy(meaning, scale=0.05, seed=32), _noisy(meaning, scale=0.05, seed=33)
    # Sentence 3 resembles much of the other language (its neighbourhoods are close), so its
    # margin (cosine about 0.87 / 0.9) falls under sentence_margin, where the others' (0.85 / 0.4)
    # do not.
    src_mean, tgt_mean = np.full(7, 0.4), np.full(7, 0.4)
    src_mean[3] = tgt_mean[3] = 0.9
    settings = AlignSettings(sentence_similarity=0.8, sentence_margin=1.5, max_gap=3, min_block=2, gap_margin=0.9)
    links = align_sentence_sequences(src, tgt, src_mean, tgt_mean, settings)
    assert [(l.src, l.tgt) for l in links] == [((i,), (i,)) for i in range(7)]
    strict = settings.model_copy(update={"gap_margin": 1.5})
    links = align_sentence_sequences(src, tgt, src_mean, tgt_mean, strict)
    assert [(l.src, l.tgt) for l in links] == [((i,), (i,)) for i in range(7) if i != 3]
    # In its place, but hardly a translation (cosine about 0.45), among few neighbours (as in a
    # short side) so that its margin is high: the cosine floor keeps it out.
    loose = tgt.copy()
    loose[3] = _unit([meaning[3] * 0.5 + _meanings(1, seed=34)[0]])[0]
    src_mean[3] = tgt_mean[3] = 0.1
    assert float(src[3] @ loose[3]) < 0.6
    links = align_sentence_sequences(src, loose, src_mean, tgt_mean, settings)
    assert [(l.src, l.tgt) for l in links] == [((i,), (i,)) for i in range(7) if i != 3]


def test_passages_whose_sentences_link_one_by_one_are_paired_when_mining_missed_them():
    from pipeline.align import PassageMatch, SentenceLink, Side, passages_of_sentence_links
    from pipeline.records import Block, Sentence, passages_from_blocks

    def side(doc_id, sentence_counts):
        passages = passages_from_blocks(doc_id, [Block(page=1, kind="paragraph", text=f"passage {i}")
                                                 for i in range(len(sentence_counts))])
        sentences = [Sentence(doc_id, f"{p.passage_id}:s{k}", p.passage_id, k, 1, "paragraph", "en", "s", "s", "s", 0, 1)
                     for p, count in zip(passages, sentence_counts) for k in range(count)]
        empty = np.zeros((len(passages), 4), np.float32)
        return Side(doc_id, "en", passages, empty, sentences, np.zeros((len(sentences), 4), np.float32))

    src, tgt = side("a", [2, 3, 1]), side("b", [2, 4, 1])  # sentences 0-1 | 2-4 | 5 and 0-1 | 2-5 | 6
    links = [SentenceLink((0,), (0,), .9), SentenceLink((1,), (1,), .9),  # passages 0-0: mined already
             SentenceLink((2,), (2,), .9), SentenceLink((3, 4), (4,), .9),  # passages 1-1: 3 of 3 sentences
             SentenceLink((5,), (6,), .9)]  # passages 2-2: one link is not enough
    assert passages_of_sentence_links(links, src, tgt, [PassageMatch(0, 0, .9, 1.1)]) == [(1, 1)]
    assert passages_of_sentence_links(links[2:3], src, tgt, []) == []


def _translation_with_merges_and_omissions(count: int, seed: int):
    """A source of `count` sentences and a target that merges every 7th sentence into the
    one before it and leaves out every 11th: (source, target, anchors on the 1-1 links)."""
    meaning = _meanings(count, seed=seed)
    src = _noisy(meaning, scale=0.05, seed=seed + 1)
    target_rows, anchors, i = [], [], 0
    while i < count:
        if i % 11 == 10:
            i += 1
            continue
        if i % 7 == 5 and i + 1 < count:
            target_rows.append(meaning[i] + meaning[i + 1])
            i += 2
            continue
        anchors.append((i, len(target_rows)))
        target_rows.append(meaning[i])
        i += 1
    return src, _noisy(np.asarray(target_rows), scale=0.05, seed=seed + 2), anchors


@given(st.integers(20, 60), st.integers(0, 1000))
@settings(max_examples=25, deadline=None)
def test_the_band_around_anchors_finds_what_the_full_dynamic_program_finds(count, seed):
    src, tgt, anchors = _translation_with_merges_and_omissions(count, seed)
    # Anchors are mined, and a few are off by a sentence; the DP must still find the path.
    anchors = [(i, j + (k % 9 == 4) - (k % 13 == 6)) for k, (i, j) in enumerate(anchors)]
    full = align_sentences(src, tgt, skip_similarity=0.3)
    banded = align_sentences(src, tgt, skip_similarity=0.3, band=anchor_band(anchors, len(src), len(tgt)))
    assert [(l.src, l.tgt) for l in banded] == [(l.src, l.tgt) for l in full]
    assert any(len(l.src) == 2 for l in full)  # the merges are there to be found


def test_the_band_is_a_few_sentences_wide_and_joins_the_start_to_the_end():
    anchors = [(1, 1), (4, 3), (9, 8), (10, 10)]
    band = anchor_band(anchors, 12, 12, reach=2)
    assert band[0][0] == 0 and band[-1][1] == 12
    assert all(high - low <= 5 + 1 + 2 * 2 for low, high in band)
    # each row reaches the next one, so a path of skips and links always exists
    assert all(band[i + 1][0] <= band[i][1] for i in range(len(band) - 1))
    assert all(low <= anchor_j <= high for (low, high), anchor_j in ((band[i], j) for i, j in anchors))


def test_an_abstract_beside_its_paper_chains_its_anchors():
    """An abstract of 6 sentences sums up a paper of 40 in order: its anchors are far apart
    on the paper's side but in the same order, and count as one run (gaps measured in the
    paper's sentences per abstract sentence), where max_gap alone would leave each lone."""
    from pipeline.align import anchor_blocks

    anchors = [(0, 3), (1, 10), (2, 17), (3, 25), (4, 31), (5, 39)]
    assert [len(b) for b in anchor_blocks(anchors, 5)] == [1] * 6
    assert [len(b) for b in anchor_blocks(anchors, 5, (1.0, 40 / 6))] == [6]
