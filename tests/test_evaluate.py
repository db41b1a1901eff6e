"""The evaluation set and its scoring (pipeline/evaluate.py); the slow test runs the whole
pipeline on eval/corpus/ and holds the aligner to quality floors, so a regression fails CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.evaluate import (EVAL_CORPUS, EVAL_SPEC, LEVELS, PAIRS, corpus_spec_module, fit_confidence,
                               is_body, labelled_rows, load_gold, normalize, read_run, reliability, run_pipeline,
                               score, score_run, side_matches, write_confidence_weights)

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "configs" / "default.yaml"


@pytest.fixture(scope="module")
def gold():
    return load_gold(EVAL_CORPUS, EVAL_SPEC)


# ------------------------------------------------------------------------- the set

def test_bank_has_150_sentences_in_all_four_languages():
    spec = corpus_spec_module()
    documents = spec.load_documents(EVAL_SPEC)
    bank = spec.load_bank([EVAL_SPEC.parent / p for p in
                           __import__("yaml").safe_load(EVAL_SPEC.read_text(encoding="utf-8"))["bank"]])
    full = [s for u in bank.values() for s in u.sentences if {"en", "fa", "zh-Hant"} <= set(s.texts)]
    assert len(full) >= 150
    assert {b.lang for d in documents for b in d.blocks if b.from_bank} == {"en", "fa", "zh-Hant", "zh-Hans"}
    assert 10 <= len(documents) <= 14  # CI runs the whole set


def test_every_pair_has_gold_and_unrelated_documents_have_none(gold):
    for level in LEVELS:
        assert all(gold.by_pair(pair, level) for pair in PAIRS), level
    unrelated = {"en-clock-repair.pdf", "fa-pistachio-harvest.pdf"}
    assert unrelated <= set(gold.documents)
    assert not [l for l in gold.links + gold.passage_links if {l.doc_a, l.doc_b} & unrelated]


def test_merge_links_to_both_members_and_split_parts_to_the_whole(gold):
    merged = [l for l in gold.by_pair("en|fa") if l.doc_a == "en-carpet-dyes.pdf" and "1882" in l.text_a]
    assert sorted(i for l in merged for i in l.ids) == ["carpet.i04", "carpet.i05"]
    parts = [l for l in gold.by_pair("en|fa") if l.doc_a == "en-carpet-dyes.pdf" and l.ids == ("carpet.x02",)]
    assert len({l.text_a for l in parts}) == 2


# ------------------------------------------------------------------------ matching

def test_near_match_forgives_a_swapped_letter_pair_but_not_another_sentence():
    right = normalize("این یادداشت خلاصه‌ای از مقاله‌ای است که به زبان چینی منتشر شده است.")
    swapped = right.replace("خلاصه", "خلصاه")  # what PDF text layers do to lam-alef
    other = normalize("این مقاله سازمان این تجارت را بر پایهٔ دفاتر گمرکی بازسازی می‌کند.")
    assert side_matches(swapped, right) and not side_matches(other, right)


def test_titles_and_headings_are_set_aside_but_a_heading_with_a_sentence_is_wrong(gold):
    title = {"src_lang": "en", "src_doc": "en-adobe-houses.pdf", "tgt_lang": "zh-Hans",
             "tgt_doc": "zh-Hans-adobe-houses.pdf",
             "src_text": "2. Building Traditions in the Valley", "tgt_text": "3 谷中的营造传统"}
    result = score([title], gold)["en|zh"]
    assert (result.rows, result.set_aside) == (0, 1)
    sentence = next(l for l in gold.by_pair("en|zh") if l.doc_b == "zh-Hans-adobe-houses.pdf")
    mixed = dict(title, tgt_text=sentence.text_b)
    result = score([mixed], gold)["en|zh"]
    assert (result.rows, result.matched_rows, result.set_aside) == (1, 0, 0)
    assert not is_body(normalize("Results"), "en-adobe-houses.pdf", gold)


def test_right_rows_score_perfectly_at_both_levels(gold):
    for level in LEVELS:
        links = [l for l in (gold.links if level == "sentence" else gold.passage_links)]
        rows = [{"src_lang": l.lang_b, "src_text": l.text_b, "src_doc": l.doc_b,
                 "tgt_lang": l.lang_a, "tgt_text": l.text_a, "tgt_doc": l.doc_a} for l in links]
        for pair, result in score(rows, gold, level=level).items():
            assert result.precision == 1.0 and result.recall == 1.0, (level, result)


# --------------------------------------------------------------------- calibration

def test_fitted_weights_are_written_into_the_config_keeping_its_comments():
    text = CONFIG.read_text(encoding="utf-8")
    weights = {"bias": -12.5, "w_margin": 9.25, "w_similarity": 3.0}
    written = write_confidence_weights(text, weights, "default.yaml")
    assert "    bias: -12.5\n" in written and "    w_margin: 9.25\n" in written
    comments = lambda t: [line for line in t.splitlines() if line.lstrip().startswith("#")]  # noqa: E731
    assert comments(written) == comments(text)
    with pytest.raises(ValueError, match="default.yaml: no align.confidence"):
        write_confidence_weights("align:\n  k: 4\n", weights, "default.yaml")


def test_reliability_bins_and_fit_need_both_outcomes():
    bins = reliability([0.05, 0.92, 0.95, 1.0], [False, True, False, True])
    assert bins[0].count == 1 and bins[9].count == 3 and bins[9].observed == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="both right and wrong"):
        fit_confidence([1.0, 1.1], [0.9, 0.95], [True, True])


# ------------------------------------------------------------ the whole pipeline, floors

@pytest.fixture(scope="module")
def eval_build(tmp_path_factory):
    build, cache = tmp_path_factory.mktemp("eval-build"), tmp_path_factory.mktemp("eval-cache")
    config = load_config(CONFIG)
    cosine = config.model_copy(update={"align": config.align.model_copy(update={"scoring": "cosine"})})
    run_pipeline(config, EVAL_CORPUS, build, build / "aligned", cache, CONFIG)
    run_pipeline(cosine, EVAL_CORPUS, build, build / "aligned-cosine", cache, CONFIG, align_only=True)
    return build


@pytest.fixture(scope="module")
def runs(eval_build):
    return read_run("margin", eval_build / "aligned"), read_run("cosine", eval_build / "aligned-cosine")


@pytest.mark.slow
def test_sentence_alignment_floors(runs, gold):
    scores = score_run(runs[0], gold)["sentence"]
    for pair, result in scores.items():
        assert result.f1 >= 0.9 and result.precision >= 0.95, result


@pytest.mark.slow
def test_passage_alignment_floors(runs, gold):
    scores = score_run(runs[0], gold)["passage"]
    for pair, result in scores.items():
        assert result.f1 >= 0.85 and result.precision >= 0.95, result


@pytest.mark.slow
def test_sentence_confidence_ranks_right_rows_above_wrong_ones(runs, gold):
    """The written confidence of sentence rows (fitted on the public tuning sets, so held out
    here) puts right rows above wrong ones: AUC 0.949 (README); the score-only confidence
    before it gave 0.813."""
    from pipeline.evaluate import ranking_auc

    written = labelled_rows(runs[0].rows["sentence"], gold, "sentence")
    assert ranking_auc([row["confidence"] for row, _ in written], [ok for _, ok in written]) >= 0.9


@pytest.mark.slow
def test_margin_makes_fewer_wrong_links_than_raw_cosine(runs, gold):
    wrong = {}
    for run in runs:
        labelled = [ok for level in LEVELS for _, ok in labelled_rows(run.rows[level], gold, level)]
        wrong[run.name] = labelled.count(False)
    assert wrong["margin"] < wrong["cosine"], wrong


def _margins_of(build: Path, left_out: set[str]) -> dict:
    """{(level, source ids, target ids): margin} of the evaluation set aligned again from its
    stage files, without the documents in left_out."""
    import numpy as np

    from pipeline.align import align_corpus, build_sides
    from pipeline.corpus import list_corpus
    from pipeline.records import Passage, Sentence, from_rows
    from pipeline.storage import read_rows

    config = load_config(CONFIG)
    passages, sentences, vectors = [], [], {}
    for doc in list_corpus(EVAL_CORPUS)[0]:
        if doc.relpath not in left_out:
            passages += from_rows(Passage, read_rows(build / "detect" / f"{doc.doc_id}.parquet"))
            sentences += from_rows(Sentence, read_rows(build / "segment" / f"{doc.doc_id}.parquet"))
            vectors.update({row["id"]: np.asarray(row["vector"], np.float32)
                            for row in read_rows(build / "embed" / f"{doc.doc_id}.parquet")})
    links, _ = align_corpus(build_sides(passages, sentences, vectors, config.languages, config.align.skip_kinds),
                            config.align, config.language_rank)
    ids = {"passage": "passage_id", "sentence": "sentence_id"}
    return {(l["level"], tuple(getattr(r, ids[l["level"]]) for r in l["src"]),
             tuple(getattr(r, ids[l["level"]]) for r in l["tgt"])): l["margin"] for l in links}


@pytest.mark.slow
def test_adding_the_unrelated_documents_moves_no_sentence_margin_and_passage_margins_by_little(eval_build):
    """Issue 14 point 5 on the evaluation set: with its two unrelated documents added, the
    other pairs keep every link; sentence margins (taken inside the side pair) do not move;
    passage margins (taken over the corpus, which is what tells unrelated papers apart) can
    only fall, and fell by 0.0006 at most (README)."""
    unrelated = {"en-clock-repair.pdf", "fa-pistachio-harvest.pdf"}
    without, added = _margins_of(eval_build, unrelated), _margins_of(eval_build, set())
    assert without and set(without) <= set(added)
    for key, margin in without.items():
        if key[0] == "sentence":
            assert added[key] == margin, key
        else:
            # "only fall" up to float32 rounding: the neighbour means come from matrix
            # products of another shape once documents are added (CI saw +1.2e-7)
            assert margin - 0.001 <= added[key] <= margin + 1e-6, (key, margin, added[key])


@pytest.mark.slow
def test_unrelated_documents_get_no_sentence_links(runs):
    unrelated = {"en-clock-repair.pdf", "fa-pistachio-harvest.pdf"}
    assert not [r for r in runs[0].rows["sentence"] if {r["src_doc"], r["tgt_doc"]} & unrelated]


def test_ranking_auc_counts_the_pairs_a_right_row_outranks_ties_half():
    from pipeline.evaluate import ranking_auc

    # right rows 0.35 and 0.8 against wrong 0.1 and 0.4: three of four pairs in order.
    assert ranking_auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == pytest.approx(0.75)
    assert ranking_auc([0.5, 0.5], [True, False]) == pytest.approx(0.5)
    assert ranking_auc([0.9, 0.2, 0.3], [True, False, False]) == pytest.approx(1.0)
    assert ranking_auc([0.9, 0.2], [True, True]) is None
