"""Sentence alignment of two sides: anchors, a corridor around them, a DP inside it.

The method follows Bertalign (Liu & Zhu 2022) and Vecalign (Thompson & Koehn 2019), with
Hamta's margin scoring in place of a bare cosine:

1. **Runs.** Every run of 1 to MAX_RUN consecutive sentences on each side has a vector:
   the embedding of the joined text where one is given (align_texts, make bench-align), or
   the normalized sum of its sentences' vectors, each weighted by its length to the power
   align.run_length_power (the align stage, which embeds sentences only): a model's vector
   of the joined text is a mean over its tokens, where a two-word fragment beside a long
   sentence weighs little, and a plain sum gives it as much say as the long sentence. A
   link joins a source run and a target run with at most MAX_LINK sentences in all, so 1-1
   up to 1-4 and 4-1. A run never crosses a passage boundary.
2. **One score for every link.** A link's score is linear in measured features
   (link_features): cosine, ratio margin against each sentence's k nearest neighbours in
   the other side, Bertalign's local margin (cosine minus the cosine to the sentences just
   around the link), the length ratio, the number of sentences, the cheap signals of
   pipeline.signals (numbers, footnote marks, Latin terms), Bertalign's whole link score
   (local margin times its length penalty), and for a merge of summed runs how far its
   plain-sum cosine falls below that of its best part one sentence shorter (plain_gain: a
   short stranger taken in, which length-weighted runs hide), and whether one run ends in a
   question mark and the other does not (question_differs), and whether it has more than one
   sentence on both sides (many_to_many). The default weights (align.link) make
   Bertalign's score the main term and the rest, fitted by `python -m bench.align_public
   --fit`, a correction at 0.05 of its fitted size: a score that pays each link about the
   same whatever it holds makes a path of more, smaller links win (a gold 1-2 link split into
   a 1-1 link and a neighbour one sentence larger), and Bertalign's does not
   (docs/alignment-benchmarks.md, "Round 3"). A skipped sentence scores align.link.skip, so a
   link is made only where it beats leaving its sentences out: one principle instead of a
   floor per case. One floor stays, on the model's own cosine (align.min_similarity): every
   sentence of a link must resemble the link's other run at least that much. The score's
   features are differences of cosines, in units the fit learnt from one model; a model
   that puts unrelated sentences near 0 (LaBSE, random vectors) makes chance cosines of
   0.2-0.3 look as far above their neighbourhood as a translation of e5-small does, and
   without the floor they were linked or merged into a neighbour's link.
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
FEATURES = ("cosine", "margin", "local", "gain", "weakest", "length", "merge_3", "merge_4", "merge_5",
            "numbers_matched", "numbers_unmatched", "terms_matched", "bertalign", "plain_gain", "question_differs",
            "many_to_many")
# Rows of the DP whose cell scores are computed together (bounds memory on long books).
_CHUNK_ROWS = 32


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
    # How clearly each sentence has a partner on the other side: its best cosine there minus
    # its neighbourhood mean. A sentence the translation left out has a flat neighbourhood.
    evidence: np.ndarray | None = None
    # The vectors as the model gave them and their neighbourhoods: the cosine and ratio
    # margin written out (similarity, margin columns) are of these, so they keep the meaning
    # the schema gives them; scoring uses the centred vectors above (see centred).
    shown: np.ndarray | None = None
    shown_neighbourhood: np.ndarray | None = None
    # Sentences that may be anchors: not titles or headings, which match their like in any
    # paper ("1. Introduction") and show structure, not that two texts are translations.
    anchorable: np.ndarray | None = None
    # Summed runs weigh each sentence's vector by its length to this power (0: a plain sum;
    # align.run_length_power, see run_vectors).
    length_power: float = 0.0
    # Which sentences end in a question mark (pipeline.signals.ends_in_question; none where
    # no text is known).
    questions: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.vectors)

    def __post_init__(self):
        # Which sentences carry any signal: most carry none, and their links skip that work.
        self.has_signals = (self.numbers.sum(axis=1) + self.terms.sum(axis=1)) > 0
        if self.evidence is None:
            self.evidence = np.zeros(len(self.vectors), np.float32)
        if self.anchorable is None:
            self.anchorable = np.ones(len(self.vectors), bool)
        if self.questions is None:
            self.questions = np.zeros(len(self.vectors), bool)

    def skip_scores(self, weights) -> np.ndarray:
        """What leaving each sentence out scores (align.link skip, skip_evidence)."""
        return weights.skip + weights.skip_evidence * self.evidence

    def run_vectors(self, k: int, first: np.ndarray) -> np.ndarray:
        """Unit vectors of the runs of k sentences beginning at the indexes `first`."""
        if k in self.runs:
            return self.runs[k][first]
        # A joined text's embedding is a mean over its tokens, so a sentence counts about as
        # its length; less than in proportion (a short text's mean vector is longer, its
        # tokens cancel less), hence a power under 1 (docs/alignment-benchmarks.md, round 4).
        # The weights are relative within the run, so the unit of length (characters of
        # Chinese or of German) does not matter; power 0 is a plain sum.
        # Weights of the run's sentences only: of the whole side, per call, they made a long
        # book's DP (a call per block of rows) grow with the square of its length.
        def weight(index):
            return (np.maximum(self.lengths[index], 1).astype(np.float32) ** np.float32(self.length_power))[:, None]

        total = self.vectors[first] * weight(first)
        for offset in range(1, k):
            total += self.vectors[first + offset] * weight(first + offset)
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
                   starts: frozenset[int] = frozenset(), runs: dict[int, np.ndarray] | None = None,
                   best: np.ndarray | None = None) -> SideSentences:
    """A side for the aligner from its sentence vectors and texts. Without texts (vectors
    alone, as in the synthetic tests), every sentence counts as the same length and carries
    no signals, so those features are neutral."""
    from pipeline.signals import SIGNAL_DIM, ends_in_question, signal_counts

    questions = None
    if texts is None:
        lengths = np.ones(len(vectors), np.float32)
        numbers = terms = np.zeros((len(vectors), SIGNAL_DIM), np.float32)
    else:
        lengths = np.array([len(t) for t in texts], np.float32)
        numbers, terms = signal_counts(texts)
        questions = ends_in_question(texts)
    neighbourhood = np.asarray(neighbourhood, np.float32)
    evidence = None if best is None else np.asarray(best, np.float32) - neighbourhood
    return SideSentences(np.asarray(vectors, np.float32), lengths, numbers, terms, neighbourhood,
                         frozenset(starts), dict(runs or {}), evidence, questions=questions)


# A side's common direction is estimated from its own sentences, shrunk towards none for a
# short side (n / (n + CENTRE_PRIOR) of the mean is taken away): a side of two sentences
# would otherwise lose half of each.
CENTRE_PRIOR = 4
# Half the common direction is taken away: tuned on mac-dev (strict F1 with the old anchor
# chains: none 0.698, a quarter 0.750, half 0.768, all 0.612; mac-dev with synthetic
# omissions 0.630 / 0.686 / 0.722). All of it lets a run's cosine sink below that of the one
# sentence it holds that translates, so merges are missed; none lets runs of strangers win.
CENTRE_SHARE = 0.5


def centred(vectors: np.ndarray) -> np.ndarray:
    """Unit vectors with the side's common direction taken away.

    A small model puts every sentence of one language and register near one direction
    (cosines of unrelated sentences 0.75-0.85 with e5-small). A run's summed vector leans
    further towards it, so runs of unrelated sentences reach cosines that only translations
    of single sentences reach, and merges win where nothing matches. Without the common
    direction (Mu & Viswanath's "all-but-the-top", its first step) the cosine of unrelated
    runs stays near that of unrelated sentences, whatever their length."""
    return _unit(without_common_direction(vectors))


def without_common_direction(vectors: np.ndarray) -> np.ndarray:
    """The side's vectors less its shrunk mean, before they are made unit again (centred)."""
    vectors = np.asarray(vectors, np.float32)
    if not len(vectors):
        return vectors
    return vectors - vectors.mean(axis=0) * (CENTRE_SHARE * len(vectors) / (len(vectors) + CENTRE_PRIOR))


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)


def pair_sides(src_vectors: np.ndarray, tgt_vectors: np.ndarray, settings, src_texts: list[str] | None = None,
               tgt_texts: list[str] | None = None, src_starts: frozenset[int] = frozenset(),
               tgt_starts: frozenset[int] = frozenset(), src_runs: dict[int, np.ndarray] | None = None,
               tgt_runs: dict[int, np.ndarray] | None = None, src_anchorable: np.ndarray | None = None,
               tgt_anchorable: np.ndarray | None = None) -> tuple["SideSentences", "SideSentences"]:
    """The two sides of one pair as the aligner scores them: vectors centred (centred), each
    sentence's neighbourhood (mean cosine to its settings.k nearest on the other side) and
    its best cosine there, all inside the pair, so a link scores the same in a corpus of two
    documents or of a thousand (contract 6)."""
    src, tgt = centred(src_vectors), centred(tgt_vectors)
    src_runs = {k: centred(v) for k, v in (src_runs or {}).items()}
    tgt_runs = {k: centred(v) for k, v in (tgt_runs or {}).items()}
    src_mean, tgt_mean, src_best, tgt_best = sentence_neighbourhoods(src, tgt, settings.k, settings.window)
    src_side = side_sentences(src, src_texts, src_mean, src_starts, src_runs, src_best)
    tgt_side = side_sentences(tgt, tgt_texts, tgt_mean, tgt_starts, tgt_runs, tgt_best)
    src_side.shown, tgt_side.shown = np.asarray(src_vectors, np.float32), np.asarray(tgt_vectors, np.float32)
    src_side.length_power = tgt_side.length_power = settings.run_length_power
    if src_anchorable is not None:
        src_side.anchorable = np.asarray(src_anchorable, bool)
    if tgt_anchorable is not None:
        tgt_side.anchorable = np.asarray(tgt_anchorable, bool)
    src_side.shown_neighbourhood, tgt_side.shown_neighbourhood = sentence_neighbourhoods(
        src_side.shown, tgt_side.shown, settings.k, settings.window)[:2]
    return src_side, tgt_side


def stretch(side: SideSentences, first: int, end: int) -> SideSentences:
    """Sentences first..end-1 of a side, scored as in the whole side pair: the centring and
    neighbourhoods of the whole sides, not of the few sentences between two fixed links."""
    def cut(values):
        return None if values is None else values[first:end]

    return SideSentences(side.vectors[first:end], side.lengths[first:end], side.numbers[first:end],
                         side.terms[first:end], side.neighbourhood[first:end],
                         frozenset(k - first for k in side.starts if first < k < end),
                         {k: runs[first:end - k + 1] for k, runs in side.runs.items() if end - first >= k},
                         cut(side.evidence), cut(side.shown), cut(side.shown_neighbourhood), cut(side.anchorable),
                         side.length_power, cut(side.questions))


class _Gathered:
    """Cosines of runs by gathering their vectors: for any pairs (anchors, training, one link)."""

    def __init__(self, src: SideSentences, tgt: SideSentences):
        self.src, self.tgt = src, tgt

    def __call__(self, s: int, t: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Cosine of the run of s source sentences from a and t target sentences from b;
        NaN where a run would leave its side."""
        inside = (a >= 0) & (a + s <= len(self.src)) & (b >= 0) & (b + t <= len(self.tgt))
        out = np.full(len(a), np.nan, np.float32)
        if inside.any():
            out[inside] = np.einsum("ij,ij->i", self.src.run_vectors(s, a[inside]),
                                    self.tgt.run_vectors(t, b[inside]))
        return out


class _Block:
    """Cosines of runs from dense products over a block of rows and the columns their band
    reaches: one small matrix product per run length pair instead of a gather per cell."""

    def __init__(self, src: SideSentences, tgt: SideSentences, a0: int, a1: int, b0: int, b1: int):
        a0, b0 = max(a0, 0), max(b0, 0)
        self.a0, self.b0 = a0, b0
        self.n, self.m = len(src), len(tgt)
        src_runs = {k: src.run_vectors(k, np.arange(a0, max(min(a1, self.n - k + 1), a0))) for k in range(1, MAX_RUN + 1)}
        tgt_runs = {k: tgt.run_vectors(k, np.arange(b0, max(min(b1, self.m - k + 1), b0))) for k in range(1, MAX_RUN + 1)}
        self.cosines = {(s, t): src_runs[s] @ tgt_runs[t].T for s in src_runs for t in tgt_runs}

    def __call__(self, s: int, t: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        block = self.cosines[(s, t)]
        rows, cols = a - self.a0, b - self.b0
        inside = (rows >= 0) & (rows < block.shape[0]) & (cols >= 0) & (cols < block.shape[1])
        out = np.full(len(a), np.nan, np.float32)
        out[inside] = block[rows[inside], cols[inside]]
        return out


class _PlainBlock:
    """Cosines of runs summed plainly (every sentence counted alike; plain_gain) over a block:
    the cosine of two plain sums is the sum of their sentences' cosines over the two sums'
    norms, so one product of single sentences serves every run length."""

    def __init__(self, src: SideSentences, tgt: SideSentences, a0: int, a1: int, b0: int, b1: int):
        a0, b0 = max(a0, 0), max(b0, 0)
        a1, b1 = min(max(a1, a0) + MAX_RUN, len(src)), min(max(b1, b0) + MAX_RUN, len(tgt))
        self.a0, self.b0 = a0, b0
        src_vectors, tgt_vectors = src.vectors[a0:a1], tgt.vectors[b0:b1]
        self.single = src_vectors @ tgt_vectors.T
        self.src_norms = {k: _plain_norms(src_vectors, k) for k in range(1, MAX_RUN + 1)}
        self.tgt_norms = {k: _plain_norms(tgt_vectors, k) for k in range(1, MAX_RUN + 1)}

    def __call__(self, s: int, t: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        rows, cols = a - self.a0, b - self.b0
        inside = (rows >= 0) & (rows + s <= self.single.shape[0]) & (cols >= 0) & (cols + t <= self.single.shape[1])
        rows, cols = rows[inside], cols[inside]
        total = np.zeros(len(rows), np.float32)
        for i in range(s):
            for j in range(t):
                total += self.single[rows + i, cols + j]
        out = np.full(len(a), np.nan, np.float32)
        out[inside] = total / (self.src_norms[s][rows] * self.tgt_norms[t][cols])
        return out


def _plain_norms(vectors: np.ndarray, k: int) -> np.ndarray:
    """Norms of the plain sums of every k consecutive vectors."""
    count = len(vectors) - k + 1
    if count <= 0:
        return np.zeros(0, np.float32)
    total = vectors[:count].copy()
    for offset in range(1, k):
        total += vectors[offset:offset + count]
    return np.maximum(np.linalg.norm(total, axis=1), 1e-12)


def link_features(src: SideSentences, tgt: SideSentences, s: int, t: int, src_first: np.ndarray,
                  tgt_first: np.ndarray, lengths: "LengthModel", cosine_of=None, plain_of=None) -> np.ndarray:
    """(P, len(FEATURES)) features of the links joining the run of s source sentences from
    src_first[p] to the run of t target sentences from tgt_first[p]; cosine_of and plain_of
    give the runs' cosines (length-weighted and plain sums) where they are precomputed."""
    cos = cosine_of or _Gathered(src, tgt)
    a, b = np.asarray(src_first, np.int64), np.asarray(tgt_first, np.int64)
    cosine = cos(s, t, a, b)
    # Margin (Artetxe & Schwenk): the cosine against the mean neighbourhood of the sentences
    # the link joins, so a sentence close to everything scores low. As a difference, not the
    # ratio the output reports: a ratio swings wildly where a model puts unrelated sentences
    # near cosine 0 (LaBSE), a difference does not.
    around = (src.run_sums(src.neighbourhood, s, a) / s + tgt.run_sums(tgt.neighbourhood, t, b) / t) / 2
    margin = cosine - around
    # Bertalign's local margin: the cosine minus the mean cosine of each run to the sentences
    # just before and after the other run.
    local = cosine - _mean_present([cos(s, 1, a, b - 1), cos(s, 1, a, b + t), cos(1, t, a - 1, b), cos(1, t, a + s, b)])
    # Whether the link is a local best of its shape: its cosine minus the best of the links
    # one sentence larger or smaller on either side. A 1-1 link that is half of a 1-2 link
    # loses to it; a 1-2 link that should have been a 1-1 and a skip loses to the 1-1.
    variants = []
    if s < MAX_RUN:
        variants += [cos(s + 1, t, a - 1, b), cos(s + 1, t, a, b)]
    if t < MAX_RUN:
        variants += [cos(s, t + 1, a, b - 1), cos(s, t + 1, a, b)]
    if s > 1:
        variants += [cos(s - 1, t, a + 1, b), cos(s - 1, t, a, b)]
    if t > 1:
        variants += [cos(s, t - 1, a, b + 1), cos(s, t - 1, a, b)]
    gain = cosine - _max_present(variants, cosine)
    # Each sentence of the link must belong to it: the weakest of its sentences' cosines to
    # the other run, less that sentence's neighbourhood mean. A sentence the translation left
    # out and a merge swallowed drags this down; the pieces of a real split do not.
    members = [cos(1, t, a + o, b) - src.neighbourhood[np.minimum(a + o, len(src) - 1)] for o in range(s)]
    members += [cos(s, 1, a, b + o) - tgt.neighbourhood[np.minimum(b + o, len(tgt) - 1)] for o in range(t)]
    weakest = np.nanmin(np.vstack(members), axis=0) if s + t > 2 else margin
    # Gale & Church: how far the two runs' lengths are from the side pair's usual ratio, in
    # units of how far they stray on its likely 1-1 links (lengths.spread): character
    # counts follow each other closely from German to French, loosely from Chinese to English.
    src_chars, tgt_chars = src.run_sums(src.lengths, s, a), tgt.run_sums(tgt.lengths, t, b)
    length = np.minimum(lengths.deviation(src_chars, tgt_chars), 10)
    # Bertalign's whole link score: the local margin times its length penalty
    # log2(1 + shorter / longer), the lengths put on one scale by the side pair's ratio. The
    # product is what the additive features cannot express: a link whose lengths disagree
    # keeps little of its margin, however high.
    scaled = src_chars * lengths.ratio
    bertalign = local * np.log2(1 + np.minimum(scaled, tgt_chars) / np.maximum(np.maximum(scaled, tgt_chars), 1e-6))
    plain_gain = _plain_gain(src, tgt, s, t, a, b, plain_of)
    # A question stays a question: a link whose one run ends in a question mark and whose
    # other does not is more often cut a sentence off (docs/alignment-benchmarks.md, round 6).
    question_differs = (src.questions[np.clip(a + s - 1, 0, len(src) - 1)]
                        != tgt.questions[np.clip(b + t - 1, 0, len(tgt) - 1)]).astype(np.float32)
    numbers_matched, numbers_unmatched, terms_matched = _signal_features(src, tgt, s, t, a, b)
    # The shape's own prior: links of 3, 4 and 5 sentences in all (1-1 is the reference), and
    # links with more than one sentence on both sides (2-2, 2-3, 3-2), which the sizes alone
    # cannot tell from 1-3 and 3-1: most of the aligner's were wrong (round 8).
    merges = [np.full(len(cosine), float(s + t == size), np.float32) for size in (3, 4, 5)]
    many_to_many = np.full(len(cosine), float(s > 1 and t > 1), np.float32)
    return np.column_stack([cosine, margin, local, gain, weakest, length, *merges, numbers_matched,
                            numbers_unmatched, terms_matched, bertalign, plain_gain,
                            question_differs, many_to_many]).astype(np.float32)


def _plain_gain(src: SideSentences, tgt: SideSentences, s: int, t: int, a: np.ndarray, b: np.ndarray,
                plain_of=None) -> np.ndarray:
    """For a merge, how much its runs' cosine with plainly summed vectors (every sentence
    counted alike) falls short of that of its best part one sentence shorter (0 where it
    does not, and for 1-1 links): a sentence a merge took in without a partner on the other
    side. Length-weighted runs (run_vectors) hide a short stranger, a plain sum does not; a
    short fragment that carries part of the meaning raises the plain cosine or keeps it
    (docs/alignment-benchmarks.md, round 5). Only for summed runs (the align stage): with
    embedded runs (align_texts) it cost Text+Berg 0.918 -> 0.909."""
    if s + t <= 2 or src.runs or tgt.runs:
        return np.zeros(len(a), np.float32)
    cos = plain_of or _Gathered(plain_side(src), plain_side(tgt))
    whole = cos(s, t, a, b)
    parts = []
    if s > 1:
        parts += [cos(s - 1, t, a + 1, b), cos(s - 1, t, a, b)]
    if t > 1:
        parts += [cos(s, t - 1, a, b + 1), cos(s, t - 1, a, b)]
    return np.minimum(whole - _max_present(parts, whole), 0)


def _mean_present(values: list[np.ndarray]) -> np.ndarray:
    stacked = np.vstack(values)
    present = ~np.isnan(stacked)
    return np.where(present, stacked, 0).sum(axis=0) / np.maximum(present.sum(axis=0), 1)


def _max_present(values: list[np.ndarray], default: np.ndarray) -> np.ndarray:
    if not values:
        return default
    best = np.nanmax(np.vstack(values + [np.full_like(default, -np.inf)]), axis=0)
    return np.where(np.isfinite(best), best, default)


def _signal_features(src: SideSentences, tgt: SideSentences, s: int, t: int, a: np.ndarray, b: np.ndarray):
    """(numbers matched, numbers unmatched, terms matched), each capped at 3; computed only
    where both runs carry signals (most sentences carry none). Numbers count as unmatched
    only where both runs carry numbers: "2019" against "2021" is a conflict, a number against
    none is not (a translation writes "drei" for 3, or drops a figure in brackets). Counted
    on either condition, the penalty that makes numbers tell near twins apart cost Text+Berg
    0.005 strict F1; counted on conflicts it costs nothing (docs/alignment-benchmarks.md)."""
    zeros = np.zeros(len(a), np.float32)
    src_any, tgt_any = src.has_signals, tgt.has_signals
    if not src_any.any() or not tgt_any.any():
        return zeros, zeros, zeros
    some_src = src.run_sums(src_any.astype(np.float32), s, a) > 0
    some_tgt = tgt.run_sums(tgt_any.astype(np.float32), t, b) > 0
    where = np.flatnonzero(some_src | some_tgt)
    matched, unmatched, terms = zeros.copy(), zeros.copy(), zeros.copy()
    if len(where):
        numbers_a = src.run_sums(src.numbers, s, a[where])
        numbers_b = tgt.run_sums(tgt.numbers, t, b[where])
        both = np.minimum(numbers_a, numbers_b).sum(axis=1)
        matched[where] = both
        count_a, count_b = numbers_a.sum(axis=1), numbers_b.sum(axis=1)
        unmatched[where] = np.where((count_a > 0) & (count_b > 0), count_a + count_b - 2 * both, 0)
        terms[where] = np.minimum(src.run_sums(src.terms, s, a[where]), tgt.run_sums(tgt.terms, t, b[where])).sum(axis=1)
    return np.minimum(matched, 3), np.minimum(unmatched, 3), np.minimum(terms, 3)


def link_scores(features: np.ndarray, weights) -> np.ndarray:
    """Each link's score (see the module docstring); weights: align.link."""
    return features @ weight_vector(weights) + weights.bias


@dataclass(frozen=True)
class LengthModel:
    """How the lengths of two sides' translations relate: target characters per source
    character (Gale & Church's c), and the spread of log length ratios around it on likely
    1-1 links (a robust standard deviation)."""

    ratio: float
    spread: float

    def deviation(self, src_chars: np.ndarray, tgt_chars: np.ndarray) -> np.ndarray:
        return np.abs(np.log((src_chars * self.ratio + 10) / (tgt_chars + 10))) / self.spread


def length_ratio_of(src: SideSentences, tgt: SideSentences, window: int) -> LengthModel:
    """The LengthModel of two sides, from the sentence pairs that are each other's nearest by
    cosine (mutual best: likely 1-1 links, found before any weight is used): the median
    ratio of their lengths, and the spread around it. Over all characters when fewer than
    MIN_LENGTH_PAIRS pairs are found: not by default, since one side may hold text the other
    leaves out (an abstract beside the paper it sums up has a third of its characters). The
    spread is at least MIN_LENGTH_SPREAD, 0.25 with fewer than 8 pairs; without texts (every
    length 1) lengths say nothing and the deviation is 0."""
    ratio = float(max(tgt.lengths.sum(), 1) / max(src.lengths.sum(), 1))
    if np.all(src.lengths == 1) and np.all(tgt.lengths == 1):
        return LengthModel(ratio, np.inf)
    spread = 0.25
    if len(src) and len(tgt):
        best_tgt, best_src = _mutual_best_by_cosine(src, tgt, window)
        if len(best_tgt) >= MIN_LENGTH_PAIRS:
            ratio = float(np.exp(np.median(np.log((tgt.lengths[best_tgt] + 10) / (src.lengths[best_src] + 10)))))
        if len(best_tgt) >= 8:
            residual = np.log((src.lengths[best_src] * ratio + 10) / (tgt.lengths[best_tgt] + 10))
            spread = float(1.4826 * np.median(np.abs(residual - np.median(residual))))
    return LengthModel(ratio, max(spread, MIN_LENGTH_SPREAD))


# A spread below this is a sign of too few or too alike pairs, not of lengths that never stray.
MIN_LENGTH_SPREAD = 0.08
# Likely 1-1 pairs needed to take the length ratio from them rather than from all characters.
MIN_LENGTH_PAIRS = 5


def _mutual_best_by_cosine(src: SideSentences, tgt: SideSentences, window: int) -> tuple[np.ndarray, np.ndarray]:
    """(target, source) indexes of the sentence pairs that are each other's nearest, found in
    blocks (nearest_in_window's window for long sides)."""
    forward = nearest_in_window(src.vectors, tgt.vectors, 1, window)[1][:, 0]
    backward = nearest_in_window(tgt.vectors, src.vectors, 1, window)[1][:, 0]
    sources = np.flatnonzero(backward[forward] == np.arange(len(src)))
    return forward[sources], sources


# --- First pass: anchors ------------------------------------------------------------------

def nearest_in_window(queries: np.ndarray, pool: np.ndarray, k: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    """(cosines, indexes) of each query's k nearest pool vectors among the `window` pool
    vectors around its place on the diagonal (pool index ~ (query index + 1/2) * m / n, the
    window moved inwards at the ends so that it always holds `window` vectors); among the
    whole pool when that holds no more than `window`.

    Two long sides (a translated book) run mostly in parallel; searching a window around the
    diagonal instead of the whole side keeps the work at n * window cosines, linear in the
    length of the sides (Bertalign's first pass searches a window too). Queries go in
    blocks, one matrix product each, over the union of their windows; a block's queries
    span a quarter of a window, so at most 1.25 * n * window cosines are computed."""
    n, m = len(queries), len(pool)
    if m <= window:
        return _nearest_in_pool(queries, pool, k)
    k = min(k, window)
    cosines = np.zeros((n, k), np.float32)
    indexes = np.zeros((n, k), np.int64)
    first = window_starts(n, m, window)
    block = int(np.clip(window * n / (4 * m), 1, 512))
    for start in range(0, n, block):
        stop = min(start + block, n)
        low, high = int(first[start]), int(first[stop - 1]) + window
        sims = queries[start:stop] @ pool[low:high].T
        # Each query sees only its own window inside the block's span.
        columns = np.arange(low, high)
        outside = (columns[None, :] < first[start:stop, None]) | (columns[None, :] >= first[start:stop, None] + window)
        sims[outside] = -np.inf
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        cosines[start:stop] = np.take_along_axis(sims, part, axis=1)
        indexes[start:stop] = part + low
    return cosines, indexes


def window_starts(n: int, m: int, window: int) -> np.ndarray:
    """For each of n queries, the first of the `window` pool indexes (of m) it is compared
    with: centred on its place on the diagonal, moved inwards at the ends."""
    centre = (np.arange(n) + 0.5) * (m / max(n, 1))
    return np.clip(np.floor(centre - window / 2).astype(np.int64), 0, max(m - window, 0))


def _nearest_in_pool(queries: np.ndarray, pool: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(cosines, indexes) of each query's k nearest over the whole pool, in blocks of queries."""
    n, m = len(queries), len(pool)
    k = min(k, m)
    cosines = np.zeros((n, k), np.float32)
    indexes = np.zeros((n, k), np.int64)
    for start in range(0, n, 512):
        stop = min(start + 512, n)
        sims = queries[start:stop] @ pool.T
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        cosines[start:stop] = np.take_along_axis(sims, part, axis=1)
        indexes[start:stop] = part
    return cosines, indexes


def sentence_neighbourhoods(src: np.ndarray, tgt: np.ndarray, k: int,
                            window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(source means, target means, source best, target best): the mean cosine of each
    sentence to its k nearest sentences of the other side (the ratio margin's denominators)
    and its best cosine there, among the `window` sentences around its place on the
    diagonal (nearest_in_window; the whole other side when it is no longer)."""
    if not len(src) or not len(tgt):
        empty_src, empty_tgt = np.zeros(len(src), np.float32), np.zeros(len(tgt), np.float32)
        return empty_src, empty_tgt, empty_src, empty_tgt
    forward = nearest_in_window(src, tgt, k, window)[0]
    backward = nearest_in_window(tgt, src, k, window)[0]
    return forward.mean(axis=1), backward.mean(axis=1), forward.max(axis=1), backward.max(axis=1)


def candidate_points(src: SideSentences, tgt: SideSentences, k: int,
                     window: int) -> tuple[np.ndarray, np.ndarray]:
    """(source, target) indexes of each sentence's k nearest sentences on the other side,
    among the `window` sentences around its place on the diagonal (nearest_in_window) once
    a side is longer than that, so the work stays linear in the length of the sides."""
    n, m = len(src), len(tgt)
    if not n or not m:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if max(n, m) <= window:
        cos = src.vectors @ tgt.vectors.T
        forward = np.argpartition(-cos, min(k, m) - 1, axis=1)[:, :min(k, m)]
        backward = np.argpartition(-cos.T, min(k, n) - 1, axis=1)[:, :min(k, n)]
    else:
        forward = nearest_in_window(src.vectors, tgt.vectors, k, window)[1]
        backward = nearest_in_window(tgt.vectors, src.vectors, k, window)[1]
    rows = np.concatenate([np.repeat(np.arange(n), forward.shape[1]), backward.ravel()])
    cols = np.concatenate([forward.ravel(), np.repeat(np.arange(m), backward.shape[1])])
    pairs = np.unique(rows.astype(np.int64) * m + cols)
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


def anchor_chains(src: SideSentences, tgt: SideSentences, weights, lengths: "LengthModel",
                  top_k: int, max_gap: int, min_block: int, reach: int,
                  window: int, floor: float = 0.0) -> list[list[tuple[int, int]]]:
    """Chains of 1-1 anchors: the heaviest increasing chain of likely candidate links, then
    chains among the candidates in rows and columns no chain holds (sections that moved),
    each split at gaps over max_gap and kept when it holds min_block anchors (the first
    chain keeps every anchor: its corridor is where the sides run in parallel)."""
    rows, cols = candidate_points(src, tgt, top_k, window)
    if not len(rows):
        return []
    scores = _by_chunks(lambda a, b: link_scores(link_features(src, tgt, 1, 1, a, b, lengths), weights), rows, cols)
    scores = scores - src.skip_scores(weights)[rows] - tgt.skip_scores(weights)[cols]
    likely = scores > 0
    if floor > 0:
        likely &= ~(_by_chunks(lambda a, b: _Gathered(shown_side(src), shown_side(tgt))(1, 1, a, b), rows, cols) < floor)
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


# Candidate anchors scored this many at a time: each gathers its two sentences' vectors, so
# all at once held 2.4 GB for a book of 100k sentences a side (800k candidates).
_CANDIDATE_CHUNK = 65536


def _by_chunks(score, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """score(rows, cols) of candidate points, _CANDIDATE_CHUNK points at a time."""
    return np.concatenate([score(rows[c:c + _CANDIDATE_CHUNK], cols[c:c + _CANDIDATE_CHUNK])
                           for c in range(0, len(rows), _CANDIDATE_CHUNK)])


def _split(anchors: list[tuple[int, int]], max_gap: int,
           stride: tuple[float, float] = (1.0, 1.0), slope: float | None = None) -> list[list[tuple[int, int]]]:
    """Anchors (increasing on both sides) cut where two are more than max_gap sentences apart
    on a side (counted in stride sentences a side); with a slope (target sentences per source
    sentence), only where one side runs more than max_gap sentences ahead of the other."""
    blocks: list[list[tuple[int, int]]] = []
    for i, j in anchors:
        keep = False
        if blocks:
            di, dj = (i - blocks[-1][-1][0]) / stride[0], (j - blocks[-1][-1][1]) / stride[1]
            keep = (max(di, dj) if slope is None else abs(dj - di * slope)) <= max_gap
        if keep:
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


def corridor_dp(src: SideSentences, tgt: SideSentences, weights, lengths: "LengthModel",
                low: np.ndarray, high: np.ndarray, i0: int = 0, j0: int = 0, floor: float = 0.0) -> list[ScoredLink]:
    """Best monotone links of the sentences src[i0:i0+len(low)-1] and tgt[j0:...] inside the
    band (low, high) (local counts), over SHAPES and skips (see the module docstring); no
    link holds a sentence whose cosine to the other run is under `floor`."""
    n = len(low) - 1
    m = int(high[-1])
    gains: list[np.ndarray] = []
    backs: list[np.ndarray] = []
    crossing = {k: src.crosses(k) for k in range(2, MAX_RUN + 1)}
    tgt_crossing = {k: tgt.crosses(k) for k in range(2, MAX_RUN + 1)}
    skip_src, skip_tgt = src.skip_scores(weights), tgt.skip_scores(weights)
    cells: dict = {}
    for i in range(n + 1):
        if i % _CHUNK_ROWS == 0:
            cells = _chunk_scores(src, tgt, weights, lengths, low, high, i,
                                  min(i + _CHUNK_ROWS, n + 1), i0, j0, crossing, tgt_crossing, floor)
        width = int(high[i] - low[i] + 1)
        best = np.full(width, -np.inf)
        back = np.full(width, -1, np.int8)
        if i == 0:
            best[0] = 0.0
        else:
            # Skip a source sentence: (1, 0).
            lo, hi = max(low[i], low[i - 1]), min(high[i], high[i - 1])
            if lo <= hi:
                best[lo - low[i]:hi - low[i] + 1] = (gains[i - 1][lo - low[i - 1]:hi - low[i - 1] + 1]
                                                     + skip_src[i0 + i - 1])
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
        # Skip target sentences, (0, 1): g[c] = max over c' <= c of best[c'] plus the skips of
        # the target sentences between, a running maximum once the skips' running sum is out.
        skipped = np.concatenate([[0.0], np.cumsum(skip_tgt[j0 + low[i]:j0 + low[i] + width - 1])])
        running = np.maximum.accumulate(best - skipped) + skipped
        from_left = running > best
        back[from_left] = len(SHAPES) + 1
        gains.append(running)
        backs.append(back)
    path: list[tuple[int, int, int, int]] = []
    i, j = n, m
    while i > 0 or j > 0:
        move = int(backs[i][j - low[i]])
        if move == len(SHAPES) + 1:
            j -= 1
        elif move == len(SHAPES):
            i -= 1
        else:
            s, t = SHAPES[move]
            path.append((i0 + i - s, s, j0 + j - t, t))
            i, j = i - s, j - t
    return scored_links(src, tgt, weights, lengths, path[::-1])


def scored_links(src, tgt, weights, lengths: "LengthModel", path: list[tuple[int, int, int, int]]) -> list[ScoredLink]:
    """ScoredLinks of (source start, source count, target start, target count), in order."""
    out: list[ScoredLink | None] = [None] * len(path)
    for s, t in {(s, t) for _, s, _, t in path}:
        members = [k for k, (_, ps, _, pt) in enumerate(path) if (ps, pt) == (s, t)]
        a = np.array([path[k][0] for k in members])
        b = np.array([path[k][2] for k in members])
        features = link_features(src, tgt, s, t, a, b, lengths)
        scores = link_scores(features, weights)
        cosines, around = shown_cosines(src, tgt, s, t, a, b)
        for k, first, second, cosine, score, mean in zip(members, a, b, cosines, scores, around):
            out[k] = ScoredLink(tuple(range(first, first + s)), tuple(range(second, second + t)), float(cosine),
                                float(score), float(cosine / max(mean, 1e-6)))
    return out


def shown_cosines(src: SideSentences, tgt: SideSentences, s: int, t: int, a: np.ndarray,
                  b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cosine, mean neighbourhood) of the links' runs as the model gave the vectors (the
    similarity and margin columns), or of the scoring vectors when those are not kept."""
    if src.shown is None or tgt.shown is None:
        cosines = _Gathered(src, tgt)(s, t, a, b)
        return cosines, (src.run_sums(src.neighbourhood, s, a) / s + tgt.run_sums(tgt.neighbourhood, t, b) / t) / 2
    shown_src = SideSentences(src.shown, src.lengths, src.numbers, src.terms, src.shown_neighbourhood,
                              length_power=src.length_power)
    shown_tgt = SideSentences(tgt.shown, tgt.lengths, tgt.numbers, tgt.terms, tgt.shown_neighbourhood,
                              length_power=tgt.length_power)
    around = (shown_src.run_sums(shown_src.neighbourhood, s, a) / s
              + shown_tgt.run_sums(shown_tgt.neighbourhood, t, b) / t) / 2
    return _Gathered(shown_src, shown_tgt)(s, t, a, b), around


def shown_side(side: SideSentences) -> SideSentences:
    """The side with the vectors as the model gave them (the side itself where they are not
    kept), made once per side."""
    if side.shown is None:
        return side
    if getattr(side, "_shown_side", None) is None:
        side._shown_side = SideSentences(side.shown, side.lengths, side.numbers, side.terms,
                                         side.neighbourhood if side.shown_neighbourhood is None
                                         else side.shown_neighbourhood, length_power=side.length_power)
    return side._shown_side


def plain_side(side: SideSentences) -> SideSentences:
    """The side with runs summed plainly (length power 0), made once per side; the side
    itself where its runs are plain sums already or embedded (plain_gain is then unused)."""
    if side.length_power == 0 or side.runs:
        return side
    if getattr(side, "_plain_side", None) is None:
        plain = SideSentences(side.vectors, side.lengths, side.numbers, side.terms, side.neighbourhood,
                              side.starts, side.runs, side.evidence, length_power=0.0)
        side._plain_side = plain
    return side._plain_side


def weakest_member(cos, s: int, t: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each link, the lowest cosine of one of its sentences to the link's other run (the
    link's own cosine for a 1-1 link): how well its least related sentence belongs."""
    if s + t == 2:
        return cos(1, 1, a, b)
    members = [cos(1, t, a + o, b) for o in range(s)] + [cos(s, 1, a, b + o) for o in range(t)]
    return np.min(np.vstack(members), axis=0)


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


def _chunk_scores(src, tgt, weights, lengths, low, high, r0, r1, i0, j0,
                  crossing, tgt_crossing, floor: float = 0.0) -> dict:
    """Scores of every cell and shape of rows r0..r1-1: {(row, shape): (first j, scores)};
    -inf where a sentence of the link resembles the other run less than `floor` (the model's
    cosine, see align_sides)."""
    first_row = max(r0 - MAX_RUN, 0)
    bounds = (i0 + first_row - MAX_RUN - 1, i0 + r1 + 1, j0 + int(low[first_row]) - 2 * MAX_RUN - 1,
              j0 + int(high[r1 - 1]) + 1)
    cosines = _Block(src, tgt, *bounds)
    shown = _Block(shown_side(src), shown_side(tgt), *bounds) if floor > 0 else None
    # Plain-sum cosines of the runs (align.link.plain_gain), from the single sentences'
    # cosines; not computed where the feature is unused (weight 0, embedded runs).
    plain = (cosines if weights.plain_gain == 0 or src.runs or tgt.runs else _PlainBlock(src, tgt, *bounds))
    out = {}
    for shape, (s, t) in enumerate(SHAPES):
        rows, firsts, counts, src_first, tgt_first = corridor_cells(
            low, high, r0, r1, s, t, crossing[s] if s > 1 else None, i0, j0)
        if not rows:
            continue
        features = link_features(src, tgt, s, t, src_first, tgt_first, lengths, cosines, plain)
        scores = link_scores(features, weights)
        if t > 1:
            scores[tgt_crossing[t][tgt_first]] = -np.inf
        if shown is not None:
            scores[weakest_member(shown, s, t, src_first, tgt_first) < floor] = -np.inf
        start = 0
        for i, lo, count in zip(rows, firsts, counts):
            out[(i, shape)] = (lo, scores[start:start + count])
            start += count
    return out


# --- Two whole sides -------------------------------------------------------------------

def _chain_links(src, tgt, weights, ratio: float, anchors: list[tuple[int, int]], whole: bool,
                 reach: int, floor: float = 0.0) -> list[ScoredLink]:
    """The DP's links in the corridor of one chain: over the whole sides for the first chain,
    over the span of its anchors and a sentence around for a moved section."""
    n, m = len(src), len(tgt)
    if whole:
        i0, j0, i1, j1 = 0, 0, n, m
    else:
        i0, j0 = max(anchors[0][0] - 1, 0), max(anchors[0][1] - 1, 0)
        i1, j1 = min(anchors[-1][0] + 2, n), min(anchors[-1][1] + 2, m)
    low, high = corridor([(i - i0, j - j0) for i, j in anchors], i1 - i0, j1 - j0, reach)
    skip_src, skip_tgt = src.skip_scores(weights), tgt.skip_scores(weights)
    return [link for link in corridor_dp(src, tgt, weights, ratio, low, high, i0, j0, floor)
            if link.score > skip_src[list(link.src)].sum() + skip_tgt[list(link.tgt)].sum()]


def align_sides(src: SideSentences, tgt: SideSentences, settings) -> list[ScoredLink]:
    """Links of two sides: anchor chains, a corridor DP around each, links that score above 0.

    The first chain's DP runs over the whole sides; a moved section's over the span of its
    anchors and a sentence around. Where corridors overlap, each sentence keeps its best link.
    """
    n, m = len(src), len(tgt)
    if not n or not m:
        return []
    weights, reach = settings.link, settings.reach
    ratio = length_ratio_of(src, tgt, settings.window)
    chains = anchor_chains(src, tgt, weights, ratio, settings.top_k, settings.max_gap, settings.min_block, reach,
                           settings.window, settings.min_similarity)
    if not chains:
        return []
    found: list[ScoredLink] = []
    # The DP's matrix products are small: BLAS threads only wait on each other there (and on
    # FAISS's OpenMP threads, which made the book benchmark four times slower).
    from threadpoolctl import threadpool_limits

    # A stretch between two anchors where one side runs more than max_gap sentences ahead of
    # the other (beyond the sides' ratio) is text the other side does not translate (an
    # omitted section): it is left out, since a DP across it would swallow its sentences
    # into merges. A stretch as long on both sides is aligned however long it is: a literary
    # text merges and splits sentences for pages without a 1-1 anchor. (Cutting every stretch
    # over max_gap on either side, as before: mac-dev strict F1 0.777 against 0.804, the
    # evaluation set unchanged; docs/alignment-benchmarks.md.)
    blocks = [block for chain in chains for block in _split(chain, settings.max_gap, slope=m / n)]
    with threadpool_limits(1, user_api="blas"):
        for anchors in blocks:
            found += _chain_links(src, tgt, weights, ratio, anchors, False, reach, settings.min_similarity)
    if len(blocks) == 1:
        return found
    found.sort(key=lambda link: -link.score)
    taken_src, taken_tgt, kept = set(), set(), []
    for link in found:
        if taken_src.isdisjoint(link.src) and taken_tgt.isdisjoint(link.tgt):
            kept.append(link)
            taken_src.update(link.src)
            taken_tgt.update(link.tgt)
    return sorted(kept, key=lambda link: (link.src, link.tgt))
