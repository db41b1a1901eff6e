"""Sentence alignment of two sides: anchors, a corridor around them, a DP inside it.

The method follows Bertalign (Liu & Zhu 2022) and Vecalign (Thompson & Koehn 2019), with
Hamta's margin scoring in place of a bare cosine:

1. **Runs.** Every run of 1 to MAX_RUN consecutive sentences on each side has a vector:
   the embedding of the joined text where one is given (align_texts, make bench-align), or
   the normalized sum of its sentences' vectors (the align stage, which embeds sentences
   only). A link joins a source run and a target run with at most MAX_LINK sentences in
   all, so 1-1 up to 1-4 and 4-1. A run never crosses a passage boundary.
2. **One score for every link.** A link's score is the log-odds that it is exactly a gold
   link, from a logistic model over measured features (link_features): cosine, ratio
   margin against each sentence's k nearest neighbours in the other side, Bertalign's local
   margin (cosine minus the cosine to the sentences just around the link), the length ratio,
   the number of sentences, and the cheap signals of pipeline.signals (numbers, footnote
   marks, Latin terms). Its weights (align.link) are fitted on a tuning set by
   `python -m bench.align_public --fit`. A skipped sentence scores 0, so a link is made
   only where it is more likely right than wrong: one principle instead of a floor per case.
3. **Anchors.** Each source sentence's and each target sentence's top-k nearest sentences
   on the other side are candidate 1-1 links; the heaviest chain of them that increases on
   both sides (weights: their positive scores) is the first pass. Further chains among the
   candidates the first one leaves free are sections that moved.
4. **Corridor DP.** Around each chain a band a few sentences wide (a narrow strip along
   the diagonal across long stretches without anchors) holds the dynamic program over all
   link shapes and skips, so the work grows with the length of the sides, not its square.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MAX_RUN = 4
MAX_LINK = 5
# Link shapes (source sentences, target sentences), Bertalign's max_align = 5.
SHAPES = tuple((s, t) for s in range(1, MAX_RUN + 1) for t in range(1, MAX_RUN + 1) if s + t <= MAX_LINK)
FEATURES = ("cosine", "margin", "local", "length", "extra", "numbers_matched", "numbers_unmatched",
            "terms_matched")
# Rows of the DP whose cell scores are computed together (bounds memory on long books).
_CHUNK_ROWS = 1024


@dataclass
class SideSentences:
    """One side's sentences as the aligner sees them."""

    vectors: np.ndarray  # (n, d) unit vectors of the sentences
    lengths: np.ndarray  # (n,) characters of each sentence
    numbers: np.ndarray  # (n, SIGNAL_DIM) hashed counts of numbers and footnote marks
    terms: np.ndarray  # (n, SIGNAL_DIM) hashed counts of Latin terms
    neighbourhood: np.ndarray  # (n,) mean cosine to the k nearest sentences of the other language
    starts: frozenset[int] = frozenset()  # sentences that begin a passage (not the first)
    runs: dict[int, np.ndarray] = field(default_factory=dict)  # k -> (n-k+1, d) embedded runs

    def __len__(self) -> int:
        return len(self.vectors)

    def run_vectors(self, k: int, first: np.ndarray) -> np.ndarray:
        """Unit vectors of the runs of k sentences beginning at the indexes `first`."""
        if k in self.runs:
            return self.runs[k][first]
        total = self.vectors[first].astype(np.float32, copy=True)
        for offset in range(1, k):
            total += self.vectors[first + offset]
        return total / np.maximum(np.linalg.norm(total, axis=1, keepdims=True), 1e-12)

    def run_sums(self, values: np.ndarray, k: int, first: np.ndarray) -> np.ndarray:
        out = values[first].astype(np.float32, copy=True)
        for offset in range(1, k):
            out += values[first + offset]
        return out

    def crosses(self, k: int) -> np.ndarray:
        """For each first index, whether the run of k sentences from it crosses a passage start."""
        n = len(self)
        bad = np.zeros(max(n - k + 1, 0), bool)
        for start in self.starts:
            bad[max(start - k + 1, 0):min(start, len(bad))] = True
        return bad


def weight_vector(weights) -> np.ndarray:
    """The weights of FEATURES from align.link (pipeline.config.LinkWeights), in order."""
    return np.array([getattr(weights, name) for name in FEATURES], np.float32)


def side_sentences(vectors: np.ndarray, texts: list[str] | None, neighbourhood: np.ndarray,
                   starts: frozenset[int] = frozenset(), runs: dict[int, np.ndarray] | None = None) -> SideSentences:
    """A side for the aligner from its sentence vectors and texts. Without texts (vectors
    alone, as in the synthetic tests), every sentence counts as the same length and carries
    no signals, so those features are neutral."""
    from pipeline.signals import SIGNAL_DIM, signal_counts

    if texts is None:
        lengths = np.ones(len(vectors), np.float32)
        numbers = terms = np.zeros((len(vectors), SIGNAL_DIM), np.float32)
    else:
        lengths = np.array([len(t) for t in texts], np.float32)
        numbers, terms = signal_counts(texts)
    return SideSentences(np.asarray(vectors, np.float32), lengths, numbers, terms,
                         np.asarray(neighbourhood, np.float32), frozenset(starts), dict(runs or {}))


def link_features(src: SideSentences, tgt: SideSentences, s: int, t: int, src_first: np.ndarray,
                  tgt_first: np.ndarray, length_ratio: float) -> np.ndarray:
    """(P, len(FEATURES)) features of the links joining the run of s source sentences from
    src_first[p] to the run of t target sentences from tgt_first[p]."""
    a = src.run_vectors(s, src_first)
    b = tgt.run_vectors(t, tgt_first)
    cosine = np.einsum("ij,ij->i", a, b)
    # Margin (Artetxe & Schwenk): the cosine against the mean neighbourhood of the sentences
    # the link joins, so a sentence close to everything scores low. As a difference, not the
    # ratio the output reports: a ratio swings wildly where a model puts unrelated sentences
    # near cosine 0 (LaBSE), a difference does not.
    around = (src.run_sums(src.neighbourhood, s, src_first) / s + tgt.run_sums(tgt.neighbourhood, t, tgt_first) / t) / 2
    margin = cosine - around
    # Bertalign's local margin: the cosine minus the cosine of each run to the sentences
    # just before and after the other run, which tells a 1-2 link from a 1-1 and a skip.
    local = _neighbour_cosines(a, tgt.vectors, tgt_first, t) + _neighbour_cosines(b, src.vectors, src_first, s)
    local = cosine - local / 2
    src_chars = src.run_sums(src.lengths, s, src_first) * length_ratio
    tgt_chars = tgt.run_sums(tgt.lengths, t, tgt_first)
    length = np.abs(np.log((src_chars + 10) / (tgt_chars + 10)))
    numbers_a, numbers_b = src.run_sums(src.numbers, s, src_first), tgt.run_sums(tgt.numbers, t, tgt_first)
    numbers_matched = np.minimum(numbers_a, numbers_b).sum(axis=1)
    numbers_unmatched = numbers_a.sum(axis=1) + numbers_b.sum(axis=1) - 2 * numbers_matched
    terms_matched = np.minimum(src.run_sums(src.terms, s, src_first), tgt.run_sums(tgt.terms, t, tgt_first)).sum(axis=1)
    extra = np.full(len(cosine), s + t - 2, np.float32)
    return np.column_stack([cosine, margin, local, length, extra, np.minimum(numbers_matched, 3),
                            np.minimum(numbers_unmatched, 3), np.minimum(terms_matched, 3)]).astype(np.float32)


def _neighbour_cosines(vectors: np.ndarray, other: np.ndarray, first: np.ndarray, k: int) -> np.ndarray:
    """Mean cosine of each vector to the sentence before its run's partner and the one after
    (one of them at the edges; zero when the side has no other sentence)."""
    n = len(other)
    before, after = first - 1, first + k
    total = np.zeros(len(first), np.float32)
    count = np.zeros(len(first), np.float32)
    for index in (before, after):
        inside = (index >= 0) & (index < n)
        if inside.any():
            total[inside] += np.einsum("ij,ij->i", vectors[inside], other[index[inside]])
            count[inside] += 1
    return total / np.maximum(count, 1)


def link_scores(features: np.ndarray, weights) -> np.ndarray:
    """Log-odds that each link is right (see the module docstring); weights: align.link."""
    return features @ weight_vector(weights) + weights.bias


def length_ratio_of(src: SideSentences, tgt: SideSentences) -> float:
    """Target characters per source character over the two sides (Gale & Church's c)."""
    return float(max(tgt.lengths.sum(), 1) / max(src.lengths.sum(), 1))


# --- First pass: anchors ------------------------------------------------------------------

def candidate_points(src: SideSentences, tgt: SideSentences, k: int,
                     faiss_above: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """(source, target) indexes of each sentence's k nearest sentences on the other side
    (by FAISS when a side has more than faiss_above sentences, so memory stays linear)."""
    from pipeline.align import nearest_neighbours

    n, m = len(src), len(tgt)
    if not n or not m:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if max(n, m) <= faiss_above:
        cos = src.vectors @ tgt.vectors.T
        forward = np.argpartition(-cos, min(k, m) - 1, axis=1)[:, :min(k, m)]
        backward = np.argpartition(-cos.T, min(k, n) - 1, axis=1)[:, :min(k, n)]
    else:
        forward = nearest_neighbours(src.vectors, tgt.vectors, min(k, m))[1]
        backward = nearest_neighbours(tgt.vectors, src.vectors, min(k, n))[1]
    rows = np.concatenate([np.repeat(np.arange(n), forward.shape[1]), backward.ravel()])
    cols = np.concatenate([forward.ravel(), np.repeat(np.arange(m), backward.shape[1])])
    keep = (rows >= 0) & (cols >= 0)
    pairs = np.unique(rows[keep].astype(np.int64) * m + cols[keep])
    return pairs // m, pairs % m


def heaviest_chain(rows: np.ndarray, cols: np.ndarray, weights: np.ndarray) -> list[int]:
    """Indexes of the points forming the heaviest chain increasing strictly in both row and
    column (a weighted longest increasing subsequence: O(P log P) with a Fenwick tree)."""
    if not len(rows):
        return []
    size = int(cols.max()) + 2
    tree_value = np.zeros(size + 1)
    tree_point = np.full(size + 1, -1, np.int64)
    best = np.zeros(len(rows))
    previous = np.full(len(rows), -1, np.int64)
    order = np.lexsort((cols, rows))
    position = 0
    while position < len(order):
        group_end = position
        while group_end < len(order) and rows[order[group_end]] == rows[order[position]]:
            group_end += 1
        group = order[position:group_end]
        for p in group:  # queries first: points of one row never chain to each other
            value, point, c = 0.0, -1, int(cols[p])  # best chain ending in a column < c
            while c > 0:
                if tree_value[c] > value:
                    value, point = tree_value[c], tree_point[c]
                c -= c & -c
            best[p], previous[p] = value + weights[p], point
        for p in group:
            c = int(cols[p]) + 1
            while c <= size:
                if best[p] > tree_value[c]:
                    tree_value[c], tree_point[c] = best[p], p
                c += c & -c
        position = group_end
    chain, p = [], int(np.argmax(best))
    while p >= 0:
        chain.append(p)
        p = int(previous[p])
    return chain[::-1]


def anchor_chains(src: SideSentences, tgt: SideSentences, weights, length_ratio: float,
                  top_k: int, max_gap: int, min_block: int, reach: int,
                  faiss_above: int = 4096) -> list[list[tuple[int, int]]]:
    """Chains of 1-1 anchors: the heaviest increasing chain of likely candidate links, then
    chains among the candidates in rows and columns no chain holds (sections that moved),
    each split at gaps over max_gap and kept when it holds min_block anchors (the first
    chain keeps every anchor: its corridor is where the sides run in parallel)."""
    rows, cols = candidate_points(src, tgt, top_k, faiss_above)
    if not len(rows):
        return []
    scores = link_scores(link_features(src, tgt, 1, 1, rows, cols, length_ratio), weights)
    likely = scores > 0
    rows, cols, scores = rows[likely], cols[likely], scores[likely]
    chains = []
    while len(rows):
        chain = heaviest_chain(rows, cols, scores)
        anchors = [(int(rows[p]), int(cols[p])) for p in chain]
        if chains:
            blocks = [b for b in _split(anchors, max_gap) if len(b) >= min_block]
            if not blocks:
                break
            chains += blocks
        else:
            chains.append(anchors)
        used_rows = np.zeros(len(src), bool)
        used_cols = np.zeros(len(tgt), bool)
        for i, j in anchors:
            used_rows[i] = used_cols[j] = True
        free = ~used_rows[rows] & ~used_cols[cols]
        rows, cols, scores = rows[free], cols[free], scores[free]
    return chains


def _split(anchors: list[tuple[int, int]], max_gap: int) -> list[list[tuple[int, int]]]:
    blocks: list[list[tuple[int, int]]] = []
    for i, j in anchors:
        if blocks and i - blocks[-1][-1][0] <= max_gap and j - blocks[-1][-1][1] <= max_gap:
            blocks[-1].append((i, j))
        else:
            blocks.append([(i, j)])
    return blocks


# --- Second pass: the corridor DP ---------------------------------------------------------

def corridor(anchors: list[tuple[int, int]], n: int, m: int, reach: int) -> tuple[np.ndarray, np.ndarray]:
    """(low, high): for each count i of source sentences (0..n), the lowest and highest count
    of target sentences the path may have reached. Between two anchors the band spans their
    targets give or take `reach`, cut to a strip of half-width reach + MAX_RUN along the
    straight line between them, so a long stretch without anchors costs its length, not its
    area. Monotone, and each row overlaps the next, so a path always exists."""
    low = np.zeros(n + 1, np.int64)
    high = np.full(n + 1, m, np.int64)
    points = [(0, 0)] + [(i + 1, j + 1) for i, j in anchors] + [(n, m)]
    strip = reach + MAX_RUN
    k = 0
    for i in range(n + 1):
        while k + 1 < len(points) - 1 and points[k + 1][0] <= i:
            k += 1
        (i0, j0), (i1, j1) = points[k], points[k + 1] if k + 1 < len(points) else points[k]
        centre = j0 + (i - i0) * (j1 - j0) / max(i1 - i0, 1)
        low[i] = max(j0 - reach, int(np.floor(centre)) - strip, 0)
        high[i] = min(j1 + reach, int(np.ceil(centre)) + strip, m)
    low = np.maximum.accumulate(low)
    high = np.maximum.accumulate(np.maximum(high, low))
    low[0], high[n] = 0, m
    high[:-1] = np.maximum(high[:-1], low[1:])
    return low, high


@dataclass
class ScoredLink:
    src: tuple[int, ...]
    tgt: tuple[int, ...]
    similarity: float  # cosine of the two runs
    score: float  # log-odds that the link is right (link_scores)
    margin: float  # ratio margin of the link (cosine over the mean neighbourhood)


def corridor_dp(src: SideSentences, tgt: SideSentences, weights, length_ratio: float,
                low: np.ndarray, high: np.ndarray, i0: int = 0, j0: int = 0) -> list[ScoredLink]:
    """Best monotone links of the sentences src[i0:i0+len(low)-1] and tgt[j0:...] inside the
    band (low, high) (local counts), over SHAPES and skips (see the module docstring)."""
    n = len(low) - 1
    m = int(high[-1])
    gains: list[np.ndarray] = []
    backs: list[np.ndarray] = []
    crossing = {k: src.crosses(k) for k in range(2, MAX_RUN + 1)}
    tgt_crossing = {k: tgt.crosses(k) for k in range(2, MAX_RUN + 1)}
    weights_of_features, bias = weight_vector(weights), weights.bias
    cells: dict = {}
    for i in range(n + 1):
        if i % _CHUNK_ROWS == 0:
            cells = _chunk_scores(src, tgt, weights_of_features, bias, length_ratio, low, high, i,
                                  min(i + _CHUNK_ROWS, n + 1), i0, j0, crossing, tgt_crossing)
        width = int(high[i] - low[i] + 1)
        best = np.full(width, -np.inf)
        back = np.full(width, -1, np.int8)
        if i == 0:
            best[0] = 0.0
        else:
            # Skip a source sentence: (1, 0).
            lo, hi = max(low[i], low[i - 1]), min(high[i], high[i - 1])
            if lo <= hi:
                best[lo - low[i]:hi - low[i] + 1] = gains[i - 1][lo - low[i - 1]:hi - low[i - 1] + 1]
                back[lo - low[i]:hi - low[i] + 1] = len(SHAPES)
            for shape, (s, t) in enumerate(SHAPES):
                found = cells.get((i, shape))
                if found is None:
                    continue
                lo, scores = found
                candidate = gains[i - s][lo - t - low[i - s]:lo - t - low[i - s] + len(scores)] + scores
                window = best[lo - low[i]:lo - low[i] + len(scores)]
                better = candidate > window
                window[better] = candidate[better]
                back[lo - low[i]:lo - low[i] + len(scores)][better] = shape
        # Skip a target sentence, (0, 1), scores 0: a running maximum along the row.
        running = np.maximum.accumulate(best)
        from_left = running > best
        back[from_left] = len(SHAPES) + 1
        gains.append(running)
        backs.append(back)
    links: list[ScoredLink] = []
    i, j = n, m
    while i > 0 or j > 0:
        move = int(backs[i][j - low[i]])
        if move == len(SHAPES) + 1:
            j -= 1
        elif move == len(SHAPES):
            i -= 1
        else:
            s, t = SHAPES[move]
            links.append(_scored(src, tgt, weights, length_ratio, i0 + i - s, s, j0 + j - t, t))
            i, j = i - s, j - t
    return links[::-1]


def _scored(src, tgt, weights, length_ratio, a: int, s: int, b: int, t: int) -> ScoredLink:
    features = link_features(src, tgt, s, t, np.array([a]), np.array([b]), length_ratio)
    cosine = float(features[0, 0])
    around = (float(src.neighbourhood[a:a + s].mean()) + float(tgt.neighbourhood[b:b + t].mean())) / 2
    return ScoredLink(tuple(range(a, a + s)), tuple(range(b, b + t)), cosine,
                      float(link_scores(features, weights)[0]), cosine / max(around, 1e-6))


def corridor_cells(low: np.ndarray, high: np.ndarray, r0: int, r1: int, s: int, t: int,
                   src_crossing: np.ndarray | None, i0: int = 0, j0: int = 0):
    """The cells of rows r0..r1-1 where a link of shape (s, t) can end inside the band:
    (rows, first column per row, cells per row, source run starts, target run starts)."""
    rows, firsts, counts = [], [], []
    for i in range(max(r0, s), r1):
        lo = max(int(low[i]), int(low[i - s]) + t, t)
        hi = min(int(high[i]), int(high[i - s]) + t)
        if lo > hi or (src_crossing is not None and src_crossing[i0 + i - s]):
            continue
        rows.append(i)
        firsts.append(lo)
        counts.append(hi - lo + 1)
    counts_array = np.array(counts, np.int64)
    src_first = np.repeat(np.array(rows, np.int64) - s + i0, counts_array)
    offsets = np.arange(counts_array.sum()) - np.repeat(np.cumsum(counts_array) - counts_array, counts_array)
    tgt_first = np.repeat(np.array(firsts, np.int64), counts_array) + offsets - t + j0
    return rows, firsts, counts, src_first, tgt_first


def _chunk_scores(src, tgt, weights_of_features, bias, length_ratio, low, high, r0, r1, i0, j0,
                  crossing, tgt_crossing) -> dict:
    """Scores of every cell and shape of rows r0..r1-1: {(row, shape): (first j, scores)}."""
    out = {}
    for shape, (s, t) in enumerate(SHAPES):
        rows, firsts, counts, src_first, tgt_first = corridor_cells(
            low, high, r0, r1, s, t, crossing[s] if s > 1 else None, i0, j0)
        if not rows:
            continue
        features = link_features(src, tgt, s, t, src_first, tgt_first, length_ratio)
        scores = features @ weights_of_features + bias
        if t > 1:
            scores[tgt_crossing[t][tgt_first]] = -np.inf
        start = 0
        for i, lo, count in zip(rows, firsts, counts):
            out[(i, shape)] = (lo, scores[start:start + count])
            start += count
    return out


# --- Two whole sides -------------------------------------------------------------------

def align_sides(src: SideSentences, tgt: SideSentences, settings) -> list[ScoredLink]:
    """Links of two sides: anchor chains, a corridor DP around each, links that score above 0.

    The first chain's DP runs over the whole sides; a moved section's over the span of its
    anchors and a sentence around. Where corridors overlap, each sentence keeps its best link.
    """
    n, m = len(src), len(tgt)
    if not n or not m:
        return []
    weights, reach = settings.link, settings.reach
    ratio = length_ratio_of(src, tgt)
    chains = anchor_chains(src, tgt, weights, ratio, settings.top_k, settings.max_gap, settings.min_block, reach,
                           settings.faiss_above)
    if not chains:
        return []
    found: list[ScoredLink] = []
    for number, anchors in enumerate(chains):
        if number == 0:
            i0, j0, i1, j1 = 0, 0, n, m
        else:
            i0, j0 = max(anchors[0][0] - 1, 0), max(anchors[0][1] - 1, 0)
            i1, j1 = min(anchors[-1][0] + 2, n), min(anchors[-1][1] + 2, m)
        low, high = corridor([(i - i0, j - j0) for i, j in anchors], i1 - i0, j1 - j0, reach)
        found += [link for link in corridor_dp(src, tgt, weights, ratio, low, high, i0, j0) if link.score > 0]
    if len(chains) == 1:
        return found
    found.sort(key=lambda link: -link.score)
    taken_src, taken_tgt, kept = set(), set(), []
    for link in found:
        if taken_src.isdisjoint(link.src) and taken_tgt.isdisjoint(link.tgt):
            kept.append(link)
            taken_src.update(link.src)
            taken_tgt.update(link.tgt)
    return sorted(kept, key=lambda link: (link.src, link.tgt))
