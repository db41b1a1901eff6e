"""The aligner's core on vectors with known structure (no model needed)."""

import numpy as np
from pipeline.align import mine_passages, mutual_best, neighbourhood_mean, ratio_margin


def _unit(rows):
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _meanings(count, dim=64, seed=0):
    return _unit(np.random.default_rng(seed).normal(size=(count, dim)))


def _noisy(vectors, scale=0.05, seed=1):
    return _unit(vectors + np.random.default_rng(seed).normal(scale=scale, size=vectors.shape))


def test_margin_demotes_a_hub():
    # Eight source passages (basis vectors); each has a weak translation (cosine 0.3), and
    # one target "hub" sits at cosine 0.35 to every source passage.
    n = 8
    src = np.eye(2 * n, dtype=np.float32)[:n]
    tgt = np.zeros((n + 1, 2 * n), np.float32)
    for i in range(n):
        tgt[i, i], tgt[i, n + i] = 0.3, np.sqrt(1 - 0.3**2)
    tgt[n, :n] = 1 / np.sqrt(n)
    similarity = src @ tgt.T
    assert similarity.argmax(axis=1).tolist() == [n] * n  # raw cosine: the hub wins everywhere
    src_mean, tgt_mean = neighbourhood_mean(src, tgt, k=3), neighbourhood_mean(tgt, src, k=3)
    assert ratio_margin(similarity, src_mean, tgt_mean).argmax(axis=1).tolist() == list(range(n))
    matches = mine_passages(src, tgt, src_mean, tgt_mean, min_margin=1.5, min_similarity=0.2)
    assert [(m.src, m.tgt) for m in matches] == [(i, i) for i in range(n)]


def test_mutual_best_drops_one_sided_matches():
    score = np.array([[0.9, 0.1], [0.8, 0.2]])
    assert mutual_best(score) == [(0, 0)]


def test_faiss_and_numpy_neighbourhoods_agree():
    queries, pool = _meanings(20, seed=11), _meanings(300, seed=12)
    exact = neighbourhood_mean(queries, pool, k=4, faiss_above=10_000)
    approximate = neighbourhood_mean(queries, pool, k=4, faiss_above=10)
    assert np.allclose(exact, approximate, atol=1e-5)


def test_headings_are_no_evidence_that_two_documents_are_related():
    from pipeline.align import PassageMatch, Side, side_relation
    from pipeline.records import Block, passages_from_blocks

    def side(doc_id, kinds):
        passages = passages_from_blocks(doc_id, [Block(page=1, kind=k, text=f"{k} {i}") for i, k in enumerate(kinds)])
        return Side(doc_id, "en", passages, np.zeros((len(kinds), 4), np.float32), [], np.zeros((0, 4), np.float32))

    src = side("a", ["title", "heading", "paragraph", "heading", "paragraph", "paragraph"])
    tgt = side("b", ["title", "heading", "paragraph", "heading", "paragraph"])
    headings_only = [PassageMatch(0, 0, 0.9, 1.05), PassageMatch(1, 1, 0.9, 1.04), PassageMatch(3, 3, 0.9, 1.04)]
    assert side_relation(headings_only, src, tgt) == "unrelated"
    with_body = headings_only + [PassageMatch(2, 2, 0.9, 1.1), PassageMatch(4, 4, 0.9, 1.1)]
    assert side_relation(with_body, src, tgt) == "translation"


def test_passages_whose_sentences_link_one_by_one_are_paired_when_mining_missed_them():
    from pipeline.align import PassageMatch, SentenceLink, Side, passages_of_sentence_links
    from pipeline.records import Block, Sentence, passages_from_blocks

    def side(doc_id, sentence_counts):
        passages = passages_from_blocks(doc_id, [Block(page=1, kind="paragraph", text=f"passage {i}")
                                                 for i in range(len(sentence_counts))])
        sentences = [Sentence(doc_id, f"{p.passage_id}:s{k}", p.passage_id, k, 1, "paragraph", "en", "s", "s", "s", 0, 1)
                     for p, count in zip(passages, sentence_counts) for k in range(count)]
        empty = np.zeros((len(passages), 4), np.float32)
        return Side(doc_id, "en", passages, empty, sentences, np.zeros((len(sentences), 4), np.float32))

    src, tgt = side("a", [2, 3, 1]), side("b", [2, 4, 1])  # sentences 0-1 | 2-4 | 5 and 0-1 | 2-5 | 6
    links = [SentenceLink((0,), (0,), .9), SentenceLink((1,), (1,), .9),  # passages 0-0: mined already
             SentenceLink((2,), (2,), .9), SentenceLink((3, 4), (4,), .9),  # passages 1-1: 3 of 3 sentences
             SentenceLink((5,), (6,), .9)]  # passages 2-2: one link is not enough
    assert passages_of_sentence_links(links, src, tgt, [PassageMatch(0, 0, .9, 1.1)]) == [(1, 1)]
    assert passages_of_sentence_links(links[2:3], src, tgt, []) == []


# --- duplicates and margins that other documents do not move (issue 12, issue 14 point 5) ---

def _side(doc_id, lang, meaning, texts, seed, sentences_per_passage=3):
    """A side whose passages hold consecutive sentences with the given meanings and texts."""
    from pipeline.align import Side
    from pipeline.records import Block, Sentence, passages_from_blocks

    count = len(meaning)
    groups = [list(range(k, min(k + sentences_per_passage, count))) for k in range(0, count, sentences_per_passage)]
    passages = passages_from_blocks(doc_id, [Block(page=1, kind="paragraph", text=" ".join(texts[i] for i in g))
                                             for g in groups])
    for passage in passages:
        passage.pivot, passage.lang = passage.text, lang
    sentences = [Sentence(doc_id, f"{p.passage_id}:s{k}", p.passage_id, k, 1, "paragraph", lang, texts[i], texts[i],
                          texts[i], 0, 1) for p, g in zip(passages, groups) for k, i in enumerate(g)]
    vectors = _noisy(meaning, seed=seed)
    passage_vectors = _unit([vectors[g].sum(axis=0) for g in groups])
    return Side(doc_id, lang, passages, passage_vectors, sentences, vectors)


def _corpus(copies_of_target: int, unrelated: bool = False):
    meaning = _meanings(12, seed=80)
    src = _side("en-doc", "en", meaning, [f"english sentence number {i}" for i in range(12)], seed=81)
    targets = [_side(f"fa-copy{c}", "fa", meaning, [f"persian sentence number {i}" for i in range(12)], seed=82)
               for c in range(copies_of_target)]
    others = [_side("fa-other", "fa", _meanings(12, seed=90), [f"another text {i}" for i in range(12)], seed=91)] \
        if unrelated else []
    return [src] + targets + others


def _rows(sides):
    from pipeline.align import align_corpus
    from pipeline.config import Config

    config = Config()
    links, side_pairs = align_corpus(sides, config.align, config.language_rank)
    return links, side_pairs


def test_copies_of_a_document_are_reported_and_each_still_pairs_with_its_translation():
    one_links, _ = _rows(_corpus(1))
    links, side_pairs = _rows(_corpus(4))
    duplicates = [p for p in side_pairs if p["relation"] == "duplicate"]
    assert len(duplicates) == 6 and all(p["src"].lang == p["tgt"].lang == "fa" for p in duplicates)
    single = {(l["level"], tuple(r.passage_id.split(":")[1] for r in l["src"]),
               tuple(r.passage_id.split(":")[1] for r in l["tgt"])): l["margin"] for l in one_links}
    assert single, "the translation pairs at all"
    for copy in range(4):
        found = {(l["level"], tuple(r.passage_id.split(":")[1] for r in l["src"]),
                  tuple(r.passage_id.split(":")[1] for r in l["tgt"])): l["margin"]
                 for l in links if l["tgt_side"].doc_id == f"fa-copy{copy}"}
        # Each copy pairs as the single document did, with the same margins: copies count once.
        assert found.keys() == single.keys()
        assert all(abs(found[key] - single[key]) < 1e-6 for key in single)


def test_an_unrelated_document_moves_no_sentence_margin():
    before, _ = _rows(_corpus(1))
    after, _ = _rows(_corpus(1, unrelated=True))
    margins = {l["pair"] if "pair" in l else (tuple(r.sentence_id for r in l["src"]),
                                                tuple(r.sentence_id for r in l["tgt"])): l["margin"]
               for l in before if l["level"] == "sentence"}
    again = {(tuple(r.sentence_id for r in l["src"]), tuple(r.sentence_id for r in l["tgt"])): l["margin"]
             for l in after if l["level"] == "sentence" and l["tgt_side"].doc_id == "fa-copy0"}
    assert margins and again == margins


def test_duplicate_sides_need_most_of_the_shorter_side_in_common():
    from pipeline.align import duplicate_sides

    meaning = _meanings(10, seed=95)
    texts = [f"the same sentence number {i}" for i in range(10)]
    edited = texts[:8] + ["an edited sentence here", "another edited one"]
    sides = [_side("a", "en", meaning, texts, 1), _side("b", "en", meaning, edited, 2),
             _side("c", "en", meaning, texts[:5] + [f"other text {i}" for i in range(5)], 3),
             _side("d", "fa", meaning, texts, 4)]
    assert duplicate_sides(sides) == [(0, 1, 0.8)]
