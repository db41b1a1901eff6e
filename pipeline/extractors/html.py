"""HTML: the main text through trafilatura, boilerplate (menus, banners, footers) dropped.

trafilatura's XML output keeps the structure we need: <head> for headings, <p>, <list>
items, <table> rows and <quote>.
"""

from __future__ import annotations

import re
from pathlib import Path

import trafilatura
from lxml import etree

from pipeline.errors import ExtractionError
from pipeline.extractors.layout import mark_references
from pipeline.extractors.logical_order import fold_compatibility_forms
from pipeline.extractors.quality import charset_lie
from pipeline.extractors.text import decode_text
from pipeline.records import Block, Extraction

_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)


def _decode_html(path: Path, data: bytes, notes: list[str]) -> str:
    declared = _META_CHARSET.search(data[:4096])
    if declared and (lie := charset_lie(data, declared.group(1).decode("ascii"))):
        notes.append(lie)  # the page is UTF-8 whatever it says
    elif declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass  # fall back to the strict UTF-8 / UTF-16 rule with its clear message
    return decode_text(path, data)


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _blocks(document) -> list[Block]:
    blocks = []
    title = document.get("title")
    main = document.find("main")
    if main is None:
        return blocks
    for element in main.iter("head", "p", "item", "quote", "row"):
        if element.tag in ("p", "quote") and any(a.tag in ("item", "row", "quote")
                                                 for a in element.iterancestors()):
            continue  # text of an item or cell is taken with it
        text = _text(element)
        if not text:
            continue
        if element.tag == "head":
            kind = "title" if title and text == title.strip() and not blocks else "heading"
        elif element.tag == "row":
            kind = "table"
            text = " | ".join(_text(cell) for cell in element.iter("cell"))
        else:
            kind = "paragraph"
        blocks.append(Block(page=1, kind=kind, text=fold_compatibility_forms(text)))
    return blocks


def extract_html(path: Path, data: bytes) -> Extraction:
    notes: list[str] = []
    markup = _decode_html(path, data, notes)
    xml = trafilatura.extract(
        markup, output_format="xml", include_tables=True, include_comments=False,
        include_formatting=False, with_metadata=True, deduplicate=False,
    )
    if not xml:
        raise ExtractionError(f"{path}: no main text found in the HTML page")
    document = etree.fromstring(xml.encode("utf-8"))
    blocks = _blocks(document)
    if not blocks:
        raise ExtractionError(f"{path}: no main text found in the HTML page")
    mark_references(blocks)
    return Extraction(format="html", page_count=1, blocks=blocks, notes=notes)
