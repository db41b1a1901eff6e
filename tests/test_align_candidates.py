"""Which pairs of sides are aligned: every pair in a small corpus, each side's nearest
documents in a large one (align.candidate_sides), with the same pairs found."""

import numpy as np

from bench.speed import synthetic_corpus, synthetic_side
from pipeline.align import align_corpus, candidate_pairs
from pipeline.config import AlignSettings

RANK = {"en": 0, "fa": 1, "zh-Hans": 2}.get


def _passage_links(links) -> set[tuple]:
    return {(l["src"][0].doc_id, l["src"][0].index, l["tgt"][0].doc_id, l["tgt"][0].index)
            for l in links if l["level"] == "passage"}


def test_a_small_corpus_aligns_every_pair_of_languages_in_rank_order():
    rng = np.random.default_rng(1)
    sides = [synthetic_side(f"d{n}", lang, rng.standard_normal((3, 8)).astype(np.float32))
             for n, lang in enumerate(["fa", "en", "zh-Hans", "en", "fa"])]
    pairs = candidate_pairs(sides, RANK, per_side=2)
    langs = [s.lang for s in sides]
    expected = {(a, b) for a in range(5) for b in range(5) if RANK(langs[a]) < RANK(langs[b])}
    assert pairs == expected
    assert candidate_pairs(sides, RANK, per_side=0) == expected


def test_each_translation_is_among_its_documents_nearest():
    sides, planted = synthetic_corpus(40 * 50)  # 40 documents a language
    pairs = candidate_pairs(sides, RANK, per_side=2)
    index = {side.doc_id: n for n, side in enumerate(sides)}
    translations = {(index[src], index[tgt]) for src, _, tgt, _ in planted}
    assert len(translations) == 20
    assert translations <= pairs
    assert len(pairs) <= 2 * 2 * 40  # far fewer than the 1600 pairs of every document
    assert all(sides[a].lang == "en" and sides[b].lang == "fa" for a, b in pairs)


def test_nearest_documents_find_the_pairs_that_every_pair_finds():
    sides, planted = synthetic_corpus(30 * 50)
    everything, every_pair = align_corpus(sides, AlignSettings(candidate_sides=0), RANK)
    nearest, candidate_side_pairs = align_corpus(sides, AlignSettings(candidate_sides=3), RANK)
    assert _passage_links(everything) == planted
    assert _passage_links(nearest) == planted
    assert len(candidate_side_pairs) < len(every_pair) / 4
