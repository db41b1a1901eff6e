"""Fixing the alignment by hand, without a browser: stable pair ids, the rule by which
manual links win over the aligner's, realigning the stretch after a fixed link, and the
document view's rows."""

import numpy as np

from pipeline.align import SentenceLink, realign_stretch
from pipeline.config import load_config
from pipeline.identity import pair_id, unit_keys
from pipeline.manual_links import kept_links
from pipeline.review.document import document_rows
from pipeline.review.store import ManualLink

SIDES = ("en-doc", "en", "fa-doc", "fa")


def test_unit_keys_survive_an_inserted_paragraph_and_change_with_the_text():
    before = unit_keys([("d", "d:p0000", "Title"), ("d", "d:p0001", "Body."), ("d", "d:p0002", "Body.")])
    after = unit_keys([("d", "d:p0000", "Title"), ("d", "d:p0001", "New."), ("d", "d:p0002", "Body."),
                       ("d", "d:p0003", "Body.")])
    # The same texts keep their keys under new numbers; a repeated text is told apart by
    # which occurrence it is.
    assert before["d:p0001"] == after["d:p0002"] and before["d:p0002"] == after["d:p0003"]
    assert before["d:p0001"] != before["d:p0002"]
    edited = unit_keys([("d", "d:p0000", "Title!")])
    assert edited["d:p0000"] != before["d:p0000"]
    assert pair_id("sentence", [before["d:p0001"]], ["x"]) == pair_id("sentence", [after["d:p0002"]], ["x"])


def _record(kind, src, tgt, method="manual"):
    return ManualLink(pair_id("sentence", src, tgt), kind, method, *SIDES[:2], *SIDES[2:], tuple(src), tuple(tgt))


def test_a_manual_link_wins_over_links_sharing_a_sentence_and_an_unlink_removes_one():
    present = {"a1", "a2", "a3", "b1", "b2", "b3"}
    existing = [(SIDES, ("a1",), ("b1",)), (SIDES, ("a2",), ("b2",)), (SIDES, ("a3",), ("b3",)),
                (("other", "en", "fa-doc", "fa"), ("a2",), ("b2",))]
    manual = {r.pair_id: r for r in (_record("link", ["a1"], ["b2"]), _record("unlink", ["a3"], ["b3"]))}
    assert kept_links(existing, manual, present) == [False, False, False, True]
    # A manual link whose sentence is gone (its text was edited) no longer takes anything away.
    assert kept_links(existing, manual, present - {"a1"}) == [True, True, False, True]


def _vectors(count, seed, dim=16):
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(count, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_realign_keeps_the_fixed_links_and_redoes_only_the_stretches_between_them():
    settings = load_config("configs/default.yaml").align
    base = _vectors(8, 0)
    src = base.copy()
    # The target side: a translation of each source sentence (near it), with one extra sentence.
    noise = _vectors(9, 1) * 0.15
    tgt = np.concatenate([base[:4], _vectors(1, 2), base[4:]]) + noise
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    means_src, means_tgt = np.full(8, 0.3, np.float32), np.full(9, 0.3, np.float32)
    # A translator fixed source 2 to target 2 and, wrongly for the model, source 5 to target 7.
    fixed = [SentenceLink((2,), (2,), 1.0), SentenceLink((5,), (7,), 1.0)]
    links = realign_stretch(src, tgt, means_src, means_tgt, settings, fixed)
    pairs = [(link.src, link.tgt) for link in links]
    assert ((2,), (2,)) in pairs and ((5,), (7,)) in pairs
    assert ((0,), (0,)) in pairs and ((1,), (1,)) in pairs  # before the first fixed link
    assert ((3,), (3,)) in pairs  # between the two: source 3, 4 with target 3..6
    assert ((7,), (8,)) in pairs  # after the last
    used_src = [i for link in links for i in link.src]
    used_tgt = [j for link in links for j in link.tgt]
    assert len(used_src) == len(set(used_src)) and len(used_tgt) == len(set(used_tgt))
    assert [link.src for link in links] == sorted(link.src for link in links)


def _sentences(doc, count, passage_every=3):
    return [{"sentence_id": f"{doc}:p{n // passage_every:04d}:s{n % passage_every:03d}",
             "passage_id": f"{doc}:p{n // passage_every:04d}", "text": f"{doc} {n}"} for n in range(count)]


def _pair(src, tgt):
    return {"pair_id": f"{src}-{tgt}", "src_ids": list(src), "tgt_ids": list(tgt)}


def test_document_rows_put_links_on_one_row_and_unaligned_sentences_alone_in_order():
    src, tgt = _sentences("en", 5), _sentences("fa", 5)
    s, t = [x["sentence_id"] for x in src], [x["sentence_id"] for x in tgt]
    links = [_pair([s[0]], [t[0]]), _pair([s[1], s[2]], [t[1]]), _pair([s[4]], [t[3]])]
    rows = document_rows(src, tgt, links)
    shape = [([x["sentence_id"] for x in r.src], [x["sentence_id"] for x in r.tgt]) for r in rows]
    assert shape == [([s[0]], [t[0]]), ([s[1], s[2]], [t[1]]), ([s[3]], []), ([], [t[2]]), ([s[4]], [t[3]]),
                     ([], [t[4]])]
    assert [r.src_new_passage for r in rows] == [True, False, True, False, False, False]
    # Every sentence is shown once.
    assert sorted(i for a, b in shape for i in a) == sorted(s) and sorted(j for a, b in shape for j in b) == sorted(t)


def test_a_section_the_translation_moved_is_shown_at_its_source_and_marked():
    src, tgt = _sentences("en", 4), _sentences("fa", 4)
    s, t = [x["sentence_id"] for x in src], [x["sentence_id"] for x in tgt]
    links = [_pair([s[0]], [t[3]]), _pair([s[1]], [t[0]]), _pair([s[2]], [t[1]]), _pair([s[3]], [t[2]])]
    rows = document_rows(src, tgt, links)
    assert [r.moved for r in rows] == [True, False, False, False]
    assert [r.src[0]["sentence_id"] for r in rows] == s


def test_a_card_lists_the_signals_an_aligner_adds_besides_cosine_and_margin():
    from pipeline.review.pairs import signals_of

    pair = {"similarity": 0.91, "margin": 1.07, "confidence": 0.8, "src_page": 2, "length_ratio": 1.25,
            "lexical_overlap": 0.4, "unknown": float("nan"), "pair_id": "p"}
    assert signals_of(pair) == (("length ratio", 1.25), ("lexical overlap", 0.4))
