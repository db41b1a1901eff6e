"""Reading order from a page's own geometry: a recursive XY-cut over line segments.

A page is cut across at every empty horizontal strip into slabs (a row of text, a figure,
the rows beside each other in two columns). Neighbouring slabs that share an empty
vertical strip, a gutter, form a band: a title, a stretch of two columns, a full-width
figure with its labels, a footnote area across the page. A band with a gutter is cut
along it into columns, each read whole before the next (right to left on a right-to-left
page), and each column is cut again the same way, so a column can hold its own figure or
sub-columns. A band without a gutter is read row by row.

This is Nagy and Seth's XY-cut with guards that keep it from the classic failures:
  - A gutter runs where rows on both sides leave room, along two rows at least, so the
    wide spaces of justified lines that happen to line up are no gutter; slabs with text on
    one side only (the first line of a column that starts higher than its neighbour, a
    heading set in the room the columns leave) go with the band they sit closer to.
  - A gutter must separate text columns: both sides at least MIN_COLUMN_EMS wide and set
    mostly in lines that fill their side, or long. A list's numbers or a form's labels
    beside their values are read row by row instead.
  - Figures (images and drawings) are part of the page as much as text is: a full-width
    figure between two column sections ends the first band, so the columns above it are read
    before the columns below. Text inside or beside a figure is kept, marked as its labels.
  - A narrow column set smaller than the text beside it (a marginal note, a sidebar) is
    read after that text.

Segments are a row's glyphs split where a gap could be a gutter (MIN_GUTTER_EMS), so two
columns whose lines sit on one baseline are two segments; the segments of one row in one
column are joined back into a line afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A gutter is at least this many font sizes wide (LaTeX's two-column classes leave 1.0-2.5,
# Chromium's and LibreOffice's column gaps in the benchmark 2.0-2.3, the FAA handbook page
# of the public set 1.0 exactly) ...
MIN_GUTTER_EMS = 0.8
# ... and the columns beside it at least this wide: a list's numbers or a hanging label
# column is narrower and stays with its text.
MIN_COLUMN_EMS = 6.0
# A column is text set in lines that fill it: at least this share of its rows reach
# FULL_ROW of its width (the rest are last lines of paragraphs, headings).
TEXT_ROWS = 0.4
FULL_ROW = 0.7
# ... or a column of at least this many rows, whatever its lines' length (a list, a table
# or one page of a two-page spread beside another).
LIST_ROWS = 8
# ... and a column of fewer rows at least this many of its own font sizes wide (some twenty
# characters a line): a few narrow stacks side by side are the columns of a table or of a
# form (labels beside values), whose rows read across.
SHORT_COLUMN_EMS = 10.0
# An empty strip across the whole region this many line heights tall ends a band even
# where the columns above and below line up: a figure whose drawing the PDF does not
# describe, or a break between sections.
BAND_BREAK_LINES = 2.5


@dataclass
class Box:
    x0: float
    top: float
    x1: float
    bottom: float
    icon: bool = False  # a small drawing round a glyph or word (see pdf._icon): its text is its label


def centred_in(char: dict, box: Box) -> bool:
    """The glyph's centre lies in the box: a glyph whose ink reaches past a cell's rule or
    an icon's drawing still belongs to it."""
    return (box.x0 <= (char["x0"] + char["x1"]) / 2 <= box.x1
            and box.top <= (char["top"] + char["bottom"]) / 2 <= box.bottom)


@dataclass
class Segment(Box):
    """Glyphs of one row with no gap between them that could be a gutter."""

    chars: list[dict] = field(default_factory=list)
    row: int = 0
    size: float = 10.0
    rtl: bool = False
    figure: bool = False  # lies inside a figure: a label or a value in a chart
    table: int = -1  # stands for the page's table of this index (its box; lines.py reads its cells)


@dataclass
class Leaf:
    """A stretch of page read top to bottom: one column of a band, or a band."""

    segments: list[Segment]
    columned: bool  # cut from a band along a gutter (else a full-width stretch)
    x0: float  # extent of the region it was cut from
    x1: float


def _overlap_free(intervals: list[tuple[float, float]], lo: float, hi: float) -> list[tuple[float, float]]:
    """The parts of [lo, hi] no interval covers."""
    free, cursor = [], lo
    for a, b in sorted(intervals):
        if a > cursor:
            free.append((cursor, min(a, hi)))
        cursor = max(cursor, b)
        if cursor >= hi:
            break
    if cursor < hi:
        free.append((cursor, hi))
    return [(a, b) for a, b in free if b > a]


def _slabs(items: list[Box]) -> list[list[Box]]:
    """Items grouped by the empty horizontal strips between them, top to bottom."""
    slabs: list[list[Box]] = []
    bottom = None
    for item in sorted(items, key=lambda b: b.top):
        # boxes of one row overlap a little (ascenders, descenders): a strip counts as
        # empty only past a fifth of the smaller line
        if bottom is None or item.top > bottom - _slack(item, slabs[-1]):
            slabs.append([item])
            bottom = item.bottom
        else:
            slabs[-1].append(item)
            bottom = max(bottom, item.bottom)
    return slabs


def _slack(item: Box, slab: list[Box]) -> float:
    heights = [b.bottom - b.top for b in slab + [item] if isinstance(b, Segment)]
    return 0.2 * min(heights) if heights else 0.0


def _inner_gaps(items: list[Box], min_width: float) -> list[tuple[float, float]]:
    """Empty vertical strips at least min_width wide with something on both sides."""
    left, right = min(b.x0 for b in items), max(b.x1 for b in items)
    return [(a, b) for a, b in _overlap_free([(i.x0, i.x1) for i in items], left, right)
            if b - a >= min_width]


@dataclass
class _Band:
    slabs: list[list[Box]]
    gaps: list[tuple[float, float]]  # strips along candidate gutters that every slab leaves empty

    @property
    def items(self) -> list[Box]:
        return [b for slab in self.slabs for b in slab]


def _candidate_gutters(slabs: list[list[Box]], min_gutter: float) -> tuple[list[tuple[float, float]],
                                                                            list[tuple[float, float]]]:
    """Strips of the region where rows on both sides of an empty gap, two at least, leave
    room for a gutter (a wide space in one justified line does not); and within each its
    core, (start, stop, rows), where nearly all those rows leave it empty: the gutter itself,
    where the strip also holds the room that short lines leave."""
    counts: dict[int, int] = {}
    for slab in slabs:
        for a, b in _inner_gaps(slab, min_gutter):
            # rows on each side: columns whose baselines do not line up make one tall slab
            weight = _rows_beside([slab], (a, b))
            for x in range(int(a) + 1, int(b)):
                counts[x] = counts.get(x, 0) + weight
    strips = [(a, b) for a, b in _runs([x for x in sorted(counts) if counts[x] >= 2]) if b - a >= min_gutter - 2]
    cores = []
    for a, b in strips:
        peak = max(counts[x] for x in range(a, b))
        cores += [(float(c), float(d), peak) for c, d in _runs([x for x in range(a, b) if counts[x] >= 0.8 * peak])]
    return [(float(a), float(b)) for a, b in strips], cores


def _runs(xs: list[int]) -> list[tuple[int, int]]:
    """Consecutive integers as [start, stop) runs."""
    runs: list[tuple[int, int]] = []
    for x in xs:
        if runs and x == runs[-1][1]:
            runs[-1] = (runs[-1][0], x + 1)
        else:
            runs.append((x, x + 1))
    return runs


def _free(slab: list[Box], strips: list[tuple[float, float]], min_gutter: float) -> list[tuple[float, float]]:
    """The parts of the strips that the slab leaves empty, min_gutter wide at least."""
    found = []
    for lo, hi in strips:
        inside = [(b.x0, b.x1) for b in slab if b.x1 > lo and b.x0 < hi]
        found += [(a, b) for a, b in _overlap_free(inside, lo, hi) if b - a >= min_gutter]
    return found


def _two_sided(slab: list[Box], gaps: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The gaps with something of the slab on both sides."""
    return [g for g in gaps if any(b.x1 <= g[0] for b in slab) and any(b.x0 >= g[1] for b in slab)]


def _bands(slabs: list[list[Box]], candidates: list[tuple[float, float]], min_gutter: float,
           line_height: float) -> list[_Band]:
    """Runs of slabs that keep one strip along a candidate gutter empty (a stretch of
    columns), or that have nothing on both sides of any (a stretch of full-width rows).

    A slab with text on one side only fits either; at the border of two bands such slabs
    go to whichever they sit closer to (_settle_border)."""
    bands: list[_Band] = []
    for slab in slabs:
        free = _free(slab, candidates, min_gutter)
        if bands:
            band = bands[-1]
            previous_bottom = max(b.bottom for b in band.items)
            far = min(b.top for b in slab) - previous_bottom > BAND_BREAK_LINES * line_height
            if not far and band.gaps:
                common = _free(slab, band.gaps, min_gutter)
                if common:
                    # a gutter this slab opens that the band's slabs so far leave free too
                    # (three columns whose first lines start at different heights)
                    common += [g for g in _two_sided(slab, free)
                               if not any(_overlaps(g, c) for c in common)
                               and all(_free(s, [g], min_gutter) for s in band.slabs)]
                    band.slabs.append(slab)
                    band.gaps = common
                    continue
            elif not far and not _two_sided(slab, free):
                band.slabs.append(slab)
                continue
        opening = _two_sided(slab, free)
        band = _Band([slab], opening)
        if bands:
            _settle_border(bands[-1], band, min_gutter)
            if not bands[-1].slabs:
                bands.pop()
        bands.append(band)
    return bands


def _settle_border(above: _Band, below: _Band, min_gutter: float) -> None:
    """Slabs on one side of a gutter at the border of a columns band and a full-width band
    go with whichever they sit closer to: the first lines of columns that start higher
    than their neighbours join the columns below, a heading set after the columns (in the
    space one of them leaves) joins the full-width text under it."""
    columns = above if above.gaps else below
    if not columns.gaps or (above.gaps and below.gaps):
        return
    group = 0  # trailing slabs of `above` that sit on one side of the gutter
    while group < len(above.slabs):
        slab = above.slabs[-1 - group]
        if not (_one_sided(slab, columns.gaps) and _free(slab, columns.gaps, min_gutter)):
            break
        group += 1
    if not group:
        return
    # the border goes where the widest vertical space is, before one of those slabs or
    # after all of them
    start = len(above.slabs) - group
    spaces = []
    for k in range(start, len(above.slabs) + 1):
        if k == 0:
            spaces.append((0.0, 0))  # nothing above them in this region
            continue
        bottom = max(b.bottom for s in above.slabs[:k] for b in s)
        top = min(b.top for b in (above.slabs[k] if k < len(above.slabs) else below.items))
        spaces.append((top - bottom, k))
    _, border = max(spaces, key=lambda s: (s[0], -s[1]))
    if border < len(above.slabs):
        below.slabs[:0] = above.slabs[border:]
        del above.slabs[border:]


def _overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _one_sided(slab: list[Box], gaps: list[tuple[float, float]]) -> bool:
    """All of the slab lies on one side of one of the gaps."""
    return any(all(b.x1 <= g[0] for b in slab) or all(b.x0 >= g[1] for b in slab) for g in gaps)


# A figure whose box reaches across a gutter by less than this share of its width belongs
# to the column it mostly sits in: image boxes carry white margins that overhang.
OVERHANG = 0.3


def _clipped(figure: Box, candidates: list[tuple[float, float]]) -> Box:
    for a, b in candidates:
        if figure.x0 < a and figure.x1 > b:
            width = figure.x1 - figure.x0
            left, right = a - figure.x0, figure.x1 - b
            if right < OVERHANG * width and right < left:
                figure = Box(figure.x0, figure.top, a, figure.bottom)
            elif left < OVERHANG * width:
                figure = Box(b, figure.top, figure.x1, figure.bottom)
    return figure


def _side_is_text(items: list[Box], lo: float, hi: float, size: float) -> bool:
    segments = [s for s in items if isinstance(s, Segment) and lo <= (s.x0 + s.x1) / 2 <= hi]
    if not segments:
        return True  # a figure beside text
    left, right = min(s.x0 for s in segments), max(s.x1 for s in segments)
    if right - left < MIN_COLUMN_EMS * size:
        return False
    rows: dict[int, list[Segment]] = {}
    for s in segments:
        rows.setdefault(s.row, []).append(s)
    if len(rows) >= LIST_ROWS:
        return True  # a long column, whatever its lines: a list, a table, a page of a spread
    if right - left < SHORT_COLUMN_EMS * _text_size(segments):
        return False  # a few short rows: a column of a table or a form, read row by row
    widths = [max(s.x1 for s in r) - min(s.x0 for s in r) for r in rows.values()]
    return sum(w >= FULL_ROW * (right - left) for w in widths) >= TEXT_ROWS * len(widths)


def _gutters(band: _Band, size: float) -> list[tuple[float, float]]:
    """The band's gaps that separate text columns (see the module's docstring), as the
    empty strips of the band itself that hold a candidate gutter."""
    items = band.items
    inner = _inner_gaps(items, MIN_GUTTER_EMS * size)
    gaps = [gap for gap in inner if any(gap[0] <= (a + b) / 2 <= gap[1] for a, b in band.gaps)]
    gaps = [gap for gap in gaps if _rows_beside(band, gap) >= 2]
    while gaps:
        edges = [min(b.x0 for b in items)] + [x for gap in gaps for x in gap] + [max(b.x1 for b in items)]
        sides = [(edges[k], edges[k + 1]) for k in range(0, len(edges), 2)]
        text = [_side_is_text(items, lo, hi, size) for lo, hi in sides]
        apart = [not _rows_shared(items, sides[k], sides[k + 1]) or _other_hand(items, sides[k], sides[k + 1])
                 for k in range(len(gaps))]
        if all(text) or all(apart[k] or (text[k] and text[k + 1]) for k in range(len(gaps))):
            return gaps
        # drop the gaps beside a side that is no text column, unless nothing on the two
        # sides shares a row, and try the rest again
        kept = [gap for k, gap in enumerate(gaps) if apart[k] or (text[k] and text[k + 1])]
        if len(kept) == len(gaps):
            return []
        gaps = kept
    return []


def _rows_shared(items: list[Box], left: tuple[float, float], right: tuple[float, float]) -> bool:
    """Some row has text on both sides: a list's numbers beside its items, a form's labels
    beside their values. Where no row does, the two sides are blocks of their own (a
    colophon beside a masthead), and reading them row by row would interleave them."""
    def rows(lo: float, hi: float) -> set[int]:
        return {s.row for s in items if isinstance(s, Segment) and lo <= (s.x0 + s.x1) / 2 <= hi}
    return bool(rows(*left) & rows(*right))


# Each side of a gap between two hands holds words: a side this many of its font sizes wide
# at least (a list's bullets, drawn in a symbol font and coloured, are one).
HAND_EMS = 3.0


def _hand(items: list[Box], lo: float, hi: float) -> tuple[set, set]:
    """The fonts and fill colours of the glyphs of the segments between lo and hi (none
    where those are narrower than HAND_EMS)."""
    segments = [s for s in items if isinstance(s, Segment) and lo <= (s.x0 + s.x1) / 2 <= hi]
    if not segments or max(s.x1 for s in segments) - min(s.x0 for s in segments) < HAND_EMS * _text_size(segments):
        return set(), set()
    chars = [c for s in segments for c in s.chars if c["text"].strip()]
    return {c.get("fontname") for c in chars}, {str(c.get("non_stroking_color")) for c in chars}


def _other_hand(items: list[Box], left: tuple[float, float], right: tuple[float, float]) -> bool:
    """The two sides share no font and no colour: notes written in the margin (a reviewer's
    annotations, a textbook's side notes in another face and colour) beside the text, two
    texts whose rows only happen to line up, never a list's numbers beside its items or a
    form's labels beside their values."""
    fonts_left, colours_left = _hand(items, *left)
    fonts_right, colours_right = _hand(items, *right)
    return bool(fonts_left and fonts_right) and not (fonts_left & fonts_right) \
        and not (colours_left & colours_right)


def _rows_beside(band: _Band | list[list[Box]], gap: tuple[float, float]) -> int:
    """Text rows on the side of the gap that has fewer: a gutter runs along at least two on
    each side, where a wide space in one justified line does not."""
    slabs = band.slabs if isinstance(band, _Band) else band
    left, right = set(), set()
    for slab in slabs:
        for b in slab:
            if isinstance(b, Segment):
                if b.x1 <= gap[0]:
                    left.add(b.row)
                elif b.x0 >= gap[1]:
                    right.add(b.row)
    return min(len(left), len(right))


def _columns(items: list[Box], gutters: list[tuple[float, float]], rtl: bool) -> list[list[Box]]:
    cuts = [(a + b) / 2 for a, b in gutters]
    columns: list[list[Box]] = [[] for _ in range(len(cuts) + 1)]
    for item in items:
        centre = (item.x0 + item.x1) / 2
        columns[sum(centre > c for c in cuts)].append(item)
    columns = [c for c in columns if c]
    columns = columns[::-1] if rtl else columns
    # marginal notes and sidebars (a narrow column set smaller than the text beside it) are
    # read after the text they sit beside, wherever they sit
    main = max(columns, key=_text_width)
    size = _text_size(main)
    asides = [c for c in columns if c is not main and _text_width(c) < ASIDE_WIDTH * _text_width(main)
              and 0 < _text_size(c) < 0.95 * size]
    return [c for c in columns if not any(c is a for a in asides)] + asides


# A column narrower than this share of the widest beside it, and set smaller, is an aside.
ASIDE_WIDTH = 0.5


def _text_width(column: list[Box]) -> float:
    return max(b.x1 for b in column) - min(b.x0 for b in column)


def _text_size(column: list[Box]) -> float:
    sizes = sorted(b.size for b in column if isinstance(b, Segment))
    return sizes[len(sizes) // 2] if sizes else 0.0


def _is_rtl(items: list[Box]) -> bool:
    segments = [s for s in items if isinstance(s, Segment)]
    weight = sum(len(s.chars) * (1 if s.rtl else -1) for s in segments)
    return weight > 0


def _cut(items: list[Box], size: float, depth: int = 0) -> list[tuple[list[Box], bool, float, float]]:
    """(items, columned, x0, x1) of the leaves in reading order. Gutters are looked for
    in the text; figures then take their place beside or across them."""
    text = [b for b in items if isinstance(b, Segment)]
    _, weighed = _candidate_gutters(_slabs(text), MIN_GUTTER_EMS * size) if text else ([], [])
    cores = [(a, b) for a, b, _ in weighed]
    # figures are clipped only at the page's main gutters (those along at least half as
    # many rows as the strongest), not at a gap between a table's cells
    strongest = max((w for _, _, w in weighed), default=0)
    figures = [_clipped(b, [(a, c) for a, c, w in weighed if w >= 0.5 * strongest])
               for b in items if not isinstance(b, Segment)]
    leaves = []
    after_rows = False  # the last leaf is a band read row by row: one without a gutter joins it
    for band in _bands(_slabs(text + figures), cores, MIN_GUTTER_EMS * size, 1.2 * size):
        band_items = band.items
        gutters = _gutters(band, size) if depth < 4 else []
        if not gutters:
            x0, x1 = min(b.x0 for b in band_items), max(b.x1 for b in band_items)
            if after_rows:
                joined, columned, jx0, jx1 = leaves[-1]
                leaves[-1] = (joined + band_items, columned, min(jx0, x0), max(jx1, x1))
            else:
                leaves.append((band_items, depth > 0, x0, x1))
            after_rows = True
            continue
        after_rows = False
        for column in _columns(band_items, gutters, _is_rtl(band_items)):
            leaves += _cut(column, size, depth + 1)
    return leaves


def _label_of(segment: Segment, figure: Box, size: float) -> bool:
    """The segment is a label of the figure: inside it, or a short piece of text just
    beside its edge: an axis label, or a name set under a small drawing in a font smaller
    than the page's (not the last line of the paragraph above, set in the page's font).
    Text in a font larger than the page's is not: that is a heading set on a drawn
    decoration."""
    cx, cy = (segment.x0 + segment.x1) / 2, (segment.top + segment.bottom) / 2
    if figure.x0 <= cx <= figure.x1 and figure.top <= cy <= figure.bottom:
        return True
    reach = 2 * segment.size
    near = figure.x0 - reach <= cx <= figure.x1 + reach and figure.top - reach <= cy <= figure.bottom + reach
    width = segment.x1 - segment.x0
    return near and (width < 0.3 * (figure.x1 - figure.x0)
                     or (segment.size < 0.95 * size and width < figure.x1 - figure.x0 + 2 * reach))


def reading_order(segments: list[Segment], figures: list[Box], size: float) -> list[Leaf]:
    """Leaves of the page in reading order; size is the page's body font size."""
    if not segments:
        return []
    for segment in segments:
        segment.figure = segment.table < 0 and segment.size <= 1.05 * size and any(_label_of(segment, f, size) for f in figures)
    leaves = []
    for items, columned, x0, x1 in _cut(list(segments) + list(figures), size):
        text = sorted((b for b in items if isinstance(b, Segment)), key=lambda s: (s.top, s.x0))
        if text:
            leaves.append(Leaf(text, columned, x0, x1))
    return leaves
