"""Layouts that the public PDFs of issue 11 showed (the Federal Register's three columns,
TeX's overfull list line, a textbook's Persian example over its English translation, a
paper's paragraph running past a listing and across a page), set in our own words and
rendered by Chromium (tests/fixtures/make_fixtures.py, layouts_html): each paragraph must
come out as one passage, whole and in reading order."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import body_passages, reflowed_words, rendered_blocks

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import fixture_texts as T  # noqa: E402


@pytest.fixture(scope="module")
def blocks():
    return rendered_blocks("layouts_chromium.pdf")


def _holds_whole(passages: list[str], paragraph: str) -> int:
    """Index of the one passage that holds the paragraph whole; fails otherwise."""
    paragraph = reflowed_words(paragraph)
    found = [k for k, p in enumerate(passages) if paragraph in p]
    assert found, f"not whole in any passage: {paragraph[:60]}..."
    return found[0]


def test_three_columns_whose_lines_step_down_are_read_column_by_column(blocks):
    """Each column's lines sit a third of a line below the column before: chained glyph to
    glyph by height, the three columns became one row after another."""
    passages = body_passages(blocks, page=1)
    order = [_holds_whole(passages, p) for column in T.LAY_STEPPED for p in column]
    assert order == sorted(order) and len(set(order)) == 6


def test_a_list_line_past_the_margin_does_not_cut_the_paragraphs_of_its_column(blocks):
    passages = body_passages(blocks, page=2)
    for paragraph in T.LAY_OVERFULL:
        _holds_whole(passages, paragraph)
    assert len(passages) == 3  # the two paragraphs and the list line


def test_an_english_line_under_a_persian_example_is_its_own_block_in_its_own_direction(blocks):
    passages = body_passages(blocks, page=3)
    assert reflowed_words(T.LAY_EXAMPLE_EN) in passages  # quotes at their own ends, not turned round
    assert reflowed_words(T.LAY_EXAMPLE_FA) in passages


def test_a_paragraph_runs_on_past_a_listing_at_the_head_of_the_next_column(blocks):
    passages = body_passages(blocks, page=4)
    _holds_whole(passages, " ".join(T.LAY_LISTING_SPLIT))
    listing = [b for b in blocks if b.page == 4 and T.LAY_LISTING[0] in b.text]
    assert listing and all(T.LAY_LISTING_SPLIT[1][:30] not in b.text for b in listing)


def test_a_paragraph_crosses_a_page_between_two_sentences_where_paragraphs_are_indented(blocks):
    """The document indents its paragraphs, but not the first after a heading nor its list
    items: those must not hide the habit that tells the part on the next page continues."""
    passages = body_passages(blocks)
    _holds_whole(passages, " ".join(T.LAY_PAGES["split"]))
    _holds_whole(passages, T.LAY_PAGES["indented_3"])


def _glyph(text, x0, baseline, size=9.0):
    return {"text": text, "x0": x0, "x1": x0 + 0.5 * size, "top": baseline - 0.8 * size,
            "bottom": baseline + 0.2 * size, "size": size, "upright": True,
            "matrix": (size, 0, 0, size, x0, 800 - baseline)}


def test_rows_of_columns_stepping_down_stay_apart_and_raised_glyphs_stay_with_their_line():
    """Three columns, each a third of a 10pt line lower than the one before: glyph to glyph
    the baselines step by 3.3pt, under the tolerance, so chaining alone made one row of the
    stretch. A mark raised 3pt in a slightly smaller size stays in its own line's row."""
    from pipeline.extractors.lines import _rows
    glyphs = [_glyph(c, x + 5 * k, 100 + 10 * line + 3.3 * column)
              for line in range(6) for column, x in enumerate((50, 220, 390)) for k, c in enumerate("abcd")]
    glyphs.append(_glyph("*", 75, 100 + 10 * 2 - 3.0, size=7.6))  # raised after line 2 of column 0
    rows = _rows(glyphs, 800, 6.0)
    for row in rows:
        for left in (50, 220, 390):
            column = [c for c in row if left <= c["x0"] < left + 100 and c["text"] != "*"]
            assert len({round(c["_baseline"], 1) for c in column}) <= 1  # one line per column
    star = next(row for row in rows if any(c["text"] == "*" for c in row))
    assert any(c["x0"] < 75 and abs(c["_baseline"] - 120) < 0.1 for c in star)


def test_a_line_opening_with_p_m_is_no_lettered_item():
    from pipeline.extractors.layout import _NUMBERED_ITEM
    assert not _NUMBERED_ITEM.match("p.m., Monday through Friday")
    assert _NUMBERED_ITEM.match("b) a lettered item") and _NUMBERED_ITEM.match("2. a numbered one")
