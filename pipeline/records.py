"""The records that flow through the stages.

A document becomes a list of Passage records at extraction; each later stage fills in more
of their fields (normalized and pivot text, language) and writes them back out. Segmentation
turns passages into Sentence records. Stage files are parquet tables of these records, so
the columns of build/<stage>/<doc>.parquet are exactly the fields below.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

# Kinds of block an extractor can report. Only "heading" and "paragraph" are aligned by
# default (see align.skip_kinds in the config); the rest are kept for provenance.
BLOCK_KINDS = (
    "title", "heading", "paragraph", "caption", "table", "footnote", "reference",
    "header", "footer", "page_number",
)

# Text joined from consecutive passages is separated by this, and character spans
# (char_start, char_end) index the document text built that way (see document_text).
PASSAGE_SEPARATOR = "\n\n"


@dataclass
class Block:
    """A piece of a page as an extractor finds it, in reading order."""

    page: int  # 1-based page number; 1 for HTML and plain text
    kind: str  # one of BLOCK_KINDS
    text: str  # logical order, lines joined with "\n"
    x0: float = math.nan  # bounding box in PDF points, top-left origin (pdfplumber's)
    top: float = math.nan
    x1: float = math.nan
    bottom: float = math.nan
    # Where each part of the text is on the page, in reading order: a paragraph continued
    # in the next column or on the next page has one region per part. Each is a dict
    # {page, x0, top, x1, bottom, start, end}, start/end offsets into text; empty means
    # one region, the block's own page and box, over the whole text.
    regions: list[dict] = field(default_factory=list)


def region(page: int, x0: float, top: float, x1: float, bottom: float, start: int, end: int) -> dict:
    return {"page": page, "x0": x0, "top": top, "x1": x1, "bottom": bottom, "start": start, "end": end}


def block_regions(block: Block) -> list[dict]:
    return block.regions or [region(block.page, block.x0, block.top, block.x1, block.bottom, 0, len(block.text))]


def region_at(regions: list[dict], offset: int) -> dict:
    """The region that holds the character at offset (the last one starting at or before it)."""
    found = regions[0]
    for candidate in regions:
        if candidate["start"] <= offset:
            found = candidate
    return found


@dataclass
class Extraction:
    """What an extractor returns for one file."""

    format: str  # pdf | html | txt
    page_count: int
    blocks: list[Block]
    notes: list[str] = field(default_factory=list)  # e.g. pages skipped as scanned


@dataclass
class Passage:
    doc_id: str
    passage_id: str
    index: int
    page: int
    kind: str
    text: str  # the original, as extracted
    char_start: int
    char_end: int
    x0: float = math.nan  # the first region's box (see Block.regions)
    top: float = math.nan
    x1: float = math.nan
    bottom: float = math.nan
    regions: list[dict] = field(default_factory=list)  # every part, in reading order (Block.regions)
    script: str = ""  # normalize: arabic | han | latin | other
    normalized: str = ""  # normalize: per-script repaired text
    pivot: str = ""  # normalize: text used for matching (Simplified for Chinese)
    lang: str = ""  # detect: fa | en | zh-Hant | zh-Hans | other langdetect code | und
    lang_prob: float = 0.0
    run: int = 0  # detect: index of the same-language run this passage belongs to


@dataclass
class Sentence:
    doc_id: str
    sentence_id: str
    passage_id: str
    index: int  # position inside the passage
    page: int  # of the passage region that holds the sentence's first character
    kind: str
    lang: str
    text: str  # slice of the passage's original text
    normalized: str
    pivot: str
    char_start: int  # span in the document text (see PASSAGE_SEPARATOR)
    char_end: int


def passages_from_blocks(doc_id: str, blocks: list[Block]) -> list[Passage]:
    """Number the blocks and give each its span in the document text."""
    passages, offset = [], 0
    for index, block in enumerate(b for b in blocks if b.text.strip()):
        end = offset + len(block.text)
        passages.append(Passage(
            doc_id=doc_id, passage_id=f"{doc_id}:p{index:04d}", index=index,
            page=block.page, kind=block.kind, text=block.text, char_start=offset, char_end=end,
            x0=block.x0, top=block.top, x1=block.x1, bottom=block.bottom,
            regions=block_regions(block),
        ))
        offset = end + len(PASSAGE_SEPARATOR)
    return passages


def document_text(passages: list[Passage]) -> str:
    return PASSAGE_SEPARATOR.join(p.text for p in passages)


def to_rows(records) -> list[dict]:
    return [asdict(r) for r in records]


def from_rows(cls, rows: list[dict]):
    names = {f.name for f in fields(cls)}
    return [cls(**{k: v for k, v in row.items() if k in names}) for row in rows]
