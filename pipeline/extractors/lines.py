"""Group a page's characters into text lines in reading order.

One pass over pdfplumber's chars: sort by baseline, cut rows where the baseline jumps,
split rows at the column gutter, and read each line's glyphs left to right into a visual
string that logical_order turns into typed order. Grouping by baseline (from the text
matrix) rather than by glyph boxes keeps a Latin word in another font, whose box is
shorter than the Persian font's, on its Persian line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from statistics import median

import numpy as np

from pipeline.extractors.cjk_radicals import SIMPLIFIED_FONT_RADICALS
from pipeline.extractors.logical_order import ZWNJ, has_rtl, is_rtl_line, logical_line, shaped_glyphs

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
    column: int  # 0 spanning or single column, 1 and 2 the columns in reading order
    band: int  # index of the stretch of page between spanning lines


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


def _rows(chars: list[dict], page_height: float, y_tolerance: float) -> list[list[dict]]:
    keyed = sorted(((_baseline(c, page_height), c["x0"], i) for i, c in enumerate(chars)))
    rows: list[list[dict]] = []
    row: list[dict] = []
    last = None
    for baseline, _, index in keyed:
        char = chars[index]
        tolerance = min(y_tolerance, 0.5 * char["size"]) if char["size"] else y_tolerance
        if last is not None and baseline - last > tolerance:
            rows.append(row)
            row = []
        char["_baseline"] = baseline
        char["_index"] = index
        row.append(char)
        last = baseline
    if row:
        rows.append(row)
    for row in rows:
        _sort_drawn(row)
    return rows


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


def _phrases(row: list[dict]) -> list[tuple[float, float]]:
    """Horizontal stretches of a row with no gap wider than one and a half font sizes."""
    spans, start, end = [], row[0]["x0"], _right_edge(row[0])
    for char in row[1:]:
        if char["x0"] - end > 1.5 * max(char["size"], 1):
            spans.append((start, end))
            start = char["x0"]
        end = max(end, _right_edge(char))
    spans.append((start, end))
    return spans


def find_gutter(rows: list[list[dict]], page_width: float) -> tuple[float, float] | None:
    """The empty vertical strip between two columns, from how many rows cover each x.

    Titles and abstracts set across the page cross the gutter, so some coverage is allowed;
    what single-column pages lack is many rows with text on both sides of one wide gap.
    """
    if len(rows) < 6:
        return None
    width = int(page_width) + 2
    phrases = [_phrases(row) for row in rows if row]
    cover = np.zeros(width + 1, dtype=np.int32)
    for spans in phrases:
        for x0, x1 in spans:
            cover[min(max(int(x0), 0), width)] += 1
            cover[min(max(int(x1) + 1, 0), width)] -= 1
    cover = np.cumsum(cover)[:width]
    lo, hi = int(0.3 * page_width), int(0.7 * page_width)
    lowest = int(cover[lo:hi].min())
    if lowest > 0.35 * len(phrases):
        return None
    best, x = None, lo
    while x < hi:
        if cover[x] <= lowest:
            start = x
            while x < hi and cover[x] <= lowest:
                x += 1
            if best is None or x - start > best[1] - best[0]:
                best = (start, x)
        x += 1
    if best is None or best[1] - best[0] < 6:
        return None
    gutter = (float(best[0]), float(best[1]))
    two_sided = sum(
        1 for spans in phrases
        if any(x1 <= gutter[0] + 1 for _, x1 in spans) and any(x0 >= gutter[1] - 1 for x0, _ in spans)
    )
    if two_sided >= max(3, 0.2 * len(phrases)):
        return gutter
    return gutter if _columns_side_by_side(rows, phrases, gutter) else None


def _columns_side_by_side(rows: list[list[dict]], phrases: list[list[tuple[float, float]]],
                          gutter: tuple[float, float]) -> bool:
    """Two columns whose lengths differ (the last page of an article, a short second
    column), or whose baselines do not line up (a heading in one column shifts the lines
    below it), have few rows with text on both sides. They are still columns when, over
    the stretch of page both sides share, no row crosses the gap and the text on each side
    keeps a straight edge along it (several lines end, or start, at one x)."""
    lefts, rights = [], []
    for row, spans in zip((r for r in rows if r), phrases):
        level = row[0]["_baseline"]
        if any(x0 < gutter[1] - 1 and x1 > gutter[0] + 1 for x0, x1 in spans):
            lefts.append((level, None))  # crossing: marks the row without an edge
            rights.append((level, None))
            continue
        left = [x1 for _, x1 in spans if x1 <= gutter[0] + 1]
        right = [x0 for x0, _ in spans if x0 >= gutter[1] - 1]
        if left:
            lefts.append((level, max(left)))
        if right:
            rights.append((level, min(right)))
    left_levels = [y for y, x in lefts if x is not None]
    right_levels = [y for y, x in rights if x is not None]
    if len(left_levels) < 3 or len(right_levels) < 3:
        return False
    top = max(min(left_levels), min(right_levels))
    bottom = min(max(left_levels), max(right_levels))
    shared_left = [x for y, x in lefts if top <= y <= bottom]
    shared_right = [x for y, x in rights if top <= y <= bottom]
    if None in shared_left or None in shared_right or bottom <= top:
        return False
    left_edge = max(x for _, x in lefts if x is not None)
    right_edge = min(x for _, x in rights if x is not None)
    return (sum(abs(x - left_edge) < 1.0 for x in shared_left) >= _STRAIGHT_EDGE_LINES
            and sum(abs(x - right_edge) < 1.0 for x in shared_right) >= _STRAIGHT_EDGE_LINES)


_STRAIGHT_EDGE_LINES = 4


def _visual_text(chars: list[dict], line_size: float) -> tuple[str, int]:
    """Glyph texts left to right, with a space where the PDF has one or leaves a wide gap.

    Producers map the ZWNJ glyph to a space or the space glyph to ZWNJ (one glyph, one
    ToUnicode entry), so a blank is told by its advance: a ZWNJ has none, and the glyph
    after it starts where it does.
    """
    has_blanks = any(c["text"] in _BLANKS for c in chars)
    # Without space glyphs words are told apart by gaps; with them, only a gap as wide as a
    # font size means a missing space (glyphs dropped for kashida leave smaller ones).
    space_gap = (0.8 if has_blanks else 0.2) * line_size
    parts: list[str] = []
    unmapped = 0
    previous = None
    for index, char in enumerate(chars):
        text = char["text"]
        if _UNMAPPED_GLYPH.match(text):
            unmapped += 1
            continue
        if text in _BLANKS:
            following = next((c for c in chars[index + 1:] if c["text"] not in _BLANKS), None)
            zero_advance = following is not None and (
                following["x0"] - char["x0"] < 0.08 * line_size)
            if zero_advance:
                if (parts and _ARABIC_LETTER.match(parts[-1][-1:])
                        and _ARABIC_LETTER.match(following["text"][:1])):
                    parts.append(ZWNJ)
            elif parts and parts[-1] not in (" ", ZWNJ):
                parts.append(" ")
            previous = None
            continue
        if (previous is not None and char["x0"] - previous["x1"] > space_gap
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
    """Raised small digits or daggers inside a line are references to footnotes."""
    return [
        c for c in chars
        if not (c["size"] < 0.9 * size and baseline - c["_baseline"] > 0.15 * size
                and _FOOTNOTE_MARK.match(c["text"]))
    ]


def _line(chars: list[dict], column: int, band: int, shaped: bool) -> tuple[Line, int] | None:
    sizes = [c["size"] for c in chars if c["text"].strip()]
    if not sizes:
        return None
    size = median(sizes)
    baseline = median(c["_baseline"] for c in chars if c["size"] >= 0.8 * size)
    if len(chars) > 1:
        chars = _drop_footnote_marks(chars, size, baseline)
    visual, unmapped = _visual_text(chars, size)
    if not visual:
        return None
    text = logical_line(visual, shaped)
    bold = sum("bold" in c["fontname"].lower() for c in chars) > 0.6 * len(chars)
    return Line(
        text=text, visual=visual, shaped=shaped, x0=min(c["x0"] for c in chars), top=min(c["top"] for c in chars),
        x1=max(c["x1"] for c in chars), bottom=max(c["bottom"] for c in chars),
        baseline=baseline, size=size, bold=bold, rtl=is_rtl_line(text), column=column,
        band=band,
    ), unmapped


def page_lines(chars: list[dict], page_width: float, page_height: float,
               y_tolerance: float) -> PageLines:
    """Lines of one page in reading order: spanning lines and columns band by band."""
    chars = [c for c in chars if c["text"] and c["text"] not in "\n\r"]
    if not chars:
        return PageLines([], 0, 1)
    page_text = "".join(c["text"] for c in chars)
    shaped = shaped_glyphs(page_text)
    rows = _rows(chars, page_height, y_tolerance)
    signatures = kashida_signatures(rows) if _ARABIC_LETTER.search(page_text) else set()
    if signatures:
        rows = [_drop_kashidas(row, signatures) for row in rows]
    gutter = find_gutter(rows, page_width)
    pieces: list[tuple[list[dict], int]] = []  # (chars, column) in top-to-bottom order
    for row in rows:
        if gutter is None:
            pieces.append((row, 0))
            continue
        middle = (gutter[0] + gutter[1]) / 2
        crossing = any(c["x0"] < gutter[1] - 1 and _right_edge(c) > gutter[0] + 1 for c in row)
        if crossing:
            pieces.append((row, 0))
            continue
        left = [c for c in row if _right_edge(c) <= middle]
        right = [c for c in row if c["x0"] >= middle]
        pieces += [(part, side) for part, side in ((left, 1), (right, 2)) if part]
    lines, unmapped = [], 0
    band = 0
    pending: list[Line] = []  # column lines of the current band
    for chars_of_line, column in pieces:
        made = _line(chars_of_line, column, band, shaped)
        if made is None:
            continue
        line, dropped = made
        unmapped += dropped
        if column == 0 and gutter is not None:
            if pending:  # columns above end here; spanning lines in a row share one band
                lines += _columns_in_order(pending)
                pending = []
                band += 1
            line.band = band
            lines.append(line)
        elif column:
            if lines and lines[-1].column == 0 and lines[-1].band == band and not pending:
                band += 1
            line.band = band
            pending.append(line)
        else:
            lines.append(line)
    lines += _columns_in_order(pending)
    _settle_mixed_directions(lines)
    return PageLines(lines, unmapped, 2 if gutter else 1)


def _settle_mixed_directions(lines: list[Line]) -> None:
    """A line with letters of both directions sits in its column as its neighbours do.

    Counting its letters would favour English, whose words are longer than Persian ones,
    and where a line ends (its free width, its indent) is judged by its direction. The
    nearest line above in the same column with letters of one direction only decides,
    else the nearest below; with neither the letter count stands.
    """
    pure = [None if has_rtl(l.text) and _LTR_LETTER.search(l.text) else l.rtl for l in lines]
    for k, line in enumerate(lines):
        if pure[k] is not None:
            continue
        same = [j for j in range(len(lines)) if pure[j] is not None
                and (lines[j].band, lines[j].column) == (line.band, line.column)]
        above = [j for j in same if j < k]
        below = [j for j in same if j > k]
        if above or below:
            line.rtl = pure[above[-1]] if above else pure[below[0]]


def _columns_in_order(lines: list[Line]) -> list[Line]:
    """Left column first for left-to-right text, right column first for Persian."""
    if not lines:
        return []
    rtl = sum(line.rtl for line in lines) > len(lines) / 2
    first, second = (2, 1) if rtl else (1, 2)
    ordered = [l for l in lines if l.column == first] + [l for l in lines if l.column == second]
    for line in ordered:
        line.column = 1 if line.column == first else 2
    return ordered
