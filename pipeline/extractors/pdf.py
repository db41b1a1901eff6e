"""PDF extraction: text layer through pdfplumber, pages without one through OCR."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from pipeline.config import ExtractSettings
from pipeline.errors import ExtractionError
from pipeline.extractors import builtin_encoding, control_characters, embedded_cmap, glyph_names, line_numbers, quality
from pipeline.extractors.layout import PageLayout, document_blocks
from pipeline.extractors.lines import page_lines
from pipeline.extractors.reading_order import Box, centred_in
from pipeline.extractors.tables import page_tables
from pipeline.records import Block, Extraction

# pdfminer logs a warning per glyph for common font quirks (missing FontBBox); they say
# nothing about the text we get and would drown a run's log.
logging.getLogger("pdfminer").setLevel(logging.ERROR)
# Type 0 fonts whose encoding CMap is embedded in the file (see embedded_cmap)
embedded_cmap.install()
# fonts whose glyphs are named only by their codes: TeX's bitmap fonts, ReportMill's (see glyph_names)
glyph_names.install()
# symbolic Type 1 fonts read through their program's own encoding (see builtin_encoding)
builtin_encoding.install()
# ToUnicode entries that are control characters, not text (see control_characters)
control_characters.install()


def _page_ranges(numbers: list[int]) -> str:
    """"1-3, 7" for pages 1, 2, 3 and 7."""
    spans, start, end = [], None, None
    for n in numbers:
        if start is not None and n == end + 1:
            end = n
            continue
        if start is not None:
            spans.append(f"{start}-{end}" if end > start else str(start))
        start = end = n
    spans.append(f"{start}-{end}" if end > start else str(start))
    return ", ".join(spans)


def _open(path: Path) -> pdfplumber.PDF:
    """Open with the empty password (which is what readers try first)."""
    tail = path.read_bytes()[-2048:]
    if b"%%EOF" not in tail:
        raise ExtractionError(f"{path}: truncated PDF (no %%EOF marker at the end of the file)")
    try:
        pdf = pdfplumber.open(path, password="")
        pages = pdf.pages
    except (PdfminerException, PDFPasswordIncorrect, PDFEncryptionError, PDFSyntaxError,
            PSException, ValueError, KeyError, TypeError, AttributeError) as err:
        # pdfplumber wraps pdfminer's errors; the cause says whether it is a password
        cause = err.args[0] if isinstance(err, PdfminerException) and err.args else err
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise ExtractionError(
                f"{path}: encrypted PDF that needs a password to open (the empty password "
                "did not work)"
            ) from None
        reason = " ".join(f"{type(cause).__name__}: {cause}".split())
        raise ExtractionError(f"{path}: corrupt PDF ({reason})") from None
    if not pages:
        pdf.close()
        raise ExtractionError(f"{path}: PDF has zero pages")
    return pdf


@dataclass
class PageScan:
    """What the per-page pass found on a run of pages. The page-by-page work (characters,
    lines) is most of the cost, so a large PDF can be scanned as page ranges in parallel;
    layout analysis then needs all the pages' lines at once (furniture repeats across pages)."""

    layouts: list[PageLayout]
    scanned: list[int]  # page numbers with images but no text layer
    unmapped: int
    page_count: int  # of the whole document
    garbled: dict[int, str] = field(default_factory=dict)  # page -> why its text layer is garbage


def extract_pdf(path: Path, settings: ExtractSettings) -> Extraction:
    return extraction_from_scans(path, settings, [scan_pages(path, settings)])


def scan_pages(path: Path, settings: ExtractSettings, first: int = 0, stop: int | None = None) -> PageScan:
    """Lines of pages first..stop-1 (0-based; all pages by default)."""
    pdf = _open(path)
    layouts: list[PageLayout] = []
    scanned: list[int] = []
    garbled: dict[int, str] = {}
    unmapped = 0
    try:
        for page in pdf.pages[first:stop]:
            try:
                chars = page.chars
            except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as err:
                raise ExtractionError(
                    f"{path}: corrupt PDF, page {page.page_number} cannot be read "
                    f"({type(err).__name__}: {err})"
                ) from None
            if why := quality.garbled_text_layer(chars):  # a page to OCR, like a scan
                garbled[page.page_number] = why
                chars = []
            # (before tables: a column of line numbers beside the text looks like a table's)
            chars = line_numbers.without_line_numbers(chars, page.height)
            if not any(c["text"].strip() for c in chars):
                if page.images or page.page_number in garbled:
                    scanned.append(page.page_number)
                layouts.append(PageLayout(page.page_number, page.width, page.height, []))
                continue
            tables, forms = page_tables(page, chars)
            figures = page_figures(page, chars, [t.box for t in tables] + forms)
            found = page_lines(chars, page.width, page.height, settings.y_tolerance, figures, tables)
            unmapped += found.unmapped_glyphs
            layouts.append(PageLayout(page.page_number, page.width, page.height, found.lines,
                                      [(f.x0, f.top, f.x1, f.bottom) for f in figures]))
        page_count = len(pdf.pages)
    finally:
        pdf.close()
    return PageScan(layouts, scanned, unmapped, page_count, garbled)


# A drawing narrower or lower than this (points) is a rule, an underline or a table border,
# not a figure.
_FIGURE_MIN_SIDE = 12.0


def page_figures(page, chars: list[dict], grids: list[Box] = ()) -> list[Box]:
    """Boxes of the page's images and drawings, for reading order. A box that fills most of
    the page is a background or a frame, and one with running text inside (rows of it, not
    a figure's labels) is a text box, a table, or strokes that overhang a column because
    the PDF clips them: none of these is a figure. The rules and shading of the page's
    tables and forms (grids) are no drawing either."""
    # an image of a pixel or two stretched over an area is a flat fill, drawn like a rect
    fills = [o for o in page.images if _flat_fill(o)]
    drawn = [Box(o["x0"], o["top"], o["x1"], o["bottom"])
             for o in list(page.rects) + list(page.curves) + list(page.lines) + fills]
    # a table's rules may run on a few points past the cells the finder closes
    drawn = [b for b in drawn if not any(_within(b, grid, 6.0) for grid in grids)]
    # the strokes of one drawing are one figure; images stand alone (their boxes carry white
    # margins that would chain neighbouring figures into one across a column gutter)
    merged = [(box, count, False) for box, count in _touching_merged(drawn)]
    merged += [(Box(o["x0"], o["top"], o["x1"], o["bottom"]), 1, True) for o in page.images
               if not _flat_fill(o) and not any(_within(Box(o["x0"], o["top"], o["x1"], o["bottom"]), grid) for grid in grids)]
    figures = []
    page_area = page.width * page.height
    sizes = sorted(c["size"] for c in chars if c["text"].strip())
    text_size = sizes[len(sizes) // 2] if sizes else 0.0
    for box, strokes, image in merged:
        width, height = box.x1 - box.x0, box.bottom - box.top
        if min(width, height) < _FIGURE_MIN_SIDE or width * height > 0.6 * page_area:
            continue
        rows: dict[int, int] = {}
        heights: dict[int, float] = {}
        for c in chars:
            if (box.x0 <= c["x0"] and c["x1"] <= box.x1 and box.top <= c["top"]
                    and c["bottom"] <= box.bottom and c["text"].strip()):
                rows[round(c["bottom"])] = rows.get(round(c["bottom"]), 0) + 1
                heights[round(c["bottom"])] = max(heights.get(round(c["bottom"]), 0.0), c["bottom"] - c["top"])
        # (a large glyph's box reaches past the drawing round it: its centre is inside)
        inside = [c for c in chars if c["text"].strip() and centred_in(c, box)]
        running = [row for row, count in rows.items() if count >= _RUNNING_TEXT_ROW]
        if len(running) >= 3:
            continue
        # two rows of running text that fill the box: a shaded note, not a figure with a
        # title inside it (issue-71-duplicate-chars-2's note, set 3)
        if len(running) == 2 and sum(heights[row] for row in running) >= _FILLED_BOX * height:
            continue
        # a band across the whole page with running text over it: one of the stripes a
        # poster's background is drawn in (each holds a row or two of the text, too few
        # for the rule above), not a figure (pymupdf's test_5001, set 5)
        if width > _BACKGROUND_WIDTH * page.width and running:
            continue
        icon = not image and _icon(box, inside, text_size)
        if rows and not image and strokes <= _FRAME_STROKES and not icon:
            continue  # a frame or a shaded band behind a heading: the text is the content
        box.icon = icon
        figures.append(box)
    return figures


def _flat_fill(image: dict) -> bool:
    """An image whose source is a pixel or two: one colour (or a transparent one) stretched
    over an area, no picture (a Canva leaflet's blank panel under a column's last lines)."""
    size = image.get("srcsize") or ()
    return len(size) == 2 and all(0 < n <= _FILL_PIXELS for n in size)


# An image this many pixels wide and high at most has no picture in it.
_FILL_PIXELS = 2


def _icon(box: Box, inside: list[dict], text_size: float) -> bool:
    """A small drawing round a glyph set far larger than the text, and nothing inside at the
    text's size (a warning triangle round a large "!" over "CAUTION" in 5-point capitals):
    an icon, a figure whose text is its label, not a frame round a heading or a table's
    cell of small print."""
    if not text_size or max(box.x1 - box.x0, box.bottom - box.top) > _ICON_EMS * text_size:
        return False
    return (any(c["size"] > 1.4 * text_size for c in inside)
            and all(not 0.7 * text_size <= c["size"] <= 1.4 * text_size for c in inside))


# An icon is at most this many of the text's font sizes across.
_ICON_EMS = 4.0


# A drawing of this few strokes with text inside is a frame round the text.
_FRAME_STROKES = 3


# A row of this many characters is running text, not a label.
_RUNNING_TEXT_ROW = 25

# Rows of running text covering this share of a box's height at least fill it: a text box.
_FILLED_BOX = 0.5

# A drawing or image at least this share of the page wide spans every column: with running
# text over it, it is the page's background.
_BACKGROUND_WIDTH = 0.9


def _touching_merged(shapes: list[Box]) -> list[tuple[Box, int]]:
    """Boxes of shapes that touch or overlap (within 2 points), merged until no two merged
    boxes do; with how many shapes each holds. Touching shapes are first found through a
    grid of cells, so a chart of thousands of strokes does not cost the square of their
    number; the few boxes that result are then merged while their boxes touch."""
    cell = 50.0
    parent = list(range(len(shapes)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    grid: dict[tuple[int, int], list[int]] = {}
    for k, b in enumerate(shapes):
        for gx in range(int((b.x0 - 2) // cell), int((b.x1 + 2) // cell) + 1):
            for gy in range(int((b.top - 2) // cell), int((b.bottom + 2) // cell) + 1):
                for other in grid.get((gx, gy), ()):
                    if _touch(b, shapes[other]):
                        parent[root(k)] = root(other)
                grid.setdefault((gx, gy), []).append(k)
    groups: dict[int, list[Box]] = {}
    for k, b in enumerate(shapes):
        groups.setdefault(root(k), []).append(b)
    merged = [[Box(min(b.x0 for b in m), min(b.top for b in m), max(b.x1 for b in m), max(b.bottom for b in m)),
               len(m)] for m in groups.values()]
    changed = True
    while changed:
        changed = False
        out: list[list] = []
        for box, count in merged:
            for entry in out:
                if _touch(box, entry[0]):
                    other = entry[0]
                    entry[0] = Box(min(box.x0, other.x0), min(box.top, other.top),
                                   max(box.x1, other.x1), max(box.bottom, other.bottom))
                    entry[1] += count
                    changed = True
                    break
            else:
                out.append([box, count])
        merged = out
    return [(box, count) for box, count in merged]


def _within(inner: Box, outer: Box, slack: float = 2.0) -> bool:
    return (outer.x0 - slack <= inner.x0 and inner.x1 <= outer.x1 + slack
            and outer.top - slack <= inner.top and inner.bottom <= outer.bottom + slack)


def _touch(a: Box, b: Box) -> bool:
    return a.x0 <= b.x1 + 2 and b.x0 <= a.x1 + 2 and a.top <= b.bottom + 2 and b.top <= a.bottom + 2


def extraction_from_scans(path: Path, settings: ExtractSettings, scans: list[PageScan]) -> Extraction:
    """Blocks of the document from the scans of all its pages, in page order."""
    layouts = [layout for scan in scans for layout in scan.layouts]
    scanned = [number for scan in scans for number in scan.scanned]
    unmapped = sum(scan.unmapped for scan in scans)
    page_count = scans[0].page_count
    ocr_blocks: dict[int, list[Block]] = {}
    notes: list[str] = []

    if scanned and settings.ocr:
        from pipeline.extractors.ocr import ocr_pdf_pages

        ocr_blocks = ocr_pdf_pages(path, scanned, settings.ocr_languages)
        notes.append(f"page(s) {_page_ranges(scanned)} had no text layer and were OCRed")
    elif scanned:
        message = quality.unreadable_pages(scanned, {n: why for scan in scans for n, why in scan.garbled.items()},
                                           _page_ranges)
        if not any(layout.lines for layout in layouts):
            raise ExtractionError(f"{path}: {message}")
        notes.append(message)
    if unmapped:
        notes.append(f"{unmapped} glyph(s) without a Unicode mapping dropped (e.g. kashida)")

    blocks = document_blocks(layouts)
    if ocr_blocks:
        # OCRed pages slot in at their page position; layout analysis saw them as empty
        blocks = sorted(blocks + [b for bs in ocr_blocks.values() for b in bs],
                        key=lambda b: b.page)
    if not any(b.text.strip() for b in blocks):
        raise ExtractionError(f"{path}: no text found on any of the {page_count} page(s)")
    return Extraction(format="pdf", page_count=page_count, blocks=blocks, notes=notes)
