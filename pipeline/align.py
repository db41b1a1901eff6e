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

from collections import Counter
from dataclasses import dataclass

import numpy as np

# Links the sentence aligner may use: (source sentences, target sentences).
LINK_SHAPES = ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1))


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


def unit_length(vectors: np.ndarray) -> np.ndarray:
    """A vector, or each row of a matrix, scaled to length 1 (a zero vector stays zero)."""
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)


def _groups(vectors: np.ndarray) -> dict[int, np.ndarray]:
    """The unit vector of each sentence ({1: ...}) and of each two neighbours joined ({2: ...}),
    by the index of the group's first sentence: computed once for the whole DP."""
    return {1: unit_length(vectors), 2: unit_length(vectors[:-1] + vectors[1:])}


def align_sentences(src: np.ndarray, tgt: np.ndarray, skip_similarity: float,
                    merge_penalty: float = 0.05, src_starts: frozenset[int] = frozenset(),
                    tgt_starts: frozenset[int] = frozenset(),
                    band: list[tuple[int, int]] | None = None) -> list[SentenceLink]:
    """Best monotone alignment of two sentence sequences.

    A link covering s source and t target sentences gains (s + t) / 2 * (cosine - skip_similarity)
    minus merge_penalty when it is not 1-1; a skipped sentence gains nothing. So a link is
    made only where its cosine beats the skip threshold, and a 2-1 link is considered only
    when the merged sentences match better together than either alone. Sentences at
    the indexes in src_starts / tgt_starts begin a passage: no merge joins them to the
    sentence before (a heading and the sentence above it are not one sentence).
    band: for each count i of source sentences (0..n), the lowest and highest count of
    target sentences the path may have reached with it (see anchor_band); by default all.
    """
    n, m = len(src), len(tgt)
    rows = band or [(0, m)] * (n + 1)
    src_groups, tgt_groups = _groups(src), _groups(tgt)
    gain: dict[tuple[int, int], float] = {(0, 0): 0.0}
    back: dict[tuple[int, int], tuple[int, int, float]] = {}
    for i in range(n + 1):
        for j in range(rows[i][0], rows[i][1] + 1):
            best = -np.inf
            for s, t in LINK_SHAPES:
                before = gain.get((i - s, j - t))
                if before is None:  # also where the link would start before the first sentence
                    continue
                if (s == 2 and i - 1 in src_starts) or (t == 2 and j - 1 in tgt_starts):
                    continue
                if s == 0 or t == 0:
                    step, cosine = 0.0, 0.0
                else:
                    cosine = float(src_groups[s][i - s] @ tgt_groups[t][j - t])
                    if s + t > 2 and cosine <= float(np.max(src[i - s:i] @ tgt[j - t:j].T)):
                        continue  # the merge matches no better than one of its sentences alone
                    step = (s + t) / 2 * (cosine - skip_similarity) - (merge_penalty if s + t > 2 else 0)
                if before + step > best:
                    best = before + step
                    back[(i, j)] = (s, t, cosine)
            if best > -np.inf:
                gain[(i, j)] = best
    links, i, j = [], n, m
    while i > 0 or j > 0:
        s, t, cosine = back[(i, j)]
        if s and t:
            links.append(SentenceLink(tuple(range(i - s, i)), tuple(range(j - t, j)), cosine))
        i, j = i - s, j - t
    return links[::-1]


# How far the sentence DP may stray from the path through its anchors (see anchor_band):
# room for merges and skips beside an anchor, and for an anchor off by a sentence or two.
BAND_REACH = 3


def anchor_band(anchors: list[tuple[int, int]], n: int, m: int, reach: int = BAND_REACH) -> list[tuple[int, int]]:
    """The DP's band around a run of anchors (sorted (source, target) indexes): after i source
    sentences, the path has taken between the last anchor before i and the next anchor's
    target, give or take `reach`. Anchors of a run are at most max_gap apart, so the band is
    a few sentences wide and the DP's work grows with the run's length, not its square."""
    rows, k = [], 0
    for i in range(n + 1):
        while k < len(anchors) and anchors[k][0] < i:
            k += 1
        low = anchors[k - 1][1] - reach if k else 0
        high = anchors[k][1] + reach if k < len(anchors) else m
        rows.append((max(low, 0), min(high, m)))
    return rows


def link_margin(link: SentenceLink, src_mean: np.ndarray, tgt_mean: np.ndarray) -> float:
    """Ratio margin of a link, using the mean neighbourhood of the sentences it joins."""
    denominator = (float(np.mean(src_mean[list(link.src)])) + float(np.mean(tgt_mean[list(link.tgt)]))) / 2
    return link.similarity / max(denominator, 1e-6)


def confidence(margin: float, similarity: float, bias: float, w_margin: float, w_similarity: float) -> float:
    """A logistic score in [0, 1]; its weights are fitted on the evaluation set (make eval)."""
    z = bias + w_margin * margin + w_similarity * similarity
    return float(1.0 / (1.0 + np.exp(-z)))


# --- Sentences across a whole side pair: anchors, then the dynamic program between them ---

def anchor_blocks(anchors: list[tuple[int, int]], max_gap: int,
                  stride: tuple[float, float] = (1.0, 1.0)) -> list[list[tuple[int, int]]]:
    """Split anchors (sorted by source) into monotone runs with small gaps.

    A translation keeps its order inside a section but may move whole sections; each run is
    one stretch in the same order on both sides, and the dynamic program works inside it.
    stride: sentences a side per sentence of the shorter side; where one side is much
    longer (an abstract beside the paper it sums up) its gaps are counted in that unit.
    """
    blocks: list[list[tuple[int, int]]] = []
    for i, j in sorted(anchors):
        last = blocks[-1][-1] if blocks else None
        if last and 0 < i - last[0] <= max_gap * stride[0] and 0 < j - last[1] <= max_gap * stride[1]:
            blocks[-1].append((i, j))
        else:
            blocks.append([(i, j)])
    return blocks


def _crosses(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return (a[0] - b[0]) * (a[1] - b[1]) < 0


def passage_starts(passage_ids: list[str]) -> frozenset[int]:
    """Indexes of the sentences that begin a passage other than the first."""
    return frozenset(k for k in range(1, len(passage_ids)) if passage_ids[k] != passage_ids[k - 1])


def align_sentence_sequences(src: np.ndarray, tgt: np.ndarray, src_mean: np.ndarray, tgt_mean: np.ndarray,
                             settings, src_starts: frozenset[int] = frozenset(),
                             tgt_starts: frozenset[int] = frozenset(),
                             summary: bool = False) -> list[SentenceLink]:
    """Sentence links between two sides: margin anchors, monotone blocks, DP inside each block.

    src_starts / tgt_starts: the sentences that begin a passage (see align_sentences).
    summary: one side may sum up the other (two languages of one document: a paper and its
    abstract), so anchor gaps on the longer side are counted per sentence of the shorter."""
    if not len(src) or not len(tgt):
        return []
    cosine = by_cosine(settings.scoring)
    # Anchors are mined as passages are, with the sentence thresholds.
    anchor_margin = {(m.src, m.tgt): m.margin for m in mine_passages(
        src, tgt, src_mean, tgt_mean, settings.sentence_margin, settings.sentence_similarity,
        settings.faiss_above, settings.scoring, settings.approximate_above)}
    links: list[SentenceLink] = []
    shorter = min(len(src), len(tgt))
    stride = (len(src) / shorter, len(tgt) / shorter) if summary else (1.0, 1.0)
    blocks = anchor_blocks(list(anchor_margin), settings.max_gap, stride)
    confirmed = [anchor for block in blocks if len(block) >= settings.min_block for anchor in block]
    for block in blocks:
        # A lone weak anchor is more often chance than a translation. By cosine alone no lone
        # anchor can show that it is strong, so in the cosine mode every lone anchor is dropped.
        # Sections may move as a whole, but a lone sentence that crosses a run of anchors
        # (before it on one side, after it on the other) is chance too.
        if len(block) < settings.min_block and (
                cosine or anchor_margin[block[0]] < settings.lone_anchor_margin
                or any(_crosses(anchor, block[0]) for anchor in confirmed)):
            continue
        # One sentence of slack on each side lets a merge at the block's edge be found.
        i0, j0 = max(block[0][0] - 1, 0), max(block[0][1] - 1, 0)
        i1, j1 = min(block[-1][0] + 2, len(src)), min(block[-1][1] + 2, len(tgt))
        band = anchor_band([(i - i0, j - j0) for i, j in block], i1 - i0, j1 - j0)
        for link in align_sentences(src[i0:i1], tgt[j0:j1], settings.sentence_similarity,
                                    settings.merge_penalty, frozenset(k - i0 for k in src_starts if i0 < k < i1),
                                    frozenset(k - j0 for k in tgt_starts if j0 < k < j1), band):
            link = SentenceLink(tuple(i + i0 for i in link.src), tuple(j + j0 for j in link.tgt),
                                link.similarity)
            # The DP links by cosine; a link whose margin is below the anchors' threshold
            # resembles everything in the other language as much as its partner (make eval:
            # such links were nearly all wrong, e.g. Chinese to Chinese of unrelated papers).
            if cosine or link_margin(link, src_mean, tgt_mean) >= settings.sentence_margin:
                links.append(link)
    # Blocks may overlap by their slack: keep each sentence in its best link only.
    links.sort(key=lambda l: -l.similarity)
    taken_src, taken_tgt, kept = set(), set(), []
    for link in links:
        if taken_src.isdisjoint(link.src) and taken_tgt.isdisjoint(link.tgt):
            kept.append(link)
            taken_src.update(link.src)
            taken_tgt.update(link.tgt)
    kept.sort(key=lambda l: (l.src, l.tgt))
    if cosine:
        return kept
    return sorted(kept + _sandwiched_links(kept, src, tgt, src_mean, tgt_mean, settings),
                  key=lambda l: (l.src, l.tgt))


def _sandwiched_links(links: list[SentenceLink], src: np.ndarray, tgt: np.ndarray, src_mean: np.ndarray,
                      tgt_mean: np.ndarray, settings) -> list[SentenceLink]:
    """A link for one sentence left out on each side between two consecutive links.

    Its place says more than its score: the sentences before and after it are translations
    of each other, so a pair whose margin a weaker model puts just under sentence_margin
    (e5-small on English-Chinese) is taken at the lower gap_margin. The cosine floor of
    every link, sentence_similarity, still holds: with few neighbours (a short side) the
    margin of two unrelated sentences can be high."""
    found = []
    # Links are in source order; with sections moved, a target sentence between two of them
    # may already be linked elsewhere.
    taken_tgt = {j for link in links for j in link.tgt}
    for before, after in zip(links, links[1:]):
        i, j = before.src[-1] + 1, before.tgt[-1] + 1
        if after.src[0] != i + 1 or after.tgt[0] != j + 1 or j in taken_tgt:
            continue
        link = SentenceLink((i,), (j,), float(src[i] @ tgt[j]))
        margin = link_margin(link, src_mean, tgt_mean)
        if link.similarity >= settings.sentence_similarity and margin >= settings.gap_margin:
            found.append(link)
    return found


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


def candidate_neighbourhoods(sides: list[Side], pairs: set[tuple[int, int]], level: str,
                             settings) -> dict[tuple[int, str], np.ndarray]:
    """The ratio margin's denominators at one level (passage or sentence): for each side and
    each other language, the mean cosine of each of its vectors to its k nearest among the
    side's candidate partners in that language.

    The nearest neighbours of a passage lie in the sides nearest to its own; with every
    pair a candidate, this is the whole corpus in that language."""
    partners: dict[int, list[int]] = {}
    for a, b in sorted(pairs):
        partners.setdefault(a, []).append(b)
        partners.setdefault(b, []).append(a)
    # The last pool built for each language is kept: with every pair a candidate, all
    # sides of a language have the same partners, so the corpus is concatenated once.
    last_pool: dict[str, tuple[tuple[int, ...], np.ndarray]] = {}
    means = {}
    for index in sorted(partners):
        by_lang: dict[str, list[int]] = {}
        for other in sorted(partners[index]):
            if len(_vectors(sides[other], level)):
                by_lang.setdefault(sides[other].lang, []).append(other)
        for lang, members in by_lang.items():
            key = tuple(members)
            if last_pool.get(lang, ((), None))[0] != key:
                last_pool[lang] = key, np.concatenate([_vectors(sides[m], level) for m in members])
            means[(index, lang)] = neighbourhood_mean(_vectors(sides[index], level), last_pool[lang][1], settings.k,
                                                      settings.faiss_above, settings.approximate_above)
    return means


def same_pivot(lang_a: str, lang_b: str) -> bool:
    """Whether two languages are embedded through the same pivot text (see normalize.py)."""
    return lang_a.startswith("zh") and lang_b.startswith("zh")


def pair_settings(settings, src_lang: str, tgt_lang: str):
    """The settings for one language pair. Two sides with the same pivot (zh-Hant, zh-Hans)
    compare like one language: unrelated Chinese sentences reach cosines (0.85-0.91) and
    margins (1.0-1.03) that only translations reach across languages, while a real pair is
    nearly the same pivot text (cosine 0.99), so such pairs need same_pivot_similarity."""
    floor = getattr(settings, "same_pivot_similarity", None)
    if floor is None or not same_pivot(src_lang, tgt_lang):
        return settings
    return settings.model_copy(update={
        "sentence_similarity": max(settings.sentence_similarity, floor),
        "passage_similarity": max(settings.passage_similarity, floor)})


@dataclass
class Neighbourhoods:
    """Mean cosine of each passage and sentence of two sides to its k nearest neighbours in
    the other side's language, across the whole corpus (the ratio margin's denominators)."""

    src_passages: np.ndarray
    tgt_passages: np.ndarray
    src_sentences: np.ndarray
    tgt_sentences: np.ndarray


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
    # related by the document itself: the abstract sums the paper up in order, and the guard
    # against unrelated papers does not apply.
    same_document = src.doc_id == tgt.doc_id
    sentence_links = align_sentence_sequences(
        src.sentence_vectors, tgt.sentence_vectors, means.src_sentences, means.tgt_sentences, settings,
        passage_starts([s.passage_id for s in src.sentences]), passage_starts([s.passage_id for s in tgt.sentences]),
        summary=same_document)
    relation = side_relation(matches, src, tgt)
    if relation in ("comparable", "unrelated") and not by_cosine(settings.scoring) and not same_document:
        matches = [m for m in matches if m.margin >= settings.comparable_margin]
        sentence_links = [link for link in sentence_links
                          if link_margin(link, means.src_sentences, means.tgt_sentences) >= settings.comparable_margin]
    passages = [(match, "margin-mutual-best") for match in matches]
    for i, j in passages_of_sentence_links(sentence_links, src, tgt, matches):
        similarity = float(src.passage_vectors[i] @ tgt.passage_vectors[j])
        margin = ratio_margin(np.array([[similarity]]), means.src_passages[[i]], means.tgt_passages[[j]])[0, 0]
        passages.append((PassageMatch(i, j, similarity, float(margin)), "sentence-links"))
    return SidePairAlignment(passages, sentence_links, relation)


def align_corpus(sides: list[Side], settings, language_rank, map_pairs=map) -> tuple[list[dict], list[dict]]:
    """Every candidate pair of sides in different languages (see candidate_pairs): passage
    matches and sentence links. map_pairs(align_side_pair, srcs, tgts, means, settings) runs
    the side pairs (each independent of the others) and returns their results in order: the
    built-in map here, tasks on a cluster with engine: dask.

    Returns (links, side_pairs). A link is a dict with level, the two sides, the source and
    target record lists, similarity and margin; the caller turns it into an output row.
    Neighbourhoods for the margin are taken over a side's candidate partners in the other
    language (the whole corpus in that language, unless it holds more than
    align.candidate_sides sides), so a passage that resembles everything there scores low.
    """
    pairs = candidate_pairs(sides, language_rank, settings.candidate_sides, settings.faiss_above,
                            settings.approximate_above)
    means = {level: candidate_neighbourhoods(sides, pairs, level, settings) for level in ("passage", "sentence")}

    def neighbourhood(level: str, index: int, other_lang: str) -> np.ndarray:
        empty = np.zeros(len(_vectors(sides[index], level)), np.float32)
        return means[level].get((index, other_lang), empty)

    ordered = sorted(pairs)
    all_means = [Neighbourhoods(neighbourhood("passage", a, sides[b].lang), neighbourhood("passage", b, sides[a].lang),
                                neighbourhood("sentence", a, sides[b].lang), neighbourhood("sentence", b, sides[a].lang))
                 for a, b in ordered]
    results = map_pairs(align_side_pair, [sides[a] for a, _ in ordered], [sides[b] for _, b in ordered], all_means,
                        [pair_settings(settings, sides[a].lang, sides[b].lang) for a, b in ordered])
    links, side_pairs = [], []
    for (a, b), pair_means, aligned in zip(ordered, all_means, results):
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
                          "similarity": link.similarity,
                          "margin": link_margin(link, pair_means.src_sentences, pair_means.tgt_sentences)})
    return links, side_pairs


# --- A translator's links as fixed anchors (the review workbench's "realign from here") ---

# A stretch between two fixed links with at most this many cells (source x target
# sentences) is aligned by the DP over the whole stretch: the fixed links on both ends
# vouch for its place, so it needs no anchors of its own. Larger ones are aligned as a
# side pair is (anchors, blocks, DP in a band).
STRETCH_FULL_DP_CELLS = 40_000


def realign_stretch(src_vectors: np.ndarray, tgt_vectors: np.ndarray, src_means: np.ndarray, tgt_means: np.ndarray,
                    settings, fixed: list[SentenceLink], src_starts: frozenset[int] = frozenset(),
                    tgt_starts: frozenset[int] = frozenset()) -> list[SentenceLink]:
    """Sentence links of one side pair where the `fixed` links (made by a translator) are kept
    as they are and the aligner re-runs only the stretches between them."""
    chain: list[SentenceLink] = []  # the fixed links in the same order on both sides
    for link in sorted(fixed, key=lambda l: (l.src, l.tgt)):
        if not chain or (link.src[0] > chain[-1].src[-1] and link.tgt[0] > chain[-1].tgt[-1]):
            chain.append(link)
    bounds = [(0, 0)] + [(l.src[0], l.tgt[0]) for l in chain] + [(len(src_vectors), len(tgt_vectors))]
    ends = [(0, 0)] + [(l.src[-1] + 1, l.tgt[-1] + 1) for l in chain]
    fixed_src = {i for l in fixed for i in l.src}
    fixed_tgt = {j for l in fixed for j in l.tgt}
    links = list(fixed)
    for (i0, j0), (i1, j1) in zip(ends, bounds[1:]):
        if i1 <= i0 or j1 <= j0:
            continue
        src_part, tgt_part = src_vectors[i0:i1], tgt_vectors[j0:j1]
        inner_src = frozenset(k - i0 for k in src_starts if i0 < k < i1)
        inner_tgt = frozenset(k - j0 for k in tgt_starts if j0 < k < j1)
        if (i1 - i0) * (j1 - j0) <= STRETCH_FULL_DP_CELLS:
            found = [l for l in align_sentences(src_part, tgt_part, settings.sentence_similarity,
                                                settings.merge_penalty, inner_src, inner_tgt)
                     if link_margin(l, src_means[i0:i1], tgt_means[j0:j1]) >= settings.sentence_margin]
        else:
            found = align_sentence_sequences(src_part, tgt_part, src_means[i0:i1], tgt_means[j0:j1], settings,
                                             inner_src, inner_tgt)
        for link in found:
            link = SentenceLink(tuple(i + i0 for i in link.src), tuple(j + j0 for j in link.tgt), link.similarity)
            if fixed_src.isdisjoint(link.src) and fixed_tgt.isdisjoint(link.tgt):
                links.append(link)
    return sorted(links, key=lambda l: (l.src, l.tgt))
