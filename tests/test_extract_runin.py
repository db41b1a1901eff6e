"""Run-in headings that fill their line (sixth pass of issue 11: the IRS instructions of
set 3, the Federal Register's "FOR FURTHER INFORMATION CONTACT:" of sets 1 and 4), in our
own words, rendered by Chromium (tests/fixtures/make_fixtures.py, runin_html)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import reflowed_words, rendered_blocks

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import fixture_texts as T  # noqa: E402


@pytest.fixture(scope="module")
def blocks():
    return rendered_blocks("runin_chromium.pdf")


def _kind_of(blocks, text: str) -> str | None:
    words = reflowed_words(text)
    return next((b.kind for b in blocks if reflowed_words(b.text) == words), None)


def test_a_bold_run_in_heading_that_fills_its_lines_stays_with_its_paragraph(blocks):
    """Two lines in bold, the second justified to the column's edge, then the text at the
    text's leading: one paragraph, whose first words are the heading."""
    assert _kind_of(blocks, T.RUNIN_HEADING + " " + T.RUNIN_AFTER) == "paragraph"


def test_bold_headings_with_room_or_space_under_them_stay_headings(blocks):
    assert _kind_of(blocks, T.RUNIN_SHORT_HEADING) == "heading"
    assert _kind_of(blocks, T.RUNIN_SHORT_AFTER) == "paragraph"
    assert _kind_of(blocks, T.RUNIN_FULL_HEADING) == "heading"
    assert _kind_of(blocks, T.RUNIN_FULL_AFTER) == "paragraph"
    assert _kind_of(blocks, T.RUNIN_BEFORE) == "paragraph"


def test_a_paragraph_goes_on_past_a_masthead_at_the_head_of_the_next_column(blocks):
    """The second column's last paragraph ends mid-sentence on a full line; the third
    column opens with three small lines (a journal's title, volume and date) and then the
    paragraph's next words: one passage, the masthead's lines after it."""
    whole = reflowed_words(T.MASTHEAD_FIRST + " " + T.MASTHEAD_SECOND)
    page = [b for b in blocks if b.page == 2]
    at = next(k for k, b in enumerate(page) if reflowed_words(b.text) == whole)
    assert [reflowed_words(b.text) for b in page[at + 1:at + 4]] == [reflowed_words(t) for t in T.MASTHEAD]
    assert len(page[at].regions) == 2  # each part keeps its own box


def test_a_note_in_the_margin_in_another_face_and_colour_is_read_apart(blocks):
    """pdf.js's bug1873345: a note a little more than an em from the text, in another font
    and colour, was read into the text's lines row by row, and the paragraph beside its
    last lines ran into the one before."""
    page = [reflowed_words(b.text) for b in blocks if b.page == 3]
    assert reflowed_words(T.MARGIN_FIRST) in page
    assert reflowed_words(T.MARGIN_SECOND) in page
    assert reflowed_words(T.MARGIN_NOTE) in page


def test_a_warning_icon_beside_a_paragraph_is_its_label_not_its_text(blocks):
    """i1040nr's cautions: a triangle round a large "!" over "CAUTION" in 5-point capitals,
    beside a paragraph's lines, opened them ("! 1990, is considered", "CAUTION 18 at the
    end") and cut the paragraph after its first line."""
    page = [b for b in blocks if b.page == 4]
    assert reflowed_words(T.ICON_PARAGRAPH) in [reflowed_words(b.text) for b in page if b.kind == "paragraph"]
    assert any(b.kind == "caption" and "CAUTION" in b.text for b in page)


def test_a_paragraphs_last_line_above_a_drawn_band_is_no_label(blocks):
    """issue-71-duplicate-chars-2's objectives: the last line of an item, short, just above
    the band that closes a shaded box, was read as the band's label; the line above runs on
    into it (full, mid-sentence, at the text's leading)."""
    page = [b for b in blocks if b.page == 5]
    assert [reflowed_words(b.text) for b in page if b.kind == "paragraph"] == [reflowed_words(T.BAND_PARAGRAPH)]
    assert not [b for b in page if b.kind == "caption"]
