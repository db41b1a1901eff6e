"""Stable identity of passages, sentences and the pairs made of them.

Passage and sentence ids number units by position (`<doc>:p0004:s001`), so a paragraph
inserted early in a document renumbers everything after it. A pair's id, the key under
which translators' decisions and manual links are kept and the `tuid` a CAT tool updates
its memory by, is therefore built from content instead: each unit is known by its document,
a hash of its text, and which occurrence of that text in the document it is. Inserting or
deleting other paragraphs leaves it as it was; editing the unit's own text makes it a new
unit (and a decision taken on the old text is found again by the other side's text, as
stale: see pipeline/review/store.py).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def unit_keys(units: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """{unit id: stable key} for (doc_id, unit_id, text) triples of one kind (passages, or
    sentences) given in document order: occurrences of a text are counted per document."""
    seen: Counter = Counter()
    keys = {}
    for doc_id, unit_id, text in units:
        digest = text_hash(text)
        keys[unit_id] = f"{doc_id}|{digest}|{seen[(doc_id, digest)]}"
        seen[(doc_id, digest)] += 1
    return keys


def pair_id(level: str, src_keys: list[str], tgt_keys: list[str]) -> str:
    """The stable id of a pair: its level and the stable keys of the units on each side."""
    return hashlib.sha1(f"{level}|{','.join(src_keys)}|{','.join(tgt_keys)}".encode()).hexdigest()[:16]
