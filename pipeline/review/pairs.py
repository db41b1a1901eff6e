"""The pairs under review: the aligned tables read once, and shaped for the review page.

A pair's side is shown inside its passage(s) so a translator sees the sentence in context;
the span arithmetic relies on char spans indexing the document text (docs/schema.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.normalize import reflow
from pipeline.review.store import Decision, match_decisions, pair_text_hash, review_status

RTL_LANGS = {"fa", "ar", "ur", "ps", "he", "yi"}
PAGE_SIZE = 50


class AlignedTablesError(ValueError):
    """aligned/ is missing a table or a column the review needs; the message names the file."""


def _read(aligned: Path, name: str, columns: list[str] | None = None) -> list[dict]:
    path = aligned / f"{name}.parquet"
    if not path.exists():
        raise AlignedTablesError(f"{path}: not found; run `make all` first to align a corpus")
    try:
        return pq.read_table(path, columns=columns).to_pylist()
    except (KeyError, ValueError, OSError) as err:
        raise AlignedTablesError(f"{path}: cannot be read for review: {err}") from None


@dataclass
class AlignedTables:
    """alignments, passages and documents, as the review page needs them."""

    pairs: list[dict]
    by_pair_id: dict[str, dict]
    passages_by_doc: dict[str, list[dict]]
    passage_by_id: dict[str, dict]
    documents: dict[str, dict]
    stamp: tuple = field(default=())

    @classmethod
    def load(cls, aligned: Path) -> "AlignedTables":
        aligned = Path(aligned)
        stamp = tables_stamp(aligned)
        pairs = _read(aligned, "alignments")
        passages = _read(aligned, "passages", ["doc_id", "passage_id", "index", "page", "kind", "text",
                                               "char_start", "char_end", "x0", "top", "x1", "bottom"])
        documents = {d["doc_id"]: d for d in _read(aligned, "documents", ["doc_id", "path", "format", "sha256"])}
        by_doc: dict[str, list[dict]] = {}
        for passage in passages:
            by_doc.setdefault(passage["doc_id"], []).append(passage)
        for rows in by_doc.values():
            rows.sort(key=lambda p: p["char_start"])
        return cls(pairs, {p["pair_id"]: p for p in pairs}, by_doc,
                   {p["passage_id"]: p for p in passages}, documents, stamp)


def tables_stamp(aligned: Path) -> tuple:
    """Changes whenever `make all` rewrites the tables, so the server reloads them."""
    stamp = []
    for name in ("alignments", "passages", "documents"):
        path = Path(aligned) / f"{name}.parquet"
        stat = path.stat() if path.exists() else None
        stamp.append((stat.st_mtime_ns, stat.st_size) if stat else None)
    return tuple(stamp)


@dataclass(frozen=True)
class Filters:
    langs: str = ""  # "en|fa"
    docs: str = ""  # "<src_doc_id>|<tgt_doc_id>"
    level: str = ""  # passage | sentence | "" for both
    status: str = ""
    min_confidence: float | None = None
    max_confidence: float | None = None
    order: str = "desc"  # by confidence

    def keeps(self, pair: dict, status: str) -> bool:
        if self.langs and f"{pair['src_lang']}|{pair['tgt_lang']}" != self.langs:
            return False
        if self.docs and f"{pair['src_doc_id']}|{pair['tgt_doc_id']}" != self.docs:
            return False
        if self.level and pair["level"] != self.level:
            return False
        if self.status and status != self.status:
            return False
        if self.min_confidence is not None and pair["confidence"] < self.min_confidence:
            return False
        if self.max_confidence is not None and pair["confidence"] > self.max_confidence:
            return False
        return True


def statuses_and_decisions(pairs: list[dict], decisions: dict[str, Decision]):
    matched = match_decisions(pairs, decisions)
    statuses = [review_status(d, pair_text_hash(p["src_text"], p["tgt_text"])) for p, d in zip(pairs, matched)]
    return statuses, matched


def select_pairs(pairs: list[dict], statuses: list[str], filters: Filters) -> list[int]:
    """Indexes of the pairs the filters keep, by confidence (ties: stable pair order)."""
    kept = [i for i, (pair, status) in enumerate(zip(pairs, statuses)) if filters.keeps(pair, status)]
    sign = 1 if filters.order == "asc" else -1
    return sorted(kept, key=lambda i: (sign * pairs[i]["confidence"], pairs[i]["pair_id"]))


@dataclass(frozen=True)
class SideView:
    lang: str
    direction: str  # rtl | ltr
    doc_id: str
    doc_path: str
    page: int
    text: str  # the pair's normalized text on this side: what an export writes, what an edit starts from
    before: str  # passage text before the matched span ...
    match: str  # ... the span itself ...
    after: str  # ... and after it
    whole_passage: bool  # the span is the whole passage (passage-level pairs)
    edit: str | None  # the translator's corrected text, if any
    crop_url: str | None  # None when the document has no page images (HTML, text)
    file_url: str


@dataclass(frozen=True)
class PairView:
    pair_id: str
    level: str
    method: str
    confidence: float
    similarity: float
    margin: float
    status: str
    decided_at: str | None
    src: SideView
    tgt: SideView


def _context(tables: AlignedTables, doc_id: str, start: int, end: int, fallback: str):
    """The passages a span touches, split into before / span / after."""
    touched = [p for p in tables.passages_by_doc.get(doc_id, []) if p["char_start"] < end and p["char_end"] > start]
    if not touched:
        return "", fallback, "", True
    text = "\n\n".join(p["text"] for p in touched)
    offset = touched[0]["char_start"]
    a, b = max(0, start - offset), min(len(text), end - offset)
    # Shown without the page's line breaks: a narrow column's lines, or a Persian citation
    # broken across two lines, read badly in a wide box.
    return reflow(text[:a]), reflow(text[a:b]), reflow(text[b:]), a == 0 and b == len(text)


def _has_box(passage: dict | None) -> bool:
    return passage is not None and all(
        isinstance(passage.get(k), float) and math.isfinite(passage[k]) for k in ("x0", "top", "x1", "bottom"))


def side_view(tables: AlignedTables, pair: dict, side: str, edit: str | None) -> SideView:
    lang, doc_id = pair[f"{side}_lang"], pair[f"{side}_doc_id"]
    document = tables.documents.get(doc_id, {})
    before, match, after, whole = _context(tables, doc_id, pair[f"{side}_char_start"],
                                           pair[f"{side}_char_end"], pair[f"{side}_text"])
    passage = tables.passage_by_id.get(pair[f"{side}_passage_id"])
    crop = f"/crop/{pair[f'{side}_passage_id']}.png" if document.get("format") == "pdf" and _has_box(passage) else None
    return SideView(lang=lang, direction="rtl" if lang in RTL_LANGS else "ltr", doc_id=doc_id,
                    doc_path=document.get("path") or doc_id, page=pair[f"{side}_page"], text=pair[f"{side}_normalized"],
                    before=before, match=match, after=after, whole_passage=whole, edit=edit,
                    crop_url=crop, file_url=f"/file/{doc_id}#page={pair[f'{side}_page']}")


def pair_view(tables: AlignedTables, pair: dict, status: str, decision: Decision | None) -> PairView:
    edits = (decision.src_edit, decision.tgt_edit) if decision and decision.decision == "edited" else (None, None)
    return PairView(pair_id=pair["pair_id"], level=pair["level"], method=pair["method"],
                    confidence=pair["confidence"], similarity=pair["similarity"], margin=pair["margin"],
                    status=status, decided_at=decision.decided_at if decision else None,
                    src=side_view(tables, pair, "src", edits[0]), tgt=side_view(tables, pair, "tgt", edits[1]))


def progress(pairs: list[dict], statuses: list[str]) -> list[dict]:
    """Per language pair: how many pairs there are in each review status."""
    rows: dict[str, dict] = {}
    for pair, status in zip(pairs, statuses):
        key = f"{pair['src_lang']}|{pair['tgt_lang']}"
        row = rows.setdefault(key, {"langs": key, "src_lang": pair["src_lang"], "tgt_lang": pair["tgt_lang"],
                                    "total": 0, "unreviewed": 0, "accepted": 0, "rejected": 0,
                                    "edited": 0, "stale": 0})
        row["total"] += 1
        row[status] += 1
    for row in rows.values():
        row["reviewed"] = row["accepted"] + row["rejected"] + row["edited"]
        row["percent"] = round(100 * row["reviewed"] / row["total"]) if row["total"] else 0
    return [rows[k] for k in sorted(rows)]
