"""The reviews store: decisions saved at once, kept across reopenings, undone, and flagged
stale when the pair's text changed."""

import os
import sqlite3

import pytest

from pipeline.review.store import (Change, ReviewStore, ReviewStoreError, UndoConflict, VersionConflict,
                                   make_decision, match_decisions, pair_text_hash, read_decisions,
                                   review_statuses)


def _pair(pair_id, src="The well ran dry.", tgt="چاه خشک شد.", level="sentence"):
    return {"pair_id": pair_id, "level": level, "src_text": src, "tgt_text": tgt}


def test_a_decision_is_on_disk_as_soon_as_it_is_made(tmp_path):
    path = tmp_path / "reviews.sqlite"
    store = ReviewStore(path)
    pair = _pair("p1")
    store.decide("p1", "accepted", pair_text_hash(pair["src_text"], pair["tgt_text"]), level="sentence")
    # Another connection (another process in real use) sees it without the first closing.
    other = sqlite3.connect(path)
    assert other.execute("select decision from decisions where pair_id = 'p1'").fetchone() == ("accepted",)
    assert other.execute("pragma journal_mode").fetchone() == ("wal",)
    other.close()
    store.close()
    assert read_decisions(path)["p1"].decision == "accepted"


def test_edits_are_kept_with_the_decision_and_a_new_decision_replaces_the_old(tmp_path):
    store = ReviewStore(tmp_path / "reviews.sqlite")
    text_hash = pair_text_hash("a", "b")
    store.decide("p1", "edited", text_hash, tgt_edit="چاه کاملاً خشک شد.")
    assert store.decisions()["p1"].tgt_edit == "چاه کاملاً خشک شد." and store.decisions()["p1"].src_edit is None
    store.decide("p1", "rejected", text_hash)
    assert store.decisions()["p1"].decision == "rejected" and store.decisions()["p1"].tgt_edit is None


def test_refused_decisions_leave_the_store_unchanged(tmp_path):
    store = ReviewStore(tmp_path / "reviews.sqlite")
    store.decide("p1", "accepted", "h")
    with pytest.raises(ReviewStoreError, match="unknown decision"):
        store.decide("p1", "maybe", "h")
    with pytest.raises(ReviewStoreError, match="needs the corrected"):
        store.decide("p1", "edited", "h")
    assert store.decisions()["p1"].decision == "accepted"


def _undone(changes):
    return [(c.key, c.row and c.row.decision) for c in changes]


def test_undo_walks_back_through_the_history(tmp_path):
    store = ReviewStore(tmp_path / "reviews.sqlite")
    store.decide("p1", "accepted", "h")
    store.decide("p2", "rejected", "h")
    store.decide("p1", "edited", "h", src_edit="fixed")
    assert _undone(store.undo()) == [("p1", "accepted")] and store.decisions()["p1"].decision == "accepted"
    assert _undone(store.undo()) == [("p2", None)] and "p2" not in store.decisions()
    assert _undone(store.undo()) == [("p1", None)] and store.decisions() == {}
    assert store.undo() is None


def test_undo_survives_a_restart_of_the_server(tmp_path):
    path = tmp_path / "reviews.sqlite"
    store = ReviewStore(path)
    store.decide("p1", "accepted", "h", session="tab-a")
    store.close()
    reopened = ReviewStore(path)
    assert _undone(reopened.undo("tab-a")) == [("p1", None)] and reopened.decisions() == {}


def test_each_tab_undoes_its_own_actions_and_a_batch_is_one_action(tmp_path):
    store = ReviewStore(tmp_path / "reviews.sqlite")
    store.decide("p1", "accepted", "h", session="tab-a")
    store.apply([Change("decisions", p, make_decision(p, "accepted", "h")) for p in ("p2", "p3", "p4")],
                session="tab-b")
    store.decide("p5", "rejected", "h", session="tab-a")
    assert _undone(store.undo("tab-b")) == [("p4", None), ("p3", None), ("p2", None)]
    assert set(store.decisions()) == {"p1", "p5"}
    assert _undone(store.undo("tab-a")) == [("p5", None)]
    assert store.undo("tab-b") is None


def test_a_change_on_a_version_another_tab_replaced_is_refused(tmp_path):
    store = ReviewStore(tmp_path / "reviews.sqlite")
    store.decide("p1", "accepted", "h", session="tab-a", expected_version=0)
    assert store.versions() == {"p1": 1}
    with pytest.raises(VersionConflict, match="another tab") as refused:
        store.decide("p1", "rejected", "h", session="tab-b", expected_version=0)
    assert refused.value.current.decision == "accepted" and refused.value.version == 1
    store.decide("p1", "rejected", "h", session="tab-b", expected_version=1)
    # Tab a's undo would take back a decision tab b has replaced since: refused, nothing changed.
    with pytest.raises(UndoConflict, match="another tab"):
        store.undo("tab-a")
    assert store.decisions()["p1"].decision == "rejected"
    assert _undone(store.undo("tab-b")) == [("p1", "accepted")]
    assert store.versions() == {"p1": 3}  # the undo is a change too


def test_every_change_makes_the_file_newer_so_make_sees_it(tmp_path):
    # WAL writes leave the database file untouched; make compares its time with
    # alignments.parquet's, so the store sets it after each change.
    path = tmp_path / "reviews.sqlite"
    store = ReviewStore(path)
    os.utime(path, (1_000_000, 1_000_000))
    store.decide("p1", "accepted", "h")
    assert path.stat().st_mtime > 1_000_000 + 3600
    os.utime(path, (1_000_000, 1_000_000))
    assert store.undo("nobody") is None  # nothing changed: the time stays
    ReviewStore(path).close()  # nor does opening it
    assert path.stat().st_mtime == 1_000_000


def test_old_stores_gain_the_new_columns_and_keep_their_decisions(tmp_path):
    path = tmp_path / "reviews.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript("""create table decisions (pair_id text primary key, decision text not null,
            src_edit text, tgt_edit text, text_hash text not null, level text not null default '',
            decided_at text not null);
            insert into decisions values ('p1', 'accepted', null, null, 'h', 'sentence', '2025-01-01T00:00:00+00:00');""")
    store = ReviewStore(path)
    assert store.decisions()["p1"].decision == "accepted" and store.decisions()["p1"].src_text is None
    store.decide("p2", "rejected", "h", seen={"src_text": "a", "tgt_text": "b"})
    assert store.decisions()["p2"].src_text == "a"


def test_status_follows_the_text_it_was_decided_on(tmp_path):
    store = ReviewStore(tmp_path / "reviews.sqlite")
    same, changed, fresh = _pair("p1"), _pair("p2"), _pair("p3")
    for pair in (same, changed):
        store.decide(pair["pair_id"], "accepted", pair_text_hash(pair["src_text"], pair["tgt_text"]),
                     level="sentence")
    changed_now = _pair("p2", src="The well ran dry in June.")
    assert review_statuses([same, changed_now, fresh], store.decisions()) == ["accepted", "stale", "unreviewed"]


def test_an_edited_sentence_whose_id_changed_finds_its_decision_by_the_other_side(tmp_path):
    # A paragraph inserted earlier and the sentence itself edited: the pair's id and one side's
    # text changed, the other side did not. The decision comes back as stale, not lost.
    store = ReviewStore(tmp_path / "reviews.sqlite")
    old = _pair("old-id", src="The well ran dry.")
    seen = {"src_text": old["src_text"], "tgt_text": old["tgt_text"], "src_doc_id": "en", "tgt_doc_id": "fa"}
    store.decide("old-id", "accepted", pair_text_hash(old["src_text"], old["tgt_text"]), level="sentence", seen=seen)
    edited = dict(_pair("new-id", src="The well ran dry in June."), src_doc_id="en", tgt_doc_id="fa")
    unrelated = dict(_pair("other", src="Rain came.", tgt="باران آمد."), src_doc_id="en", tgt_doc_id="fa")
    other_docs = dict(_pair("elsewhere", src="The well ran dry in May."), src_doc_id="en2", tgt_doc_id="fa")
    found = match_decisions([edited, unrelated, other_docs], store.decisions())
    assert [d and d.pair_id for d in found] == ["old-id", None, None]
    assert review_statuses([edited], store.decisions()) == ["stale"]


def test_a_decision_follows_its_text_when_ids_shift(tmp_path):
    # A paragraph inserted earlier in the document renumbers the sentences: the pair id
    # changes, the texts do not, and the decision must not be lost.
    store = ReviewStore(tmp_path / "reviews.sqlite")
    old = _pair("old-id")
    store.decide("old-id", "rejected", pair_text_hash(old["src_text"], old["tgt_text"]), level="sentence")
    renumbered = _pair("new-id")
    other_level = _pair("other", level="passage")
    assert [d and d.pair_id for d in match_decisions([renumbered, other_level], store.decisions())] == ["old-id", None]
    assert review_statuses([renumbered], store.decisions()) == ["rejected"]


def test_a_file_that_is_not_a_store_is_named_in_the_error(tmp_path):
    path = tmp_path / "reviews.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ReviewStoreError, match="reviews.sqlite"):
        ReviewStore(path)


def test_a_missing_store_means_no_decisions_and_creates_nothing(tmp_path):
    assert read_decisions(tmp_path / "reviews.sqlite") == {}
    assert not (tmp_path / "reviews.sqlite").exists()
