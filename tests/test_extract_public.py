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
    # Persian punctuation is a word's surrounding punctuation too: "نسل،" is the word "نسل"
    assert tokens("در هر نسل، مجموعه؛ چرا؟") == tokens("در هر نسل ، مجموعه ؛ چرا ؟")


def test_split_before_cuts_a_truth_paragraph_at_its_openings():
    assert split_before(["One. Two. Three."], ["Two.", "Three."]) == ["One.", "Two.", "Three."]


def test_manifest_names_source_commit_and_licence_of_every_set():
    for entry in manifest():
        assert entry["repo"] and len(entry["commit"]) == 40 and entry["licence"]
        assert entry["role"] == "tune" or entry["role"] in SET_FLOORS
        for item in entry["files"]:
            assert "truth" in item or item.get("expect")


# Each set's floor under what was last measured on it (in brackets: its figure while it was
# held out, before a pass tuned on it).
SET_FLOORS = {
    "tune (set 1)": 0.98,  # 128 of 128
    "tune (set 2)": 0.98,  # 93 of 93 (81)
    "tune (set 3)": 0.98,  # 132 of 133 (121)
    "tune (set 4)": 0.98,  # 90 of 90 (77)
    "tune (set 5)": 0.95,  # 75 of 78 (56)
    # 102 of 104 (98); the two left are anchors of ours that an earlier paragraph also holds
    "tune (set 6)": 0.97,
    # 110 of 114 (93); the four left are three of test_3727's (sentences that end on lines
    # broken by hand, short of the edge, the paragraph going on) and bug1997343's paragraph
    # read together with a marginal note
    "tune (set 7)": 0.95,
    # 74 of 76 (63); the two left are test_2791_content's paragraphs cut where its
    # shifted-encoding italic titles stood
    "tune (set 8)": 0.95,
    # 49 of 50 (44); the one left is test_2645_1's boxed quote, which the page's geometry
    # puts after the first column and the expectation after the second
    "tune (set 9)": 0.98,
    # 90 of 90 (89, before and after the twelfth pass, which held it out)
    "tune (set 10)": 0.98,
    # 86 of 90 (81, held out by the thirteenth pass; 82 at its end); the four left are
    # mineru's demo1 and demo3 and grobid's Wang-paperAVE2008 (one each) and the XePersian
    # report's bulleted item whose bold label ends page 4 and its text opens page 5
    "tune (set 11)": 0.95,
    # held out by the thirteenth pass, written by a helper who never saw Hamta's output on
    # them: 171 of 181 with the code before the pass, 175 with its final code (floor set
    # after measuring)
    "held out (set 12)": 0.95,
}


@pytest.mark.skipif(not FOLDER, reason="HAMTA_PUBLIC_PDFS not set (see bench/public_pdfs.yaml)")
def test_public_pdfs_hold_their_measured_level():
    results = evaluate_all(Path(FOLDER))
    by_set: dict[str, list] = {}
    for result in results:
        by_set.setdefault(result.set, []).append(result)
    share = lambda rs: sum(r.whole_in_order for r in rs) / sum(r.paragraphs for r in rs)  # noqa: E731
    assert share(by_set["docling-pdf"]) >= 0.95
    assert share(by_set["pdfminer-samples"]) >= 0.9
    for role, floor in SET_FLOORS.items():
        members = [r for r in results if r.role == role]
        if members:
            assert share(members) >= floor, role
    tables = [r for r in results if r.tables]
    # 16 of 22 measured: table_mislabeled_as_picture's truth writes the symbol font's bullets
    # before each row as the letter "y", which Hamta reads as bullets since the fourth pass
    assert sum(r.tables_found for r in tables) >= 0.7 * sum(r.tables for r in tables)
