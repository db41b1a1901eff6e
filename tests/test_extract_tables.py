"""Tables (pipeline/extractors/tables.py) and the reading fixes that came with them, on our
own PDF with tables among paragraphs (tests/fixtures/tables_chromium.pdf, rendered by
Chromium from make_fixtures.tables_html) and on boxes and glyphs drawn by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import BODY_KINDS, rendered_blocks

from pipeline.extractors.layout import _caption_start
from pipeline.extractors.lines import _drop_footnote_marks, _visual_text
from pipeline.extractors.reading_order import Box, Segment, reading_order
from pipeline.extractors.tables import Cell, Table, aligned_tables, table_text
from pipeline.normalize import reflow

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import fixture_texts as T  # noqa: E402


@pytest.fixture(scope="module")
def blocks():
    return rendered_blocks("tables_chromium.pdf")


def _tsv(rows: list[list[str]]) -> str:
    return "\n".join("\t".join(row) for row in rows)


def _tables(blocks, page: int) -> list[str]:
    return [b.text for b in blocks if b.kind == "table" and b.page == page]


def test_each_table_is_one_block_read_cell_by_cell(blocks):
    """Ruled on every side, open at its two sides (no outer rules), and without rules at
    all: each is one table block, rows on lines and cells split by tabs, in place between
    the paragraphs around it."""
    assert _tables(blocks, 1) == [_tsv(T.TAB_RULED), _tsv(T.TAB_OPEN), _tsv(T.TAB_UNRULED)]
    page = [b for b in blocks if b.page == 1]
    kinds = [b.kind for b in page]
    assert kinds.index("table") == next(k for k, b in enumerate(page) if b.text.startswith("The survey team")) + 1
    for block in page:
        if block.kind == "table":
            assert block.x0 < block.x1 and block.top < block.bottom


def test_table_text_stays_out_of_the_paragraphs(blocks):
    body = " ".join(" ".join(b.text.split()) for b in blocks if b.kind in BODY_KINDS)
    for rows in (T.TAB_RULED, T.TAB_OPEN, T.TAB_UNRULED, T.FA_TAB):
        for row in rows:
            assert " ".join(row[:2]) not in body
    assert T.ZH_TAB[1][0] not in body
    paragraphs = [" ".join(reflow(b.text).split()) for b in blocks if b.kind == "paragraph"]
    for text in (T.TAB_INTRO, T.TAB_ABOUT, T.TAB_CLOSING, f"{T.TAB_RUN_IN} {T.TAB_RUN_IN_TEXT}",
                 T.FA_TAB_INTRO, T.FA_TAB_AFTER):
        assert text in paragraphs


def test_a_form_of_labels_beside_values_stays_text(blocks):
    """Two ruled columns whose labels are bold on a shaded ground: each row reads as a
    line of text, label then value, and no table is made of it."""
    assert not any("North weir" in t or "12 May" in t for t in _tables(blocks, 1))
    paragraphs = [b.text for b in blocks if b.kind == "paragraph"]
    for label, value in T.TAB_FORM:
        assert f"{label} {value}" in paragraphs


def test_persian_table_reads_each_row_from_the_right(blocks):
    (table,) = _tables(blocks, 2)
    assert table == _tsv(T.FA_TAB)  # the first cell of each row is its rightmost


def test_chinese_cell_of_several_lines_is_joined_without_spaces(blocks):
    (table,) = _tables(blocks, 3)
    assert table == _tsv(T.ZH_TAB)


def test_sentence_about_a_table_and_paragraph_with_bold_run_in_stay_paragraphs(blocks):
    def kind(opening: str) -> str:
        return next(b.kind for b in blocks if b.text.startswith(opening))

    assert kind(T.TAB_ABOUT[:20]) == "paragraph"  # "Table 1 shows ..." is no caption
    assert kind(T.TAB_RUN_IN) == "paragraph"  # its bold opening is no heading
    assert T.TAB_RUN_IN_TEXT[-20:] in next(b.text for b in blocks if b.text.startswith(T.TAB_RUN_IN))


def test_lines_of_code_are_one_block(blocks):
    assert "\n".join(T.TAB_CODE) in [b.text for b in blocks]


# ----------------------------------------------------------------- parts, by hand

def test_table_text_joins_cells_rows_and_a_cells_lines():
    table = Table(Box(0, 0, 300, 40), [Cell(r, c, Box(100 * c, 20 * r, 100 * c + 100, 20 * r + 20))
                                       for r in range(2) for c in range(3)])
    lines = {(0, 0): ["Name"], (0, 2): ["Notes that run", "on two lines"],
             (1, 0): ["東城"], (1, 1): ["圖書館", "藏書"]}
    assert table_text(table, lines, rtl=False) == "Name\t\tNotes that run on two lines\n東城\t圖書館藏書"
    assert table_text(table, lines, rtl=True) == "Notes that run on two lines\t\tName\n圖書館藏書\t東城"


def _row(index: int, *spans: tuple[float, float], top: float | None = None) -> list[Segment]:
    y = 100 + 14 * index if top is None else top
    return [Segment(x0=a, top=y, x1=b, bottom=y + 10, chars=[{"text": "x"}], row=index, size=10.0)
            for a, b in spans]


def test_aligned_rows_of_three_columns_are_a_table():
    rows = [_row(0, (50, 400))]  # a line of prose before it
    rows += [_row(k, (50, 120), (160, 180), (220, 250)) for k in range(1, 5)]
    ((first, last, table),) = aligned_tables(rows, 10.0)
    assert (first, last) == (1, 4)
    assert {c.column for c in table.cells} == {0, 1, 2} and {c.row for c in table.cells} == {0, 1, 2, 3}


def test_a_numbered_list_or_a_form_is_no_table_nor_is_prose():
    numbered = [_row(k, (50, 60), (80, 400)) for k in range(5)]
    assert aligned_tables(numbered, 10.0) == []
    prose = [_row(k, (50, 400)) for k in range(5)]
    assert aligned_tables(prose, 10.0) == []


def _glyph(text: str, x0: float, width: float, size: float, baseline: float) -> dict:
    return {"text": text, "x0": x0, "x1": x0 + width, "size": size, "_baseline": baseline}


def test_footnote_mark_against_a_word_goes_a_value_set_apart_stays():
    word = [_glyph(c, 10 + 6 * k, 6, 12, 100) for k, c in enumerate("word")]
    mark = [_glyph("2", 34, 4, 8, 96)]
    assert "".join(c["text"] for c in _drop_footnote_marks(word + mark, 12, 100)) == "word"
    # a form's value, smaller and higher than the label far to its right
    value = [_glyph(c, 100 + 6 * k, 6, 10, 97) for k, c in enumerate("20300")]
    label = [_glyph(c, 300 + 7 * k, 7, 14, 100) for k, c in enumerate("label")]
    kept = _drop_footnote_marks(value + label, 14, 100)
    assert "".join(c["text"] for c in kept) == "20300label"


def test_a_small_space_beside_a_large_heading_is_still_a_space():
    """'Chapter 1.' set small on the baseline of a large title: the space's advance is
    small next to the title's size but full for its own."""
    glyphs = [_glyph(c, 10 + 4 * k, 4, 7, 100) for k, c in enumerate("Chapter")]
    glyphs += [_glyph(" ", 38, 2, 7, 100), _glyph("1", 40, 4, 7, 100)]
    glyphs += [_glyph(c, 80 + 15 * k, 15, 26, 100) for k, c in enumerate("Title")]
    text, _ = _visual_text(glyphs, 26)
    assert text.startswith("Chapter 1")


def test_names_set_small_under_a_small_drawing_are_its_labels():
    drawing = Box(80, 620, 160, 680)
    label = Segment(x0=90, top=682, x1=130, bottom=690, chars=[{"text": "name"}], row=1, size=8.0)
    text = [Segment(x0=50, top=600 + 14 * k, x1=400, bottom=610 + 14 * k, chars=[{"text": "t"}],
                    row=10 + k, size=10.0) for k in range(3)]
    reading_order(text + [label], [drawing], 10.0)
    assert label.figure
    assert not any(s.figure for s in text)


def test_blocks_that_share_no_row_are_read_one_after_the_other():
    """A colophon of short lines beside a masthead set at other heights: no row holds
    both, so reading row by row would interleave them."""
    left = [Segment(x0=60, top=110 + 16 * k, x1=140, bottom=120 + 16 * k, chars=[{"text": f"L{k}"}],
                    row=2 * k, size=10.0) for k in range(4)]
    right = [Segment(x0=410, top=112 + 28 * k, x1=460, bottom=124 + 28 * k, chars=[{"text": f"R{k}"}],
                     row=2 * k + 1, size=12.0) for k in range(2)]
    order = [s.chars[0]["text"] for leaf in reading_order(left + right, [], 10.0) for s in leaf.segments]
    assert order == ["L0", "L1", "L2", "L3", "R0", "R1"]


def test_a_sentence_about_a_figure_is_no_caption():
    assert _caption_start("Table 2-1 FUNCTION_USAGE view")
    assert _caption_start("Figure 1. Sample program")
    assert _caption_start("表 7.5 停车区用地指标")
    assert not _caption_start("Table 2-2 shows a comparison of the different function usage IDs")
    assert not _caption_start("Fig. 3 is drawn to scale")


def _line(text: str, x0: float, top: float, x1: float, band: int, size: float = 10.0,
          figure: bool = False, bold: bool = False, bold_share: float = 0.0):
    from pipeline.extractors.lines import Line

    return Line(text=text, visual=text, shaped=False, x0=x0, top=top, x1=x1, bottom=top + size,
                baseline=top + 0.8 * size, size=size, bold=bold, rtl=False, column=1, band=band,
                figure=figure, bold_share=bold_share)


def test_paragraph_continues_in_the_next_column_past_a_figures_labels_below_it():
    """The left column ends with a paragraph cut mid-sentence, then a drawing's labels and
    its caption in the same column; the paragraph goes on at the top of the right column."""
    from pipeline.extractors.layout import PageLayout, document_blocks

    full = "a line of running text that fills its column from edge to edge and"
    left = [_line(full, 72, 100 + 13 * k, 312, 0) for k in range(8)]
    labels = [_line("Boots nut", 100, 400, 150, 0, size=8.0, figure=True),
              _line("Figure 7. Two nuts.", 72, 430, 180, 0)]
    right = [_line("continues here and ends." if k == 3 else full, 321, 100 + 13 * k,
                   450 if k == 3 else 561, 1) for k in range(4)]
    blocks = document_blocks([PageLayout(1, 612, 792, left + labels + right)])
    paragraphs = [b for b in blocks if b.kind == "paragraph"]
    assert len(paragraphs) == 1 and paragraphs[0].text.endswith("continues here and ends.")
    assert [b.kind for b in blocks if b.kind != "paragraph"] == ["caption", "caption"]


def test_a_paragraph_that_opens_with_a_bold_run_in_is_one_paragraph():
    from pipeline.extractors.layout import PageLayout, document_blocks

    first = _line("Term in bold: and then the text face that runs on to the line", 72, 100, 312, 0,
                  bold=True, bold_share=0.4)
    rest = [_line("below it, which goes on as the paragraph goes on to its end.", 72, 113, 290, 0)]
    other = [_line(f"Another paragraph of text, line {k}, set in the column as well.", 72, 140 + 13 * k,
                   312 if k < 3 else 200, 0) for k in range(4)]
    blocks = document_blocks([PageLayout(1, 612, 792, [first] + rest + other)])
    assert [b.kind for b in blocks][:1] == ["paragraph"]
    assert blocks[0].text.startswith("Term in bold") and blocks[0].text.endswith("to its end.")


def test_an_abstract_set_narrower_than_its_column_runs_on_across_its_full_lines():
    """The abstract's lines end on its own right edge, short of the column's; the line
    after one of them opens with a word short enough to have fitted in that gap."""
    from pipeline.extractors.layout import PageLayout, document_blocks

    abstract = [_line(f"{word} opens abstract line {k}, which fills the narrower measure", 94, 100 + 13 * k, 277, 0)
                for k, word in enumerate(["Extraction", "Information", "Unrestricted", "Relations"])]
    abstract.append(_line("IE systems in advance and ends here.", 94, 152, 220, 0))
    body = [_line("a line of the text below that fills the whole column width", 72, 200 + 13 * k, 299, 0)
            for k in range(6)]
    blocks = document_blocks([PageLayout(1, 612, 792, abstract + body)])
    assert blocks[0].text.endswith("ends here.") and blocks[0].text.startswith("Extraction opens")


PAGE_HEIGHT = 800.0


def _glyphs(text: str, x0: float, baseline: float, size: float = 10.0, upright: bool = True) -> list[dict]:
    """Glyphs as pdfplumber gives them, left to right on a baseline (or up the page)."""
    out = []
    for k, ch in enumerate(text):
        if upright:
            x, top = x0 + 0.55 * size * k, baseline - 0.8 * size
            box = (x, top, x + 0.55 * size, top + size)
            matrix = (size, 0.0, 0.0, size, x, PAGE_HEIGHT - baseline)
        else:  # turned a quarter, running up the page
            y = baseline - 0.55 * size * k
            box = (x0, y - 0.55 * size, x0 + size, y)
            matrix = (0.0, size, -size, 0.0, x0 + size, PAGE_HEIGHT - y)
        out.append({"text": ch, "x0": box[0], "top": box[1], "x1": box[2], "bottom": box[3], "size": size,
                    "upright": upright, "matrix": matrix, "fontname": "Serif"})
    return out


def test_sub_and_superscripts_do_not_join_two_lines_into_one_row():
    """A subscript in one line and a superscript in the next fill the space between
    their baselines with small steps: the two lines stay two rows, not one interleaved."""
    from pipeline.extractors.lines import _rows

    first = _glyphs("flux density of", 50, 100) + _glyphs("rms", 140, 102.5, size=7)
    second = _glyphs("offset by 0.53 arcsec", 50, 109) + _glyphs("2", 170, 105.5, size=7)
    rows = _rows(first + second, PAGE_HEIGHT, 6.0)
    assert ["".join(c["text"] for c in row) for row in rows] == ["flux density ofrms", "offset by 0.53 arcsec2"]


def test_text_on_its_side_in_the_margin_stays_out_of_the_columns():
    """A slug set up the page in the margin, one glyph a row, would tie the rows of two
    columns together; it is read apart as a line of its own."""
    from pipeline.extractors.lines import page_lines

    chars = []
    for k in range(12):
        chars += _glyphs(f"left column line {k:02d} of text", 60, 100 + 14 * k)
        chars += _glyphs(f"right column line {k:02d} of text", 330, 100 + 14 * k)
    chars += _glyphs("VerDate Sep 2014 Jkt 250001", 20, 300, size=6, upright=False)
    lines = page_lines(chars, 600, PAGE_HEIGHT, 6.0).lines
    texts = [l.text for l in lines]
    assert texts[:12] == [f"left column line {k:02d} of text" for k in range(12)]
    assert texts[-1] == "VerDate Sep 2014 Jkt 250001" and lines[-1].turned


def test_columns_of_running_text_read_across_are_no_table():
    rows = [_row(k, (50, 230), (250, 430), (450, 630)) for k in range(5)]
    assert aligned_tables(rows, 10.0) == []


def test_a_blank_drawn_inside_a_ligature_is_no_word_break():
    """InDesign writes a space glyph after an "fi" ligature that starts inside the ligature
    and ends where the next letter begins (twice: the file draws every glyph twice): it takes
    no room, so "définir" stays one word, while a real space between two words (its
    neighbours apart) still counts."""
    glyphs = [_glyph("d", 10, 6, 10, 100), _glyph("é", 16, 5.5, 10, 100), _glyph("ﬁ", 21.5, 5, 10, 100),
              _glyph(" ", 24, 2.8, 10, 100), _glyph(" ", 24, 2.8, 10, 100), _glyph("n", 26.6, 5.5, 10, 100), _glyph("i", 32.1, 2.2, 10, 100),
              _glyph("r", 34.3, 3.3, 10, 100), _glyph(" ", 37.6, 2.8, 10, 100), _glyph("l", 40.4, 2.2, 10, 100)]
    text, _ = _visual_text(glyphs, 10)
    assert text == "déﬁnir l"
