"""Fixing the alignment by hand: a translator's action in the document view, turned into
changes of the reviews store (manual links, unlinks and decisions) made as one action.

Every action is built from two rules (pipeline/manual_links.py): a manual link wins over
the links that share a sentence with it, and an unlink removes one link. So merging two
rows is linking their sentences together; splitting a 2-1 row is linking its first
sentences one to one; shifting a target segment down is linking it to the next source
sentence. "Realign from here" makes the row's link a fixed anchor and lets the aligner
(pipeline.align.realign_stretch) redo the stretch up to the next anchor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.identity import pair_id as make_pair_id
from pipeline.manual_links import link_scores
from pipeline.review.store import Change, ManualLink, make_decision, now, pair_text_hash

# More sentences than this on one side of a link is not a sentence pair any more: it is a
# paragraph, and paragraphs are paired at the passage level.
MAX_LINK_SENTENCES = 6


class EditRefused(ValueError):
    """An alignment action that cannot be done as asked; the message says why."""


@dataclass
class SidePairContext:
    """One side pair as the action sees it: its alignable sentences in order, its current
    sentence links (after manual links), and the vectors of its sentences if known."""

    side_pair: tuple[str, str, str, str]  # src_doc_id, src_lang, tgt_doc_id, tgt_lang
    src: list[dict]
    tgt: list[dict]
    links: list[dict]  # alignments rows (sentence level) of this side pair
    manual: dict[str, ManualLink]  # every manual link of the store
    keys: dict[str, str]  # stable sentence keys
    src_vectors: np.ndarray | None = None  # one row per sentence of src, if the build is at hand
    tgt_vectors: np.ndarray | None = None
    k: int = 4

    def positions(self, side: str, ids: list[str]) -> list[int]:
        at = {s["sentence_id"]: n for n, s in enumerate(getattr(self, side))}
        missing = [i for i in ids if i not in at]
        if missing:
            raise EditRefused(f"sentence {missing[0]} is not an aligned sentence of this document pair "
                              "(footnotes, captions, tables and references are not aligned)")
        return sorted(at[i] for i in ids)

    def link_of(self, pair_id: str) -> dict:
        for link in self.links:
            if link["pair_id"] == pair_id:
                return link
        raise EditRefused(f"pair {pair_id} is not a sentence link of this document pair (reload the page)")


def _contiguous(positions: list[int], side: str) -> None:
    if not positions:
        raise EditRefused(f"select at least one {'source' if side == 'src' else 'target'} sentence")
    if len(positions) > MAX_LINK_SENTENCES:
        raise EditRefused(f"a link joins at most {MAX_LINK_SENTENCES} sentences on a side")
    if positions != list(range(positions[0], positions[-1] + 1)):
        raise EditRefused("the sentences of one side of a link must follow each other")


def link_changes(ctx: SidePairContext, src_ids: list[str], tgt_ids: list[str], method: str = "manual",
                 decide: bool = True) -> list[Change]:
    """Link these sentences (replacing the links that share one), recorded as accepted."""
    src_at, tgt_at = ctx.positions("src", src_ids), ctx.positions("tgt", tgt_ids)
    _contiguous(src_at, "src")
    _contiguous(tgt_at, "tgt")
    return _link(ctx, src_at, tgt_at, method, decide)


def _link(ctx: SidePairContext, src_at: list[int], tgt_at: list[int], method: str, decide: bool,
          scores: tuple[float, float] | None = None) -> list[Change]:
    src_keys = tuple(ctx.keys[ctx.src[i]["sentence_id"]] for i in src_at)
    tgt_keys = tuple(ctx.keys[ctx.tgt[j]["sentence_id"]] for j in tgt_at)
    pair_id = make_pair_id("sentence", list(src_keys), list(tgt_keys))
    changes = []
    for record in ctx.manual.values():  # manual links this one replaces
        if (record.kind == "link" and record.pair_id != pair_id
                and (record.src_doc_id, record.src_lang, record.tgt_doc_id, record.tgt_lang) == ctx.side_pair
                and (set(record.src_keys) & set(src_keys) or set(record.tgt_keys) & set(tgt_keys))):
            changes.append(Change("links", record.pair_id, None))
    if scores is None and ctx.src_vectors is not None and ctx.tgt_vectors is not None:
        scores = link_scores(ctx.src_vectors, ctx.tgt_vectors, src_at, tgt_at, ctx.k)
    src_doc, src_lang, tgt_doc, tgt_lang = ctx.side_pair
    changes.append(Change("links", pair_id, ManualLink(
        pair_id, "link", method, src_doc, src_lang, tgt_doc, tgt_lang, src_keys, tgt_keys,
        None if scores is None else round(scores[0], 6), None if scores is None else round(scores[1], 6), now())))
    if decide:
        src_text = " ".join(ctx.src[i]["text"] for i in src_at)
        tgt_text = " ".join(ctx.tgt[j]["text"] for j in tgt_at)
        changes.append(Change("decisions", pair_id, make_decision(
            pair_id, "accepted", pair_text_hash(src_text, tgt_text), "sentence",
            seen={"src_text": src_text, "tgt_text": tgt_text, "src_doc_id": src_doc, "tgt_doc_id": tgt_doc})))
    return changes


def unlink_changes(ctx: SidePairContext, pair_id: str) -> list[Change]:
    """Take a link away: its sentences stand alone until linked again."""
    link = ctx.link_of(pair_id)
    src_doc, src_lang, tgt_doc, tgt_lang = ctx.side_pair
    return [Change("links", pair_id, ManualLink(
        pair_id, "unlink", "manual", src_doc, src_lang, tgt_doc, tgt_lang, tuple(link["src_keys"]),
        tuple(link["tgt_keys"]), made_at=now()))]


def split_changes(ctx: SidePairContext, pair_id: str) -> list[Change]:
    """A 2-1 or 1-2 row (or larger) into one-to-one links, first with first; the rest alone."""
    link = ctx.link_of(pair_id)
    src_at, tgt_at = ctx.positions("src", link["src_ids"]), ctx.positions("tgt", link["tgt_ids"])
    if len(src_at) == 1 and len(tgt_at) == 1:
        raise EditRefused("this row links one sentence to one: there is nothing to split (unlink it instead)")
    # The new links share sentences with the old one, which gives way to them.
    changes = []
    for i, j in zip(src_at, tgt_at):
        changes += _link(ctx, [i], [j], "manual", True)
    return changes


def shift_changes(ctx: SidePairContext, pair_id: str, direction: str) -> list[Change]:
    """Move a row's target segment one source sentence down (or up): it is linked to the
    source sentence after (before) the row's, and the row's source sentences stand alone."""
    link = ctx.link_of(pair_id)
    src_at, tgt_at = ctx.positions("src", link["src_ids"]), ctx.positions("tgt", link["tgt_ids"])
    target = src_at[-1] + 1 if direction == "down" else src_at[0] - 1
    if not 0 <= target < len(ctx.src):
        raise EditRefused(f"there is no source sentence {'after' if direction == 'down' else 'before'} this row")
    return _link(ctx, [target], tgt_at, "manual", True)


def realign_changes(ctx: SidePairContext, pair_id: str, settings) -> tuple[list[Change], int]:
    """Fix the row's link as an anchor and let the aligner redo the stretch from it to the
    next manual link (or the end). Returns the changes and how many links the stretch has now."""
    from pipeline.align import (SentenceLink, neighbourhood_mean, pair_settings, passage_starts,
                                realign_stretch)

    if ctx.src_vectors is None or ctx.tgt_vectors is None:
        raise EditRefused("realigning needs the sentence vectors of the last run (build/ folder): "
                          "start the review with `make review` after `make all`")
    here = ctx.link_of(pair_id)
    here_src, here_tgt = ctx.positions("src", here["src_ids"]), ctx.positions("tgt", here["tgt_ids"])
    fixed = [SentenceLink(tuple(here_src), tuple(here_tgt), 1.0)]
    for link in ctx.links:
        if link["method"] == "manual" and link["pair_id"] != pair_id:
            fixed.append(SentenceLink(tuple(ctx.positions("src", link["src_ids"])),
                                      tuple(ctx.positions("tgt", link["tgt_ids"])), 1.0))
    later = [f for f in fixed if f.src[0] > here_src[-1] and f.tgt[0] > here_tgt[-1]]
    stop = min(later, key=lambda f: f.src[0]) if later else None
    src_end, tgt_end = (stop.src[0], stop.tgt[0]) if stop else (len(ctx.src), len(ctx.tgt))

    def inside(src_at, tgt_at) -> bool:
        return (all(here_src[-1] < i < src_end for i in src_at) or
                all(here_tgt[-1] < j < tgt_end for j in tgt_at))

    src_lang, tgt_lang = ctx.side_pair[1], ctx.side_pair[3]
    src_means = neighbourhood_mean(ctx.src_vectors, ctx.tgt_vectors, ctx.k)
    tgt_means = neighbourhood_mean(ctx.tgt_vectors, ctx.src_vectors, ctx.k)
    found = realign_stretch(ctx.src_vectors, ctx.tgt_vectors, src_means, tgt_means,
                            pair_settings(settings, src_lang, tgt_lang), fixed,
                            passage_starts([s["passage_id"] for s in ctx.src]),
                            passage_starts([s["passage_id"] for s in ctx.tgt]))
    fresh = [l for l in found if all(here_src[-1] < i < src_end for i in l.src)
             and all(here_tgt[-1] < j < tgt_end for j in l.tgt)]
    changes = _link(ctx, here_src, here_tgt, "manual", True)
    made = set()
    for link in fresh:
        changes += _link(ctx, list(link.src), list(link.tgt), f"realigned-{len(link.src)}-{len(link.tgt)}", False)
        made.add(changes[-1].key)
    for link in ctx.links:  # what the stretch held before and the aligner did not make again
        if link["pair_id"] in made or link["pair_id"] == pair_id:
            continue
        if inside(ctx.positions("src", link["src_ids"]), ctx.positions("tgt", link["tgt_ids"])):
            changes += unlink_changes(ctx, link["pair_id"])
    return changes, len(fresh)
