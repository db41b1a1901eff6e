"""From lines in reading order to typed blocks: page furniture, footnotes, headings,
captions, paragraphs and references.

Furniture is found across the whole document (a running header repeats, modulo its page
number, near the same margin on several pages); everything else page by page.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from statistics import median

from pipeline.extractors.lines import Line
from pipeline.extractors.logical_order import has_rtl, logical_line
from pipeline.records import Block

_DIGITS = re.compile(r"[0-9\u06f0-\u06f9\u0660-\u0669]+")
_PAGE_NUMBER = re.compile(
    r"^[\s\-–—.|()\[\]]*(?:(?:page|p\.|صفحه|第)\s*)?[0-9\u06f0-\u06f9\u0660-\u0669ivxlcIVXLC]{1,5}"
    r"(?:\s*(?:/|of|از)\s*[0-9\u06f0-\u06f9\u0660-\u0669]{1,5})?\s*頁?[\s\-–—.|()\[\]]*$"
)
_FOOTNOTE_START = re.compile(r"^\s*(?:[0-9\u06f0-\u06f9\u0660-\u0669]{1,3}[.)\-–]?|[*\u2020\u2021])")
_CAPTION = re.compile(
    r"^\s*(?:fig\.|figure|table|chart|شکل|جدول|نمودار|تصویر|圖|图|表)\s*"
    r"[0-9\u06f0-\u06f9\u0660-\u0669一二三四五六七八九十]",
    re.IGNORECASE,
)
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


def body_font_size(pages: list[PageLayout]) -> float:
    """The size most of the document's text is set in."""
    weight: Counter = Counter()
    for page in pages:
        for line in page.lines:
            weight[round(line.size * 2) / 2] += len(line.text)
    return weight.most_common(1)[0][0] if weight else 10.0


def _furniture_key(text: str) -> str:
    return " ".join(_DIGITS.sub("#", text).split())


def _margin_candidates(page: PageLayout) -> list[int]:
    """Indices of the lines near the top or bottom edge that could be furniture."""
    by_top = sorted(range(len(page.lines)), key=lambda i: page.lines[i].top)
    chosen = []
    for i in by_top[:2]:
        if page.lines[i].top < 0.15 * page.height:
            chosen.append(i)
    for i in by_top[-2:]:
        if page.lines[i].bottom > 0.85 * page.height and i not in chosen:
            chosen.append(i)
    return chosen


def find_furniture(pages: list[PageLayout]) -> dict[tuple[int, int], str]:
    """(page index, line index) -> header | footer | page_number, for lines that repeat
    across pages near a margin, or that are only a page number near one."""
    candidates = {p: _margin_candidates(page) for p, page in enumerate(pages)}
    seen: dict[str, set[int]] = defaultdict(set)
    for p, indices in candidates.items():
        for i in indices:
            seen[_furniture_key(pages[p].lines[i].text)].add(p)
    repeats_needed = 2 if len(pages) <= 4 else max(2, round(0.3 * len(pages)))
    kinds = {}
    for p, indices in candidates.items():
        page = pages[p]
        for i in indices:
            line = page.lines[i]
            upper = line.top < 0.5 * page.height
            outermost = line.top == min(l.top for l in page.lines) or \
                line.bottom == max(l.bottom for l in page.lines)
            if _PAGE_NUMBER.match(line.text) and outermost:
                kinds[(p, i)] = "page_number"
            elif len(seen[_furniture_key(line.text)]) >= repeats_needed:
                kinds[(p, i)] = "header" if upper else "footer"
    return kinds


def _footnote_lines(page: PageLayout, taken: set[int], body_size: float) -> list[int]:
    """Small-font lines at the foot of the page, read bottom up until body text."""
    order = sorted((i for i in range(len(page.lines)) if i not in taken),
                   key=lambda i: page.lines[i].top)
    notes: list[int] = []
    for i in reversed(order):
        line = page.lines[i]
        if line.size <= 0.85 * body_size and line.top > 0.55 * page.height:
            notes.append(i)
        else:
            break
    if not notes:
        return []
    notes.reverse()
    above = [page.lines[i] for i in order if i not in notes and page.lines[i].top < page.lines[notes[0]].top]
    if above:
        # a footnote area is set off from the text above by more than a line of space
        gap = page.lines[notes[0]].top - max(l.bottom for l in above)
        if gap < 1.0 * body_size:
            return []
    return notes


def _heading_like(line: Line, body_size: float) -> bool:
    return line.size >= 1.12 * body_size or (line.bold and line.size >= 0.95 * body_size)


@dataclass
class _Draft:
    kind: str
    lines: list[Line]


def _column_edges(lines: list[Line], body_size: float) -> dict[tuple[int, int], tuple[float, float]]:
    groups: dict[tuple[int, int], list[Line]] = defaultdict(list)
    for line in lines:
        groups[(line.band if line.column else -1, line.column)].append(line)
    edges = {}
    for key, members in groups.items():
        body = [l for l in members if abs(l.size - body_size) < 0.15 * body_size] or members
        edges[key] = (min(l.x0 for l in body), max(l.x1 for l in body))
    return edges


def _leading(lines: list[Line]) -> dict[float, float]:
    """Typical baseline-to-baseline distance per font size on the page."""
    steps: dict[float, list[float]] = defaultdict(list)
    for a, b in zip(lines, lines[1:]):
        if a.column == b.column and abs(a.size - b.size) < 0.5 and b.baseline > a.baseline:
            steps[round(a.size)].append(b.baseline - a.baseline)
    return {size: min(median(v), 2.2 * size) for size, v in steps.items()}


def _starts_paragraph(previous: Line, line: Line, edges, leading, body_size: float) -> bool:
    if (line.band, line.column) != (previous.band, previous.column) or line.baseline < previous.baseline:
        return True
    if abs(line.size - previous.size) > 0.1 * body_size or line.bold != previous.bold:
        return True
    step = line.baseline - previous.baseline
    expected = leading.get(round(line.size), 1.45 * line.size)
    if step > 1.3 * expected:
        return True
    left, right = edges[(line.band if line.column else -1, line.column)]
    em = line.size
    rtl = previous.rtl or line.rtl
    if rtl:
        previous_short = previous.x0 > left + 2 * em
        indented = line.x1 < right - 0.8 * em and previous.x1 >= right - 0.5 * em
    else:
        previous_short = previous.x1 < right - 2 * em
        # a first-line indent is an em or two; a short line set flush right after a full
        # one is the end of a right-to-left paragraph whose last line has no Persian in it
        indented = left + 0.8 * em < line.x0 < left + 4 * em and previous.x0 <= left + 0.5 * em
    return previous_short or indented


def _paragraph_direction(lines: list[Line], edges) -> str:
    """R or L for a block: its letters decide, or, if it has no right-to-left letters but
    several lines, a last line that hugs the right edge while the others fill the width."""
    rtl_lines = sum(l.rtl for l in lines)
    if rtl_lines * 2 >= len(lines) and rtl_lines:
        return "R"
    if len(lines) >= 2 and not any(has_rtl(l.text) for l in lines):
        last = lines[-1]
        left, right = edges[(last.band if last.column else -1, last.column)]
        if last.x1 >= right - 0.5 * last.size and last.x0 > left + 2 * last.size:
            return "R"
    return "L"


def _block(page: int, kind: str, lines: list[Line], edges) -> Block:
    direction = _paragraph_direction(lines, edges)
    texts = [line.text for line in lines]
    last = lines[-1]
    if direction == "R" and not last.rtl:
        # only the paragraph's last line ends where the paragraph does: a full stop drawn at
        # its left belongs at the end. Earlier lines run on into Latin text, so their
        # punctuation stays with it, as the line's own direction already has it.
        texts[-1] = logical_line(last.visual, last.shaped, base="R")
    return Block(
        page=page, kind=kind, text="\n".join(texts),
        x0=min(l.x0 for l in lines), top=min(l.top for l in lines),
        x1=max(l.x1 for l in lines), bottom=max(l.bottom for l in lines),
    )


def page_blocks(page: PageLayout, furniture: dict[int, str], body_size: float) -> list[Block]:
    """Blocks of one page in reading order; furniture lines come first (header) or last."""
    notes = set(_footnote_lines(page, set(furniture), body_size))
    content = [l for i, l in enumerate(page.lines) if i not in furniture and i not in notes]
    edges = _column_edges(page.lines, body_size)
    leading = _leading(content)
    drafts: list[_Draft] = []
    for line in content:
        kind = "heading" if _heading_like(line, body_size) else "paragraph"
        if (drafts and drafts[-1].kind == kind
                and not _starts_paragraph(drafts[-1].lines[-1], line, edges, leading, body_size)):
            drafts[-1].lines.append(line)
        else:
            drafts.append(_Draft(kind, [line]))
    blocks = []
    for i, kind in sorted(furniture.items()):
        if page.lines[i].top < 0.5 * page.height:
            blocks.append(_block(page.number, kind, [page.lines[i]], edges))
    for draft in drafts:
        kind = draft.kind
        if kind == "heading" and len(draft.lines) > 3:
            kind = "paragraph"  # a long bold stretch is emphasis, not a heading
        if _CAPTION.match(draft.lines[0].text):
            kind = "caption"
        blocks.append(_block(page.number, kind, draft.lines, edges))
    note_lines = [page.lines[i] for i in sorted(notes, key=lambda i: page.lines[i].top)]
    groups: list[list[Line]] = []
    for line in note_lines:
        if not groups or _FOOTNOTE_START.match(line.text):
            groups.append([line])
        else:
            groups[-1].append(line)
    blocks += [_block(page.number, "footnote", g, edges) for g in groups]
    for i, kind in sorted(furniture.items()):
        if page.lines[i].top >= 0.5 * page.height:
            blocks.append(_block(page.number, kind, [page.lines[i]], edges))
    return blocks


def mark_title(blocks: list[Block], pages: list[PageLayout], body_size: float) -> None:
    """The largest heading on the first page, set well above body size, is the title."""
    first = [b for b in blocks if b.page == 1 and b.kind == "heading"]
    if not first or not pages:
        return
    sizes = {id(b): max((l.size for l in pages[0].lines
                         if l.top >= b.top - 0.5 and l.bottom <= b.bottom + 0.5), default=0)
             for b in first}
    top = max(first, key=lambda b: sizes[id(b)])
    if sizes[id(top)] >= 1.4 * body_size:
        top.kind = "title"


def mark_references(blocks: list[Block]) -> None:
    """Paragraphs after a references heading are references, until another heading."""
    inside = False
    for block in blocks:
        if block.kind in ("heading", "title"):
            inside = bool(REFERENCE_HEADING.match(" ".join(block.text.split())))
        elif inside and block.kind == "paragraph":
            block.kind = "reference"


def document_blocks(pages: list[PageLayout]) -> list[Block]:
    body_size = body_font_size(pages)
    furniture = find_furniture(pages)
    blocks: list[Block] = []
    for p, page in enumerate(pages):
        own = {i: kind for (q, i), kind in furniture.items() if q == p}
        blocks += page_blocks(page, own, body_size)
    mark_title(blocks, pages, body_size)
    mark_references(blocks)
    return blocks
