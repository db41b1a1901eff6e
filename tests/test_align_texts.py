"""pipeline.align_texts: alignment of pre-segmented texts and Vecalign's strict/lax scores."""

from pathlib import Path

import numpy as np
import pytest

from pipeline.align_texts import (AlignTextsError, align_files, align_vectors, complete_alignment, format_link,
                                  read_alignment, read_sentences, score_alignment)
from pipeline.config import load_config

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "align_texts"
ROOT = Path(__file__).resolve().parent.parent


def _unit(rows):
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


# ------------------------------------------------------------------------------ scoring

def test_identical_alignments_score_one():
    gold = read_alignment(FIXTURES / "fa-en.gold.txt")
    result = score_alignment(gold, gold)
    assert (result.strict_f1, result.lax_f1) == (1.0, 1.0)


def test_a_missed_merge_is_wrong_strictly_but_right_laxly():
    gold = [((0,), (0,)), ((1,), (1, 2)), ((2,), (3,))]
    predicted = [((0,), (0,)), ((1,), (1,)), ((), (2,)), ((2,), (3,))]
    result = score_alignment(gold, predicted)
    # Precision over 4 predicted links: 2 exact; the 1-1 overlaps the gold 1-2, the skip does not.
    assert result.strict_precision == pytest.approx(2 / 4) and result.lax_precision == pytest.approx(3 / 4)
    # Recall over the 3 gold links: 2 exact; the 1-2 overlaps the predicted 1-1.
    assert result.strict_recall == pytest.approx(2 / 3) and result.lax_recall == 1.0


def test_a_wrong_pairing_is_wrong_both_ways():
    gold = [((0,), (0,)), ((1,), (1,))]
    predicted = [((0,), (1,)), ((1,), (0,))]
    result = score_alignment(gold, predicted)
    assert result.strict_f1 == 0.0 and result.lax_f1 == 0.0


def test_skips_are_added_in_order():
    links = [((0,), (0,)), ((2, 3), (1,)), ((5,), (3,))]
    assert complete_alignment(links, 7, 5) == [
        ((0,), (0,)), ((1,), ()), ((2, 3), (1,)), ((4,), ()), ((), (2,)), ((5,), (3,)), ((6,), ()), ((), (4,))]
    assert format_link(((1, 2), ())) == "[1,2]:[]"


def test_alignment_files_round_trip_and_errors_name_the_line(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("[0]:[0]\n[1,2]:[1]:0.35\n[3]:[]\n[]:[2]\n")
    assert read_alignment(good) == [((0,), (0,)), ((1, 2), (1,)), ((3,), ()), ((), (2,))]
    bad = tmp_path / "bad.txt"
    bad.write_text("[0]:[0]\n0-1\n")
    with pytest.raises(AlignTextsError, match=r"bad.txt: line 2"):
        read_alignment(bad)
    blank = tmp_path / "blank.txt"
    blank.write_text("one.\n\ntwo.\n")
    with pytest.raises(AlignTextsError, match=r"blank.txt: line 2 is empty"):
        read_sentences(blank)


# ------------------------------------------------------------------- alignment, no model

def test_vectors_with_a_merge_and_an_omission():
    meaning = _unit(np.random.default_rng(3).normal(size=(6, 64)))
    src = _unit([meaning[0], meaning[1] + meaning[2], meaning[3], meaning[5]])  # 4 left out
    tgt = _unit(meaning + np.random.default_rng(4).normal(scale=0.05, size=meaning.shape))
    settings = load_config(ROOT / "configs" / "default.yaml").align.model_copy(update={"sentence_similarity": 0.3})
    assert align_vectors(src, tgt, settings) == [
        ((0,), (0,)), ((1,), (1, 2)), ((2,), (3,)), ((), (4,)), ((3,), (5,))]


# ---------------------------------------------------------------------- with the model

@pytest.mark.slow
@pytest.mark.parametrize("name, src_lang", [("fa-en", "fa"), ("zh-en", "zh")])
def test_fixture_texts_align_like_their_gold(name, src_lang, tmp_path):
    config = load_config(ROOT / "configs" / "default.yaml")
    predicted = align_files(FIXTURES / f"{name}.{src_lang}.txt", FIXTURES / f"{name}.en.txt", config, tmp_path)
    gold = read_alignment(FIXTURES / f"{name}.gold.txt")
    result = score_alignment(gold, predicted)
    assert result.strict_f1 >= 0.85 and result.lax_f1 >= 0.9, (result, predicted)
    merge = next(link for link in gold if len(link[0]) + len(link[1]) == 3)
    assert merge in predicted  # the merged sentence is found as one 1-2 link


def test_error_classes_of_wrong_links():
    """The classes of docs/alignment-benchmarks.md (round 6), each from a small gold."""
    from bench.align_public import error_class

    gold = [((0,), (0,)), ((1, 2), (1,)), ((3,), (2, 3)), ((4,), (4,)), ((6, 8), (6,)), ((9,), (8,))]
    assert error_class(((1,), (1,)), gold) == "under-merge, source side"
    assert error_class(((3,), (3,)), gold) == "under-merge, target side"
    assert error_class(((2, 3), (2,)), gold) == "boundary (cuts across gold links)"
    assert error_class(((0, 1, 2), (0, 1)), gold) == "merged whole gold links"
    assert error_class(((4, 5), (4,)), gold) == "took in a sentence the gold leaves out"
    assert error_class(((5,), (5,)), gold) == "a link where the gold skips both sides"
    assert error_class(((8,), (6,)), gold) == "touches non-monotone gold"
    assert error_class(((1, 2), (1, 2)), [((1, 2), (1,)), ((3,), (2,))]) == "boundary (cuts across gold links)"


def _model_vectors(rng, common: np.ndarray, strength: float, meanings: np.ndarray) -> np.ndarray:
    """Unit vectors of sentences whose meanings are the rows of `meanings`, all leaning
    `strength` towards one common direction (a small model's vectors of one language)."""
    vectors = strength * common + meanings + 0.05 * rng.standard_normal(meanings.shape)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_second_opinion_keeps_its_share_of_the_centred_cosine():
    """bench.align_public's second opinion (round 7): two models' vectors joined per sentence
    so that the aligner's cosine of centred vectors is the share-weighted mean of each model's
    centred cosine. A model whose sentences share one direction more loses more length to the
    centring, so unit parts joined as they are would give it less than its share."""
    from bench.align_public import joined_models
    from pipeline.sentence_align import centred

    rng = np.random.default_rng(7)
    n, share = 40, 0.3
    sides = []
    for dim, strength in ((64, 1.6), (48, 0.2)):  # e5-like (unrelated pairs near 0.75) and USE-like
        common = rng.standard_normal(dim)
        common /= np.linalg.norm(common)
        meanings = rng.standard_normal((n, dim)) / np.sqrt(dim)
        sides.append((_model_vectors(rng, common, strength, meanings), _model_vectors(rng, common, strength, meanings)))
    (first_src, first_tgt), (second_src, second_tgt) = sides
    expected = ((1 - share) * centred(first_src) @ centred(first_tgt).T
                + share * centred(second_src) @ centred(second_tgt).T)

    def aligner_cosines(blocks: bool) -> np.ndarray:
        src = joined_models(first_src, second_src, share, blocks)
        tgt = joined_models(first_tgt, second_tgt, share, blocks)
        assert np.allclose(np.linalg.norm(src, axis=1), 1, atol=1e-5)
        return centred(src) @ centred(tgt).T

    assert np.abs(aligner_cosines(True) - expected).max() < 0.03  # 0.016 here; joint: 0.18
    assert np.abs(aligner_cosines(False) - expected).max() > 0.05


def test_second_opinion_reads_only_the_pairs_it_covers():
    """USE-m v3 has no Persian: a pair with Persian is read by the default model alone."""
    from bench.align_public import second_opinion_reads

    assert second_opinion_reads("de-fr") and second_opinion_reads("zh-en") and second_opinion_reads("en-cmn")
    assert not second_opinion_reads("en-pes") and not second_opinion_reads("fa-en")
