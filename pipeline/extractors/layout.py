"""From lines in reading order to typed blocks: page furniture, footnotes, headings,
captions, paragraphs and references.

Furniture is found across the whole document (a running header repeats, modulo its page
number, near the same margin on several pages); everything else page by page.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from pipeline.extractors.lines import Line
from pipeline.extractors.logical_order import first_strong, logical_line, strong_counts
from pipeline.records import Block, block_regions

_DIGITS = re.compile(r"[0-9\u06f0-\u06f9\u0660-\u0669]+")
PAGE_NUMBER = re.compile(
    r"^[\s\-–—.|()\[\]]*(?:(?:page|p\.|صفحه|第)\s*)?[0-9\u06f0-\u06f9\u0660-\u0669ivxlcIVXLC]{1,5}"
    r"(?:\s*(?:/|of|از)\s*[0-9\u06f0-\u06f9\u0660-\u0669]{1,5})?\s*頁?[\s\-–—.|()\[\]]*$"
)
_FOOTNOTE_START = re.compile(r"^\s*(?:[0-9\u06f0-\u06f9\u0660-\u0669]{1,3}[.)\-–]?|[*\u2020\u2021])")
_CAPTION = re.compile(
    r"^\s*(?:fig\.|figure|table|chart|listing|algorithm|شکل|جدول|نمودار|تصویر|圖|图|表)\s*"
    r"[0-9\u06f0-\u06f9\u0660-\u0669一二三四五六七八九十]",
    re.IGNORECASE,
)
# "Table 2-2 shows ...", "Figure 3 is ...": a sentence about a figure, not its caption,
# whose label is followed by its title ("Table 2-1 FUNCTION_USAGE view", "Figure 1. Sample");
# the label may name a panel ("Fig. 1(a) shows ...", "Figure 2b is ...": Scientific Reports,
# pymupdf's test_3780, set 5)
_SENTENCE_ABOUT = re.compile(r"^\s*\S+\s*[0-9]+(?:[-.–][0-9]+)*(?:\([a-z]\)|[a-z])?\s+[a-z]")


def _caption_start(text: str) -> bool:
    return bool(_CAPTION.match(text)) and not _SENTENCE_ABOUT.match(text)
REFERENCE_HEADING = re.compile(
    r"^\s*(?:[0-9\u06f0-\u06f9IVX]+[.)]?\s*)?(?:references?|bibliography|works cited|"
    r"literature cited|sources|منابع|فهرست منابع|منابع و مآخذ|کتابنامه|مراجع|"
    r"參考文獻|参考文献|參考書目|参考书目|引用文獻|引用文献)\s*[:：]?\s*$",
    re.IGNORECASE,
)
_FURNITURE_KINDS = ("header", "footer", "page_number")


@dataclass
class PageLayout:
    number: int  # 1-based
    width: float
    height: float
    lines: list[Line]
    figures: list[tuple[float, float, float, float]] = field(default_factory=list)  # x0, top, x1, bottom


def body_font_size(pages: list[PageLayout]) -> float:
    """The size most of the document's text is set in."""
    weight: Counter = Counter()
    for page in pages:
        for line in page.lines:
            if not line.table:
                weight[round(line.size * 2) / 2] += len(line.text)
    return weight.most_common(1)[0][0] if weight else 10.0


def furniture_key(text: str) -> str:
    return " ".join(_DIGITS.sub("#", text).split())


def _margin_candidates(page: PageLayout) -> list[int]:
    """Indices of the lines near the top or bottom edge that could be furniture (a table
    is none, even one whose header row repeats on every page)."""
    by_top = sorted((i for i in range(len(page.lines)) if not page.lines[i].table and not page.lines[i].turned),
                    key=lambda i: page.lines[i].top)
    chosen = []
    for i in by_top[:2]:
        if page.lines[i].top < 0.15 * page.height:
            chosen.append(i)
    for i in by_top[-2:]:
        if page.lines[i].bottom > 0.85 * page.height and i not in chosen:
            chosen.append(i)
    return chosen


def find_furniture(pages: list[PageLayout], body_size: float) -> dict[tuple[int, int], str]:
    """(page index, line index) -> header | footer | page_number, for lines that repeat
    across pages near a margin, or that are only a page number near one."""
    candidates = {p: _margin_candidates(page) for p, page in enumerate(pages)}
    seen: dict[str, set[int]] = defaultdict(set)
    for p, indices in candidates.items():
        for i in indices:
            seen[furniture_key(pages[p].lines[i].text)].add(p)
    repeats_needed = 2 if len(pages) <= 4 else max(2, round(0.3 * len(pages)))
    kinds = {}
    for p, indices in candidates.items():
        page = pages[p]
        for i in indices:
            line = page.lines[i]
            upper = line.top < 0.5 * page.height
            outermost = line.top == min(l.top for l in page.lines) or \
                line.bottom == max(l.bottom for l in page.lines)
            if PAGE_NUMBER.match(line.text) and outermost:
                kinds[(p, i)] = "page_number"
            elif len(seen[furniture_key(line.text)]) >= repeats_needed:
                kinds[(p, i)] = "header" if upper else "footer"
            elif outermost and _numbered_running_line(page, i, body_size):
                kinds[(p, i)] = "header" if upper else "footer"
            elif upper and _lone_running_header(page, i, body_size):
                kinds[(p, i)] = "header"
        headers = [j for j in indices if kinds.get((p, j)) == "header"]
        if headers and _reads_on(page, headers, body_size):
            for j in headers:
                del kinds[(p, j)]
            headers = []
        for j in indices:
            if kinds.get((p, j)) == "footer" and _ends_paragraph_above(page, j, body_size):
                del kinds[(p, j)]
        for i, line in enumerate(page.lines):
            if (headers and (p, i) not in kinds and line.top < 0.15 * page.height and not line.table
                    and _under_running_header(page, i, headers, body_size)):
                kinds[(p, i)] = "header"
    return kinds


def _reads_on(page: PageLayout, headers: list[int], body_size: float) -> bool:
    """Top lines that repeat on other pages but run straight on into the text below them
    (the next line at a line's usual leading, at the body's size, left edge and measure)
    open a page whose text is printed again on later pages; a running head is set apart,
    or set smaller (the two lines of a small running head are not body text)."""
    last = page.lines[max(headers, key=lambda i: page.lines[i].bottom)]
    below = [l for k, l in enumerate(page.lines)
             if k not in headers and not l.table and not l.turned and l.top >= last.bottom - 0.2 * last.size]
    if not below:
        return False
    after = min(below, key=lambda l: l.top)
    return (after.top - last.bottom < 0.5 * last.size and abs(after.size - last.size) < 0.5
            and abs(last.size - body_size) < 0.1 * body_size
            and abs(after.x0 - last.x0) < last.size and last.x1 - last.x0 > 0.8 * (after.x1 - after.x0))


def _ends_paragraph_above(page: PageLayout, index: int, body_size: float) -> bool:
    """A bottom line that repeats on other pages but finishes the sentence of the line just
    above it (that line stops mid-sentence; this one follows at its leading, at the body's
    size, from the same edge) is that paragraph's last line, not a running foot: a page
    printed twice repeats every line ("... in accordance with ISO 26262-8:2018," over
    "Clause 6."); a running foot is set apart from the text, or set smaller."""
    line = page.lines[index]
    above = [l for k, l in enumerate(page.lines)
             if k != index and not l.table and not l.turned and l.bottom <= line.top + 0.2 * line.size]
    if not above:
        return False
    last = max(above, key=lambda l: l.bottom)
    return (line.top - last.bottom < 0.5 * line.size and abs(last.size - line.size) < 0.5
            and abs(line.size - body_size) < 0.1 * body_size
            and min(abs(line.x0 - last.x0), abs(line.x1 - last.x1)) < line.size
            and not SENTENCE_END.search(last.text))


def _under_running_header(page: PageLayout, index: int, headers: list[int], body_size: float) -> bool:
    """A second line of a running head ("Vol. 99 (2013)" under the journal's name, its
    page range only on the first page): set small like it, just below it in the margin."""
    line = page.lines[index]
    return line.size < 0.9 * body_size and any(
        abs(line.size - page.lines[h].size) < 0.5 and 0 < line.top - page.lines[h].bottom < 1.5 * line.size
        for h in headers)


# "Chapter 2. Roles and separation of duties 11", "12 Row and Column Access Control":
# a running title with the page number at one end, which changes from chapter to chapter.
_NUMBERED_RUNNING = re.compile(r"^\s*(?:\d{1,4}\s+\S.{0,100}|.{1,100}\S\s+\d{1,4})\s*$")


def _numbered_running_line(page: PageLayout, index: int, body_size: float) -> bool:
    """The page's first or last line, no larger than the text, ending or starting with a
    page number, set apart from the rest by more than a line."""
    line = page.lines[index]
    if line.size > 1.05 * body_size or not _NUMBERED_RUNNING.match(line.text) or SENTENCE_END.search(line.text):
        return False
    others = [l for k, l in enumerate(page.lines) if k != index]
    if not others:
        return False
    if line.top < 0.5 * page.height:
        gap = min(l.top for l in others if l.top > line.top) - line.bottom if any(l.top > line.top for l in others) else 0
    else:
        gap = line.top - max(l.bottom for l in others if l.bottom < line.bottom) if any(l.bottom < line.bottom for l in others) else 0
    return gap > 1.2 * line.size


def _lone_running_header(page: PageLayout, index: int, body_size: float) -> bool:
    """A header that cannot be seen to repeat (a one-page document): the topmost line, in
    the top margin, smaller than the body text and set well apart from what follows."""
    line = page.lines[index]
    below = [l for l in page.lines if l.top > line.bottom]
    if not below or line.top > 0.1 * page.height or line.size > 0.9 * body_size:
        return False
    if any(l.top < line.top for l in page.lines):
        return False
    gap = min(l.top for l in below) - line.bottom
    return gap > 1.5 * line.size


def _footnote_lines(page: PageLayout, taken: set[int], body_size: float) -> list[int]:
    """Small-font lines at the foot of the page, or at the foot of a column (a two-column
    page sets its notes under each column), read bottom up until body text."""
    stretches: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in range(len(page.lines)):
        if i not in taken and not page.lines[i].table:
            stretches[_column_key(page.lines[i])].append(i)
    found: list[int] = []
    for key, indices in stretches.items():
        tables = [l for l in page.lines if l.table and _column_key(l) == key]
        found += _notes_at_foot(page, sorted(indices, key=lambda i: page.lines[i].top), body_size, tables)
    return found


# The least space over a page's or a column's footnotes, in body ems (was a full em; set
# 7's LaTeX column leaves 0.9996 em, which the float of the measure put just under it).
FOOTNOTE_SPACE = 0.9


def _notes_at_foot(page: PageLayout, order: list[int], body_size: float, tables: list[Line] = ()) -> list[int]:
    notes: list[int] = []
    for i in reversed(order):
        line = page.lines[i]
        # long notes under a column of a three-column page reach above the page's middle:
        # a small line that sits close over the note below it belongs to that note's area
        closes_up = bool(notes) and line.top > 0.4 * page.height and \
            0 <= page.lines[notes[-1]].top - line.bottom < 1.0 * line.size
        if line.size <= 0.85 * body_size and (line.top > 0.55 * page.height or closes_up):
            notes.append(i)
        else:
            break
    if not notes:
        return []
    notes.reverse()
    above = [page.lines[i] for i in order if i not in notes and page.lines[i].top < page.lines[notes[0]].top]
    # a table of the stretch counts as what the notes are set off from: small type closing
    # up under a table is a box's text or the table's own note, not the page's footnotes
    # (a research note's guidance box under its sidebar's table of key figures)
    above += [t for t in tables if t.top < page.lines[notes[0]].top]
    if above:
        # a footnote area is set off from the text above by about a line of space or more
        # (FOOTNOTE_SPACE: LaTeX's footnote skip leaves 0.9996 of a line under a column of
        # set 7's bug1997343)
        gap = page.lines[notes[0]].top - max(l.bottom for l in above)
        if gap < FOOTNOTE_SPACE * body_size:
            return []
    return notes


def _heading_like(line: Line, body_size: float) -> bool:
    return line.size >= 1.12 * body_size or (line.bold and line.size >= 0.95 * body_size)


def _bold_throughout(line: Line) -> bool:
    return line.bold and line.bold_share >= 0.9


def _bold_run_in(line: Line, following: Line | None, edges) -> bool:
    """A line that opens in bold and goes on in the text face ("IBM MT/ST (Magnetic Tape):
    Introduced in 1964, this"), full and running on into the next line: the first line of
    a paragraph with a run-in heading, not a heading."""
    if not line.bold or _bold_throughout(line) or following is None or _bold_throughout(following):
        return False
    if _column_key(following) != _column_key(line) or abs(following.size - line.size) > 0.5:
        return False
    return _runs_on(line, following, edges[_column_key(line)])


def _fills_into(line: Line, following: Line, edges, leading, body_size: float) -> bool:
    """A line at the text's size that the line under it runs on from: full (the next
    line's first word would not have fitted on it), the next line in the same column,
    direction and size at the text's leading; its punctuation is not asked."""
    if line.size >= 1.12 * body_size or _column_key(following) != _column_key(line) \
            or abs(following.size - line.size) > 0.5 or line.rtl != following.rtl:
        return False
    step = following.baseline - line.baseline
    if not 0 < step <= 1.25 * _expected_step(following, leading):
        return False
    return _trailing_slack(line, edges[_column_key(line)]) \
        < max(0.5 * line.size, 1.3 * _first_word_width(following) + 0.3 * line.size)


def _runs_into(previous: Line, line: Line, edges, leading, body_size: float) -> bool:
    """The line above runs on into this one: full and mid-sentence, the same size, at the
    text's leading (see _fills_into)."""
    return not SENTENCE_END.search(previous.text) and not previous.figure \
        and _fills_into(previous, line, edges, leading, body_size)


def _run_in_heading(line: Line, following: Line | None, edges, leading, body_size: float) -> bool:
    """A line all in bold that fills into a line not all in bold: a run-in heading that
    filled its line ("Exception for children under age 18." over "If your child was ..."),
    the paragraph's first words whatever punctuation they end with; a heading of its own
    leaves room on its line or space under it."""
    return (following is not None and _bold_throughout(line) and not _bold_throughout(following)
            and _fills_into(line, following, edges, leading, body_size))


# Sentence-final punctuation, possibly followed by closing quotes or brackets.
SENTENCE_END = re.compile("[.!?\u061f\u3002\uff01\uff1f\u2026:;\uff1a\uff1b][\"'\u201d\u2019\u00bb)\\]\uff09\u300d\u300f]*\\s*$")
# "1. Introduction", "2.3 Data", "۲. قنات", "IV. Results", "壹、前言", "一、緒論", "第三章 …"
NUMBERED_HEADING = re.compile(
    "^\\s*(?:[0-9\u06f0-\u06f9\u0660-\u0669]{1,3}(?:\\.[0-9\u06f0-\u06f9\u0660-\u0669]+)*[.)]\\s+\\S"
    "|[0-9\u06f0-\u06f9\u0660-\u0669]{1,3}(?:\\.[0-9\u06f0-\u06f9\u0660-\u0669]+)+\\s+\\S"
    "|[IVXLC]+\\.\\s+\\S"
    "|[\u58f9\u8cb3\u8d30\u53c3\u53c1\u8086\u4f0d\u9678\u9646\u67d2\u634c\u7396\u62fe\u4e00\u4e8c\u4e09\u56db\u4e94\u516d\u4e03\u516b\u4e5d\u5341]+[\u3001.\uff0e]\\s*\\S"
    "|\u7b2c[\u4e00\u4e8c\u4e09\u56db\u4e94\u516d\u4e03\u516b\u4e5d\u5341\\d]+[\u7ae0\u7bc0\u8282])"
)
_CJK_START = re.compile("^[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_LATIN_CONTINUATION = re.compile("^[a-z0-9(\\[,;:\u2013\u2014-]")
_UPPER_LATIN = re.compile("^[A-Z]")


@dataclass
class _Draft:
    kind: str
    lines: list[Line]


@dataclass
class _Column:
    left: float
    right: float
    rtl_flush_left: bool  # right-to-left lines set ragged on the right (LibreOffice "start")


def _column_edges(lines: list[Line], body_size: float) -> dict[tuple[int, int], _Column]:
    groups: dict[tuple[int, int], list[Line]] = defaultdict(list)
    for line in lines:
        groups[_column_key(line)].append(line)
    edges = {}
    for key, members in groups.items():
        body = [l for l in members if abs(l.size - body_size) < 0.15 * body_size] or members
        left, right = _edge([l.x0 for l in body], -1), _edge([l.x1 for l in body], 1)
        rtl = [l for l in body if l.rtl]
        flush_left = sum(l.x0 <= left + 1 for l in rtl)
        flush_right = sum(l.x1 >= right - 1 for l in rtl)
        edges[key] = _Column(left, right, flush_left > 2 * max(flush_right, 1))
    return edges


# A column's edge is where a share of its lines at least this large end (justified text);
# a line set past it (TeX's overfull line in a list) does not move it. Ragged text, where
# no such share ends on one edge, keeps its outermost line's end.
EDGE_SHARE = 0.25


def _edge(ends: list[float], side: int) -> float:
    outer = max(e * side for e in ends) * side
    shared = [e for e in ends if sum(abs(f - e) <= 1.0 for f in ends) >= max(2, EDGE_SHARE * len(ends))]
    return max(e * side for e in shared) * side if shared else outer


def _column_key(line: Line) -> tuple[int, int]:
    return (line.band if line.column else -1, line.column)


def _leading(lines: list[Line]) -> dict[tuple[float, bool], float]:
    """Typical baseline-to-baseline distance per font size and direction on the page.

    The lower quartile, not the median: in short paragraphs (references) the steps between
    paragraphs are nearly as many as those inside them. Direction is part of the key
    because a Persian font's lines are taller than a Latin font's of the same size.
    """
    steps: dict[tuple[float, bool], list[float]] = defaultdict(list)
    for a, b in zip(lines, lines[1:]):
        if a.column == b.column and abs(a.size - b.size) < 0.5 and b.baseline > a.baseline:
            steps[(round(a.size), b.rtl)].append(b.baseline - a.baseline)
            steps[(round(a.size), None)].append(b.baseline - a.baseline)
    return {key: min(sorted(v)[len(v) // 4], 2.2 * key[0]) for key, v in steps.items()}


def _expected_step(line: Line, leading) -> float:
    return leading.get((round(line.size), line.rtl)) or leading.get(
        (round(line.size), None), 1.45 * line.size)


def _trailing_slack(line: Line, column: _Column) -> float:
    """Free width where the line ends: on the left for right-to-left lines (unless the
    column sets them ragged on the right), on the right otherwise; a line set beside a
    float ends where the lines beside it end (see _wrapped_round_floats)."""
    if line.rtl and not column.rtl_flush_left:
        return line.x0 - column.left
    right = column.right if line.wrap_right is None else min(column.right, line.wrap_right)
    return right - line.x1


def _first_word_width(line: Line) -> float:
    """Rough width of the line's first word (one character for CJK), from the line's mean
    character width: enough to tell whether it would have fitted on the line above."""
    text = line.text.strip()
    if not text:
        return 0.0
    per_char = (line.x1 - line.x0) / max(len(text), 1)
    word = text[0] if _CJK_START.match(text) else text.split()[0]
    return per_char * len(word)


# A full stop drawn at the left end of a line of Latin text: the end of a right-to-left
# paragraph whose last line holds only an English citation (".(Hosseini, 2019: 57").
_DRAWN_STOP = re.compile(r"^[.!?]\s*[(A-Za-z]")


def _runs_on(previous: Line, line: Line, column: _Column, draft_length: int = 2) -> bool:
    """The line above is full (the next line's first word would not have fitted on it)
    and stops mid-sentence: the text runs on to the next line, whatever the spacing says."""
    if SENTENCE_END.search(previous.text) or _DRAWN_STOP.match(previous.visual):
        return False
    return _trailing_slack(previous, column) - _indent_allowance(draft_length, previous, column) \
        < max(0.5 * previous.size, 1.3 * _first_word_width(line) + 0.3 * previous.size)


def _indent_allowance(draft_length: int, previous: Line, column: _Column) -> float:
    """A ragged right-to-left column (text flush left) puts a first-line indent on the
    right, where the line's free width is measured: that much of it is not free."""
    if draft_length == 1 and previous.rtl and column.rtl_flush_left:
        return 2 * previous.size
    return 0.0


# A list item's marker: a bullet, or a number or letter with a stop ("1.", "b)", "iv.").
_BULLET = re.compile("^\\s*[\u2022\u25e6\u25aa\u25ab\u25cf\u25cb\u25a0\u25a1\u2023\u2043\u27a2\u2713\uf0a7\uf0b7]")
# A letter's marker is followed by a blank: "p.m., Monday" at a line's start is no item p.
_NUMBERED_ITEM = re.compile("^\\s*(?:\\d{1,2}[.)](?!\\d)(?=\\s*\\S)|(?:[a-z]|[ivx]{1,4})[.)](?=\\s+\\S))")
_ITEM_END = re.compile("[.!?;\u061f\u3002\uff01\uff1f\uff1b][\"'\u201d\u2019\u00bb)\\]\uff09]*\\s*$")


def _next_item(previous: Line, line: Line, column: _Column) -> bool:
    """The line starts the next item of a list: a bullet, or a number after an item that
    ended (a full stop, or room left on its line; "2021:" before "14)" is no list)."""
    text = line.visual if not line.rtl else line.text
    if _BULLET.match(text) or _middle_dot_item(previous.text, text):
        return True
    return bool(_NUMBERED_ITEM.match(text)) and (
        bool(_ITEM_END.search(previous.text)) or _trailing_slack(previous, column) > 2 * previous.size)


def _middle_dot_item(previous: str, text: str) -> bool:
    """A middle dot opens a list item ("·Advocacy" under "·Access to resources …") unless
    it separates the entries of a run-on list, as between keywords: such a list holds
    dots inside its lines too ("Parsing · Tagging · Chunking" / "· Toolkits")."""
    text, previous = text.lstrip(), previous.strip()
    return (text.startswith("\u00b7") and "\u00b7" not in text[1:]
            and "\u00b7" not in previous[1:])


def _measure(draft: list[Line], column: _Column) -> _Column:
    """The width the paragraph so far is set to: its column's, unless two of its lines or
    more end on one edge short of the column's (an abstract or a quotation set narrower
    than the column), where a full line of it ends."""
    lines = [l for l in draft if not l.rtl] if not draft[-1].rtl else [l for l in draft if l.rtl]
    if len(lines) < 2 or draft[-1].mono:
        return column  # (lines of code end where they end)
    # a quarter of an em: TeX's microtype hangs a line's final hyphen or stop past the edge
    reach = max(1.0, 0.25 * draft[-1].size)

    def shared(ends: list[float], best: float) -> bool:
        return sum(abs(end - best) <= reach for end in ends) >= 2

    right, left = max(l.x1 for l in lines), min(l.x0 for l in lines)
    return _Column(left if shared([l.x0 for l in lines], left) else column.left,
                   right if shared([l.x1 for l in lines], right) else column.right,
                   column.rtl_flush_left)


_OPENING = "([\uff08\u300c\u300e\u3010\u300a\u3008"
_CLOSING = ")]\uff09\u300d\u300f\u3011\u300b\u3009"


def _bracket_open(text: str) -> bool:
    """The line leaves a bracket it opened open: a Chinese or Japanese line may stop short
    before an opening bracket it may not end with, or a line be cut by hand, mid-bracket.
    A closing bracket with no opening one (an item's "a)") does not count."""
    depth = 0
    for char in text:
        if char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth = max(depth - 1, 0)
    return depth > 0


def _emphasis_runs_on(draft: list[Line], line: Line, edges) -> bool:
    """A line all in bold after a paragraph (not all bold) whose last line runs on into it,
    full and mid-sentence: a sentence set in bold inside the paragraph, not a heading."""
    previous = draft[-1]
    return (_bold_throughout(line) and not all(_bold_throughout(l) for l in draft)
            and _column_key(line) == _column_key(previous) and abs(line.size - previous.size) < 0.5
            and 0 < line.baseline - previous.baseline <= 2 * line.size
            and _runs_on(previous, line, edges[_column_key(line)]))


def _emphasis_broken_mid_sentence(draft: list[Line], line: Line, leading) -> bool:
    """A change between bold and roman inside a sentence of a paragraph that is not all
    bold, the line above stopping short of the column (text wrapped round a cut-out
    picture: set 7's test_2635) and the next going on in lower case or after a comma:
    emphasis inside the paragraph, not a heading."""
    previous = draft[-1]
    return (not all(_bold_throughout(l) for l in draft) and abs(line.size - previous.size) < 0.5
            and _column_key(line) == _column_key(previous)
            and 0 < line.baseline - previous.baseline <= 1.25 * _expected_step(line, leading)
            and _broken_mid_sentence(previous, line))


# A line this many leadings below the one above is set apart by space: a new paragraph,
# though the line above stops full and mid-sentence (a web page's paragraph whose last
# sentence has no stop: pdfminer.six's issue-00352, set 5, 1.84 leadings).
PARAGRAPH_SPACE = 1.6


def _starts_paragraph(draft: list[Line], line: Line, edges, leading, body_size: float) -> bool:
    previous = draft[-1]
    if _column_key(line) != _column_key(previous) or line.baseline < previous.baseline:
        return True
    if _next_item(previous, line, edges[_column_key(line)]):
        return True
    if abs(line.size - previous.size) > 0.1 * body_size or (
            _bold_throughout(line) != _bold_throughout(previous) and not _emphasis_runs_on(draft, line, edges)
            and not _emphasis_broken_mid_sentence(draft, line, leading)
            and not (all(_bold_throughout(l) for l in draft)
                     and _run_in_heading(previous, line, edges, leading, body_size))):
        return True
    step = line.baseline - previous.baseline
    expected = _expected_step(line, leading)
    if step > 2.2 * expected:
        return True
    column = edges[_column_key(line)]
    if previous.mono and (line.mono or _too_short_to_tell(line)) and step <= 1.25 * expected:
        return False  # lines of code: their ends say nothing, the block is one
    measure = _measure(draft, column)
    if step <= PARAGRAPH_SPACE * expected and _runs_on(previous, line, measure, len(draft)):
        return False
    if _bracket_open(previous.text) and step <= 1.25 * expected:
        return False  # no paragraph ends inside brackets: a short line there was pushed
    if step > 1.25 * expected:
        return True
    if _centred_run_on(draft, line):
        return False
    free = _trailing_slack(previous, measure) - _indent_allowance(len(draft), previous, measure)
    if free > 1.3 * _first_word_width(line) + 0.5 * line.size:
        # the next word would have fitted: the line above ended by choice, a paragraph's
        # end, unless the choice was a line break inside a sentence
        return not _broken_mid_sentence(previous, line)
    em = line.size
    first = draft[0]
    if previous.rtl or line.rtl:
        if column.rtl_flush_left:
            return False  # ragged-right Persian: indents cannot be told from raggedness
        indented = line.x1 < column.right - 0.8 * em and previous.x1 >= column.right - 0.5 * em
        hanging = first.x1 >= column.right - 0.5 * em and all(
            abs(l.x1 - line.x1) < 0.3 * em for l in draft[1:])
        outdented = len(draft) > 1 and line.x1 > previous.x1 + 0.8 * em and previous is not first
    else:
        # a first-line indent is an em or two; a short line set flush right after a full
        # one is the end of a right-to-left paragraph whose last line has no Persian in it
        indented = column.left + 0.8 * em < line.x0 < column.left + 4 * em and previous.x0 <= column.left + 0.5 * em
        hanging = first.x0 <= column.left + 0.5 * em and all(
            abs(l.x0 - line.x0) < 0.3 * em for l in draft[1:])
        outdented = len(draft) > 1 and line.x0 < previous.x0 - 0.8 * em
    if indented and hanging:
        return False  # a reference entry's turned-over lines, indented under its first
    return indented or outdented


# How far apart (in ems) two lines' middles may be and still be centred on one axis, and
# how far their starts must be for the lines to be centred rather than set flush left.
# The line above must be this share of the widest line of the paragraph so far. Tuned on
# set 8 (test_3186's three-line subtitle: middles 0.1 em apart, starts 2.3 em, the middle
# line 0.8 of the first) and on sets 1 to 7, where two-line drafts (a heading over a name)
# and a short line under a long one (issue6132's affiliations) were joined otherwise.
CENTRED_AXIS = 0.5
CENTRED_STARTS_APART = 1.0
CENTRED_FULL = 0.7


def _centred_run_on(draft: list[Line], line: Line) -> bool:
    """Lines centred on one axis at the paragraph's leading, the one above stopping
    without a sentence's end: a centred title or subtitle turned over (test_3186's "Documento
    informativo ..." / "per i prodotti ..." / "(DIP aggiuntivo IBIP)"). Where every line is
    centred, where a line stops says nothing of where the paragraph ends."""
    previous = draft[-1]
    # two lines already one paragraph (by the rules above): one centred line over another
    # says nothing by itself (a heading over a name, an address over a note: sets 1 to 7)
    if len(draft) < 2 or previous.rtl or line.rtl or SENTENCE_END.search(previous.text):
        return False
    # the line above nearly as wide as the widest (a centred line that was turned over, not
    # one stopped short: an e-mail address under an affiliation, set 7's issue6132)
    if previous.x1 - previous.x0 < CENTRED_FULL * max(l.x1 - l.x0 for l in draft):
        return False
    em = line.size
    chain = [*draft, line]
    middles = [(l.x0 + l.x1) / 2 for l in chain]
    return (max(middles) - min(middles) < CENTRED_AXIS * em
            and all(abs(a.x0 - b.x0) > CENTRED_STARTS_APART * em for a, b in zip(chain, chain[1:])))


# A line that opens with a lower-case letter (after an opening quote or bracket) goes on
# with a sentence; so does one that opens with an amount of money ("£46.9 billion": a
# sentence is not begun with a figure; set 8's test_4412).
_CONTINUES = re.compile("^(?:[\"'“‘(\\[]*[a-zß-öø-ÿ]|[$£€¥₹₽₩¢]\\s?\\d)")


_AFTER_COLON = re.compile("[:\uff1a][\"'\u201d\u2019\u00bb)\\]\uff09]*\\s*$")


def _broken_mid_sentence(previous: Line, line: Line) -> bool:
    """A line broken by hand inside a sentence: the line above stops short without ending
    its sentence (no stop or semicolon; a colon only introduces what follows) and this one, at the same leading, goes on
    with it in lower case, not left of the line above (set 7's consent form and study
    sheet: "…the welfare of children and young people" / "and expects all carers…"), or
    the line above ends on a comma."""
    if previous.rtl or line.rtl or line.x0 < previous.x0 - 0.5 * line.size:
        return False
    if SENTENCE_END.search(previous.text):
        # a colon introduces what follows: a line going on in lower case after it is the
        # same sentence (set 10's DA-1p: "…greeted by a gruesome sight:" / "a ragged
        # collection of bones…", a line broken by hand in a quotation)
        return bool(_AFTER_COLON.search(previous.text)) and bool(_CONTINUES.match(line.text.strip()))
    # a line that ends on a comma goes on whatever the next one opens with (a list item
    # turned over after "…autres qu'Amazon," / "Best Buy et Walmart ?": set 7's bug1868759)
    return bool(_CONTINUES.match(line.text.strip())) or previous.text.rstrip().endswith(",")


def _paragraph_direction(lines: list[Line], edges) -> str:
    """R or L for a block, the base direction its lines were laid out in.

    The whole paragraph decides, not each line: a line of a Persian paragraph may hold
    more English than Persian, and reading it as a left-to-right line would turn its parts
    around. With letters of both directions, where the lines sit says it (indent, short
    last line), else the paragraph's first letter, else the direction of most words. With
    no right-to-left letters, a last line that hugs the right edge while the others fill
    the width, or one that starts with the full stop a right-to-left paragraph draws at the
    left end, still says R.
    """
    rtl, ltr = strong_counts("".join(l.visual for l in lines))
    if rtl and not ltr:
        return "R"
    if rtl:
        return _layout_direction(lines, edges) or _first_letter_direction(lines[0]) or (
            "R" if _words(lines, "R") >= _words(lines, "L") else "L")
    last = lines[-1]
    if _LEADING_STOP.match(last.visual) and not SENTENCE_END.search(last.visual):
        return "R"
    column = edges[_column_key(last)]
    if (len(lines) >= 2 and last.x1 >= column.right - 0.5 * last.size
            and last.x0 > column.left + 2 * last.size):
        return "R"
    return "L"


_LEADING_STOP = re.compile(r"^[.,;:!?]\s*[A-Za-z0-9(]")


def _layout_direction(lines: list[Line], edges) -> str | None:
    """R or L from where the paragraph's lines sit: a first-line indent is on the side
    the paragraph starts, and a short last line keeps to that side."""
    first, last = lines[0], lines[-1]
    column = edges[_column_key(first)]
    em = first.size
    votes = 0
    if len(lines) >= 2:
        if first.x0 > column.left + 0.8 * em and first.x1 >= column.right - 0.5 * em:
            votes -= 1
        elif first.x1 < column.right - 0.8 * em and first.x0 <= column.left + 0.5 * em:
            votes += 1
        if not column.rtl_flush_left:
            if last.x0 <= column.left + 0.5 * em and last.x1 < column.right - 2 * em:
                votes -= 1
            elif last.x1 >= column.right - 0.5 * em and last.x0 > column.left + 2 * em:
                votes += 1
    return "R" if votes > 0 else "L" if votes < 0 else None


def _first_letter_direction(line: Line) -> str | None:
    """The direction of the paragraph's first letter (bidi rule P2) where the first line
    tells it either way: read left to right its leftmost letter comes first, read right to
    left its rightmost; when both are of one direction, that is the paragraph's."""
    letters = [d for d in (first_strong(line.visual), first_strong(line.visual[::-1])) if d]
    return letters[0] if letters and len(set(letters)) == 1 else None


def _words(lines: list[Line], direction: str) -> int:
    """Words whose first letter has the direction (letters would favour English, whose
    words are longer in letters than Persian ones)."""
    return sum(first_strong(word) == direction for line in lines for word in line.visual.split())


def paragraph_texts(lines: list[Line], direction: str) -> list[str]:
    """The lines' logical texts, each reordered with the paragraph's base direction (the
    bidi paragraph level), as the producer laid them out.

    Line by line the ends of a line lose their context: a comma at the end of an English
    phrase that runs on to the next line of a Persian paragraph belongs to the English.
    So a line with letters of the other direction only, followed by a line that does not
    start in the paragraph's direction (it starts in the other one, or with a number), is
    read in that other direction; the paragraph's last line always takes the paragraph's
    direction, since its end is where the paragraph ends.
    """
    other = "L" if direction == "R" else "R"
    texts: list[str] = [""] * len(lines)
    following = direction  # of the first letter of the next line, in typed order
    for k in range(len(lines) - 1, -1, -1):
        line = lines[k]
        rtl, ltr = strong_counts(line.visual)
        only_other = (ltr and not rtl) if direction == "R" else (rtl and not ltr)
        base = other if only_other and following != direction else direction
        if not rtl and base == "L":
            texts[k] = line.text  # nothing to reorder
        else:
            texts[k] = logical_line(line.visual, line.shaped, base=base)
        following = first_strong(texts[k])
    return texts


# No typed word runs from Latin letters straight into Arabic ones; a producer that draws an
# English word in a Persian or Arabic line without its space leaves them touching.
_SCRIPT_SEAM = re.compile("(?<=[A-Za-z])(?=[\u0620-\u064a\u0671-\u06d3\u06fa-\u06ff])"
                          "|(?<=[\u0620-\u064a\u0671-\u06d3\u06fa-\u06ff])(?=[A-Za-z])")


# A bracketed left-to-right run that a right-to-left paragraph wraps across lines has its
# two brackets on different lines, where each line's reordering, not knowing the other
# half, mirrors them: ")Karimi and\nHosseini, 2019: 57(" is "(Karimi and\nHosseini, 2019: 57)".
_SPLIT_BRACKETS = re.compile(r"\)(?=[A-Za-z0-9])([^()\n]*\n[^()]*?)(?<=[A-Za-z0-9])\(")


# A list item's marker set against its first word ("·Advocacy"): the marker is no part of
# the word.
_GLUED_MARKER = re.compile("^([\u00b7\u2022\u25e6\u25aa\u25cf])(?=\\w)")


def _block(page: int, kind: str, lines: list[Line], edges) -> Block:
    texts = paragraph_texts(lines, _paragraph_direction(lines, edges))
    text = _GLUED_MARKER.sub(r"\1 ", _SPLIT_BRACKETS.sub(r"(\1)", "\n".join(texts)))
    return Block(
        page=page, kind=kind, text=_SCRIPT_SEAM.sub(" ", text),
        x0=min(l.x0 for l in lines), top=min(l.top for l in lines),
        x1=max(l.x1 for l in lines), bottom=max(l.bottom for l in lines),
    )


_NOTE_NUMBER = re.compile("^([0-9\u06f0-\u06f9\u0660-\u0669]{1,3})(?=[^\\s0-9\u06f0-\u06f9\u0660-\u0669.)\\-\u2013,])")


def _separate_note_number(text: str) -> str:
    """LibreOffice sets a footnote's number right against its text ("1واژه"); keep the
    number, as the reader sees it, but as a word of its own."""
    return _NOTE_NUMBER.sub(lambda m: m.group(1) + " ", text, count=1)


def _set_apart(draft: _Draft) -> bool:
    """A figure's labels, a caption, a table or a listing of code: set into the text, not
    part of its flow."""
    return draft.kind in ("figure", "table") or _caption_start(draft.lines[0].text) or _code(draft.lines)


def _code(lines: list[Line]) -> bool:
    return any(l.mono for l in lines) and all(l.mono or _too_short_to_tell(l) for l in lines)


def _too_short_to_tell(line: Line) -> bool:
    """Too few letters to tell a fixed-width font by (a listing's closing brace)."""
    return sum(c.isascii() and c.isalpha() for c in line.text) < 6


def _numbered_heading_line(lines: list[Line], edges) -> bool:
    """A single short line that starts with a section number and ends without a full stop
    ("2. Method", "۳. روش", "參、方法") is a heading even when set in the body font; so is
    one turned over onto a second line set under its text (see _hangs_under_number)."""
    if len(lines) == 2 and _hangs_under_number(lines[0], lines[1]):
        lines = lines[:1]
    if len(lines) != 1:
        return False
    line = lines[0]
    column = edges[_column_key(line)]
    return (bool(NUMBERED_HEADING.match(line.text)) and not SENTENCE_END.search(line.text)
            and line.x1 - line.x0 < 0.7 * (column.right - column.left))


_NUMBER_PREFIX = re.compile(r"^\s*[0-9]{1,3}(?:\.[0-9]+)*\.?\s+")


def _hangs_under_number(first: Line, line: Line) -> bool:
    """A section heading turned over onto a second line: the first starts with a section
    number and ends without a stop, the second follows at the leading, in the same size and
    column, set under the heading's text after the number ("3.1.2 e-MERLIN detection of
    compact emission towards" over "FRB 20190714": pymupdf's 2201.00069, set 1)."""
    number = _NUMBER_PREFIX.match(first.text)
    if not number or first.rtl or line.rtl or SENTENCE_END.search(first.text) or SENTENCE_END.search(line.text):
        return False
    if _column_key(line) != _column_key(first) or abs(line.size - first.size) > 0.1 * first.size:
        return False
    if not 0 < line.baseline - first.baseline <= 1.6 * first.size:
        return False
    # where the heading's text starts, from the line's mean character width
    text_start = first.x0 + (first.x1 - first.x0) * number.end() / max(len(first.text), 1)
    return abs(line.x0 - text_start) < 0.6 * first.size and line.x1 <= first.x1 + first.size


@dataclass
class _Flow:
    """Whether a paragraph may join the one before it across a column or page break."""

    open_start: bool  # first in its column, first line not indented, continuation start
    open_end: bool  # last in its column, last line full and mid-sentence
    flush_start: bool = False  # first in its column, first line not indented
    full_end: bool = False  # last in its column, last line full (a sentence may end there)
    indented: bool | None = None  # first line indented; None where that cannot be told
    size: float = 0.0  # font size of its first and last lines (a break keeps the font)
    end_size: float = 0.0
    code: bool = False  # a listing of code (fixed-width lines), set into the text like a figure
    ragged_end: bool = False  # last in its column, mid-sentence, its line short of the edge


def _continues(line: Line, column: _Column) -> bool:
    text = line.text.lstrip()
    if _UPPER_LATIN.match(text) or NUMBERED_HEADING.match(text):
        return False
    if line.rtl:
        return column.rtl_flush_left or line.x1 >= column.right - 0.8 * line.size
    if _CJK_START.match(text):
        return line.x0 <= column.left + 0.8 * line.size
    return bool(_LATIN_CONTINUATION.match(text)) and line.x0 <= column.left + 0.8 * line.size


_HYPHENATED = re.compile(r"[^\W\d_]-$")


def _ends_open(line: Line, column: _Column) -> bool:
    if SENTENCE_END.search(line.text):
        return False
    # a word cut by a hyphen at the break goes on after it, however full a ragged line is
    return bool(_HYPHENATED.search(line.text.rstrip())) or _ends_full(line, column)


def _ends_ragged(line: Line, column: _Column) -> bool:
    """Mid-sentence on a line a ragged-right column leaves short: no heading, caption or
    sentence ends there; the text may go on where a lower-case line opens the next column."""
    return not SENTENCE_END.search(line.text) and _trailing_slack(line, column) < 6 * line.size


def _ends_full(line: Line, column: _Column) -> bool:
    ragged = column.rtl_flush_left and line.rtl
    return _trailing_slack(line, column) < (6 if ragged else 1.5) * line.size


def _hanging(lines: list[Line]) -> bool:
    """Lines after the first set in from it: a reference entry or list item, which starts
    flush although the document indents its paragraphs."""
    first, em = lines[0], lines[0].size
    if first.rtl:
        return len(lines) > 1 and all(l.x1 < first.x1 - 0.8 * em for l in lines[1:])
    return len(lines) > 1 and all(l.x0 > first.x0 + 0.8 * em for l in lines[1:])


# A reference entry's number: set flush whatever the document does with its paragraphs.
_ENTRY_NUMBER = re.compile(r"^\s*\[\d{1,3}\]")


def _tells_indent(draft: _Draft, before: _Draft | None, opens: bool) -> bool:
    """Whether the draft's first line says how the document sets its paragraphs: not the
    first in a column, not a list item, reference entry or listing (set flush anyway), not
    the first paragraph after a heading (which many styles leave unindented)."""
    first = draft.lines[0].visual if not draft.lines[0].rtl else draft.lines[0].text
    return (len(draft.lines) > 1 and not opens and not _code(draft.lines)
            and not (_BULLET.match(first) or _NUMBERED_ITEM.match(first) or _ENTRY_NUMBER.match(first))
            and (before is None or before.kind != "heading"))


def _first_line_indented(line: Line, column: _Column) -> bool | None:
    """Whether a paragraph's first line is indented; None in a ragged right-to-left column,
    whose free width on the right cannot be told from an indent."""
    if line.rtl:
        return None if column.rtl_flush_left else line.x1 < column.right - 0.8 * line.size
    return line.x0 > column.left + 0.8 * line.size


def _large_text_runs_on(previous: Line, line: Line, edges, leading, body_size: float) -> bool:
    """Text set larger than the body (a notice's opening page) can be spaced wider than a
    heading's two lines ever are (over twice its size): its line still runs on, full and
    mid-sentence, into the next at the page's leading for that size."""
    if (_column_key(line) != _column_key(previous) or line.rtl != previous.rtl
            or abs(line.size - previous.size) >= 0.1 * body_size):
        return False  # (a right-to-left example over its translation is two blocks)
    step = line.baseline - previous.baseline
    return (0 < step <= 1.25 * _expected_step(line, leading)
            and _runs_on(previous, line, edges[_column_key(line)]))


def _indented_like_text(lines: list[Line], edges) -> bool:
    """Lines set large whose first is indented by an em or a few and the rest flush with
    the column: a paragraph (a heading's turned-over lines are centred or flush)."""
    column = edges[_column_key(lines[0])]
    em = lines[0].size
    return (len(lines) > 1 and not lines[0].rtl
            and column.left + 0.8 * em < lines[0].x0 < column.left + 4 * em
            and all(l.x0 <= column.left + 0.5 * em for l in lines[1:]))


# A page whose text at the body size is this much in a bold font at least (by characters,
# over this many lines at least) sets its text in bold: bold there marks nothing. An OCR
# text layer laid under a scan often names one bold face for every word (pymupdf's
# test_3357, tuned on set 5: 97 % of its page's text in Times-Bold; no page of sets 1-4
# has more than a bold abstract or heading at the body size).
BOLD_TEXT_FACE_SHARE = 0.8
BOLD_TEXT_FACE_LINES = 8


def _bold_text_face(page: PageLayout, body_size: float) -> PageLayout:
    """The page with its bold dropped where its running text itself is set in bold."""
    text = [l for l in page.lines if not l.figure and not l.table and abs(l.size - body_size) < 0.15 * body_size]
    chars = sum(len(l.text) for l in text)
    bold = sum(len(l.text) * l.bold_share for l in text)
    if len(text) < BOLD_TEXT_FACE_LINES or bold < BOLD_TEXT_FACE_SHARE * chars:
        return page
    return replace(page, lines=[replace(l, bold=False, bold_share=0.0) for l in page.lines])


def _typewritten_prose(page: PageLayout) -> PageLayout:
    """The page with its fixed-width lines read as prose where they are justified: a bill or
    a pleading set in a typewriter face stretches its lines to one right edge, which code,
    whose lines its author broke, does not."""
    groups: dict[tuple[int, int], list[Line]] = defaultdict(list)
    for line in page.lines:
        if line.mono and not line.table and not line.figure:
            groups[_column_key(line)].append(line)
    prose = set()
    for key, lines in groups.items():
        if len(lines) < JUSTIFIED_LINES:
            continue
        right = _edge([l.x1 for l in lines], 1)
        flush = [l for l in lines if abs(l.x1 - right) <= 0.5 * l.size and len(l.text.split()) >= 3]
        if len(flush) >= JUSTIFIED_SHARE * len(lines):
            prose.add(key)
    if not prose:
        return page
    return replace(page, lines=[replace(l, mono=False) if l.mono and _column_key(l) in prose else l
                                for l in page.lines])


# Fixed-width lines, this many at least in a column and this share of them ending flush on
# one right edge, are justified prose (test_4503's bill: 22 of 31; a code listing's lines
# end where their statements do).
JUSTIFIED_LINES = 5
JUSTIFIED_SHARE = 0.6


# Lines of three words or more beside a float, this many at least, share its narrower
# measure (two could be a label and its value, or a heading's last line; tuned on set 6's
# test_4245, 16 lines beside its infobox).
WRAPPED_LINES = 3


def _wrapped_round_floats(lines: list[Line], figures, edges) -> list[Line]:
    """Lines set beside a float inside their column (a picture with its title, an infobox),
    the text wrapped round it: their measure ends where they end beside it, not at the
    column's edge (a wiki page's first paragraphs beside its infobox were read as one
    paragraph per line). The float is a figure's box grown by the lines just over or under
    it within its width (its title, its caption), which are its labels and are read at the
    end of their stretch of page, not inside the text beside it; left-to-right lines, float
    on the right."""
    text = [l for l in lines if not l.table and not l.turned and not l.figure]
    groups: list[tuple[list[int], list[Line]]] = []
    for x0, top, x1, bottom in figures:
        over = [l for l in text if l.x0 >= x0 - 1 and l.x1 <= x1 + 1
                and (0 <= top - l.bottom < 1.5 * l.size or 0 <= l.top - bottom < 1.5 * l.size)]
        top = min([top] + [l.top for l in over])
        bottom = max([bottom] + [l.bottom for l in over])
        beside = [k for k, l in enumerate(lines)
                  if l in text and l not in over and not l.rtl and l.top < bottom and l.bottom > top
                  and l.x1 + l.size < x0 < edges[_column_key(l)].right - 4 * l.size]
        # text wrapped round it, not a chart's tick labels beside its plot
        if sum(len(lines[k].text.split()) >= 3 for k in beside) >= WRAPPED_LINES:
            groups.append((beside, over))
    out = list(lines)
    for beside, _ in groups:
        right = max(lines[k].x1 for k in beside)
        for k in beside:
            narrower = right if out[k].wrap_right is None else max(out[k].wrap_right, right)
            out[k] = replace(out[k], wrap_right=narrower)
    for beside, over in groups:
        labels = [out[k] for k, l in enumerate(lines) if any(l is o for o in over)]
        if not labels:
            continue
        key = _column_key(labels[0])
        out = [l for l in out if not any(l is m for m in labels)]
        at = max(k for k, l in enumerate(out) if _column_key(l) == key) + 1
        out[at:at] = [replace(l, figure=True) for l in labels]
    return out


def page_blocks(page: PageLayout, furniture: dict[int, str], body_size: float,
                flows: dict[int, _Flow] | None = None) -> list[Block]:
    """Blocks of one page in reading order; furniture lines come first (header) or last.

    flows, when given, receives per paragraph block (by id) what document_blocks needs to
    join paragraphs split by a column or page break.
    """
    page = _typewritten_prose(_bold_text_face(page, body_size))
    notes = set(_footnote_lines(page, set(furniture), body_size))
    content = [l for i, l in enumerate(page.lines) if i not in furniture and i not in notes]
    # furniture is left out of the column edges: a centred page number under the right
    # column would move that column's left edge; so are tables, whose rules set their width
    edges = _column_edges([l for i, l in enumerate(page.lines) if i not in furniture and not l.table], body_size)
    for i in furniture:
        edges.setdefault(_column_key(page.lines[i]), _Column(page.lines[i].x0, page.lines[i].x1, False))
    content = _wrapped_round_floats(content, page.figures, edges)
    leading = _leading([l for l in content if not l.table])
    drafts: list[_Draft] = []
    for k, line in enumerate(content):
        if line.table:
            drafts.append(_Draft("table", [line]))
            continue
        kind = "figure" if line.figure else "heading" if _heading_like(line, body_size) else "paragraph"
        if kind == "figure" and drafts and drafts[-1].kind == "paragraph" and not line.turned \
                and _runs_into(drafts[-1].lines[-1], line, edges, leading, body_size):
            kind = "paragraph"  # the paragraph's last line, set beside a drawing's corner
        if kind == "heading" and line.size < 1.12 * body_size and _bold_run_in(
                line, content[k + 1] if k + 1 < len(content) else None, edges):
            kind = "paragraph"
        if kind == "heading" and _run_in_heading(
                line, content[k + 1] if k + 1 < len(content) else None, edges, leading, body_size):
            kind = "paragraph"
            # the run-in heading's first lines, all in bold, filled into this one
            if drafts and drafts[-1].kind == "heading" and all(_bold_throughout(l) for l in drafts[-1].lines) \
                    and _fills_into(drafts[-1].lines[-1], line, edges, leading, body_size):
                drafts[-1].kind = "paragraph"
                drafts[-1].lines.append(line)
                continue
        if kind == "heading" and drafts and drafts[-1].kind == "paragraph" and (
                _emphasis_runs_on(drafts[-1].lines, line, edges)
                or _emphasis_broken_mid_sentence(drafts[-1].lines, line, leading)):
            kind = "paragraph"
        if drafts and drafts[-1].kind == kind:
            previous = drafts[-1].lines[-1]
            if kind == "figure":
                # labels of one figure: one block while they stay in the same stretch
                joined = _column_key(line) == _column_key(previous)
            elif kind == "heading":
                # a heading turned over onto a second line: same column, same direction
                # (a right-to-left line over a left-to-right one is an example and its
                # translation), ordinary leading (Arabic-script fonts are tall: their lines
                # sit further apart)
                joined = (_column_key(line) == _column_key(previous) and line.rtl == previous.rtl
                          and abs(line.size - previous.size) < 0.1 * body_size
                          and 0 < line.baseline - previous.baseline
                          <= (2.4 if line.rtl or previous.rtl else 2.0) * line.size
                          and not NUMBERED_HEADING.match(line.text)) or _large_text_runs_on(
                    previous, line, edges, leading, body_size)
            elif len(drafts[-1].lines) == 1 and _hangs_under_number(previous, line):
                joined = True  # a numbered heading's second line, set under its text
            else:
                joined = not _starts_paragraph(drafts[-1].lines, line, edges, leading, body_size)
            if joined:
                drafts[-1].lines.append(line)
                continue
        drafts.append(_Draft(kind, [line]))
    blocks = []
    for i, kind in sorted(furniture.items()):
        if page.lines[i].top < 0.5 * page.height:
            blocks.append(_block(page.number, kind, [page.lines[i]], edges))
    for index, draft in enumerate(drafts):
        kind = draft.kind
        if kind == "table":
            table = draft.lines[0]
            blocks.append(Block(page=page.number, kind="table", text=table.text,
                                x0=table.x0, top=table.top, x1=table.x1, bottom=table.bottom))
            continue
        if kind == "heading" and (len(draft.lines) > 3 or _indented_like_text(draft.lines, edges)):
            kind = "paragraph"  # a long bold stretch is emphasis, not a heading
        if kind == "figure" or _caption_start(draft.lines[0].text):
            kind = "caption"
        elif kind == "paragraph" and _numbered_heading_line(draft.lines, edges):
            kind = "heading"
        block = _block(page.number, kind, draft.lines, edges)
        blocks.append(block)
        if flows is not None and kind == "paragraph":
            first, last = draft.lines[0], draft.lines[-1]
            key_first, key_last = _column_key(first), _column_key(last)
            # a figure's labels and caption, or a table, set after the paragraph at the foot
            # of its column (or before it at the head) do not make it a paragraph mid-column
            text = [d for d in drafts if d is draft or not _set_apart(d)]
            at = next(k for k, d in enumerate(text) if d is draft)
            opens = at == 0 or _column_key(text[at - 1].lines[-1]) != key_first \
                or _under_interposed(text, at, key_first, first.size)
            closes = at == len(text) - 1 or _column_key(text[at + 1].lines[0]) != key_last
            indented = _first_line_indented(first, edges[key_first])
            flows[id(block)] = _Flow(
                open_start=opens and _continues(first, edges[key_first]),
                open_end=closes and _ends_open(last, edges[key_last]),
                flush_start=opens and indented is False and not _hanging(draft.lines),
                full_end=closes and _ends_full(last, edges[key_last]),
                indented=indented if _tells_indent(draft, text[at - 1] if at else None, opens) else None,
                size=first.size, end_size=last.size, code=_code(draft.lines),
                ragged_end=closes and _ends_ragged(last, edges[key_last]),
            )
    note_lines = [page.lines[i] for i in sorted(notes, key=lambda i: page.lines[i].top)]
    groups: list[list[Line]] = []
    for line in note_lines:
        if not groups or _FOOTNOTE_START.match(line.text):
            groups.append([line])
        else:
            groups[-1].append(line)
    for group in groups:
        block = _block(page.number, "footnote", group, edges)
        block.text = _separate_note_number(block.text)
        blocks.append(block)
    for i, kind in sorted(furniture.items()):
        if page.lines[i].top >= 0.5 * page.height:
            blocks.append(_block(page.number, kind, [page.lines[i]], edges))
    return blocks


def join_broken_paragraphs(blocks: list[Block], flows: dict[int, _Flow]) -> list[Block]:
    """One passage for a paragraph that a column or page break cut in two: the part before
    the break ends mid-sentence on a full line, the part after starts its column unindented,
    in the same font size, and is no heading. Furniture, footnotes and figures in between
    keep their place after the joined paragraph; the joined block keeps each part's page
    and box as a region of its own.

    Where the document indents the first line of its paragraphs, a break can also fall
    between two sentences: a part after the break that starts its column unindented, after
    a part that fills its last line, is the same paragraph."""
    told = [f.indented for f in flows.values() if f.indented is not None]
    indents = len(told) >= 2 and sum(told) > 0.8 * len(told)
    out: list[Block] = []
    last_body: Block | None = None
    interposed_until = -1
    for at, block in enumerate(blocks):
        flow = flows.get(id(block))
        before = flows[id(last_body)] if last_body is not None else None
        if flow is not None and before is not None and flow.code and not before.code:
            out.append(block)  # a listing set at the head of the next column, like a figure
            continue
        if before is not None and (before.open_end or before.ragged_end) and out and out[-1] is last_body:
            interposed_until = _interposed(blocks, at, flows, before)
        if at < interposed_until:
            out.append(block)  # a masthead's lines at the head of the next column
            continue
        if flow is not None and before is not None and flow.code == before.code \
                and abs(flow.size - before.end_size) < 0.5 and (
                (before.open_end and (flow.open_start or flow.flush_start))
                or (before.ragged_end and flow.open_start)
                or (indents and flow.flush_start and before.full_end)):
            _append(last_body, block)
            flows[id(last_body)] = replace(before, open_end=flow.open_end, full_end=flow.full_end,
                                           end_size=flow.end_size)
            continue
        out.append(block)
        if block.kind in _FURNITURE_KINDS or block.kind in ("footnote", "caption", "table"):
            continue  # a page's notes, or a figure or table set between the two parts
        last_body = block if flow is not None else None
    return out


# Lines set apart at the head of a column that a paragraph crosses into: a journal's
# masthead (title, volume, date) over the third column of its first page.
_INTERPOSED_LINES = 3
# Blocks a paragraph may cross on its way to the next column: a figure's labels, set
# smaller than the text (set 1's naacl06: "…a hurricane name" / two figures drawn with
# eight label blocks and their captions / "and the place it affected", 12 blocks on).
_FIGURE_BLOCKS = 16
_LABEL_LINES = 3


def _interposed(blocks: list[Block], at: int, flows: dict[int, _Flow], before: _Flow) -> int:
    """Where blocks[at] opens blocks set into the paragraph's way, after which a block of
    that paragraph's size opens its column mid-sentence: the index of that block (the
    paragraph goes on there, past them); -1 otherwise. Set into its way: one to three
    one-line blocks at the head, each a heading or set in another size (a masthead), and
    captions, tables, notes and short blocks set smaller than the paragraph (a figure's
    labels)."""
    for k in range(at, min(at + _FIGURE_BLOCKS + 1, len(blocks))):
        block, flow = blocks[k], flows.get(id(blocks[k]))
        if k > at and flow is not None and flow.open_start and not flow.code \
                and abs(flow.size - before.end_size) < 0.5:
            return k
        if block.kind in _FURNITURE_KINDS or block.kind in ("footnote", "caption", "table"):
            continue
        if block.kind not in ("paragraph", "heading") or (
                flow is not None and abs(flow.size - before.end_size) < 0.5):
            return -1
        if k < at + _INTERPOSED_LINES and "\n" not in block.text.strip():
            continue
        if flow is None or flow.size > before.end_size - 0.5 or block.text.strip().count("\n") >= _LABEL_LINES:
            return -1
    return -1


def _under_interposed(drafts: list[_Draft], at: int, key: tuple[int, int], size: float) -> bool:
    """drafts[at] comes right under drafts that open its column and are set into a
    paragraph's way (see _interposed): one to three one-line drafts at the head, each a
    heading or set in another size, or short drafts set smaller than it (a figure's
    labels)."""
    k = at
    while k > 0 and _column_key(drafts[k - 1].lines[-1]) == key:
        draft = drafts[k - 1]
        if at - k == _FIGURE_BLOCKS or (draft.kind != "heading" and abs(draft.lines[0].size - size) < 0.5):
            return False
        k -= 1
    # counted from the head of the column, as _interposed counts from the break
    return k < at and all(
        (j < k + _INTERPOSED_LINES and len(drafts[j].lines) == 1)
        or (drafts[j].lines[0].size < size - 0.5 and len(drafts[j].lines) <= _LABEL_LINES)
        for j in range(k, at))


def _append(first: Block, then: Block) -> None:
    """then's text and regions after first's; first's box stays its first region's."""
    offset = len(first.text) + 1
    regions = block_regions(first) + [
        {**r, "start": r["start"] + offset, "end": r["end"] + offset} for r in block_regions(then)]
    first.text += "\n" + then.text
    first.regions = regions


def mark_title(blocks: list[Block], pages: list[PageLayout], body_size: float) -> None:
    """The largest heading on the first page, set well above body size, is the title."""
    first = [b for b in blocks if b.page == 1 and b.kind == "heading"]
    if not first or not pages:
        return
    sizes = {id(b): max((l.size for l in pages[0].lines
                         if l.top >= b.top - 0.5 and l.bottom <= b.bottom + 0.5), default=0)
             for b in first}
    top = max(first, key=lambda b: sizes[id(b)])
    if sizes[id(top)] >= 1.3 * body_size:
        top.kind = "title"


NOTES_HEADING = re.compile(
    r"^\s*(?:notes|endnotes|footnotes|یادداشت‌?ها|پی‌?نوشت‌?ها|پانویس‌?ها|註釋|注释|附註|附注)\s*[:：]?\s*$",
    re.IGNORECASE,
)


def mark_references(blocks: list[Block]) -> None:
    """Paragraphs after a references heading are references, and after a notes heading
    (end notes) footnotes, until another heading."""
    inside = None
    for block in blocks:
        if block.kind in ("heading", "title"):
            text = " ".join(block.text.split())
            inside = ("reference" if REFERENCE_HEADING.match(text)
                      else "footnote" if NOTES_HEADING.match(text) else None)
        elif inside and block.kind == "paragraph":
            block.kind = inside


def document_blocks(pages: list[PageLayout]) -> list[Block]:
    body_size = body_font_size(pages)
    furniture = find_furniture(pages, body_size)
    blocks: list[Block] = []
    flows: dict[int, _Flow] = {}
    for p, page in enumerate(pages):
        own = {i: kind for (q, i), kind in furniture.items() if q == p}
        # text on its side outside any figure: a margin's slug or stamp, the page's furniture
        own.update({i: "footer" for i, line in enumerate(page.lines) if line.turned and not line.figure})
        blocks += page_blocks(page, own, body_size, flows)
    blocks = join_broken_paragraphs(blocks, flows)
    mark_title(blocks, pages, body_size)
    mark_references(blocks)
    return blocks
