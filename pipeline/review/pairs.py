"""The pairs under review: the aligned tables read once, and shaped for the review pages.

A pair's side is shown inside its passage(s) so a translator sees the sentence in context;
the span arithmetic relies on char spans indexing the document text (docs/schema.md).
Manual links from the reviews store are laid over the aligned rows (pipeline/manual_links.py)
so a translator's link shows at once, as the next `make all` will write it.
"""

from __future__ import annotations

import bisect
import difflib
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.identity import pair_id as make_pair_id, unit_keys
from pipeline.manual_links import kept_links
from pipeline.normalize import reflow
from pipeline.review.store import Decision, ManualLink, match_decisions, pair_text_hash, review_status

RTL_LANGS = {"fa", "ar", "ur", "ps", "he", "yi"}
PAGE_SIZE = 50
# Confidence bands a translator can pick, by rank inside the current filter: they cut the
# pairs into the same shares whatever the spread of the values (all near 0.99, or not).
BANDS = {"low5": ("lowest", 5), "low10": ("lowest", 10), "low25": ("lowest", 25), "low50": ("lowest", 50),
         "high50": ("highest", 50), "high25": ("highest", 25), "high10": ("highest", 10)}
METHODS = {
    "margin-mutual-best": "paragraphs that are each other's best match (margin)",
    "sentence-links": "paragraphs paired because their sentences link one by one",
    "manual": "linked by a translator",
}
_PASSAGE_COLUMNS = ["doc_id", "passage_id", "index", "page", "kind", "lang", "text", "char_start", "char_end",
                    "x0", "top", "x1", "bottom"]
_SENTENCE_COLUMNS = ["doc_id", "sentence_id", "passage_id", "index", "page", "kind", "lang", "text", "normalized",
                     "char_start", "char_end"]


class AlignedTablesError(ValueError):
    """aligned/ is missing a table or a column the review needs; the message names the file."""


def _read(aligned: Path, name: str, columns: list[str] | None = None, optional: tuple[str, ...] = ()) -> list[dict]:
    path = aligned / f"{name}.parquet"
    if not path.exists():
        raise AlignedTablesError(f"{path}: not found; run `make all` first to align a corpus")
    try:
        if columns is not None:
            present = set(pq.read_schema(path).names)
            columns = columns + [c for c in optional if c in present]
        return pq.read_table(path, columns=columns).to_pylist()
    except (KeyError, ValueError, OSError) as err:
        raise AlignedTablesError(f"{path}: cannot be read for review: {err}") from None


def method_words(method: str) -> str:
    """What a method name means, in a translator's words."""
    if method in METHODS:
        return METHODS[method]
    shape = re.fullmatch(r"(dp|realigned)-(\d)-(\d)", method or "")
    if shape:
        kind, s, t = shape.groups()
        what = {"11": "one sentence to one", "12": "one sentence to two (split in translation)",
                "21": "two sentences to one (merged in translation)"}.get(s + t, f"{s} sentences to {t}")
        who = "by the sentence aligner" if kind == "dp" else "re-aligned after a translator's fixed link"
        return f"{what}, {who}"
    return method or ""


@dataclass
class AlignedTables:
    """alignments, passages, sentences and documents, as the review pages need them."""

    pairs: list[dict]
    passages_by_doc: dict[str, list[dict]]
    passage_by_id: dict[str, dict]
    sentences_by_doc: dict[str, list[dict]]
    sentence_by_id: dict[str, dict]
    documents: dict[str, dict]
    document_pairs: list[dict]
    keys: dict[str, str]  # stable key of each passage and sentence (pipeline/identity.py)
    stamp: tuple = field(default=())

    @classmethod
    def load(cls, aligned: Path) -> "AlignedTables":
        aligned = Path(aligned)
        stamp = tables_stamp(aligned)
        pairs = _read(aligned, "alignments")
        passages = _read(aligned, "passages", _PASSAGE_COLUMNS, optional=("regions",))
        sentences = _read(aligned, "sentences", _SENTENCE_COLUMNS)
        documents = {d["doc_id"]: d for d in _read(aligned, "documents", ["doc_id", "path", "format", "sha256"])}
        document_pairs = _read(aligned, "document_pairs") if (aligned / "document_pairs.parquet").exists() else []
        by_doc: dict[str, list[dict]] = {}
        for passage in passages:
            passage["regions"] = _regions(passage.get("regions"))
            by_doc.setdefault(passage["doc_id"], []).append(passage)
        for rows in by_doc.values():
            rows.sort(key=lambda p: p["char_start"])
        sentences_by_doc: dict[str, list[dict]] = {}
        for sentence in sentences:
            sentences_by_doc.setdefault(sentence["doc_id"], []).append(sentence)
        for rows in sentences_by_doc.values():
            rows.sort(key=lambda s: s["char_start"])
        keys = {**unit_keys((p["doc_id"], p["passage_id"], p["text"]) for rows in by_doc.values() for p in rows),
                **unit_keys((s["doc_id"], s["sentence_id"], s["text"])
                            for rows in sentences_by_doc.values() for s in rows)}
        for pair in pairs:
            prepare(pair, keys)
        return cls(pairs, by_doc, {p["passage_id"]: p for p in passages}, sentences_by_doc,
                   {s["sentence_id"]: s for s in sentences}, documents, document_pairs, keys, stamp)


def prepare(pair: dict, keys: dict[str, str]) -> dict:
    """Fields computed once per pair: its text hash, stable keys and the text search reads."""
    pair["text_hash"] = pair_text_hash(pair["src_text"], pair["tgt_text"])
    pair["src_keys"] = tuple(keys.get(i, i) for i in pair["src_ids"])
    pair["tgt_keys"] = tuple(keys.get(i, i) for i in pair["tgt_ids"])
    pair["side_pair"] = (pair["src_doc_id"], pair["src_lang"], pair["tgt_doc_id"], pair["tgt_lang"])
    return pair


def _regions(value) -> list[dict]:
    """A passage's page regions (pipeline records: page, x0, top, x1, bottom, start, end)."""
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [r for r in value if isinstance(r, dict) and r.get("page") is not None]


def tables_stamp(aligned: Path) -> tuple:
    """Changes whenever `make all` rewrites the tables, so the server reloads them."""
    stamp = []
    for name in ("alignments", "passages", "sentences", "documents", "document_pairs"):
        path = Path(aligned) / f"{name}.parquet"
        stat = path.stat() if path.exists() else None
        stamp.append((stat.st_mtime_ns, stat.st_size) if stat else None)
    return tuple(stamp)


# --- Manual links laid over the aligned rows -----------------------------------------

def manual_row(record: ManualLink, tables: AlignedTables, by_key: dict[str, str], template: dict | None,
               confidence) -> dict | None:
    """The alignments row a manual link will have after the next run (None if its sentences
    are gone). Scores are those measured when the link was made, if any."""
    ids = [by_key.get(k) for k in (*record.src_keys, *record.tgt_keys)]
    if None in ids:
        return None
    units = [tables.sentence_by_id[i] for i in ids]
    src, tgt = units[:len(record.src_keys)], units[len(record.src_keys):]
    row = {"pair_id": record.pair_id, "level": "sentence", "method": record.method}
    for side, records, lang in (("src", src, record.src_lang), ("tgt", tgt, record.tgt_lang)):
        row.update({
            f"{side}_doc_id": records[0]["doc_id"], f"{side}_lang": lang,
            f"{side}_ids": [r["sentence_id"] for r in records], f"{side}_passage_id": records[0]["passage_id"],
            f"{side}_text": " ".join(r["text"] for r in records),
            f"{side}_normalized": " ".join(r["normalized"] for r in records),
            f"{side}_page": records[0]["page"],
            f"{side}_char_start": records[0]["char_start"], f"{side}_char_end": records[-1]["char_end"],
        })
    measured = record.similarity is not None and record.margin is not None
    row.update({"similarity": record.similarity if measured else math.nan,
                "margin": record.margin if measured else math.nan,
                "confidence": confidence(record.margin, record.similarity) if measured else 0.0,
                "model": (template or {}).get("model", ""), "config_hash": (template or {}).get("config_hash", ""),
                "review_status": "unreviewed"})
    return row


def with_manual_links(tables: AlignedTables, manual: dict[str, ManualLink], confidence) -> list[dict]:
    """The aligned pairs with the translators' manual links applied (see manual_links.py)."""
    if not manual:
        return tables.pairs
    by_key = {key: unit for unit, key in tables.keys.items()}
    sentence_rows = [n for n, p in enumerate(tables.pairs) if p["level"] == "sentence"]
    kept = dict(zip(sentence_rows, kept_links(
        [(tables.pairs[n]["side_pair"], tables.pairs[n]["src_keys"], tables.pairs[n]["tgt_keys"])
         for n in sentence_rows], manual, by_key)))
    pairs = [p for n, p in enumerate(tables.pairs) if kept.get(n, True)]
    present = {p["pair_id"] for p in pairs}
    template = tables.pairs[0] if tables.pairs else None
    for record in sorted(manual.values(), key=lambda r: r.pair_id):
        if record.kind == "link" and record.pair_id not in present:
            row = manual_row(record, tables, by_key, template, confidence)
            if row is not None:
                pairs.append(prepare(row, tables.keys))
    return pairs


# --- Filters, search and paging --------------------------------------------------------

_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "\u200c": None, "\u200d": None, "\u0640": None})


def fold(text: str) -> str:
    """Text as search compares it: compatibility forms, case, Arabic/Persian letter variants,
    ZWNJ and tatweel folded, so a translator finds a word however it was typed."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)


@dataclass(frozen=True)
class Filters:
    langs: str = ""  # "en|fa"
    docs: str = ""  # "<src_doc_id>|<tgt_doc_id>"
    level: str = ""  # passage | sentence | "" for both
    status: str = ""
    min_confidence: float | None = None
    max_confidence: float | None = None
    order: str = "desc"  # by confidence
    query: str = ""  # search text
    search_in: str = ""  # src | tgt | "" for both
    band: str = ""  # a key of BANDS

    def keeps_place(self, pair: dict) -> bool:
        """The filters that say which part of the corpus is looked at (not status or confidence)."""
        if self.langs and f"{pair['src_lang']}|{pair['tgt_lang']}" != self.langs:
            return False
        if self.docs and f"{pair['src_doc_id']}|{pair['tgt_doc_id']}" != self.docs:
            return False
        if self.level and pair["level"] != self.level:
            return False
        if self.query:
            needle = fold(self.query)
            sides = ("src", "tgt") if self.search_in not in ("src", "tgt") else (self.search_in,)
            if not any(needle in _folded(pair, side) for side in sides):
                return False
        return True

    def keeps(self, pair: dict, status: str) -> bool:
        if self.status and status != self.status:
            return False
        if self.min_confidence is not None and pair["confidence"] < self.min_confidence:
            return False
        if self.max_confidence is not None and pair["confidence"] > self.max_confidence:
            return False
        return True


def _folded(pair: dict, side: str) -> str:
    key = f"{side}_folded"
    if key not in pair:
        pair[key] = fold(f"{pair[f'{side}_text']}\n{pair[f'{side}_normalized']}")
    return pair[key]


def statuses_and_decisions(pairs: list[dict], decisions: dict[str, Decision]):
    matched = match_decisions(pairs, decisions)
    statuses = [review_status(d, p["text_hash"]) for p, d in zip(pairs, matched)]
    return statuses, matched


def _rank_key(pair: dict) -> tuple:
    return (pair["confidence"], pair["pair_id"])


def rank_order(pairs: list[dict]) -> list[int]:
    """Indexes of the pairs from the least to the most confident (ties: pair id)."""
    return sorted(range(len(pairs)), key=lambda i: _rank_key(pairs[i]))


def band_members(ranked: list[int], band: str) -> set[int] | None:
    """The pairs of a confidence band among `ranked` (indexes in rank order; None: no band)."""
    if band not in BANDS or not ranked:
        return None
    end, percent = BANDS[band]
    count = max(1, math.ceil(len(ranked) * percent / 100))
    return set(ranked[:count] if end == "lowest" else ranked[-count:])


def band_labels(pairs: list[dict], ranked_indexes: list[int]) -> dict[str, str]:
    """The label of each band with the confidences it holds, for the filter's menu."""
    ranked = [pairs[i]["confidence"] for i in ranked_indexes]
    labels = {}
    for band, (end, percent) in BANDS.items():
        if not ranked:
            labels[band] = f"{end} {percent} %"
            continue
        count = max(1, math.ceil(len(ranked) * percent / 100))
        values = ranked[:count] if end == "lowest" else ranked[-count:]
        labels[band] = f"{end} {percent} % ({count}: {values[0]:.4f}–{values[-1]:.4f})"
    return labels


@dataclass
class Selection:
    indexes: list[int]  # pairs the filters keep, in display order
    place: list[int]  # pairs of the part of the corpus looked at (before status and confidence), in rank order


def select_place(pairs: list[dict], filters: Filters, order: list[int] | None = None) -> list[int]:
    """The pairs of the part of the corpus the filters look at, in rank order. order:
    rank_order(pairs), if it is at hand (the server keeps it with the pairs)."""
    order = rank_order(pairs) if order is None else order
    if not (filters.langs or filters.docs or filters.level or filters.query):
        return order
    return [i for i in order if filters.keeps_place(pairs[i])]


def select_pairs(pairs: list[dict], statuses: list[str], filters: Filters, order: list[int] | None = None,
                 place: list[int] | None = None) -> Selection:
    """The pairs the filters keep, by confidence (ties: pair id). place: select_place's
    answer for these filters, if it is at hand."""
    place = select_place(pairs, filters, order) if place is None else place
    band = band_members(place, filters.band)
    if band is None and not (filters.status or filters.min_confidence is not None
                             or filters.max_confidence is not None):
        kept = list(place)
    else:
        kept = [i for i in place if (band is None or i in band) and filters.keeps(pairs[i], statuses[i])]
    if filters.order != "asc":
        kept.reverse()
    return Selection(kept, place)


def page_of(pairs: list[dict], selection: list[int], order: str, after: str = "", before: str = "",
            size: int = PAGE_SIZE) -> tuple[int, int]:
    """(start, end) in selection of the page after pair `after` or before pair `before`.

    Pages are cut by the pair shown last (or first), not by a count from the top: when the
    decisions taken on a page take its pairs out of the filter, the next page still starts
    with the first pair not yet shown."""
    anchor = after or before
    anchor_pair = next((p for p in pairs if p["pair_id"] == anchor), None) if anchor else None
    if anchor_pair is None:
        return 0, min(size, len(selection))
    key = _rank_key(anchor_pair)
    descending = order != "asc"
    # The selection is sorted in display order, so the pairs shown before the anchor's
    # place are a prefix of it.
    shown_before = sum(1 for i in selection if (_rank_key(pairs[i]) > key if descending else _rank_key(pairs[i]) < key))
    if after:
        start = shown_before + (1 if any(pairs[i]["pair_id"] == anchor for i in selection) else 0)
        return start, min(start + size, len(selection))
    return max(0, shown_before - size), shown_before


# --- One pair, as a card ---------------------------------------------------------------

@dataclass(frozen=True)
class Crop:
    url: str
    page: int


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
    crops: tuple[Crop, ...]  # page regions holding the span; empty without page images (HTML, text)
    file_url: str
    count: int  # sentences (or passages) on this side


@dataclass(frozen=True)
class Earlier:
    """The decision a stale pair had, and the text it was taken on."""

    decision: str
    decided_at: str
    src_diff: tuple[tuple[str, str], ...] | None  # (op, text): op is "same", "gone" or "new"
    tgt_diff: tuple[tuple[str, str], ...] | None
    src_edit: str | None = None  # the translator's correction then, for an edited pair
    tgt_edit: str | None = None


@dataclass(frozen=True)
class PairView:
    pair_id: str
    level: str
    method: str
    method_words: str
    confidence: float
    similarity: float
    margin: float
    status: str
    decided_at: str | None
    version: int
    src: SideView
    tgt: SideView
    earlier: Earlier | None
    document_url: str
    signals: tuple[tuple[str, float], ...] = ()  # further numeric columns the aligner wrote (see SIGNALS_SHOWN)


def _context(tables: AlignedTables, doc_id: str, start: int, end: int, fallback: str):
    """The passages a span touches, split into before / span / after."""
    rows = tables.passages_by_doc.get(doc_id, [])
    first = bisect.bisect_right([p["char_end"] for p in rows], start) if rows else 0
    touched = []
    for passage in rows[first:]:
        if passage["char_start"] >= end:
            break
        touched.append(passage)
    if not touched:
        return "", fallback, "", True
    text = "\n\n".join(p["text"] for p in touched)
    offset = touched[0]["char_start"]
    a, b = max(0, start - offset), min(len(text), end - offset)
    # Shown without the page's line breaks: a narrow column's lines, or a Persian citation
    # broken across two lines, read badly in a wide box.
    return reflow(text[:a]), reflow(text[a:b]), reflow(text[b:]), a == 0 and b == len(text)


def _has_box(box: dict | None) -> bool:
    return box is not None and all(
        isinstance(box.get(k), (int, float)) and math.isfinite(box[k]) for k in ("x0", "top", "x1", "bottom"))


def span_crops(passage: dict | None, start: int, end: int, is_pdf: bool) -> tuple[tuple[Crop, ...], int | None]:
    """The page regions of a passage that hold the span [start, end) of the document text,
    and the page of the span's first character. A passage that runs over a page break has
    one region per page (Passage.regions); without regions, the passage's own box."""
    if passage is None or not is_pdf:
        return (), None
    regions = passage.get("regions") or []
    if regions:
        a, b = start - passage["char_start"], max(end - passage["char_start"], start - passage["char_start"] + 1)
        chosen = [n for n, r in enumerate(regions) if r.get("start", 0) < b and r.get("end", 0) > a and _has_box(r)]
        if not chosen:  # offsets outside every region: show where the span starts, at least
            chosen = [n for n, r in enumerate(regions) if r.get("start", 0) <= a and _has_box(r)][-1:] or \
                [n for n, r in enumerate(regions) if _has_box(r)][:1]
        if chosen:
            crops = tuple(Crop(f"/crop/{passage['passage_id']}.png?region={n}", int(regions[n]["page"]))
                          for n in chosen)
            return crops, crops[0].page
    if _has_box(passage):
        return (Crop(f"/crop/{passage['passage_id']}.png", passage["page"]),), passage["page"]
    return (), None


def side_view(tables: AlignedTables, pair: dict, side: str, edit: str | None) -> SideView:
    lang, doc_id = pair[f"{side}_lang"], pair[f"{side}_doc_id"]
    document = tables.documents.get(doc_id, {})
    start, end = pair[f"{side}_char_start"], pair[f"{side}_char_end"]
    before, match, after, whole = _context(tables, doc_id, start, end, pair[f"{side}_text"])
    passage = tables.passage_by_id.get(pair[f"{side}_passage_id"])
    crops, crop_page = span_crops(passage, start, end, document.get("format") == "pdf")
    page = crop_page or pair[f"{side}_page"]
    return SideView(lang=lang, direction="rtl" if lang in RTL_LANGS else "ltr", doc_id=doc_id,
                    doc_path=document.get("path") or doc_id, page=page, text=pair[f"{side}_normalized"],
                    before=before, match=match, after=after, whole_passage=whole, edit=edit,
                    crops=crops, file_url=f"/file/{doc_id}#page={page}", count=len(pair[f"{side}_ids"]))


def text_diff(old: str, new: str, lang: str) -> tuple[tuple[str, str], ...]:
    """What changed from old to new, by word (by character for Chinese)."""
    split = list if lang.startswith("zh") else (lambda text: re.findall(r"\s+|[^\s]+", text))
    a, b = split(old), split(new)
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(("gone", "".join(a[i1:i2])))
        if j2 > j1:
            parts.append(("new", "".join(b[j1:j2])))
    return tuple(parts)


def earlier_view(pair: dict, decision: Decision | None, status: str) -> Earlier | None:
    if status != "stale" or decision is None:
        return None
    diffs = {}
    for side in ("src", "tgt"):
        old = getattr(decision, f"{side}_text")
        diffs[side] = None if old is None else text_diff(old, pair[f"{side}_text"], pair[f"{side}_lang"])
    return Earlier(decision.decision, decision.decided_at, diffs["src"], diffs["tgt"], decision.src_edit,
                   decision.tgt_edit)


def document_url(pair: dict) -> str:
    from urllib.parse import urlencode

    query = urlencode({"src": pair["src_doc_id"], "src_lang": pair["src_lang"],
                       "tgt": pair["tgt_doc_id"], "tgt_lang": pair["tgt_lang"]})
    return f"/document?{query}#pair-{pair['pair_id']}"


# Columns of alignments.parquet the card shows in its own words; any other numeric column
# (a signal the aligner adds to explain its confidence) is listed by name after them.
_CARD_COLUMNS = {"similarity", "margin", "confidence", "src_page", "tgt_page", "src_char_start", "src_char_end",
                 "tgt_char_start", "tgt_char_end"}


def signals_of(pair: dict) -> tuple[tuple[str, float], ...]:
    return tuple((name.replace("_", " "), value) for name, value in sorted(pair.items())
                 if name not in _CARD_COLUMNS and isinstance(value, float) and math.isfinite(value))


def pair_view(tables: AlignedTables, pair: dict, status: str, decision: Decision | None, version: int = 0) -> PairView:
    current = decision if status != "stale" else None
    edits = (current.src_edit, current.tgt_edit) if current and current.decision == "edited" else (None, None)
    return PairView(pair_id=pair["pair_id"], level=pair["level"], method=pair["method"],
                    method_words=method_words(pair["method"]),
                    confidence=pair["confidence"], similarity=pair["similarity"], margin=pair["margin"],
                    status=status, decided_at=current.decided_at if current else None, version=version,
                    src=side_view(tables, pair, "src", edits[0]), tgt=side_view(tables, pair, "tgt", edits[1]),
                    earlier=earlier_view(pair, decision, status), document_url=document_url(pair),
                    signals=signals_of(pair))


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


def new_pair_id(src_keys, tgt_keys) -> str:
    return make_pair_id("sentence", list(src_keys), list(tgt_keys))
