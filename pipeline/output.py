"""The published tables in aligned/: their schemas, in one place (see docs/schema.md).

Schema changes bump pipeline.SCHEMA_VERSION, which every file carries in its parquet
metadata under hamta.schema_version.
"""

from __future__ import annotations

import pyarrow as pa

_str, _int, _float = pa.string(), pa.int64(), pa.float64()
_ids = pa.list_(pa.string())

DOCUMENTS = pa.schema([
    ("doc_id", _str), ("path", _str), ("format", _str), ("sha256", _str), ("page_count", _int),
    ("lang", _str), ("langs", _ids), ("passage_count", _int), ("sentence_count", _int),
    ("char_count", _int), ("status", _str), ("problem", _str),
])

DOCUMENT_PAIRS = pa.schema([
    ("src_doc_id", _str), ("tgt_doc_id", _str), ("src_lang", _str), ("tgt_lang", _str),
    ("relation", _str), ("score", _float), ("matched_passages", _int),
    ("src_passages", _int), ("tgt_passages", _int), ("model", _str), ("config_hash", _str),
])

# A passage's parts, in reading order: one per page or column it runs over (records.Block).
REGION = pa.struct([("page", _int), ("x0", _float), ("top", _float), ("x1", _float), ("bottom", _float),
                    ("start", _int), ("end", _int)])

PASSAGES = pa.schema([
    ("doc_id", _str), ("passage_id", _str), ("index", _int), ("page", _int), ("kind", _str),
    ("lang", _str), ("lang_prob", _float), ("run", _int), ("script", _str),
    ("text", _str), ("normalized", _str), ("pivot", _str), ("char_start", _int), ("char_end", _int),
    ("x0", _float), ("top", _float), ("x1", _float), ("bottom", _float), ("regions", pa.list_(REGION)),
])

SENTENCES = pa.schema([
    ("doc_id", _str), ("sentence_id", _str), ("passage_id", _str), ("index", _int), ("page", _int),
    ("kind", _str), ("lang", _str), ("text", _str), ("normalized", _str), ("pivot", _str),
    ("char_start", _int), ("char_end", _int),
])

_side = [
    ("doc_id", _str), ("lang", _str), ("ids", _ids), ("passage_id", _str), ("text", _str),
    ("normalized", _str), ("page", _int), ("char_start", _int), ("char_end", _int),
]

ALIGNMENTS = pa.schema(
    [("pair_id", _str), ("level", _str), ("method", _str)]
    + [(f"src_{name}", kind) for name, kind in _side]
    + [(f"tgt_{name}", kind) for name, kind in _side]
    + [("similarity", _float), ("margin", _float), ("confidence", _float),
       ("model", _str), ("config_hash", _str), ("review_status", _str)]
)

PROBLEMS = pa.schema([(name, _str) for name in ("doc_id", "path", "stage", "severity", "message")])

TABLES = {
    "documents": DOCUMENTS, "document_pairs": DOCUMENT_PAIRS, "passages": PASSAGES,
    "sentences": SENTENCES, "alignments": ALIGNMENTS, "problems": PROBLEMS,
}
