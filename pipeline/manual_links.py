"""Translators' corrections of the sentence alignment, applied over the aligner's links.

The review workbench stores them in aligned/reviews.sqlite (pipeline/review/store.py) as
manual links, keyed by the stable keys of their sentences (pipeline/identity.py) so that
they survive re-runs in which sentence numbers shift:

- a *link* joins sentences of two sides. It wins over every aligner link that shares a
  sentence with it; its method is "manual", or "realigned-<s>-<t>" for a link the aligner
  re-made in the stretch after a translator's anchor ("realign from here").
- an *unlink* takes the aligner's link with exactly those sentences away.

The align stage applies them on every run (apply_manual_links), and the review server
applies the same rule (kept_links) to the rows it shows, so both agree.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SidePair = tuple[str, str, str, str]  # src_doc_id, src_lang, tgt_doc_id, tgt_lang


def side_pair_of(link) -> SidePair:
    return (link.src_doc_id, link.src_lang, link.tgt_doc_id, link.tgt_lang)


def kept_links(existing: list[tuple[SidePair, tuple[str, ...], tuple[str, ...]]], manual: dict,
               present: set[str] | dict) -> list[bool]:
    """For each existing sentence link (side pair, source keys, target keys): whether it
    stays, i.e. is not unlinked and shares no sentence with a manual link of its side pair.

    present: the sentence keys of this run. A manual link one of whose sentences is gone
    (edited, or its document removed) no longer applies, and takes nothing away."""
    linked: dict[SidePair, tuple[set, set]] = {}
    unlinked = set()
    for record in manual.values():
        pair = side_pair_of(record)
        if not all(key in present for key in (*record.src_keys, *record.tgt_keys)):
            continue
        if record.kind == "unlink":
            unlinked.add((pair, tuple(record.src_keys), tuple(record.tgt_keys)))
        else:
            src, tgt = linked.setdefault(pair, (set(), set()))
            src.update(record.src_keys)
            tgt.update(record.tgt_keys)
    kept = []
    for pair, src_keys, tgt_keys in existing:
        src, tgt = linked.get(pair, ((), ()))
        kept.append((pair, tuple(src_keys), tuple(tgt_keys)) not in unlinked
                    and not any(k in src for k in src_keys) and not any(k in tgt for k in tgt_keys))
    return kept


def link_scores(side_src_vectors: np.ndarray, side_tgt_vectors: np.ndarray, src: list[int], tgt: list[int],
                k: int) -> tuple[float, float]:
    """(cosine, ratio margin) of a link given by sentence positions in its two sides.

    The cosine is the aligner's (the normalized sum of each side's vectors); the margin's
    neighbourhoods are the partner side's sentences only, since a translator's link is
    scored after the fact, outside the corpus-wide run."""
    from pipeline.align import neighbourhood_mean, unit_length

    a, b = unit_length(side_src_vectors[src].sum(axis=0)), unit_length(side_tgt_vectors[tgt].sum(axis=0))
    similarity = float(a @ b)
    src_mean = float(np.mean(neighbourhood_mean(side_src_vectors[src], side_tgt_vectors, k)))
    tgt_mean = float(np.mean(neighbourhood_mean(side_tgt_vectors[tgt], side_src_vectors, k)))
    return similarity, similarity / max((src_mean + tgt_mean) / 2, 1e-6)


def apply_manual_links(links: list[dict], sides: list, manual: dict, keys: dict[str, str], k: int):
    """The align stage's links (dicts as align_corpus returns them) with the manual links
    applied. Returns (links, detached): detached counts manual links whose sentences are
    no longer in any side (their text changed, or the document is gone)."""
    if not manual:
        return links, 0
    by_key: dict[str, tuple[int, int]] = {}
    for index, side in enumerate(sides):
        for position, sentence in enumerate(side.sentences):
            by_key[keys[sentence.sentence_id]] = (index, position)

    def existing(link):
        pair = (link["src"][0].doc_id, link["src_side"].lang, link["tgt"][0].doc_id, link["tgt_side"].lang)
        return pair, tuple(keys[r.sentence_id] for r in link["src"]), tuple(keys[r.sentence_id] for r in link["tgt"])

    sentence_links = [n for n, link in enumerate(links) if link["level"] == "sentence"]
    keep = dict(zip(sentence_links, kept_links([existing(links[n]) for n in sentence_links], manual, by_key)))
    out = [link for n, link in enumerate(links) if keep.get(n, True)]
    detached = 0
    for record in sorted(manual.values(), key=lambda r: r.pair_id):
        if record.kind != "link":
            continue
        places = [by_key.get(key) for key in (*record.src_keys, *record.tgt_keys)]
        src_places, tgt_places = places[:len(record.src_keys)], places[len(record.src_keys):]
        if None in places or len({p[0] for p in src_places}) != 1 or len({p[0] for p in tgt_places}) != 1:
            detached += 1
            continue
        src, tgt = sides[src_places[0][0]], sides[tgt_places[0][0]]
        if (src.doc_id, src.lang, tgt.doc_id, tgt.lang) != side_pair_of(record):
            detached += 1
            continue
        src_positions, tgt_positions = [p[1] for p in src_places], [p[1] for p in tgt_places]
        similarity, margin = link_scores(src.sentence_vectors, tgt.sentence_vectors, src_positions,
                                         tgt_positions, k)
        out.append({"level": "sentence", "method": record.method, "src_side": src, "tgt_side": tgt,
                    "src": [src.sentences[i] for i in src_positions], "tgt": [tgt.sentences[j] for j in tgt_positions],
                    "similarity": similarity, "margin": margin})
    return out, detached


def read_vectors(embed_files: list[Path]) -> dict[str, np.ndarray]:
    """{passage or sentence id: vector} from embed stage files (build/<corpus>/embed/<doc>.parquet)."""
    from pipeline.storage import read_rows

    vectors = {}
    for path in embed_files:
        for row in read_rows(path):
            vectors[row["id"]] = np.asarray(row["vector"], dtype=np.float32)
    return vectors
