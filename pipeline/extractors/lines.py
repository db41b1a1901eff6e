"""Group a page's characters into text lines in reading order.

One pass over pdfplumber's chars: sort by baseline, cut rows where the baseline jumps,
split rows into segments at wide gaps, order the segments by the page's layout
(reading_order: a recursive XY-cut), join a row's segments within each column back into a
line, and read each line's glyphs left to right into a visual string that logical_order
turns into typed order. Grouping by baseline (from the text matrix) rather than by glyph
boxes keeps a Latin word in another font, whose box is shorter than the Persian font's, on
its Persian line.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from dataclasses import dataclass
from statistics import median


from pipeline.extractors.cjk_radicals import SIMPLIFIED_FONT_RADICALS
from pipeline.extractors.logical_order import ZWNJ, has_rtl, is_rtl_line, logical_line, shaped_glyphs
from pipeline.extractors.reading_order import MIN_GUTTER_EMS, Box, Segment, centred_in, reading_order
from pipeline.extractors.tables import Table, aligned_tables, cell_of, in_table, table_text

_UNMAPPED_GLYPH = re.compile(r"^\(cid:\d+\)$")
_CJK = re.compile("[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_BLANKS = {" ", "\u00a0", "\u200b", "\u200c", "\u2009", "\u202f"}
_ARABIC_LETTER = re.compile("[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\ufb50-\ufdff\ufe70-\ufefc]")
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc]")
_SIMPLIFIED_CJK_FONT = re.compile(r"(?:CJK|Han(?:Sans|Serif))(?:sc|SC)\b")
_LTR_LETTER = re.compile("[A-Za-z\u00c0-\u024f]")
_FOOTNOTE_MARK = re.compile(r"^[0-9\u06f0-\u06f9\u0660-\u0669*\u2020\u2021]+$")


@dataclass
class Line:
    text: str  # logical order
    visual: str  # as drawn, left to right; kept to redo the order with another base direction
    shaped: bool  # glyphs mapped back by shape (see logical_order.shaped_glyphs)
    x0: float
    top: float
    x1: float
    bottom: float
    baseline: float
    size: float  # median font size of the line's glyphs
    bold: bool  # most glyphs come from a bold font
    rtl: bool
    column: int  # 0: a full-width stretch of the page; 1: a column (see reading_order)
    band: int  # index of the stretch of page (reading_order's leaf) the line belongs to
    figure: bool = False  # a label inside a figure
    bold_share: float = 0.0  # of its visible glyphs set in a bold font (bold and < 0.9: a bold run-in)
    mono: bool = False  # set in a fixed-width font: code, whose lines the author broke
    turned: bool = False  # set on its side outside any table: a margin's slug or stamp, an axis label
    table: bool = False  # a whole table: text cell by cell (tables.table_text), box the table's
    wrap_right: float | None = None  # set beside a float inside its column: where its lines end there (layout)


@dataclass
class PageLines:
    lines: list[Line]
    unmapped_glyphs: int  # glyphs the PDF gives no Unicode for (e.g. kashida), dropped
    columns: int


def _baseline(char: dict, page_height: float) -> float:
    # matrix[5] is the text origin's y in PDF space; upright text only, others use bottom
    if char.get("upright", True) and char.get("matrix"):
        return page_height - char["matrix"][5]
    return char["bottom"]


# Glyphs smaller than this share of the page's text size (superscripts, subscripts, marks)
# join the row of full-size text whose baseline is nearest; they never start or link rows.
_SMALL_GLYPH = 0.8


def _rows(chars: list[dict], page_height: float, y_tolerance: float) -> list[list[dict]]:
    """Rows of glyphs by baseline. Full-size glyphs are chained where their baselines
    step by less than the tolerance; small glyphs then join the nearest such row: a line
    with a subscript and the next line with a superscript would otherwise step down the
    page in small steps and become one row, their glyphs interleaved."""
    for index, char in enumerate(chars):
        char["_baseline"] = _baseline(char, page_height)
        char["_index"] = index
    sizes = sorted(c["size"] for c in chars if c["text"].strip())
    typical = sizes[len(sizes) // 2] if sizes else 0.0
    small = [c for c in chars if c["size"] and c["size"] < _SMALL_GLYPH * typical]
    rows = _chained([c for c in chars if not (c["size"] and c["size"] < _SMALL_GLYPH * typical)], y_tolerance)
    baselines = [median(c["_baseline"] for c in row) for row in rows]
    left_over = []
    sizes_of = [median(c["size"] for c in row) for row in rows]
    for run in _small_runs(small):
        baseline = median(c["_baseline"] for c in run)
        x0, x1 = min(c["x0"] for c in run), max(c["x1"] for c in run)
        k = bisect.bisect_left(baselines, baseline)
        # rows span the page: of the rows just above and below, those with text beside the
        # run (within an em), not a line of the next column
        # (measured from the glyphs beside the run: a row can hold lines of two columns
        # that sit at different heights)
        offsets = {}
        for j in range(k - 4, k + 4):
            if 0 <= j < len(rows):
                beside = [c for c in rows[j] if c["x0"] - sizes_of[j] <= x1 and x0 <= c["x1"] + sizes_of[j]]
                off = min((abs(c["_baseline"] - baseline) for c in beside), default=None)
                if off is not None and off <= 0.7 * sizes_of[j]:
                    offsets[j] = off
        if offsets:
            rows[min(offsets, key=offsets.get)] += run
        else:
            left_over += run
    rows += _chained(left_over, y_tolerance)
    rows.sort(key=lambda row: min(c["_baseline"] for c in row))
    for row in rows:
        _sort_drawn(row)
    return rows


def _small_runs(chars: list[dict]) -> list[list[dict]]:
    """Small glyphs in runs on one baseline with no wider gap than their size: a
    superscript number, "Chapter 1." set small."""
    runs: list[list[dict]] = []
    for char in sorted(chars, key=lambda c: (round(c["_baseline"]), c["x0"])):
        last = runs[-1][-1] if runs else None
        if last is not None and abs(char["_baseline"] - last["_baseline"]) <= 0.5 \
                and char["x0"] - last["x1"] <= max(char["size"], 1.0):
            runs[-1].append(char)
        else:
            runs.append([char])
    return runs


def _chained(chars: list[dict], y_tolerance: float) -> list[list[dict]]:
    """Glyphs sorted by baseline, a new row wherever the baseline steps by more than the
    tolerance (half the glyph's size at most). A chain whose baselines spread further than
    one line's full-size glyphs can (LINE_SPREAD of their size) is lines of columns that
    sit a little lower in each column than in the one before (the Federal Register's
    three), stepping down the page in small steps: it is cut again, a new row wherever a
    baseline lies more than the tolerance below the row's first."""
    rows: list[list[dict]] = []
    last = None
    for char in sorted(chars, key=lambda c: (c["_baseline"], c["x0"], c["_index"])):
        if last is None or char["_baseline"] - last > _tolerance(char, y_tolerance):
            rows.append([])
        rows[-1].append(char)
        last = char["_baseline"]
    cut: list[list[dict]] = []
    for row in rows:
        spread = row[-1]["_baseline"] - row[0]["_baseline"]
        if spread <= LINE_SPREAD * median(c["size"] for c in row):
            cut.append(row)
            continue
        # the chain's full-size glyphs make the rows; the smaller ones (indices, raised
        # marks) then join the row beside them
        size = median(c["size"] for c in row)
        lines: list[list[dict]] = []
        first = None
        for char in (c for c in row if c["size"] >= 0.9 * size):
            if first is None or char["_baseline"] - first > _tolerance(char, y_tolerance):
                lines.append([])
                first = char["_baseline"]
            lines[-1].append(char)
        for char in (c for c in row if c["size"] < 0.9 * size):
            lines[_nearest_line(char, lines, size, _tolerance(char, y_tolerance))].append(char)
        cut += lines
    return cut


def _nearest_line(char: dict, lines: list[list[dict]], size: float, tolerance: float) -> int:
    """The line a small glyph belongs to: one with text beside it (not a line of the next
    column) on the glyph's own baseline first, else the nearest."""
    def distance(k: int) -> tuple[bool, bool, float]:
        beside = [c for c in lines[k] if c["x0"] - size <= char["x1"] and char["x0"] <= c["x1"] + size]
        off = min(abs(c["_baseline"] - char["_baseline"]) for c in beside or lines[k])
        return not beside or off > tolerance, off > tolerance, off
    return min(range(len(lines)), key=distance)


# The baselines of one line's full-size glyphs (a formula's, a raised citation's) spread
# over less than this share of their size; a chain of glyphs that spreads further is
# several lines.
LINE_SPREAD = 0.8


def _tolerance(char: dict, y_tolerance: float) -> float:
    return min(y_tolerance, 0.5 * char["size"]) if char["size"] else y_tolerance


def _drawn_position(char: dict) -> tuple[float, int]:
    """Sort key for left-to-right drawn order; a zero-advance blank (ZWNJ) sits at the edge
    of the glyph after it, sometimes a hair inside it, so blanks move half a point left."""
    if char["text"] in _BLANKS:
        return (round(char["x0"] - 0.5, 1), char["_index"])
    return (round(char["x0"], 1), char["_index"])


def _attached(char: dict) -> bool:
    """An Arabic mark, or a zero-width Arabic glyph such as the alef half of a lam-alef."""
    text = char["text"]
    return bool(_ARABIC_SCRIPT.match(text)) and (
        char["x1"] - char["x0"] < 0.05 or unicodedata.category(text[0]) == "Mn")


def _host_fit(char: dict, glyph: dict) -> tuple[float, float]:
    """How well a glyph fits as the one an attached character belongs to; higher is better.

    A mark sits inside its letter's box, so overlap decides. The alef half of a lam-alef
    has no width and sits at the ligature's left edge, which is also the right edge of the
    glyph drawn before it: the glyph that starts there is the ligature (both producers map
    it to the lam), so with no overlap either way the nearer left edge wins.
    """
    overlap = min(glyph["x1"], char["x1"]) - max(glyph["x0"], char["x0"])
    if unicodedata.category(char["text"][0]) == "Mn":
        return (overlap, -abs(glyph["x0"] - char["x0"]))
    return (max(overlap, 0.0), -abs(glyph["x0"] - char["x0"]))


def _sort_drawn(row: list[dict]) -> None:
    """Left-to-right drawn order. A mark or zero-width half of a ligature goes just left of
    the glyph it sits on, so that after right-to-left reordering it follows its letter."""
    row.sort(key=_drawn_position)
    if not any(_attached(c) for c in row):
        return
    keys = {}
    for k, char in enumerate(row):
        if not _attached(char):
            keys[id(char)] = (_drawn_position(char)[0], 0, char["_index"])
            continue
        near = [row[j] for j in (k - 2, k - 1, k + 1, k + 2)
                if 0 <= j < len(row) and not _attached(row[j]) and row[j]["text"] not in _BLANKS]
        hosts = [g for g in near if g["x0"] - 0.5 <= char["x0"] <= g["x1"] + 0.01]
        if hosts:
            host = max(hosts, key=lambda g: _host_fit(char, g))
            keys[id(char)] = (_drawn_position(host)[0], -1, char["_index"])
        else:
            keys[id(char)] = (_drawn_position(char)[0], 0, char["_index"])
    row.sort(key=lambda c: keys[id(c)])


def _glyph_signature(char: dict) -> tuple[str, str, float]:
    return (char["fontname"], char["text"], round((char["x1"] - char["x0"]) / max(char["size"], 1), 3))


def _stacked(row: list[dict], k: int) -> bool:
    """The glyph at k overlaps a copy of itself by more than half its width."""
    char = row[k]
    width = char["x1"] - char["x0"]
    return width > 0.05 and any(
        0 <= j < len(row) and row[j]["text"] == char["text"] and row[j]["fontname"] == char["fontname"]
        and abs(row[j]["x0"] - char["x0"]) < 0.5 * width
        for j in (k - 1, k + 1))


def _between_arabic_letters(before: dict | None, after: dict | None) -> bool:
    return (before is not None and after is not None and bool(_ARABIC_LETTER.match(before["text"][-1:]))
            and bool(_ARABIC_LETTER.match(after["text"][:1])))


def kashida_signatures(rows: list[list[dict]]) -> set[tuple[str, str, float]]:
    """Glyphs that are kashida, told by how they are drawn rather than by their text.

    LibreOffice stretches justified Persian lines with kashida glyphs and its text layer
    maps them to whatever it likes: "/", "(", a space, a ZWNJ or nothing (cid:N). A
    kashida longer than one glyph is drawn as copies that overlap, which no typed
    character does; a non-letter glyph of an Arabic-script line stacked like that between
    two Arabic letters names the font's kashida (font, text and width), and every other
    glyph with that signature between two Arabic letters is one too.
    """
    found = set()
    for row in rows:
        for k, char in enumerate(row):
            if _ARABIC_LETTER.match(char["text"]) or not _stacked(row, k):
                continue
            before = next((c for c in reversed(row[:k]) if c["text"] != char["text"]), None)
            after = next((c for c in row[k + 1:] if c["text"] != char["text"]), None)
            if _between_arabic_letters(before, after):
                found.add(_glyph_signature(char))
    return found


def _without_stacked_copies(row: list[dict]) -> list[dict]:
    """A glyph drawn again over itself (fake bold, or a kashida a font maps to a letter and
    stretches by overlapping copies) is one character."""
    kept: list[dict] = []
    for char in row:
        width = char["x1"] - char["x0"]
        if (kept and width > 0.05 and kept[-1]["text"] == char["text"] and char["text"].strip()
                and kept[-1]["fontname"] == char["fontname"] and abs(kept[-1]["x0"] - char["x0"]) < 0.5 * width):
            continue
        kept.append(char)
    return kept


def _drop_kashidas(row: list[dict], signatures: set) -> list[dict]:
    """The row without glyphs of a kashida signature set between Arabic letters."""
    kept = []
    for k, char in enumerate(row):
        signature = _glyph_signature(char)
        if signature in signatures:
            before = next((c for c in reversed(row[:k]) if _glyph_signature(c) != signature), None)
            after = next((c for c in row[k + 1:] if _glyph_signature(c) != signature), None)
            if _between_arabic_letters(before, after) and after["x0"] - before["x1"] < 1.5 * max(char["size"], 1):
                continue
        kept.append(char)
    return kept


# Full-width closing punctuation draws its mark in the left part of a full em box, and
# LibreOffice hangs it past the end of a full line: the box reaches into the gap between
# two columns while nothing visible does, so for columns it counts as ending where it starts.
_CLOSING_FULL_WIDTH = frozenset("\u3001\u3002\uff0c\uff0e\uff1a\uff1b\uff01\uff1f"
                                "\u300d\u300f\uff09\u3015\u3011\u3009\u300b")


def _right_edge(char: dict) -> float:
    if char["text"] in _CLOSING_FULL_WIDTH:
        return min(char["x1"], char["x0"] + 0.1)
    return char["x1"]


# Text of one size and text this much larger or smaller on one baseline, a gap wider than
# a word space (half an em of the smaller) between them: two columns, not one line (set
# 7's bug1997343, where a left column's line of 10 pt shares its baseline with the right
# column's 14 pt heading across a gutter of 0.66 em of the text).
SIZE_STEP = 1.25


def _size_step(before: float, after: float, gap: float) -> bool:
    small, large = min(before, after), max(before, after)
    return large >= SIZE_STEP * small and gap > 0.5 * small


# A gap no wider than this many of its row's word spaces is one more of them: a line
# of a typewriter face justified by stretching its spaces past a gutter's width (test_4503's
# bill, spaces of one em and more), not two columns.
STRETCHED_SPACE = 1.25
# Word spaces a row needs before its usual one is told (fewer: a heading in each column).
_WORD_SPACES = 4
# A line's spaces are stretched alike: the widest at most this many times the narrowest.
_EVEN_SPACES = 1.3


def _word_space(row: list[dict]) -> float:
    """The space between the row's words where the row is a line of words set with one
    space, stretched or not, between every two of them; 0 otherwise. A row of too few words
    cannot tell; the cells of a table row stand apart by gaps of all widths, or hold figures
    rather than words; glyphs scattered over a turned page are lone letters."""
    ink = [c for c in row if c["text"] not in _BLANKS]
    gaps = [b["x0"] - _right_edge(a) for a, b in zip(ink, ink[1:])]
    words = [g for g, c in zip(gaps, ink[1:]) if g > 0.15 * max(c["size"], 1)]
    if len(words) < _WORD_SPACES or len(ink) < 2 * (len(words) + 1):
        return 0.0
    if max(words) > _EVEN_SPACES * min(words) or sum(c["text"].isalpha() for c in ink) < 0.6 * len(ink):
        return 0.0
    return median(words)


def _segments(row: list[dict], index: int) -> list[Segment]:
    """A row cut where the gap between two glyphs could be a gutter (MIN_GUTTER_EMS): two
    columns whose lines share a baseline become two segments."""
    pieces: list[list[dict]] = [[row[0]]]
    end, drawn_end = _right_edge(row[0]), row[0]["x1"]
    last_size = max(row[0]["size"], 1)
    spaced = _word_space(row)
    for char in row[1:]:
        # the gap counts without full-width punctuation hung past a line's end, but the
        # punctuation's box must leave some of it: inside a line of Chinese the box of 。
        # fills its cell, and the next character starts where it ends
        size = max(char["size"], 1)
        if char["text"] not in _BLANKS and char["x0"] - drawn_end > 0.3 * size and (
                (char["x0"] - end > MIN_GUTTER_EMS * size and char["x0"] - end > STRETCHED_SPACE * spaced)
                or _size_step(last_size, size, char["x0"] - end)):
            pieces.append([])
        pieces[-1].append(char)
        if char["text"] not in _BLANKS:
            last_size = size
        # a blank is no ink: the space a justified line ends with reaches into the gutter
        # (the Federal Register's gutters are one em wide, its blanks a third of one); the
        # gap must still clear the blank (a Persian space glyph spans a wide word space)
        if char["text"] not in _BLANKS:
            end = max(end, _right_edge(char))
        drawn_end = max(drawn_end, char["x1"])
    segments = []
    for chars in pieces:
        visible = [c for c in chars if c["text"] not in _BLANKS] or chars
        rtl_letters = sum(bool(_ARABIC_SCRIPT.match(c["text"][:1])) for c in visible)
        segments.append(Segment(
            x0=min(c["x0"] for c in visible), top=min(c["top"] for c in visible),
            x1=max(_right_edge(c) for c in visible), bottom=max(c["bottom"] for c in visible),
            chars=chars, row=index, size=median(c["size"] for c in visible),
            rtl=rtl_letters > len(visible) / 2,
        ))
    return segments


# Fonts of symbols: a bullet drawn from one is mapped to whatever code its font put it
# at ("!" in WordPerfect's typographic symbols, "l" or "§" in Wingdings).
_SYMBOL_FONT = re.compile(r"(?i)symbol|dingbat|wingding|webding")
_DINGBAT_FONT = re.compile(r"(?i)dingbat|wingding|webding")
BULLET = "\u2022"


def _symbol_bullet(chars: list[dict], line_size: float) -> list[dict]:
    """The line's first glyph as a bullet when a symbol font draws it set apart from the
    text after it (a blank or a gap follows): a list item's marker, whatever its code.
    Letters of a symbol font (Greek in Symbol) stay letters; a dingbat font has none."""
    visible = [k for k, c in enumerate(chars) if c["text"].strip()]
    if len(visible) < 2 or not chars or is_rtl_line("".join(c["text"] for c in chars)):
        return chars
    first, after = chars[visible[0]], chars[visible[1]]
    if not _SYMBOL_FONT.search(first["fontname"]) or first["text"] == BULLET:
        return chars
    if first["text"].isalnum() and not _DINGBAT_FONT.search(first["fontname"]):
        return chars
    if _SYMBOL_FONT.search(after["fontname"]):
        return chars  # a run of symbols, not a marker before text
    apart = visible[1] > visible[0] + 1 or after["x0"] - first["x1"] > 0.2 * line_size
    if not apart:
        return chars
    return chars[:visible[0]] + [{**first, "text": BULLET}] + chars[visible[0] + 1:]


# Where a line's letters abut (TeX and others move the pen between words instead of
# drawing a space, and a tight justified line leaves a fifth of an em or less), a gap of
# this share of the font size between two glyphs is a word space.
_TIGHT_WORD_GAP = 0.12


def _set_tight(chars: list[dict], line_size: float) -> bool:
    """Most glyphs of the line start where the one before ends (within 3 % of an em): its
    letters are set without added spacing, so any clear gap is between words."""
    glyphs = [c for c in chars if c["text"].strip() and not _CJK.match(c["text"][:1])]
    gaps = [b["x0"] - a["x1"] for a, b in zip(glyphs, glyphs[1:])]
    if len(gaps) < 8:
        return False
    return sum(abs(g) <= 0.03 * line_size for g in gaps) >= 0.6 * len(gaps)


def _latin_word_space(blank: dict, previous: dict | None, following: dict) -> bool:
    """A blank with an advance of its own (a fifth of its size at least) between two glyphs
    of Latin text: a space, though the word after it is drawn over it. An OCR text layer under a
    scan places each word where the scan has it, and the space glyph ending the word before
    runs into it (pymupdf's test_3357, set 5: "correspondante a", not "correspondantea").
    A ZWNJ mapped to the space glyph takes no room; it sits between Arabic letters."""
    size = blank["size"] or 1.0
    return (previous is not None and blank["x1"] - blank["x0"] >= 0.2 * size
            and blank["x0"] >= previous["x1"] - 0.08 * size  # not drawn inside the word before
            and _latin_side(previous["text"][-1:]) and _latin_side(following["text"][:1]))


def _latin_side(char: str) -> bool:
    """A letter, digit or mark of a Latin text: visible, not Arabic script, not CJK."""
    return bool(char.strip()) and char not in _BLANKS and not _ARABIC_SCRIPT.match(char) and not _CJK.match(char)


def _zero_advance_blanks(chars: list[dict], line_size: float) -> set[int]:
    """Indices of the blanks that take no room on the page: a ZWNJ, whatever glyph the
    producer mapped it to (XeTeX's Persian fonts map their ZWNJ glyph to a space)."""
    zero: set[int] = set()
    previous = None
    for index, char in enumerate(chars):
        text = char["text"]
        if _UNMAPPED_GLYPH.match(text):
            continue
        if text not in _BLANKS:
            previous = char
            continue
        following = next((c for c in chars[index + 1:] if c["text"] not in _BLANKS), None)
        # the blank's own size: a small caption run ("Chapter 1.") on the baseline
        # of a large heading advances by a small space that is still a space
        own = 0.08 * (char["size"] or line_size)
        if following is not None and (
                (following["x0"] - char["x0"] < own and not _latin_word_space(char, previous, following))
                # a blank drawn inside the glyph before it, whose neighbours touch, takes
                # no room on the page (InDesign writes one after an "fi" ligature glyph)
                or (previous is not None and char["x0"] < previous["x1"] - own
                    and abs(following["x0"] - previous["x1"]) < own)):
            # it takes no room, so the glyph before stays the neighbour of the next
            # (a copy of the blank drawn over it is judged against that glyph too)
            zero.add(index)
        else:
            previous = None
    return zero


def _visual_text(chars: list[dict], line_size: float) -> tuple[str, int]:
    """Glyph texts left to right, with a space where the PDF has one or leaves a wide gap.

    Producers map the ZWNJ glyph to a space or the space glyph to ZWNJ (one glyph, one
    ToUnicode entry), so a blank is told by its advance: a ZWNJ has none, and the glyph
    after it starts where it does.
    """
    zero_advance = _zero_advance_blanks(chars, line_size)
    # Without space glyphs words are told apart by gaps; with them, only a gap as wide as a
    # font size means a missing space (glyphs dropped for kashida leave smaller ones). A
    # blank without advance is a ZWNJ, not a space glyph: XeTeX draws a Persian line's ZWNJs
    # and leaves its word spaces as gaps of a third of an em (set 11's XePersian report).
    has_blanks = any(c["text"] in _BLANKS and i not in zero_advance for i, c in enumerate(chars))
    space_gap = (0.8 if has_blanks else 0.2) * line_size
    word_gap = (_TIGHT_WORD_GAP if _set_tight(chars, line_size) else 0.2) * line_size
    parts: list[str] = []
    unmapped = 0
    previous = None
    for index, char in enumerate(chars):
        text = char["text"]
        if _UNMAPPED_GLYPH.match(text):
            unmapped += 1
            continue
        if text in _BLANKS:
            if index in zero_advance:
                following = next(c for c in chars[index + 1:] if c["text"] not in _BLANKS)
                if (parts and _ARABIC_LETTER.match(parts[-1][-1:])
                        and _ARABIC_LETTER.match(following["text"][:1])):
                    parts.append(ZWNJ)
                continue
            if parts and parts[-1] not in (" ", ZWNJ):
                parts.append(" ")
            previous = None
            continue
        # beside Arabic letters only a wide gap (dropped kashida glyphs leave narrower
        # ones); elsewhere a fifth of a font size (a space is a quarter to a third of one)
        arabic = _ARABIC_LETTER.match(text[:1]) or (previous is not None and _ARABIC_LETTER.match(previous["text"][-1:]))
        gap = space_gap if arabic else min(space_gap, word_gap)
        if (previous is not None and char["x0"] - previous["x1"] > gap
                and parts[-1] not in (" ", ZWNJ)):
            # no space from a gap next to CJK: LibreOffice sets a gap between Chinese and
            # Latin or digits ("對 24 位") that was never typed; typed spaces are glyphs
            if not (_CJK.match(previous["text"][-1:]) or _CJK.match(text[:1])):
                parts.append(" ")
        if text in SIMPLIFIED_FONT_RADICALS and _SIMPLIFIED_CJK_FONT.search(char["fontname"]):
            text = SIMPLIFIED_FONT_RADICALS[text]
        if len(text) > 1 and not text.isascii():
            # a ligature glyph mapped to several letters lists them in typed order; the
            # rest of the string is in drawn order, so flip it to match
            text = text[::-1] if is_rtl_line(text) else text
        parts.append(text)
        previous = char
    return "".join(parts).strip(), unmapped


def _drop_footnote_marks(chars: list[dict], size: float, baseline: float) -> list[dict]:
    """Raised small digits or daggers inside a line are references to footnotes. A raised
    run that holds anything else ("1403/09/19" set smaller and higher than a label beside
    it in a form) is text, whatever its size."""

    def raised(c: dict) -> bool:
        return c["text"].strip() != "" and c["size"] < 0.9 * size and baseline - c["_baseline"] > 0.15 * size

    marks: set[int] = set()
    k = 0
    while k < len(chars):
        if not raised(chars[k]):
            k += 1
            continue
        end = k
        while end + 1 < len(chars) and raised(chars[end + 1]):
            end += 1
        run = chars[k:end + 1]
        # a numerator before a fraction slash (¹⁄₄ set as 1⁄4) is no footnote mark
        numerator = end + 1 < len(chars) and chars[end + 1]["text"] == "\u2044"
        if all(_FOOTNOTE_MARK.match(c["text"]) or c["text"] in ",\u2013-" for c in run) \
                and any(_FOOTNOTE_MARK.match(c["text"]) for c in run) and not numerator \
                and _attached_to_word(chars, k, end, size):
            marks.update(range(k, end + 1))
        k = end + 1
    return [c for k, c in enumerate(chars) if k not in marks]


def _attached_to_word(chars: list[dict], first: int, last: int, size: float) -> bool:
    """A footnote mark sits against the word it refers to; a number set apart from
    everything beside it (a form's value, smaller than its label) is no mark."""
    before = chars[first - 1] if first > 0 else None
    after = chars[last + 1] if last + 1 < len(chars) else None
    return any(c is not None and c["text"].strip() != "" and gap < 0.5 * size
               for c, gap in ((before, chars[first]["x0"] - before["x1"] if before else 0.0),
                              (after, after["x0"] - chars[last]["x1"] if after else 0.0)))


def _fixed_width(glyphs: list[dict]) -> bool:
    """Latin text whose glyphs all have one width (i as wide as m): a fixed-width font, as
    code is set in. Told by the widths, not the font's name; Chinese, whose characters are
    all one width in any font, is left out."""
    if sum(c["text"].isascii() and c["text"].isalpha() for c in glyphs) < 6 or any(_CJK.match(c["text"]) for c in glyphs):
        return False
    widths = [c["x1"] - c["x0"] for c in glyphs if c.get("upright", True)]
    middle = median(widths) if widths else 0.0
    return middle > 0 and all(abs(w - middle) <= 0.02 * middle for w in widths)


def _line(chars: list[dict], column: int, band: int, shaped: bool) -> tuple[Line, int] | None:
    sizes = [c["size"] for c in chars if c["text"].strip()]
    if not sizes:
        return None
    # small capitals (a run-in "FOR FURTHER INFORMATION CONTACT:") are capitals set smaller
    # than the line's lower-case letters: the line's size is that of its lower case
    lower = [c["size"] for c in chars if c["text"].isalpha() and c["text"].islower()]
    size = median(lower) if len(lower) >= 2 and median(lower) > median(sizes) else median(sizes)
    baseline = median(c["_baseline"] for c in chars if c["size"] >= 0.8 * size)
    if len(chars) > 1:
        chars = _drop_footnote_marks(chars, size, baseline)
    visual, unmapped = _visual_text(_symbol_bullet(chars, size), size)
    if not visual:
        return None
    text = logical_line(visual, shaped)
    visible = [c for c in chars if c["text"].strip()]
    bold_share = sum("bold" in c["fontname"].lower() for c in visible) / max(len(visible), 1)
    bold = sum("bold" in c["fontname"].lower() for c in chars) > 0.6 * len(chars)
    mono = _fixed_width(visible)
    return Line(
        text=text, visual=visual, shaped=shaped, x0=min(c["x0"] for c in chars), top=min(c["top"] for c in chars),
        x1=max(c["x1"] for c in chars), bottom=max(c["bottom"] for c in chars),
        baseline=baseline, size=size, bold=bold, bold_share=bold_share, mono=mono, rtl=is_rtl_line(text), column=column,
        band=band,
    ), unmapped


# A letter this many times the page's text size, with lines of text at two baselines or
# more just right of it within its height, is a drop cap: the first letter of the
# paragraph whose first line is the top one of them (Scientific Reports' three-line "S",
# pymupdf's test_3780, set 5). Two: a drop cap spans two lines at least.
DROP_CAP_SIZE = 2.0


def _drop_caps(chars: list[dict], size: float, page_height: float) -> list[dict]:
    """The page's glyphs with each drop cap set as the first letter of its paragraph's
    first line, at that line's size (it would otherwise join the row of its baseline, the
    last line it spans, and read there)."""
    out = []
    for cap in chars:
        if not (cap["size"] >= DROP_CAP_SIZE * size and cap["text"].isalpha() and cap.get("upright", True)):
            out.append(cap)
            continue
        beside = [c for c in chars if c["size"] < 1.5 * size and c["text"].strip() and c.get("upright", True)
                  and cap["x1"] - 0.5 <= c["x0"] <= cap["x1"] + 1.5 * size
                  and cap["top"] <= _baseline(c, page_height) <= _baseline(cap, page_height) + 0.5 * size]
        baselines = sorted({round(_baseline(c, page_height)) for c in beside})
        if len(baselines) < 2 or baselines[-1] - baselines[0] < size:
            out.append(cap)
            continue
        top = min(_baseline(c, page_height) for c in beside)
        first = min((c for c in beside if _baseline(c, page_height) - top < 0.5 * size), key=lambda c: c["x0"])
        width = (cap["x1"] - cap["x0"]) * first["size"] / cap["size"]
        letter = dict(first, text=cap["text"], x0=first["x0"] - width, x1=first["x0"] - 0.01, width=width)
        if letter.get("matrix"):
            letter["matrix"] = (*first["matrix"][:4], letter["x0"], first["matrix"][5])
        out.append(letter)
    return out


def page_lines(chars: list[dict], page_width: float, page_height: float,
               y_tolerance: float, figures: list[Box] = (), tables: list[Table] = ()) -> PageLines:
    """Lines of one page in reading order (see reading_order); figures are the boxes of
    the page's images and drawings. Each table is one line of its own (Line.table) at its
    place in the reading order, its text read cell by cell."""
    chars = [c for c in chars if c["text"] and c["text"] not in "\n\r"]
    if not chars:
        return PageLines([], 0, 1)
    page_text = "".join(c["text"] for c in chars)
    shaped = shaped_glyphs(page_text)
    size = median(c["size"] for c in chars if c["text"].strip()) if any(c["text"].strip() for c in chars) else 10.0
    chars = _drop_caps(chars, size, page_height)
    in_tables: list[list[dict]] = [[] for _ in tables]
    flowing = []
    for char in chars:
        k = next((k for k, table in enumerate(tables) if in_table(char, table)), None)
        if k is None:
            flowing.append(char)
        else:
            in_tables[k].append(char)
    # text set on its side takes no part in rows and columns (its glyphs stand one to a
    # row): a margin's slug or an archive stamp, read apart; unless most of the page is so
    turned = [c for c in flowing if not c.get("upright", True) and c["text"].strip()]
    if turned and len(turned) < 0.2 * len(chars):
        flowing = [c for c in flowing if c.get("upright", True)]
    else:
        turned = []
    # an icon's text (a large "!" over "CAUTION" in a warning triangle) is its label, read
    # apart: set beside the text's lines, it would otherwise open them
    icons = [f for f in figures if f.icon]
    labels = [c for c in flowing if any(centred_in(c, f) for f in icons)]
    if labels:
        flowing = [c for c in flowing if not any(centred_in(c, f) for f in icons)]
    rows = _rows(flowing, page_height, y_tolerance)
    signatures = kashida_signatures(rows) if _ARABIC_LETTER.search(page_text) else set()
    if signatures:
        rows = [_drop_kashidas(row, signatures) for row in rows]
    rows = [_without_stacked_copies(row) for row in rows]
    segments = [segment for index, row in enumerate(rows) if row for segment in _segments(row, index)]
    for k, table in enumerate(tables):
        if any(c["text"].strip() for c in in_tables[k]):
            b = table.box
            segments.append(Segment(x0=b.x0, top=b.top, x1=b.x1, bottom=b.bottom, row=len(rows) + k,
                                    size=size, rtl=_mostly_arabic(in_tables[k]), table=k))
    lines, unmapped = [], 0
    leaves = reading_order(segments, list(figures), size)
    for index, leaf in enumerate(leaves):
        by_row: dict[int, list[Segment]] = {}
        for segment in leaf.segments:
            by_row.setdefault(segment.row, []).append(segment)
        ordered = sorted(by_row, key=lambda r: min(s.top for s in by_row[r]))
        # tables without rules, found in the rows of text between the ruled ones
        unruled: dict[int, tuple[int, Table]] = {}
        text_rows = [r for r in ordered if by_row[r][0].table < 0]
        for first, last, table in aligned_tables([sorted(by_row[r], key=lambda s: s.x0) for r in text_rows], size):
            unruled[text_rows[first]] = (text_rows[last], table)
        skip_until = None
        for row in ordered:
            if skip_until is not None:
                if row == skip_until:
                    skip_until = None
                continue
            pieces = sorted(by_row[row], key=lambda s: s.x0)
            if row in unruled:
                last, table = unruled[row]
                run = ordered[ordered.index(row):ordered.index(last) + 1]
                chars_of_run = [c for r in run for s in by_row[r] for c in s.chars]
                made = _table_line(table, chars_of_run, _mostly_arabic(chars_of_run),
                                   1 if leaf.columned else 0, index, shaped, page_height, y_tolerance)
                skip_until = last if last != row else None
            elif pieces[0].table >= 0:
                made = _table_line(tables[pieces[0].table], in_tables[pieces[0].table], pieces[0].rtl,
                                   1 if leaf.columned else 0, index, shaped, page_height, y_tolerance)
            else:
                made = _line([c for s in pieces for c in s.chars], 1 if leaf.columned else 0, index, shaped)
            if made is None:
                continue
            line, dropped = made
            line.figure = not line.table and all(s.figure for s in pieces)
            unmapped += dropped
            lines.append(line)
    _settle_mixed_directions(lines)
    lines += _turned_apart(turned, list(figures), shaped, len(leaves))
    lines += _icon_labels(labels, icons, shaped, len(leaves), page_height, y_tolerance)
    return PageLines(lines, unmapped, 1 + sum(leaf.columned for leaf in leaves))


def _icon_labels(chars: list[dict], icons: list[Box], shaped: bool, band: int, page_height: float,
                 y_tolerance: float) -> list[Line]:
    """One label line per icon, its rows' text top to bottom ("! CAUTION")."""
    lines = []
    for icon in icons:
        glyphs = [c for c in chars if centred_in(c, icon)]
        if not glyphs:
            continue
        rows = _rows(glyphs, page_height, y_tolerance)
        text = " ".join(t for t in ("".join(c["text"] for c in row).strip() for row in rows) if t)
        lines.append(Line(text=text, visual=text, shaped=shaped, x0=icon.x0, top=icon.top, x1=icon.x1,
                          bottom=icon.bottom, baseline=icon.bottom, size=median(c["size"] for c in glyphs),
                          bold=False, rtl=False, column=0, band=band, figure=True))
    return lines


def _turned_apart(chars: list[dict], figures: list[Box], shaped: bool, band: int) -> list[Line]:
    """Lines of text set on its side, after the page's other lines (a figure's labels when
    inside a figure)."""
    lines = []
    for glyphs in _glyph_columns(chars):
        text = " ".join(_turned_lines(glyphs))
        if not text:
            continue
        x0, top = min(c["x0"] for c in glyphs), min(c["top"] for c in glyphs)
        x1, bottom = max(c["x1"] for c in glyphs), max(c["bottom"] for c in glyphs)
        cx, cy = (x0 + x1) / 2, (top + bottom) / 2
        inside = any(f.x0 <= cx <= f.x1 and f.top <= cy <= f.bottom for f in figures)
        lines.append(Line(text=text, visual=text, shaped=shaped, x0=x0, top=top, x1=x1, bottom=bottom,
                          baseline=bottom, size=median(c["size"] for c in glyphs), bold=False, rtl=False,
                          column=0, band=band, figure=inside, turned=True))
    return lines


def _glyph_columns(chars: list[dict]) -> list[list[dict]]:
    """Glyphs of text set on its side, grouped by their x, left to right: one turned line each."""
    columns: dict[int, list[dict]] = {}
    for char in chars:
        columns.setdefault(round(char["x0"]), []).append(char)
    return [columns[key] for key in sorted(columns)]


def _turned_lines(chars: list[dict]) -> list[str]:
    """Text set on its side (a narrow column's header): glyphs of one line share an x, and
    run up the page or down it as the text matrix says. (pdfplumber's size of a turned
    glyph is its advance; the matrix holds the font size.)"""
    lines = []
    for glyphs in _glyph_columns(chars):
        a, b = glyphs[0].get("matrix", (0.0, 1.0))[:2]
        upward, size = b > 0, max(math.hypot(a, b), 1.0)
        glyphs.sort(key=lambda c: -c["bottom"] if upward else c["top"])
        text, end = "", None
        for c in glyphs:
            start = c["bottom"] if upward else c["top"]
            if end is not None and abs(start - end) > 0.25 * size and not text.endswith(" "):
                text += " "
            text += c["text"]
            end = c["top"] if upward else c["bottom"]
        lines.append(text.strip())
    return [line for line in lines if line]


def _mostly_arabic(chars: list[dict]) -> bool:
    letters = [c for c in chars if c["text"].strip()]
    return sum(bool(_ARABIC_SCRIPT.match(c["text"][:1])) for c in letters) > len(letters) / 2


def _table_line(table: Table, chars: list[dict], rtl: bool, column: int, band: int, shaped: bool,
                page_height: float, y_tolerance: float) -> tuple[Line, int] | None:
    """The table as one line: each cell's glyphs read into lines as the page's are, the
    cells' texts joined by tables.table_text."""
    by_cell: dict[tuple[int, int], list[dict]] = {}
    for char in chars:
        cell = cell_of(char, table)
        by_cell.setdefault((cell.row, cell.column), []).append(char)
    texts: dict[tuple[int, int], list[str]] = {}
    unmapped = 0
    for key, cell_chars in by_cell.items():
        turned = [c for c in cell_chars if not c.get("upright", True)]
        if len(turned) > len(cell_chars) / 2:
            texts[key] = _turned_lines(turned)
            continue
        for row in _rows(cell_chars, page_height, y_tolerance):
            made = _line(_without_stacked_copies(row), column, band, shaped)
            if made is not None:
                texts.setdefault(key, []).append(made[0].text)
                unmapped += made[1]
    text = table_text(table, texts, rtl)
    if not text:
        return None
    sizes = [c["size"] for c in chars if c["text"].strip()]
    b = table.box
    return Line(text=text, visual=text, shaped=shaped, x0=b.x0, top=b.top, x1=b.x1, bottom=b.bottom,
                baseline=b.bottom, size=median(sizes), bold=False, rtl=rtl, column=column, band=band,
                table=True), unmapped


def _settle_mixed_directions(lines: list[Line]) -> None:
    """A line with letters of both directions sits in its column as its neighbours do.

    Counting its letters would favour English, whose words are longer than Persian ones,
    and where a line ends (its free width, its indent) is judged by its direction. The
    nearest line above in the same column with letters of one direction only decides,
    else the nearest below; with neither the letter count stands.
    """
    pure = [None if l.table or (has_rtl(l.text) and _LTR_LETTER.search(l.text)) else l.rtl for l in lines]
    for k, line in enumerate(lines):
        if pure[k] is not None or line.table:
            continue
        same = [j for j in range(len(lines)) if pure[j] is not None
                and (lines[j].band, lines[j].column) == (line.band, line.column)]
        above = [j for j in same if j < k]
        below = [j for j in same if j > k]
        if above or below:
            line.rtl = pure[above[-1]] if above else pure[below[0]]
