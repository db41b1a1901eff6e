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
    x0: float = math.nan
    top: float = math.nan
    x1: float = math.nan
    bottom: float = math.nan
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
    page: int
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
