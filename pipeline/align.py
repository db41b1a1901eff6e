"""Alignment: passages mined by ratio margin, sentences aligned inside matched passages.

Passage mining follows Artetxe & Schwenk (2019): the cosine of a candidate pair is divided
by the mean cosine of each side's k nearest neighbours in the other language, so a "hub"
passage that is close to everything scores low, and only mutual best matches above the
thresholds are kept. Sentences inside a matched passage pair are aligned by a dynamic
program in the manner of Bertalign and Vecalign, with 1-1, 1-2, 2-1 links and 1-0/0-1 skips.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Links the sentence aligner may use: (source sentences, target sentences).
LINK_SHAPES = ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1))


def neighbourhood_mean(queries: np.ndarray, pool: np.ndarray, k: int, faiss_above: int = 4096) -> np.ndarray:
    """Mean cosine of each query's k nearest neighbours in the pool (vectors are unit-length)."""
    if len(queries) == 0 or len(pool) == 0:
        return np.zeros(len(queries), np.float32)
    k = min(k, len(pool))
    if len(pool) > faiss_above:
        import faiss

        index = faiss.IndexFlatIP(pool.shape[1])
        index.add(np.ascontiguousarray(pool, dtype=np.float32))
        top, _ = index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return top.mean(axis=1)
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


def mine_passages(src: np.ndarray, tgt: np.ndarray, src_mean: np.ndarray, tgt_mean: np.ndarray,
                  min_margin: float, min_similarity: float) -> list[PassageMatch]:
    """Mutual best passage pairs by margin, above both thresholds."""
    similarity = src @ tgt.T
    margin = ratio_margin(similarity, src_mean, tgt_mean)
    return [PassageMatch(i, j, float(similarity[i, j]), float(margin[i, j]))
            for i, j in mutual_best(margin)
            if margin[i, j] >= min_margin and similarity[i, j] >= min_similarity]


@dataclass
class SentenceLink:
    src: tuple[int, ...]
    tgt: tuple[int, ...]
    similarity: float


def _group_vector(vectors: np.ndarray, start: int, count: int) -> np.ndarray:
    summed = vectors[start:start + count].sum(axis=0)
    return summed / max(float(np.linalg.norm(summed)), 1e-12)


def align_sentences(src: np.ndarray, tgt: np.ndarray, skip_similarity: float,
                    merge_penalty: float = 0.05) -> list[SentenceLink]:
    """Best monotone alignment of two sentence sequences.

    A link covering s source and t target sentences gains (s + t) / 2 * (cosine - skip_similarity)
    minus merge_penalty when it is not 1-1; a skipped sentence gains nothing. So a link is
    made only where its cosine beats the skip threshold, and a 2-1 link wins over a 1-1 link
    plus a skip only when the merged sentences really match better together.
    """
    n, m = len(src), len(tgt)
    gain = np.full((n + 1, m + 1), -np.inf)
    back: dict[tuple[int, int], tuple[int, int, float]] = {}
    gain[0, 0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 and j == 0:
                continue
            for s, t in LINK_SHAPES:
                if s > i or t > j or gain[i - s, j - t] == -np.inf:
                    continue
                if s == 0 or t == 0:
                    step, cosine = 0.0, 0.0
                else:
                    cosine = float(_group_vector(src, i - s, s) @ _group_vector(tgt, j - t, t))
                    step = (s + t) / 2 * (cosine - skip_similarity) - (merge_penalty if s + t > 2 else 0)
                if gain[i - s, j - t] + step > gain[i, j]:
                    gain[i, j] = gain[i - s, j - t] + step
                    back[(i, j)] = (s, t, cosine)
    links, i, j = [], n, m
    while i > 0 or j > 0:
        s, t, cosine = back[(i, j)]
        if s and t:
            links.append(SentenceLink(tuple(range(i - s, i)), tuple(range(j - t, j)), cosine))
        i, j = i - s, j - t
    return links[::-1]


def link_margin(link: SentenceLink, src_mean: np.ndarray, tgt_mean: np.ndarray) -> float:
    """Ratio margin of a link, using the mean neighbourhood of the sentences it joins."""
    denominator = (float(np.mean(src_mean[list(link.src)])) + float(np.mean(tgt_mean[list(link.tgt)]))) / 2
    return link.similarity / max(denominator, 1e-6)


def confidence(margin: float, similarity: float, bias: float, w_margin: float, w_similarity: float) -> float:
    """A logistic score in [0, 1]; its weights are fitted on the evaluation set (make eval)."""
    z = bias + w_margin * margin + w_similarity * similarity
    return float(1.0 / (1.0 + np.exp(-z)))


# --- Sentences across a whole side pair: anchors, then the dynamic program between them ---

def anchor_blocks(anchors: list[tuple[int, int]], max_gap: int) -> list[list[tuple[int, int]]]:
    """Split anchors (sorted by source) into monotone runs with small gaps.

    A translation keeps its order inside a section but may move whole sections; each run is
    one stretch in the same order on both sides, and the dynamic program works inside it.
    """
    blocks: list[list[tuple[int, int]]] = []
    for i, j in sorted(anchors):
        last = blocks[-1][-1] if blocks else None
        if last and 0 < i - last[0] <= max_gap and 0 < j - last[1] <= max_gap:
            blocks[-1].append((i, j))
        else:
            blocks.append([(i, j)])
    return blocks


def align_sentence_sequences(src: np.ndarray, tgt: np.ndarray, src_mean: np.ndarray, tgt_mean: np.ndarray,
                             settings) -> list[SentenceLink]:
    """Sentence links between two sides: margin anchors, monotone blocks, DP inside each block."""
    if not len(src) or not len(tgt):
        return []
    similarity = src @ tgt.T
    margin = ratio_margin(similarity, src_mean, tgt_mean)
    anchors = [(i, j) for i, j in mutual_best(margin)
               if margin[i, j] >= settings.sentence_margin and similarity[i, j] >= settings.sentence_similarity]
    links: list[SentenceLink] = []
    for block in anchor_blocks(anchors, settings.max_gap):
        if len(block) < settings.min_block and margin[block[0]] < settings.lone_anchor_margin:
            continue  # a lone weak anchor is more often chance than a translation
        # One sentence of slack on each side lets a merge at the block's edge be found.
        i0, j0 = max(block[0][0] - 1, 0), max(block[0][1] - 1, 0)
        i1, j1 = min(block[-1][0] + 2, len(src)), min(block[-1][1] + 2, len(tgt))
        for link in align_sentences(src[i0:i1], tgt[j0:j1], settings.sentence_similarity,
                                    settings.merge_penalty):
            links.append(SentenceLink(tuple(i + i0 for i in link.src), tuple(j + j0 for j in link.tgt),
                                      link.similarity))
    # Blocks may overlap by their slack: keep each sentence in its best link only.
    links.sort(key=lambda l: -l.similarity)
    taken_src, taken_tgt, kept = set(), set(), []
    for link in links:
        if taken_src.isdisjoint(link.src) and taken_tgt.isdisjoint(link.tgt):
            kept.append(link)
            taken_src.update(link.src)
            taken_tgt.update(link.tgt)
    return sorted(kept, key=lambda l: (l.src, l.tgt))


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


def relation_of(matched: int, src_count: int, tgt_count: int) -> str:
    """How two sides relate, from how many of their passages found a partner."""
    if matched == 0:
        return "unrelated"
    if matched / max(src_count, tgt_count) >= 0.5:
        return "translation"
    if matched / min(src_count, tgt_count) >= 0.3:
        return "partial"
    return "comparable"


def _pools(sides: list[Side], level: str) -> dict[str, np.ndarray]:
    parts: dict[str, list] = {}
    for side in sides:
        vectors = side.passage_vectors if level == "passage" else side.sentence_vectors
        if len(vectors):
            parts.setdefault(side.lang, []).append(vectors)
    return {lang: np.concatenate(p) for lang, p in parts.items()}


def align_corpus(sides: list[Side], settings, language_rank) -> tuple[list[dict], list[dict]]:
    """Every pair of sides in different languages: passage matches and sentence links.

    Returns (links, side_pairs). A link is a dict with level, the two sides, the source and
    target record lists, similarity and margin; the caller turns it into an output row.
    Neighbourhoods for the margin are taken over the whole corpus in the other language,
    so a passage that resembles everything in that language scores low everywhere.
    """
    pools = {"passage": _pools(sides, "passage"), "sentence": _pools(sides, "sentence")}
    means: dict[tuple[str, int, str], np.ndarray] = {}

    def neighbourhood(level: str, index: int, other_lang: str) -> np.ndarray:
        if (level, index, other_lang) not in means:
            side = sides[index]
            vectors = side.passage_vectors if level == "passage" else side.sentence_vectors
            pool = pools[level].get(other_lang, np.zeros((0, vectors.shape[1]), np.float32))
            means[(level, index, other_lang)] = neighbourhood_mean(vectors, pool, settings.k, settings.faiss_above)
        return means[(level, index, other_lang)]

    links, side_pairs = [], []
    for a, src in enumerate(sides):
        for b, tgt in enumerate(sides):
            if src.lang == tgt.lang or language_rank(src.lang) >= language_rank(tgt.lang):
                continue
            matches = mine_passages(src.passage_vectors, tgt.passage_vectors,
                                    neighbourhood("passage", a, tgt.lang), neighbourhood("passage", b, src.lang),
                                    settings.passage_margin, settings.passage_similarity)
            src_mean, tgt_mean = neighbourhood("sentence", a, tgt.lang), neighbourhood("sentence", b, src.lang)
            sentence_links = align_sentence_sequences(src.sentence_vectors, tgt.sentence_vectors,
                                                      src_mean, tgt_mean, settings)
            side_pairs.append({"src": src, "tgt": tgt, "matched": len(matches),
                               "sentence_links": len(sentence_links)})
            for match in matches:
                links.append({"level": "passage", "method": "margin-mutual-best", "src_side": src,
                              "tgt_side": tgt, "src": [src.passages[match.src]], "tgt": [tgt.passages[match.tgt]],
                              "similarity": match.similarity, "margin": match.margin})
            for link in sentence_links:
                links.append({"level": "sentence", "method": f"dp-{len(link.src)}-{len(link.tgt)}",
                              "src_side": src, "tgt_side": tgt,
                              "src": [src.sentences[i] for i in link.src],
                              "tgt": [tgt.sentences[j] for j in link.tgt],
                              "similarity": link.similarity, "margin": link_margin(link, src_mean, tgt_mean)})
    return links, side_pairs
