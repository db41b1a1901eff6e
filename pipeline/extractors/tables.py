"""Tables: ruled grids of cells, read as one block each instead of rows of body text.

Cells come from pdfplumber's table finder over the page's ruling lines (lines, and the edges
of rectangles). Two things are added to what it finds and one is taken away:

  - Open sides. Many tables draw their horizontal rules across the whole table but no
    vertical rule at its two outer edges (a first column of row labels, a last column of
    values, Korean and Chinese house styles): the finder then leaves the outer columns
    out. Where vertical rules inside the table meet its horizontal rules, the rules' common
    ends are taken as the table's sides.
  - Not every ruled grid is a table. A grid is a table when it has at least two rows and
    two columns that hold text, and its cells tile its box (boxes drawn inside other boxes,
    callouts round a drawing, are a figure). A cell of more than MAX_CELL_ROWS rows of
    text is a frame round a column of text, not a cell.
  - A grid of two columns whose one column is set apart row by row (bold, or shaded)
    holds labels beside their values: a form (docling's key_value_region), whose rows
    read as text, label then value. It stays text.

Tables without rules are found in the text itself (`aligned_tables`): rows, three at least,
whose pieces stand in three columns or more, with the same empty strips between them all
the way down (a list's numbers beside its items, or a form's labels beside their values,
make two columns, and prose none).

Text inside a table is read cell by cell, rows top to bottom and each row's cells in the
direction of its script; `table_text` joins a cell's lines with a space (none beside a
Chinese character), a row's cells with a tab and the rows with line breaks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median

from pipeline.extractors.reading_order import MIN_GUTTER_EMS, SHORT_COLUMN_EMS, Box, Segment, centred_in

# A table's rows and columns: at least this many of each hold text.
MIN_ROWS = 2
MIN_COLUMNS = 2
# The cells of a table cover its box (share of its area), no more (nothing drawn twice).
TILED = (0.9, 1.1)
# More rows of text than this in one cell is a column of running text in a frame.
MAX_CELL_ROWS = 12
# Horizontal rules end at the table's sides within this many points of each other.
_SIDE_TOLERANCE = 2.0
# pdfplumber's defaults, spelled out: rules this close are one rule (points).
_FINDER = {"vertical_strategy": "lines", "horizontal_strategy": "lines",
           "snap_tolerance": 3, "join_tolerance": 3, "intersection_tolerance": 3}

# Chinese and Japanese, not Korean: Korean sets spaces between words
_CJK = re.compile("[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


@dataclass
class Cell:
    row: int
    column: int
    box: Box


@dataclass
class Table:
    box: Box
    cells: list[Cell]


def page_tables(page, chars: list[dict]) -> tuple[list[Table], list[Box]]:
    """The page's tables (see the module's docstring), outermost only: a table nested in a
    cell of another is part of that cell; and the boxes of its forms (ruled grids of labels
    beside values), whose rules are no drawing either though their text stays text."""
    settings = dict(_FINDER, explicit_vertical_lines=_open_sides(page.horizontal_edges, page.vertical_edges))
    visible = [c for c in chars if c["text"].strip()]
    found, forms = [], []
    for candidate in page.find_tables(table_settings=settings):
        table = _grid(candidate)
        if table is None:
            continue
        verdict = _verdict(table, visible, page)
        if verdict == "table":
            found.append(table)
        elif verdict == "form":
            forms.append(table.box)
    return [t for t in found if not any(o is not t and _inside(t.box, o.box) for o in found)], forms


def _grid(candidate) -> Table | None:
    cells = []
    for r, row in enumerate(candidate.rows):
        for c, bbox in enumerate(row.cells):
            if bbox is not None:
                cells.append(Cell(r, c, Box(*bbox)))
    if not cells:
        return None
    return Table(Box(*candidate.bbox), cells)


def _open_sides(horizontal: list[dict], vertical: list[dict]) -> list[dict]:
    """Vertical lines at the common ends of a stack of horizontal rules whose neighbours
    are joined by vertical rules between those ends: the sides of a table drawn without
    them. Three tables one under the other with rules of one width stay three: nothing
    joins the last rule of one to the first of the next."""
    rules = sorted((r for r in _joined(horizontal, "top", "x0", "x1") if r[2] - r[1] > 20), key=lambda r: (round(r[1]), r[0]))
    groups: list[list[tuple[float, float, float]]] = []
    for rule in rules:
        for group in groups:
            if abs(group[0][1] - rule[1]) <= _SIDE_TOLERANCE and abs(group[0][2] - rule[2]) <= _SIDE_TOLERANCE:
                group.append(rule)
                break
        else:
            groups.append([rule])
    uprights = _joined(vertical, "x0", "top", "bottom")
    sides = []
    for group in groups:
        x0, x1 = group[0][1], group[0][2]
        inner = [v for v in uprights if x0 + _SIDE_TOLERANCE < v[0] < x1 - _SIDE_TOLERANCE]
        ys = sorted({round(r[0], 1) for r in group})
        stack: list[float] = ys[:1]
        for y in ys[1:] + [None]:
            if y is not None and any(top <= stack[-1] + 3 and bottom >= y - 3 for _, top, bottom in inner):
                stack.append(y)
                continue
            if len(stack) >= 2:
                for x in (x0, x1):
                    sides.append({"object_type": "line", "x0": x, "x1": x, "top": stack[0], "bottom": stack[-1],
                                  "width": 0.0, "height": stack[-1] - stack[0]})
            stack = [y]
    return sides


def _joined(edges: list[dict], across: str, start: str, stop: str) -> list[tuple[float, float, float]]:
    """(position, start, stop) of rules, pieces on one line that meet joined into one (a
    producer may draw a rule as one piece per cell, or a row's shading as boxes)."""
    joined: list[list[float]] = []
    for e in sorted(edges, key=lambda e: (round(e[across]), e[start])):
        if joined and abs(joined[-1][0] - e[across]) <= 1 and e[start] <= joined[-1][2] + 3:
            joined[-1][2] = max(joined[-1][2], e[stop])
        else:
            joined.append([e[across], e[start], e[stop]])
    return [(a, b, c) for a, b, c in joined]


def _cell_chars(cell: Cell, chars: list[dict]) -> list[dict]:
    return [c for c in chars if centred_in(c, cell.box)]


def _verdict(table: Table, chars: list[dict], page) -> str:
    """"table", "form" (two columns, labels beside values) or "" (no grid of text)."""
    box = table.box
    area = (box.x1 - box.x0) * (box.bottom - box.top)
    covered = sum((c.box.x1 - c.box.x0) * (c.box.bottom - c.box.top) for c in table.cells)
    if not area or not TILED[0] <= covered / area <= TILED[1]:
        return ""
    filled: list[tuple[Cell, list[dict]]] = []
    for cell in table.cells:
        inside = _cell_chars(cell, chars)
        if inside:
            # rows of upright text: a header turned on its side has a glyph a row
            if len({round(c["bottom"]) for c in inside if c.get("upright", True)}) > MAX_CELL_ROWS:
                return ""
            filled.append((cell, inside))
    columns = _slots([(c.box.x0, c.box.x1) for c, _ in filled])
    rows = _slots([(c.box.top, c.box.bottom) for c, _ in filled])
    if len(set(rows)) < MIN_ROWS or len(set(columns)) < MIN_COLUMNS:
        return ""
    return "form" if len(set(columns)) == 2 and _labels_beside_values(filled, columns, rows, page) else "table"


def _slots(spans: list[tuple[float, float]]) -> list[int]:
    """For each span (a filled cell's extent across or down the table), the column or row
    it stands in: spans that overlap by more than half the narrower share one. Counting
    these, not the finder's indices, keeps a cell that starts a few points off its
    neighbours (or spans two of them) in their column."""
    order = sorted(range(len(spans)), key=lambda k: spans[k])
    slot_of = [0] * len(spans)
    extents: list[list[float]] = []
    for k in order:
        a, b = spans[k]
        for n, (lo, hi) in enumerate(extents):
            if min(b, hi) - max(a, lo) > 0.5 * min(b - a, hi - lo):
                slot_of[k] = n
                extents[n] = [min(a, lo), max(b, hi)]
                break
        else:
            slot_of[k] = len(extents)
            extents.append([a, b])
    return slot_of


def _labels_beside_values(filled: list[tuple[Cell, list[dict]]], columns: list[int], rows: list[int], page) -> bool:
    """In every row that fills both columns, the cell of one column is set apart (bold or
    shaded) and the other's is not, always the same column: labels and their values."""
    by_row: dict[int, dict[int, bool]] = {}
    for (cell, inside), column, row in zip(filled, columns, rows):
        marks = by_row.setdefault(row, {})
        marks[column] = marks.get(column, True) and _set_apart(cell, inside, page)
    styled_side = None
    both = 0
    for marks in by_row.values():
        if len(marks) != 2:
            continue
        first, second = (marks[c] for c in sorted(marks))
        if first == second:
            return False
        side = 0 if first else 1
        if styled_side is not None and side != styled_side:
            return False
        styled_side = side
        both += 1
    return both >= 2


def _set_apart(cell: Cell, chars: list[dict], page) -> bool:
    bold = sum("bold" in c["fontname"].lower() for c in chars) > 0.6 * len(chars)
    return bold or _shaded(cell.box, page)


def _shaded(box: Box, page) -> bool:
    """A filled rectangle, not white, covers the cell."""
    for rect in page.rects:
        if not rect.get("fill"):
            continue
        colour = rect.get("non_stroking_color")
        if colour is None or _white(colour):
            continue
        if rect["x0"] <= box.x0 + 2 and rect["x1"] >= box.x1 - 2 and rect["top"] <= box.top + 2 and rect["bottom"] >= box.bottom - 2:
            return True
    return False


def _white(colour) -> bool:
    values = colour if isinstance(colour, (list, tuple)) else (colour,)
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError):
        return False
    if len(numbers) == 4:  # CMYK
        return all(v <= 0.02 for v in numbers)
    return all(v >= 0.98 for v in numbers)


def _inside(inner: Box, outer: Box) -> bool:
    return (outer.x0 - 1 <= inner.x0 and inner.x1 <= outer.x1 + 1
            and outer.top - 1 <= inner.top and inner.bottom <= outer.bottom + 1)


def in_table(char: dict, table: Table) -> bool:
    return centred_in(char, table.box)


def cell_of(char: dict, table: Table) -> Cell:
    """The cell that holds the character's centre; a character in no cell (the table's box
    reaches past its cells by a rule's width) goes to the nearest."""
    cx, cy = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2

    def distance(cell: Cell) -> float:
        b = cell.box
        dx = max(b.x0 - cx, 0.0, cx - b.x1)
        dy = max(b.top - cy, 0.0, cy - b.bottom)
        return dx * dx + dy * dy

    return min(table.cells, key=distance)


def table_text(table: Table, lines: dict[tuple[int, int], list[str]], rtl: bool) -> str:
    """A table's text from the lines of each cell (by row and column): a cell's lines
    joined as the normalize stage joins lines (no space beside a Chinese character), a
    row's cells in reading order separated by a tab, rows by a line break. An empty cell
    between two others keeps its tab, so columns stay columns."""
    rows: dict[int, dict[int, str]] = {}
    for cell in table.cells:
        rows.setdefault(cell.row, {})[cell.column] = _cell_text(lines.get((cell.row, cell.column), []))
    out = []
    for row in sorted(rows):
        columns = rows[row]
        line = "\t".join(columns[c] for c in sorted(columns, reverse=rtl)).strip("\t")
        if line.strip():
            out.append(line)
    return "\n".join(out)


def _cell_text(lines: list[str]) -> str:
    text = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if text and not (_CJK.match(text[-1]) or _CJK.match(line[0])):
            text += " "
        text += line
    return text


# A table without rules: this many rows at least, and this many columns
ALIGNED_ROWS = 3
ALIGNED_COLUMNS = 3


def aligned_tables(rows: list[list[Segment]], size: float) -> list[tuple[int, int, Table]]:
    """Runs of rows (each a row's segments in one stretch of the page, top to bottom) that
    share empty strips at least MIN_GUTTER_EMS wide, so that their pieces stand in
    ALIGNED_COLUMNS columns or more, over ALIGNED_ROWS rows or more: (first, last, table)
    by position in rows. A run starts and ends with a row that fills two columns at least
    (a line of prose before a table that happens to fit in its first column is no row of
    it), and needs ALIGNED_ROWS rows that fill three."""
    found = []
    start = 0
    while start < len(rows):
        end, gaps = start, _common_gaps(rows[start:start + 1], size)
        while end + 1 < len(rows):
            wider = _common_gaps(rows[start:end + 2], size)
            if len(wider) < ALIGNED_COLUMNS - 1:
                break
            end, gaps = end + 1, wider
        table = _aligned(rows, start, end, gaps) if len(gaps) >= ALIGNED_COLUMNS - 1 else None
        if table is not None:
            found.append(table)
            start = table[1] + 1
        else:
            start += 1
    return found


def _common_gaps(rows: list[list[Segment]], size: float) -> list[tuple[float, float]]:
    items = [s for row in rows for s in row]
    left, right = min(s.x0 for s in items), max(s.x1 for s in items)
    covered = sorted((s.x0, s.x1) for s in items)
    gaps, cursor = [], left
    for a, b in covered:
        if a - cursor >= MIN_GUTTER_EMS * size:
            gaps.append((cursor, a))
        cursor = max(cursor, b)
    return [g for g in gaps if g[1] < right]


def _aligned(rows: list[list[Segment]], start: int, end: int, gaps: list[tuple[float, float]]):
    cuts = [(a + b) / 2 for a, b in gaps]

    def filled(row: list[Segment]) -> int:
        return len({sum(((s.x0 + s.x1) / 2) > c for c in cuts) for s in row})

    while start <= end and filled(rows[start]) < 2:
        start += 1
    while end >= start and filled(rows[end]) < 2:
        end -= 1
    if end - start + 1 < ALIGNED_ROWS or sum(filled(r) >= 3 for r in rows[start:end + 1]) < ALIGNED_ROWS:
        return None
    run = [s for row in rows[start:end + 1] for s in row]
    left, right = min(s.x0 for s in run), max(s.x1 for s in run)
    edges = [left] + cuts + [right]
    # some column is narrow, as a table's numbers or marks are: columns of running text
    # that happen to be read across (their rows on one baseline) are no table
    size = median(s.size for s in run)
    widths = []
    for c in range(len(edges) - 1):
        inside = [s for s in run if edges[c] <= (s.x0 + s.x1) / 2 <= edges[c + 1]]
        widths.append(max(s.x1 for s in inside) - min(s.x0 for s in inside) if inside else 0.0)
    if min(widths) >= SHORT_COLUMN_EMS * size:
        return None
    cells = []
    for r, row in enumerate(rows[start:end + 1]):
        top, bottom = min(s.top for s in row), max(s.bottom for s in row)
        cells += [Cell(r, c, Box(edges[c], top, edges[c + 1], bottom)) for c in range(len(edges) - 1)]
    box = Box(left, min(s.top for s in run), right, max(s.bottom for s in run))
    return start, end, Table(box, cells)
