"""The reviews store: decisions saved at once, kept across reopenings, undone, and flagged
stale when the pair's text changed."""

import sqlite3

import pytest

from pipeline.review.store import (ReviewStore, ReviewStoreError, match_decisions, pair_text_hash,
                                   read_decisions, review_statuses)


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


def test_undo_walks_back_through_the_history(tmp_path):
    store = ReviewStore(tmp_path / "reviews.sqlite")
    store.decide("p1", "accepted", "h")
    store.decide("p2", "rejected", "h")
    store.decide("p1", "edited", "h", src_edit="fixed")
    assert store.undo()[0] == "p1" and store.decisions()["p1"].decision == "accepted"
    assert store.undo()[0] == "p2" and "p2" not in store.decisions()
    assert store.undo() == ("p1", None) and store.decisions() == {}
    assert store.undo() is None


def test_undo_survives_a_restart_of_the_server(tmp_path):
    path = tmp_path / "reviews.sqlite"
    store = ReviewStore(path)
    store.decide("p1", "accepted", "h")
    store.close()
    reopened = ReviewStore(path)
    assert reopened.undo()[0] == "p1" and reopened.decisions() == {}


def test_status_follows_the_text_it_was_decided_on(tmp_path):
    store = ReviewStore(tmp_path / "reviews.sqlite")
    same, changed, fresh = _pair("p1"), _pair("p2"), _pair("p3")
    for pair in (same, changed):
        store.decide(pair["pair_id"], "accepted", pair_text_hash(pair["src_text"], pair["tgt_text"]),
                     level="sentence")
    changed_now = _pair("p2", src="The well ran dry in June.")
    assert review_statuses([same, changed_now, fresh], store.decisions()) == ["accepted", "stale", "unreviewed"]


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
