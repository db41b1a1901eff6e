"""The document view: the two sides of a document pair next to each other, in reading order.

Every sentence of both sides is shown once. Sentences linked to each other share a row;
a sentence with no counterpart has a row of its own with the other cell empty, which is
where a translator sees an omission. When the translation moved a section, the links
that go against the order of the rest (the fewest such: the longest run in the same order
stays in place) are shown at their source sentence and marked as moved.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field


@dataclass
class Row:
    src: list[dict] = field(default_factory=list)  # sentence rows of the source side
    tgt: list[dict] = field(default_factory=list)
    pair: dict | None = None  # the alignments row linking them, if any
    moved: bool = False  # the target sentences stand elsewhere in their document
    src_new_passage: bool = False  # the row's first source sentence begins a paragraph
    tgt_new_passage: bool = False


def side_sentences(sentences: list[dict], passages: dict[str, dict], lang: str) -> list[dict]:
    """The sentences of one document in one language (its passages' language), in order."""
    return [s for s in sentences if (passages.get(s["passage_id"]) or {}).get("lang", s.get("lang")) == lang]


def _in_order(values: list[int]) -> set[int]:
    """Indexes of a longest strictly increasing run of values (patience sorting)."""
    tails: list[int] = []  # value ending the best run of each length
    tail_index: list[int] = []
    previous = [-1] * len(values)
    for n, value in enumerate(values):
        k = bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_index.append(n)
        else:
            tails[k], tail_index[k] = value, n
        previous[n] = tail_index[k - 1] if k else -1
    chosen, n = set(), tail_index[-1] if tail_index else -1
    while n >= 0:
        chosen.add(n)
        n = previous[n]
    return chosen


def document_rows(src: list[dict], tgt: list[dict], pairs: list[dict]) -> list[Row]:
    """Rows of the document view for two sides (sentence rows in order) and their links."""
    src_at = {s["sentence_id"]: n for n, s in enumerate(src)}
    tgt_at = {s["sentence_id"]: n for n, s in enumerate(tgt)}
    links = []
    for pair in pairs:
        a = [src_at[i] for i in pair["src_ids"] if i in src_at]
        b = [tgt_at[j] for j in pair["tgt_ids"] if j in tgt_at]
        if a and b:
            links.append((a, b, pair))
    links.sort(key=lambda link: (link[0][0], link[1][0]))
    in_order = _in_order([b[0] for _, b, _ in links])
    linked_src = {i for a, _, _ in links for i in a}
    linked_tgt = {j for _, b, _ in links for j in b}

    rows: list[Row] = []
    next_src = next_tgt = 0

    def alone_src(until: int):
        nonlocal next_src
        while next_src < until:
            if next_src not in linked_src:
                rows.append(Row(src=[src[next_src]]))
            next_src += 1

    def alone_tgt(until: int):
        nonlocal next_tgt
        while next_tgt < until:
            if next_tgt not in linked_tgt:
                rows.append(Row(tgt=[tgt[next_tgt]]))
            next_tgt += 1

    for n, (a, b, pair) in enumerate(links):
        alone_src(a[0])
        moved = n not in in_order
        if not moved:
            alone_tgt(b[0])
        rows.append(Row(src=[src[i] for i in a], tgt=[tgt[j] for j in b], pair=pair, moved=moved))
        next_src = max(next_src, a[-1] + 1)
        if not moved:
            next_tgt = max(next_tgt, b[-1] + 1)
    alone_src(len(src))
    alone_tgt(len(tgt))
    seen_passages: set[str] = set()
    for row in rows:
        for side in ("src", "tgt"):
            cell = getattr(row, side)
            if cell and cell[0]["passage_id"] not in seen_passages:
                setattr(row, f"{side}_new_passage", True)
            seen_passages.update(s["passage_id"] for s in cell)
    return rows
