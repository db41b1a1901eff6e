"""What set 2 of issue 11's public PDFs showed (a Chinese report's opening page set large and
wide apart, a Japanese list item cut short inside a bracket, a summary whose paragraph ends
in a bold sentence, bullets from a word processor's symbol font mapped to "!", a tight line
whose words TeX set apart by moving the pen), in our own words, rendered by Chromium
(tests/fixtures/make_fixtures.py, notices_html): each paragraph comes out whole."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import BODY_KINDS, body_passages, reflowed_words, rendered_blocks

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import fixture_texts as T  # noqa: E402


@pytest.fixture(scope="module")
def blocks():
    return rendered_blocks("notices_chromium.pdf")


def _compact(text: str) -> str:
    return "".join(text.split())


def test_large_paragraphs_with_wide_leading_are_paragraphs_not_one_heading_a_line(blocks):
    """14pt Chinese lines 31pt apart (over twice their size) on a page of a 10.5pt document:
    each indented paragraph is one passage of kind paragraph."""
    by_text = {_compact(b.text): b.kind for b in blocks if b.page == 1}
    for paragraph in (T.NOTICE_LARGE[0], T.NOTICE_LARGE[2]):
        assert by_text.get(_compact(paragraph)) == "paragraph", paragraph[:12]


def test_a_line_that_stops_inside_a_bracket_runs_on(blocks):
    item = _compact("".join(T.NOTICE_BRACKET))
    assert any(_compact(b.text) == item for b in blocks if b.page == 1)


def test_a_paragraph_ending_in_a_bold_sentence_is_one_passage(blocks):
    paragraph = reflowed_words("".join(T.NOTICE_BOLD[:2]) + " " + T.NOTICE_BOLD[2])
    assert paragraph in body_passages(blocks, 2)


def test_symbol_font_bullets_open_their_items(blocks):
    """The bullet is drawn by a symbol font at the code of "!": it stays at the start of
    its item (not read as a right-to-left full stop at the end) and reads as a bullet."""
    passages = body_passages(blocks, 2)
    for item in T.NOTICE_BULLETS:
        assert "\u2022 " + reflowed_words(item) in passages


def test_words_set_apart_by_the_pen_are_spaced(blocks):
    assert any(reflowed_words(T.NOTICE_TIGHT) in p for p in body_passages(blocks, 2))


def test_a_paragraph_crosses_the_page_under_a_running_head_of_two_lines(blocks):
    """The volume line under the journal's name changes (a page range on the first page
    only), so it does not repeat: it is furniture because it sits under the running head."""
    paragraph = reflowed_words(" ".join(T.NOTICE_ACROSS))
    assert paragraph in [reflowed_words(b.text) for b in blocks if b.kind in BODY_KINDS]
    assert not any("Vol. 3" in b.text for b in blocks if b.kind in BODY_KINDS)


def test_ragged_columns_run_on_mid_sentence_and_on_a_hyphen_over_notes_under_a_column(blocks):
    """A ragged three-column page: the paragraph leaves the first column mid-sentence on a
    line the ragged margin leaves short, and the second on "Aix-" before a capital; the
    notes under the first column (starting above the page's middle) are footnotes, not
    paragraphs between the parts."""
    passages = body_passages(blocks, 5)
    assert len(passages) == 1
    one = passages[0]
    for part in (T.NOTICE_COLUMN_1, T.NOTICE_COLUMN_2, T.NOTICE_COLUMN_3):
        assert reflowed_words(part)[:40] in one and reflowed_words(part.replace("Aix-", ""))[-30:] in one
    notes = [b for b in blocks if b.page == 5 and b.kind == "footnote"]
    assert len(notes) == len(T.NOTICE_NOTES)


def test_a_page_printed_twice_keeps_its_opening_lines(blocks):
    """The same paragraph opens two pages, so its first lines repeat at the top edge; they
    run straight on into the paragraph at its leading, so they are no running head."""
    paragraph = reflowed_words(T.NOTICE_REPEATED)
    assert [reflowed_words(b.text) for b in blocks if b.kind in BODY_KINDS].count(paragraph) == 2
    assert not any(b.kind == "header" for b in blocks if b.page >= 6)


def test_a_quotation_whose_hyphen_hangs_past_its_edge_keeps_its_last_line(blocks):
    """A quotation set narrower than the text, justified, whose one hyphen hangs 1.6pt past
    the edge the other lines end on: that edge is still its measure, so its lines end full
    and the short last line runs on; the paragraphs around it stay apart."""
    passages = body_passages(blocks, 8)
    assert reflowed_words("\n".join(T.NOTICE_QUOTE)) in passages
    assert reflowed_words(T.NOTICE_QUOTE_BEFORE) in passages
    assert reflowed_words(T.NOTICE_QUOTE_AFTER) in passages
