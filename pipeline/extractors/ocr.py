"""OCR for pages that have no text layer: render at 300 dpi, read with Tesseract.

Tesseract already returns right-to-left lines in logical order, so its words need no
reordering; presentation forms are folded like PDF text.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pypdfium2
import pytesseract

from pipeline.errors import ExtractionError
from pipeline.extractors.logical_order import fold_compatibility_forms
from pipeline.records import Block

DPI = 300
_POINTS_PER_PIXEL = 72 / DPI


def ocr_image_blocks(image, page: int, languages: str) -> list[Block]:
    """Paragraph blocks from one page image, lines joined with newlines."""
    try:
        data = pytesseract.image_to_data(image, lang=languages, output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractNotFoundError:
        raise ExtractionError("tesseract is not installed; install tesseract-ocr or set "
                              "extract.ocr: false") from None
    lines: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for i, word in enumerate(data["text"]):
        if word.strip() and float(data["conf"][i]) >= 0:
            lines[(data["block_num"][i], data["par_num"][i], data["line_num"][i])].append(i)
    paragraphs: dict[tuple[int, int], list[list[int]]] = defaultdict(list)
    for (block, par, _), words in sorted(lines.items()):
        paragraphs[(block, par)].append(words)
    blocks = []
    for key in sorted(paragraphs):
        words = [i for line in paragraphs[key] for i in line]
        text = "\n".join(" ".join(data["text"][i] for i in line) for line in paragraphs[key])
        blocks.append(Block(
            page=page, kind="paragraph", text=fold_compatibility_forms(text),
            x0=min(data["left"][i] for i in words) * _POINTS_PER_PIXEL,
            top=min(data["top"][i] for i in words) * _POINTS_PER_PIXEL,
            x1=max(data["left"][i] + data["width"][i] for i in words) * _POINTS_PER_PIXEL,
            bottom=max(data["top"][i] + data["height"][i] for i in words) * _POINTS_PER_PIXEL,
        ))
    return blocks


def ocr_pdf_pages(path: Path, pages: list[int], languages: str) -> dict[int, list[Block]]:
    document = pypdfium2.PdfDocument(str(path))
    try:
        found = {}
        for number in pages:
            image = document[number - 1].render(scale=DPI / 72, grayscale=True).to_pil()
            try:
                found[number] = ocr_image_blocks(image, number, languages)
            except ExtractionError as err:
                raise ExtractionError(f"{path}: {err}") from None
        return found
    finally:
        document.close()
