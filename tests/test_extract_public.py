"""The public test PDFs of bench/public_pdfs.yaml (files nobody here wrote; not in this
repository): read from HAMTA_PUBLIC_PDFS when set, skipped otherwise. The measure itself is
checked on made-up paragraphs, so it is known to see damage."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.paragraph_recovery import recovery, tokens
from bench.public_pdfs import evaluate_all, manifest, split_before

FOLDER = os.environ.get("HAMTA_PUBLIC_PDFS")


def test_recovery_sees_split_merged_and_reordered_paragraphs():
    truth = ["The first paragraph has several words in it.", "A second one follows here.",
             "第三段文字在這裡結束。"]
    assert recovery(truth, truth).whole_in_order == 3
    split = recovery(truth, ["The first paragraph has", "several words in it.", *truth[1:]])
    assert split.whole_in_order == 2
    swapped = recovery(truth, [truth[1], truth[0], truth[2]])
    assert swapped.whole_in_order == 2  # one of the two swapped ones is out of order
    merged = recovery(truth, [" ".join(truth)])
    assert merged.whole_in_order == 3 and merged.exact == 0


def test_tokens_spell_apostrophes_dashes_slashes_and_marks_one_way():
    """What tools write differently for one text: a ground truth that turns "we’re" into
    "we're", "1⁄4" into "1 / 4" or puts a space before an Arabic mark still matches."""
    assert tokens("we’re the word processor—from") == tokens("we're the word processor-from")
    assert tokens("1⁄4 inch, ibm.com/redbooks") == tokens("1 / 4 inch, ibm.com /redbooks")
    assert tokens("ووفًخ لمخ") == tokens("ووف ًخ لمخ")
    assert tokens("for Firefox[4] and speeds.[9]") == tokens("for Firefox [4] and speeds. [9]")
    assert tokens("one two") != tokens("one-two")


def test_split_before_cuts_a_truth_paragraph_at_its_openings():
    assert split_before(["One. Two. Three."], ["Two.", "Three."]) == ["One.", "Two.", "Three."]


def test_manifest_names_source_commit_and_licence_of_every_set():
    for entry in manifest():
        assert entry["repo"] and len(entry["commit"]) == 40 and entry["licence"]
        assert entry["role"] in ("tune", "tune (set 1)", "tune (set 2)", "tune (set 3)", "tune (set 4)",
                                 "tune (set 5)", "tune (set 6)", "tune (set 7)", "tune (set 8)",
                                 "held out (set 9)")
        for item in entry["files"]:
            assert "truth" in item or item.get("expect")


@pytest.mark.skipif(not FOLDER, reason="HAMTA_PUBLIC_PDFS not set (see bench/public_pdfs.yaml)")
def test_public_pdfs_hold_their_measured_level():
    results = evaluate_all(Path(FOLDER))
    by_set: dict[str, list] = {}
    for result in results:
        by_set.setdefault(result.set, []).append(result)
    share = lambda rs: sum(r.whole_in_order for r in rs) / sum(r.paragraphs for r in rs)  # noqa: E731
    assert share(by_set["docling-pdf"]) >= 0.95
    assert share(by_set["pdfminer-samples"]) >= 0.9
    set_1 = [r for r in results if r.role == "tune (set 1)"]
    if set_1:
        assert share(set_1) >= 0.97  # 127 of 128 measured
    set_2 = [r for r in results if r.role == "tune (set 2)"]
    if set_2:
        assert share(set_2) >= 0.98  # 93 of 93 measured
    set_3 = [r for r in results if r.role == "tune (set 3)"]
    if set_3:
        assert share(set_3) >= 0.98  # 132 of 133 measured (121 while it was held out)
    set_4 = [r for r in results if r.role == "tune (set 4)"]
    if set_4:
        assert share(set_4) >= 0.98  # 90 of 90 measured (77 while it was held out)
    set_5 = [r for r in results if r.role == "tune (set 5)"]
    if set_5:
        assert share(set_5) >= 0.95  # 75 of 78 measured (56 while it was held out)
    set_6 = [r for r in results if r.role == "tune (set 6)"]
    if set_6:
        # 102 of 104 measured (98 while it was held out); the two left are anchors of ours
        # that an earlier paragraph also holds
        assert share(set_6) >= 0.97
    set_7 = [r for r in results if r.role == "tune (set 7)"]
    if set_7:
        assert share(set_7) >= 0.94  # 108 of 114 measured (93 while it was held out)
    set_8 = [r for r in results if r.role == "tune (set 8)"]
    if set_8:
        # 74 of 76 measured (63 while it was held out); the two left are test_2791_content's
        # paragraphs cut where its shifted-encoding italic titles stood
        assert share(set_8) >= 0.95
    set_9 = [r for r in results if r.role == "held out (set 9)"]
    if set_9:
        # held out by the eleventh pass: the same sanity floor, set before set 9 was first
        # measured and not fitted to its figure
        assert share(set_9) >= 0.5
    tables = [r for r in results if r.tables]
    # 16 of 22 measured: table_mislabeled_as_picture's truth writes the symbol font's bullets
    # before each row as the letter "y", which Hamta reads as bullets since the fourth pass
    assert sum(r.tables_found for r in tables) >= 0.7 * sum(r.tables for r in tables)
