"""Plain text: decoded strictly; paragraphs rebuilt from the lines (text_layout), and
Persian stored in visual order reported."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import ExtractionError
from pipeline.extractors.layout import mark_references
from pipeline.extractors.logical_order import fold_compatibility_forms
from pipeline.extractors.text_layout import text_blocks
from pipeline.extractors.visual_order import repair_reversed_lines, visual_order_note
from pipeline.records import Block, Extraction


def decode_text(path: Path, data: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else is refused rather
    than guessed, since a wrong guess yields fluent-looking garbage."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise ExtractionError(f"{path}: has a UTF-16 byte-order mark but is not valid UTF-16 "
                                  f"(at byte {err.start})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ExtractionError(
            f"{path}: undecodable text: not UTF-8 (byte 0x{data[err.start]:02x} at offset "
            f"{err.start}) and no UTF-16 byte-order mark; save it as UTF-8"
        ) from None


def extract_text(path: Path, data: bytes) -> Extraction:
    text = fold_compatibility_forms(decode_text(path, data))
    note = visual_order_note(text)
    if note:
        text, repaired = repair_reversed_lines(text)
        if repaired:
            note += (f"; {repaired} line(s) whose word order was simply reversed were put back "
                     "in typed order")
    blocks = text_blocks(text)
    if not blocks:
        raise ExtractionError(f"{path}: no text (only whitespace)")
    mark_references_in_text(blocks)
    return Extraction(format="txt", page_count=1, blocks=blocks, notes=[note] if note else [])


def mark_references_in_text(blocks: list[Block]) -> None:
    """A one-line paragraph that reads like a references heading is a heading in plain text."""
    from pipeline.extractors.layout import REFERENCE_HEADING

    for block in blocks:
        if "\n" not in block.text and REFERENCE_HEADING.match(block.text):
            block.kind = "heading"
    mark_references(blocks)
