"""Alignment: passages mined by ratio margin, sentences aligned inside matched passages.

Passage mining follows Artetxe & Schwenk (2019): the cosine of a candidate pair is divided
by the mean cosine of each side's k nearest neighbours in the other language, so a "hub"
passage that is close to everything scores low, and only mutual best matches above the
thresholds are kept. Sentences inside a matched passage pair are aligned by a dynamic
program in the manner of Bertalign and Vecalign, with 1-1, 1-2, 2-1 links and 1-0/0-1 skips,
run in a band around mined anchors so that a long book costs time linear in its length.
In a large corpus each document is aligned only with its nearest documents in the other
language (candidate_pairs), so the time grows with the number of documents, not its square.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

import numpy as np

# Pools of more than align.approximate_above vectors are searched with an inverted-file
# index: about 4 sqrt(n) lists, IVF_PROBES of them per query. make bench: at 100k it found
# 99.9 % of the planted pairs in less than half the time of the exact search.
IVF_PROBES = 32


def nearest_neighbours(queries: np.ndarray, pool: np.ndarray, count: int,
                       approximate_above: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(cosines, indexes) of each query's `count` nearest pool vectors (unit vectors, FAISS):
    exact, or approximate (IVF) for a pool of more than approximate_above vectors, where an
    index missing for lack of candidates is -1."""
    import faiss

    pool = np.ascontiguousarray(pool, dtype=np.float32)
    dim = pool.shape[1]
    if approximate_above is not None and len(pool) > approximate_above:
        # FAISS wants 39 training points per list; k-means starts from its fixed seed.
        lists = max(1, min(int(4 * np.sqrt(len(pool))), len(pool) // 39))
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, lists, faiss.METRIC_INNER_PRODUCT)
        index.train(pool)
        index.nprobe = min(IVF_PROBES, lists)
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(pool)
    return index.search(np.ascontiguousarray(queries, dtype=np.float32), count)


def neighbourhood_mean(queries: np.ndarray, pool: np.ndarray, k: int, faiss_above: int = 4096,
                       approximate_above: int | None = None) -> np.ndarray:
    """Mean cosine of each query's k nearest neighbours in the pool (vectors are unit-length)."""
    if len(queries) == 0 or len(pool) == 0:
        return np.zeros(len(queries), np.float32)
    k = min(k, len(pool))
    if len(pool) > faiss_above:
        top, nearest = nearest_neighbours(queries, pool, k, approximate_above)
        return np.where(nearest >= 0, top, 0.0).sum(axis=1) / np.maximum((nearest >= 0).sum(axis=1), 1)
    sims = queries @ pool.T
    top = np.partition(sims, len(pool) - k, axis=1)[:, -k:]
    return top.mean(axis=1)


def ratio_margin(similarity: np.ndarray, src_mean: np.ndarray, tgt_mean: np.ndarray) -> np.ndarray:
    return similarity / np.maximum((src_mean[:, None] + tgt_mean[None, :]) / 2, 1e-6)


def mutual_best(score: np.ndarray) -> list[tuple[int, int]]:
    """Pairs (i, j) where j is i's best and i is j's best; ties resolved by lowest index."""
    if score.size == 0:
        return []
    best_tgt = score.argmax(axis=1)
    best_src = score.argmax(axis=0)
    return [(i, int(j)) for i, j in enumerate(best_tgt) if best_src[j] == i]


@dataclass
class PassageMatch:
    src: int
    tgt: int
    similarity: float
    margin: float


def by_cosine(scoring: str) -> bool:
    """align.scoring: "margin" (the method) or "cosine", which picks mutual best matches by raw
    cosine with the margin thresholds unused, only to measure what the margin buys (make eval).
    The cosine mode always takes the exact n x m path."""
    if scoring not in ("margin", "cosine"):
        raise ValueError(f"align.scoring must be margin or cosine, not {scoring!r}")
    return scoring == "cosine"


def mine_passages(src: np.ndarray, tgt: np.ndarray, src_mean: np.ndarray, tgt_mean: np.ndarray,
                  min_margin: float, min_similarity: float, faiss_above: int = 4096,
                  scoring: str = "margin", approximate_above: int | None = None) -> list[PassageMatch]:
    """Mutual best passage pairs by margin (or cosine, see by_cosine), above the thresholds.

    Sides larger than faiss_above are mined from k-NN candidates (see mutual_best_candidates),
    so memory grows with the side sizes, not their product.
    """
    cosine = by_cosine(scoring)
    if max(len(src), len(tgt)) > faiss_above and not cosine:
        return [match for match in mutual_best_candidates(src, tgt, src_mean, tgt_mean,
                                                          approximate_above=approximate_above)
                if match.margin >= min_margin and match.similarity >= min_similarity]
    similarity = src @ tgt.T
    margin = ratio_margin(similarity, src_mean, tgt_mean)
    return [PassageMatch(i, j, float(similarity[i, j]), float(margin[i, j]))
            for i, j in mutual_best(similarity if cosine else margin)
            if (cosine or margin[i, j] >= min_margin) and similarity[i, j] >= min_similarity]


# Candidates per row and per column on the k-NN path. A pair that is mutual best by margin
# is, in practice, among the nearest few by cosine in at least one direction: the margin only
# divides the cosine by neighbourhood means, which differ little between near neighbours.
MARGIN_CANDIDATES = 16
# Pairs whose vectors are gathered at once when candidate cosines are recomputed.
_GATHER_CHUNK = 1 << 16


def _first_per_group(groups: np.ndarray, score: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
    """Index of the highest score in each group, ties going to the lowest tiebreak (as argmax)."""
    order = np.lexsort((tiebreak, -score, groups))
    ordered = groups[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    return order[starts]


def mutual_best_candidates(src: np.ndarray, tgt: np.ndarray, src_mean: np.ndarray, tgt_mean: np.ndarray,
                           candidates: int = MARGIN_CANDIDATES,
                           approximate_above: int | None = None) -> list[PassageMatch]:
    """Mutual best pairs by margin, searched among k-NN candidates instead of all n x m pairs.

    Candidates are each source row's nearest targets and each target's nearest sources by
    cosine (see nearest_neighbours: exact, or approximate above approximate_above); the
    margin is computed for those pairs only, and a pair is kept when it is the best of its
    row and of its column among them. Memory is
    O((n + m) * candidates). On the same vectors this gives the same pairs as
    mutual_best(ratio_margin(...)) unless a row's best margin lies outside its candidates.
    """
    n, m = len(src), len(tgt)
    if n == 0 or m == 0:
        return []
    forward = nearest_neighbours(src, tgt, min(candidates, m), approximate_above)[1]
    backward = nearest_neighbours(tgt, src, min(candidates, n), approximate_above)[1]
    rows = np.concatenate([np.repeat(np.arange(n), forward.shape[1]), backward.ravel()]).astype(np.int64)
    cols = np.concatenate([forward.ravel(), np.repeat(np.arange(m), backward.shape[1])]).astype(np.int64)
    present = (rows >= 0) & (cols >= 0)  # faiss pads with -1 when it finds fewer
    pairs = np.unique(rows[present] * m + cols[present])
    rows, cols = pairs // m, pairs % m
    # Cosines recomputed per pair (not taken from the two searches) so a pair found in both
    # directions has one value, computed the way the exact path computes it.
    similarity = np.empty(len(pairs), np.float32)
    for start in range(0, len(pairs), _GATHER_CHUNK):
        part = slice(start, start + _GATHER_CHUNK)
        similarity[part] = np.einsum("ij,ij->i", src[rows[part]], tgt[cols[part]])
    margin = similarity / np.maximum((src_mean[rows] + tgt_mean[cols]) / 2, 1e-6)
    best_of_row = np.zeros(len(pairs), bool)
    best_of_row[_first_per_group(rows, margin, cols)] = True
    best_of_col = np.zeros(len(pairs), bool)
    best_of_col[_first_per_group(cols, margin, rows)] = True
    return [PassageMatch(int(rows[c]), int(cols[c]), float(similarity[c]), float(margin[c]))
            for c in np.flatnonzero(best_of_row & best_of_col)]


@dataclass
class SentenceLink:
    src: tuple[int, ...]
    tgt: tuple[int, ...]
    similarity: float
    score: float = 0.0  # log-odds that the link is right (pipeline.sentence_align)
    margin: float = 0.0  # ratio margin of the link's runs


def unit_length(vectors: np.ndarray) -> np.ndarray:
    """A vector, or each row of a matrix, scaled to length 1 (a zero vector stays zero)."""
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)


def link_margin(link: SentenceLink, src_mean: np.ndarray, tgt_mean: np.ndarray) -> float:
    """Ratio margin of a link, using the mean neighbourhood of the sentences it joins."""
    denominator = (float(np.mean(src_mean[list(link.src)])) + float(np.mean(tgt_mean[list(link.tgt)]))) / 2
    return link.similarity / max(denominator, 1e-6)


def confidence(margin: float, similarity: float, bias: float, w_margin: float, w_similarity: float) -> float:
    """A passage pair's confidence in [0, 1]; its weights are fitted on the evaluation set (make eval)."""
    z = bias + w_margin * margin + w_similarity * similarity
    return float(1.0 / (1.0 + np.exp(-z)))


def sentence_confidence(score: float, size: int, weights) -> float:
    """A sentence link's confidence in [0, 1] from its score and its size (sentences in all),
    fitted on the links the aligner made on a tuning set (align.confidence.sentence_*).

    The score alone does not rank the links made (it grows with the link's size, and merges
    are wrong more often than 1-1 links): the size enters on its own."""
    z = (weights.sentence_bias + weights.sentence_w_score * score
         + weights.sentence_merge_3 * (size == 3) + weights.sentence_merge_4 * (size == 4)
         + weights.sentence_merge_5 * (size >= 5))
    return float(1.0 / (1.0 + np.exp(-z)))


def passage_starts(passage_ids: list[str]) -> frozenset[int]:
    """Indexes of the sentences that begin a passage other than the first."""
    return frozenset(k for k in range(1, len(passage_ids)) if passage_ids[k] != passage_ids[k - 1])


def align_sentence_sequences(src: np.ndarray, tgt: np.ndarray, src_mean: np.ndarray, tgt_mean: np.ndarray,
                             settings, src_starts: frozenset[int] = frozenset(),
                             tgt_starts: frozenset[int] = frozenset(), src_texts: list[str] | None = None,
                             tgt_texts: list[str] | None = None, src_kinds: list[str] | None = None,
                             tgt_kinds: list[str] | None = None) -> list[SentenceLink]:
    """Sentence links between two sides by pipeline.sentence_align (anchors, a corridor,
    links of up to 4 sentences a side scored by align.link).

    src_mean / tgt_mean: the ratio margin's neighbourhoods (mean cosine of each sentence to
    its k nearest in the other language). With align.scoring cosine they count as 1, so
    the margin feature is the raw cosine. src_starts / tgt_starts: the sentences that begin
    a passage (no link joins one to the sentence before). Texts give the length and signal
    features; without them those features are neutral.
    """
    from pipeline.sentence_align import align_sides, pair_sides

    if not len(src) or not len(tgt):
        return []
    src_side, tgt_side = pair_sides(
        src, tgt, settings, src_texts, tgt_texts, src_starts, tgt_starts,
        src_anchorable=None if src_kinds is None else [kind not in NO_EVIDENCE_KINDS for kind in src_kinds],
        tgt_anchorable=None if tgt_kinds is None else [kind not in NO_EVIDENCE_KINDS for kind in tgt_kinds])
    if by_cosine(settings.scoring):
        src_side.neighbourhood[:] = 0
        tgt_side.neighbourhood[:] = 0
    found = align_sides(src_side, tgt_side, settings)
    return [SentenceLink(link.src, link.tgt, link.similarity, link.score, link.margin) for link in found]


def realign_stretch(src_vectors: np.ndarray, tgt_vectors: np.ndarray, src_means: np.ndarray, tgt_means: np.ndarray,
                    settings, fixed: list[SentenceLink], src_starts: frozenset[int] = frozenset(),
                    tgt_starts: frozenset[int] = frozenset(), src_texts: list[str] | None = None,
                    tgt_texts: list[str] | None = None) -> list[SentenceLink]:
    """Sentence links of one side pair where the `fixed` links (made by a translator) are kept
    as they are and the aligner re-runs only the stretches between them.

    A stretch is the sentences after one fixed link and before the next, on both sides
    (fixed links in source order; a fixed link that crosses another leaves nothing between
    them on one side, so nothing is re-aligned there). Sentences a fixed link holds are never
    linked again. Returns the fixed links and the new ones, in source order.
    """
    from pipeline.sentence_align import align_sides, pair_sides, stretch

    fixed = sorted(fixed, key=lambda link: (link.src, link.tgt))
    held_src = {i for link in fixed for i in link.src}
    held_tgt = {j for link in fixed for j in link.tgt}
    found: list[SentenceLink] = []
    if not len(src_vectors) or not len(tgt_vectors):
        return fixed
    # Centring and neighbourhoods come from the whole sides: a stretch of two or three
    # sentences is no neighbourhood (its own partner would be most of the mean).
    src_side, tgt_side = pair_sides(src_vectors, tgt_vectors, settings, src_texts, tgt_texts, src_starts, tgt_starts)
    if by_cosine(settings.scoring):
        src_side.neighbourhood[:] = 0
        tgt_side.neighbourhood[:] = 0
    stops = [(link.src[0] if link.src else None, link.tgt[0] if link.tgt else None) for link in fixed]
    stops.append((len(src_vectors), len(tgt_vectors)))
    i0, j0 = 0, 0
    for link, (i1, j1) in zip(fixed + [None], stops):
        i1 = i0 if i1 is None else i1
        j1 = j0 if j1 is None else j1
        if i1 > i0 and j1 > j0:
            # A crossing fixed link may hold sentences inside the stretch: it is not re-run.
            if held_src.isdisjoint(range(i0, i1)) and held_tgt.isdisjoint(range(j0, j1)):
                for new in align_sides(stretch(src_side, i0, i1), stretch(tgt_side, j0, j1), settings):
                    found.append(SentenceLink(tuple(i + i0 for i in new.src), tuple(j + j0 for j in new.tgt),
                                              new.similarity, new.score, new.margin))
        if link is not None:
            i0 = max(i0, max(link.src, default=i0 - 1) + 1)
            j0 = max(j0, max(link.tgt, default=j0 - 1) + 1)
    return sorted(fixed + found, key=lambda link: (link.src, link.tgt))


# --- The whole corpus -----------------------------------------------------------------

@dataclass
class Side:
    """The passages of one language in one document, with their sentences and vectors."""

    doc_id: str
    lang: str
    passages: list  # Passage records, in document order
    passage_vectors: np.ndarray
    sentences: list  # Sentence records of those passages, in document order
    sentence_vectors: np.ndarray


def build_sides(passages, sentences, vectors: dict[str, np.ndarray], languages: list[str],
                skip_kinds: list[str]) -> list[Side]:
    """Group alignable passages by (document, language); a mixed document gives several sides."""
    grouped: dict[tuple[str, str], list] = {}
    for passage in passages:
        if passage.kind in skip_kinds or passage.lang not in languages or passage.passage_id not in vectors:
            continue
        grouped.setdefault((passage.doc_id, passage.lang), []).append(passage)
    by_passage: dict[str, list] = {}
    for sentence in sentences:
        if sentence.sentence_id in vectors:
            by_passage.setdefault(sentence.passage_id, []).append(sentence)
    sides = []
    for (doc_id, lang), members in sorted(grouped.items()):
        side_sentences = [s for p in members for s in by_passage.get(p.passage_id, [])]
        sides.append(Side(
            doc_id, lang, members, np.stack([vectors[p.passage_id] for p in members]), side_sentences,
            np.stack([vectors[s.sentence_id] for s in side_sentences]) if side_sentences
            else np.zeros((0, members and len(vectors[members[0].passage_id]) or 1), np.float32)))
    return sides


def passages_of_sentence_links(links: list[SentenceLink], src: Side, tgt: Side,
                               matches: list[PassageMatch]) -> list[tuple[int, int]]:
    """Passage pairs (indexes in the sides) that the sentence links show and mining missed.

    A paragraph with a translator's note added, or translated loosely, can stay under the
    passage thresholds while its sentences link one by one to one paragraph of the other
    side. Two passages are paired when at least two links join them and those links cover
    half the sentences of the shorter one, and neither is in a pair already.
    """
    position = {p.passage_id: n for n, p in enumerate(src.passages)}
    position_tgt = {p.passage_id: n for n, p in enumerate(tgt.passages)}
    size = Counter(s.passage_id for s in src.sentences) + Counter(s.passage_id for s in tgt.sentences)
    joined: Counter = Counter()
    for link in links:
        src_ids = {src.sentences[i].passage_id for i in link.src}
        tgt_ids = {tgt.sentences[j].passage_id for j in link.tgt}
        if len(src_ids) == len(tgt_ids) == 1:
            joined[(src_ids.pop(), tgt_ids.pop())] += len(link.src)
    taken_src, taken_tgt = {m.src for m in matches}, {m.tgt for m in matches}
    found = []
    for (p, q), count in sorted(joined.items(), key=lambda item: (-item[1], item[0])):
        i, j = position[p], position_tgt[q]
        if count >= 2 and 2 * count >= min(size[p], size[q]) and i not in taken_src and j not in taken_tgt:
            found.append((i, j))
            taken_src.add(i)
            taken_tgt.add(j)
    return sorted(found)


def links_inside(links: list[SentenceLink], matches: list[PassageMatch], src: Side,
                 tgt: Side) -> list[SentenceLink]:
    """The sentence links whose sentences all lie in one pair of matched passages.

    Sentence margins are taken inside the side pair (contract 6), so they cannot tell two
    unrelated papers apart: there each sentence's best partner stands out of a neighbourhood
    of strangers as far as a translation does (margins 1.06-1.1 on the evaluation set). Whether
    two sides are translations is the passages' call, whose margins are taken over the
    corpus; where few or none of their passages match, a sentence link stands only inside a
    passage pair that does."""
    paired = {(src.passages[m.src].passage_id, tgt.passages[m.tgt].passage_id) for m in matches}
    kept = []
    for link in links:
        src_ids = {src.sentences[i].passage_id for i in link.src}
        tgt_ids = {tgt.sentences[j].passage_id for j in link.tgt}
        if len(src_ids) == len(tgt_ids) == 1 and (next(iter(src_ids)), next(iter(tgt_ids))) in paired:
            kept.append(link)
    return kept


# Titles and headings match their like in any paper ("Conclusion" / 五、结论): they show
# structure, not that two documents are related.
NO_EVIDENCE_KINDS = ("title", "heading")


def side_relation(matches: list[PassageMatch], src: Side, tgt: Side) -> str:
    """relation_of, counted over the passages that are evidence (not titles or headings)."""
    def evidence(passage) -> bool:
        return passage.kind not in NO_EVIDENCE_KINDS

    matched = sum(evidence(src.passages[m.src]) and evidence(tgt.passages[m.tgt]) for m in matches)
    return relation_of(matched, sum(map(evidence, src.passages)) or 1, sum(map(evidence, tgt.passages)) or 1)


def relation_of(matched: int, src_count: int, tgt_count: int) -> str:
    """How two sides relate, from how many of their passages found a partner."""
    if matched == 0:
        return "unrelated"
    if matched / max(src_count, tgt_count) >= 0.5:
        return "translation"
    if matched / min(src_count, tgt_count) >= 0.3:
        return "partial"
    return "comparable"


def side_vector(side: Side) -> np.ndarray:
    """The mean of a side's evidence passages (all of them if it has none), unit length."""
    evidence = [n for n, p in enumerate(side.passages) if p.kind not in NO_EVIDENCE_KINDS]
    return unit_length(side.passage_vectors[evidence or slice(None)].sum(axis=0))


def candidate_pairs(sides: list[Side], language_rank, per_side: int, faiss_above: int = 4096,
                    approximate_above: int | None = None) -> set[tuple[int, int]]:
    """Pairs of sides (a, b), a's language ranked before b's, worth aligning.

    Aligning every pair of sides grows with the product of the document counts. A
    translation, or a paper that draws on another, lies near it by side vector, so each
    side is paired with its per_side nearest sides in each other language, in both
    directions (one k-NN search over side vectors per language pair). With per_side 0, or
    with no language holding more sides than per_side, every pair is a candidate."""
    by_lang: dict[str, list[int]] = {}
    for index, side in enumerate(sides):
        by_lang.setdefault(side.lang, []).append(index)
    pairs: set[tuple[int, int]] = set()
    for src_lang, src_indexes in by_lang.items():
        for tgt_lang, tgt_indexes in by_lang.items():
            if language_rank(src_lang) >= language_rank(tgt_lang):
                continue
            if not per_side or max(len(src_indexes), len(tgt_indexes)) <= per_side:
                pairs.update((a, b) for a in src_indexes for b in tgt_indexes)
                continue
            src_vectors = np.stack([side_vector(sides[a]) for a in src_indexes])
            tgt_vectors = np.stack([side_vector(sides[b]) for b in tgt_indexes])
            for queries, pool, query_indexes, pool_indexes, forward in (
                    (src_vectors, tgt_vectors, src_indexes, tgt_indexes, True),
                    (tgt_vectors, src_vectors, tgt_indexes, src_indexes, False)):
                for q, row in enumerate(_nearest(queries, pool, per_side, faiss_above, approximate_above)):
                    for n in row[row >= 0]:
                        a, b = query_indexes[q], pool_indexes[n]
                        pairs.add((a, b) if forward else (b, a))
    return pairs


def _nearest(queries: np.ndarray, pool: np.ndarray, count: int, faiss_above: int,
             approximate_above: int | None) -> np.ndarray:
    """Indexes of each query's `count` nearest pool vectors, in no order."""
    count = min(count, len(pool))
    if len(pool) > faiss_above:
        return nearest_neighbours(queries, pool, count, approximate_above)[1]
    return np.argpartition(-(queries @ pool.T), count - 1, axis=1)[:, :count]


def _vectors(side: Side, level: str) -> np.ndarray:
    return side.passage_vectors if level == "passage" else side.sentence_vectors


def _texts(side: Side, level: str) -> list[str]:
    return [r.pivot for r in (side.passages if level == "passage" else side.sentences)]


def text_key(text: str) -> str:
    """What makes two texts the same text: case, spaces and punctuation aside."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold()
                   if unicodedata.category(c)[0] in "LN")


def duplicate_sides(sides: list[Side], min_share: float = 0.8) -> list[tuple[int, int, float]]:
    """Pairs of sides in the same language that hold the same text: (a, b, share), where
    share is the part of the shorter side's sentences (passages if it has none) whose text
    the other side also holds, at least min_share. Found through an index of sentence texts,
    so the work grows with the corpus, not with the number of pairs of documents.

    Real corpora hold duplicates (a paper and its preprint, one abstract under two names);
    they are reported, and they count once in margin neighbourhoods (candidate_neighbourhoods)."""
    keys = []
    for side in sides:
        level = "sentence" if side.sentences else "passage"
        keys.append({key for key in map(text_key, _texts(side, level)) if len(key) >= 8})
    holders: dict[tuple[str, str], list[int]] = {}
    for index, side in enumerate(sides):
        for key in keys[index]:
            holders.setdefault((side.lang, key), []).append(index)
    shared: Counter = Counter()
    for members in holders.values():
        if 1 < len(members) <= 64:  # a text in very many documents is boilerplate, not a copy
            for a, b in itertools.combinations(members, 2):
                shared[(a, b)] += 1
    found = []
    for (a, b), count in sorted(shared.items()):
        share = count / max(min(len(keys[a]), len(keys[b])), 1)
        if share >= min_share:
            found.append((a, b, round(share, 6)))
    return found


def representatives(count: int, duplicates: list[tuple[int, int, float]]) -> list[int]:
    """For each side, the first side of its group of duplicates (itself if it has none)."""
    parent = list(range(count))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _ in duplicates:
        ra, rb = root(a), root(b)
        parent[max(ra, rb)] = min(ra, rb)
    return [root(x) for x in range(count)]


def candidate_neighbourhoods(sides: list[Side], pairs: set[tuple[int, int]], level: str, settings,
                             duplicates: list[tuple[int, int, float]] = ()) -> dict[tuple[int, str], np.ndarray]:
    """The ratio margin's denominators at one level (passage or sentence): for each side and
    each other language, the mean cosine of each of its vectors to its k nearest among the
    side's candidate partners in that language.

    The nearest neighbours of a passage lie in the sides nearest to its own; with every
    pair a candidate, this is the whole corpus in that language. Each text counts once in
    a pool: a group of duplicate sides by its first side alone, and a text that several
    sides hold (the same sentence in two documents) once. Otherwise a copy of a passage's
    translation would be a neighbour as close as the translation itself, and the margin of
    the right pair would fall to 1."""
    partners: dict[int, list[int]] = {}
    for a, b in sorted(pairs):
        partners.setdefault(a, []).append(b)
        partners.setdefault(b, []).append(a)
    first = representatives(len(sides), list(duplicates))
    # The last pool built for each language is kept: with every pair a candidate, all
    # sides of a language have the same partners, so the corpus is concatenated once.
    last_pool: dict[str, tuple[tuple[int, ...], np.ndarray]] = {}
    means = {}
    for index in sorted(partners):
        by_lang: dict[str, list[int]] = {}
        for other in sorted({first[o] for o in partners[index]}):
            if len(_vectors(sides[other], level)):
                by_lang.setdefault(sides[other].lang, []).append(other)
        for lang, members in by_lang.items():
            key = tuple(members)
            if last_pool.get(lang, ((), None))[0] != key:
                texts = [text_key(t) for m in members for t in _texts(sides[m], level)]
                pool = np.concatenate([_vectors(sides[m], level) for m in members])
                first_of = {t: n for n, t in reversed(list(enumerate(texts))) if t}
                keep = [n for n, t in enumerate(texts) if not t or first_of[t] == n]  # no text: no key
                last_pool[lang] = key, pool[keep]
            means[(index, lang)] = neighbourhood_mean(_vectors(sides[index], level), last_pool[lang][1], settings.k,
                                                      settings.faiss_above, settings.approximate_above)
    return means


def same_pivot(lang_a: str, lang_b: str) -> bool:
    """Whether two languages are embedded through the same pivot text (see normalize.py)."""
    return lang_a.startswith("zh") and lang_b.startswith("zh")


def pair_settings(settings, src_lang: str, tgt_lang: str):
    """The settings for one language pair. Two sides with the same pivot (zh-Hant, zh-Hans)
    compare like one language: unrelated Chinese passages reach cosines (0.85-0.91) and
    margins (1.0-1.03) that only translations reach across languages, so their passage pairs
    need same_pivot_similarity. Sentence links need no floor of their own: their score
    weighs the cosine against each sentence's neighbourhood (margin, local margin), which is
    as high as the unrelated cosines are."""
    floor = getattr(settings, "same_pivot_similarity", None)
    if floor is None or not same_pivot(src_lang, tgt_lang):
        return settings
    return settings.model_copy(update={"passage_similarity": max(settings.passage_similarity, floor)})


@dataclass
class Neighbourhoods:
    """The ratio margin's denominators for two sides: the mean cosine of each passage to its
    k nearest passages of the other language across the corpus (candidate_neighbourhoods),
    and of each sentence to its k nearest sentences of the other side (computed from the two
    sides when not given). Sentence neighbourhoods stay inside the side pair, as in
    align_texts: so a sentence link scores the same in a corpus of two documents or of a
    thousand, and adding an unrelated document moves no sentence margin."""

    src_passages: np.ndarray
    tgt_passages: np.ndarray
    src_sentences: np.ndarray | None = None
    tgt_sentences: np.ndarray | None = None


@dataclass
class SidePairAlignment:
    passages: list[tuple[PassageMatch, str]]  # (match, method)
    sentences: list[SentenceLink]
    relation: str


def align_side_pair(src: Side, tgt: Side, means: Neighbourhoods, settings) -> SidePairAlignment:
    """Passages mined by margin, sentences by anchors and the DP, then the checks between them."""
    matches = mine_passages(src.passage_vectors, tgt.passage_vectors, means.src_passages, means.tgt_passages,
                            settings.passage_margin, settings.passage_similarity, settings.faiss_above,
                            settings.scoring, settings.approximate_above)
    # Two languages of one document (a paper and its abstract in another language) are
    # related by the document itself, so the gate against unrelated papers below does not apply.
    same_document = src.doc_id == tgt.doc_id
    # Not searched here when not given: pair_sides (in align_sentence_sequences) takes the
    # neighbourhoods the links are scored with, of the centred vectors; a search here was
    # thrown away, a fifth of a long book's searching.
    src_sentences, tgt_sentences = means.src_sentences, means.tgt_sentences
    sentence_links = align_sentence_sequences(
        src.sentence_vectors, tgt.sentence_vectors, src_sentences, tgt_sentences, settings,
        passage_starts([s.passage_id for s in src.sentences]), passage_starts([s.passage_id for s in tgt.sentences]),
        [s.pivot for s in src.sentences], [s.pivot for s in tgt.sentences],
        [s.kind for s in src.sentences], [s.kind for s in tgt.sentences])
    relation = side_relation(matches, src, tgt)
    if relation in ("comparable", "unrelated") and not by_cosine(settings.scoring) and not same_document:
        matches = [m for m in matches if m.margin >= settings.comparable_margin]
        sentence_links = links_inside(sentence_links, matches, src, tgt)
    passages = [(match, "margin-mutual-best") for match in matches]
    for i, j in passages_of_sentence_links(sentence_links, src, tgt, matches):
        similarity = float(src.passage_vectors[i] @ tgt.passage_vectors[j])
        margin = ratio_margin(np.array([[similarity]]), means.src_passages[[i]], means.tgt_passages[[j]])[0, 0]
        passages.append((PassageMatch(i, j, similarity, float(margin)), "sentence-links"))
    return SidePairAlignment(passages, sentence_links, relation)


def align_corpus(sides: list[Side], settings, language_rank, map_pairs=map) -> tuple[list[dict], list[dict]]:
    """Every candidate pair of sides in different languages (see candidate_pairs): passage
    matches and sentence links; and the pairs of sides in one language that are duplicates.

    Returns (links, side_pairs). A link is a dict with level, the two sides, the source and
    target record lists, similarity and margin; the caller turns it into an output row.
    A side pair is a dict with the two sides, the passages matched and the relation
    (translation, partial, comparable, unrelated; duplicate for two sides in one language
    holding the same text, see duplicate_sides). Passage neighbourhoods for the margin are
    taken over a side's candidate partners in the other language (the whole corpus in that
    language, unless it holds more than align.candidate_sides sides), each text once, so a
    passage that resembles everything there scores low and a duplicate does not count twice.
    map_pairs: a map-like callable that runs align_side_pair over the candidate side pairs
    (the builtin map by default; a distributed engine may pass its own).
    """
    pairs = sorted(candidate_pairs(sides, language_rank, settings.candidate_sides, settings.faiss_above,
                                   settings.approximate_above))
    duplicates = duplicate_sides(sides)
    means = candidate_neighbourhoods(sides, set(pairs), "passage", settings, duplicates)

    def neighbourhood(index: int, other_lang: str) -> np.ndarray:
        return means.get((index, other_lang), np.zeros(len(sides[index].passages), np.float32))

    aligned_pairs = map_pairs(
        align_side_pair, [sides[a] for a, _ in pairs], [sides[b] for _, b in pairs],
        [Neighbourhoods(neighbourhood(a, sides[b].lang), neighbourhood(b, sides[a].lang)) for a, b in pairs],
        [pair_settings(settings, sides[a].lang, sides[b].lang) for a, b in pairs])
    links, side_pairs = [], []
    for (a, b), aligned in zip(pairs, aligned_pairs):
        src, tgt = sides[a], sides[b]
        side_pairs.append({"src": src, "tgt": tgt, "matched": len(aligned.passages), "relation": aligned.relation,
                           "sentence_links": len(aligned.sentences)})
        for match, method in aligned.passages:
            links.append({"level": "passage", "method": method, "src_side": src,
                          "tgt_side": tgt, "src": [src.passages[match.src]], "tgt": [tgt.passages[match.tgt]],
                          "similarity": match.similarity, "margin": match.margin})
        for link in aligned.sentences:
            links.append({"level": "sentence", "method": f"dp-{len(link.src)}-{len(link.tgt)}",
                          "src_side": src, "tgt_side": tgt,
                          "src": [src.sentences[i] for i in link.src],
                          "tgt": [tgt.sentences[j] for j in link.tgt],
                          "similarity": link.similarity, "margin": link.margin, "score": link.score})
    for a, b, share in duplicates:
        src, tgt = sides[a], sides[b]
        matched = max(1, round(share * min(len(src.passages), len(tgt.passages))))
        side_pairs.append({"src": src, "tgt": tgt, "matched": matched, "relation": "duplicate",
                           "sentence_links": 0, "share": share})
    return links, side_pairs
