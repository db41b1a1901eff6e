"""The stage drivers: they read the previous stage's files, call the stage's pure functions
and write the stage's own files. Everything that touches the disk lives here.

Each per-document stage writes build/<stage>/<doc_id>.parquet. A file carries in its
metadata a key: the hash of its input's key, the settings the stage uses and the source of
the stage's code. A document whose expected key matches its file is left alone, so touching
one document re-runs only that document, and changing a setting re-runs only the stages that
read it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from pipeline import output
from pipeline.config import Config
from pipeline.corpus import CorpusFile, file_sha256, list_corpus
from pipeline.records import Passage, Sentence, from_rows, passages_from_blocks, to_rows
from pipeline.storage import read_metadata, read_rows, remove_stale_temp_files, write_rows

PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass
class Workspace:
    corpus: Path
    build: Path
    aligned: Path
    config: Config
    config_path: Path
    cache: Path = Path("cache")

    def output(self, stage: str, doc_id: str) -> Path:
        return self.build / stage / f"{doc_id}.parquet"


@dataclass
class Problem:
    doc_id: str
    path: str
    stage: str
    severity: str  # error: the document stopped here; warning: it went on
    message: str


def _digest(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def code_hash(modules: tuple[str, ...]) -> str:
    """Hash of the source files a stage runs, so a code change re-runs the stage."""
    sources = []
    for module in modules:
        target = PACKAGE_DIR / module
        paths = sorted(target.rglob("*.py")) if target.is_dir() else [target.with_suffix(".py")]
        sources += [p.read_text(encoding="utf-8") for p in paths]
    return _digest(*sources)


class DocumentStage:
    """One step applied to each document on its own (datatrove-style: one record flows)."""

    name: str
    previous: str | None = None
    modules: tuple[str, ...] = ()

    def settings(self, config: Config) -> dict:
        return {}

    def process(self, doc: CorpusFile, rows: list[dict], ws: Workspace) -> tuple[list[dict], dict]:
        """Rows of the previous stage in, rows of this stage and extra metadata out."""
        raise NotImplementedError

    def key(self, doc: CorpusFile, ws: Workspace) -> str | None:
        if self.previous is None:
            upstream = file_sha256(doc.path)
        else:
            previous = ws.output(self.previous, doc.doc_id)
            if not previous.exists():
                return None  # the document stopped at an earlier stage
            upstream = read_metadata(previous).get("key", "")
        settings = json.dumps(self.settings(ws.config), sort_keys=True, ensure_ascii=False)
        return _digest(self.name, upstream, settings, code_hash(self.modules))


class Extract(DocumentStage):
    name = "extract"
    modules = ("extract", "extractors", "records")

    def settings(self, config):
        return config.extract.model_dump(exclude={"workers"})  # how many processes changes no row

    def __init__(self):
        # doc_id -> futures of the PageScans of a large PDF whose page ranges were scanned
        # in parallel (see _page_ranges); layout analysis then runs here on all its pages.
        self.page_scans: dict[str, list] = {}

    def process(self, doc, rows, ws):
        from pipeline.extract import extract_file
        from pipeline.extractors.pdf import extraction_from_scans

        if doc.doc_id in self.page_scans:
            scans = [future.result() for future in self.page_scans.pop(doc.doc_id)]
            extraction = extraction_from_scans(doc.path, ws.config.extract, scans)
        else:
            extraction = extract_file(doc.path, ws.config.extract)
        passages = passages_from_blocks(doc.doc_id, extraction.blocks)
        meta = {"format": extraction.format, "page_count": extraction.page_count,
                "notes": json.dumps(extraction.notes, ensure_ascii=False)}
        return to_rows(passages), meta


class Normalize(DocumentStage):
    name, previous, modules = "normalize", "extract", ("normalize",)

    def process(self, doc, rows, ws):
        from pipeline.normalize import normalize_passages

        return to_rows(normalize_passages(from_rows(Passage, rows))), {}


class Detect(DocumentStage):
    name, previous, modules = "detect", "normalize", ("detect",)

    def settings(self, config):
        return {"detect": config.detect.model_dump(), "languages": config.languages}

    def process(self, doc, rows, ws):
        from pipeline.detect import detect_passages

        return to_rows(detect_passages(from_rows(Passage, rows), ws.config.detect)), {}


class Segment(DocumentStage):
    name, previous, modules = "segment", "detect", ("segment", "normalize")

    def process(self, doc, rows, ws):
        from pipeline.segment import segment_passages

        return to_rows(segment_passages(from_rows(Passage, rows))), {}


class Embed(DocumentStage):
    name, previous, modules = "embed", "segment", ("embed",)

    def __init__(self):
        self._embedder = None

    def settings(self, config):
        return {"model": config.model.model_dump(), "skip_kinds": config.align.skip_kinds}

    def process(self, doc, rows, ws):
        from pipeline.embed import Embedder, units_to_embed

        if self._embedder is None:
            self._embedder = Embedder(ws.config.model, ws.cache)
        passages = from_rows(Passage, read_rows(ws.output("detect", doc.doc_id)))
        sentences = from_rows(Sentence, rows)
        units = units_to_embed(passages, sentences, ws.config.align.skip_kinds)
        vectors = self._embedder.embed(units)
        out = [{"id": u.id, "level": u.level, "vector": v.tolist()} for u, v in zip(units, vectors)]
        return out, {"model": ws.config.model.name, "dim": str(vectors.shape[1] if len(units) else 0)}


DOCUMENT_STAGES = {s.name: s for s in (Extract, Normalize, Detect, Segment, Embed)}


def _run_one(stage: DocumentStage, doc: CorpusFile, ws: Workspace, key: str):
    """Process one document; returns a Problem instead of raising, so the corpus goes on."""
    from pipeline.extract import ExtractionError

    out = ws.output(stage.name, doc.doc_id)
    try:
        rows = [] if stage.previous is None else read_rows(ws.output(stage.previous, doc.doc_id))
        out_rows, meta = stage.process(doc, rows, ws)
    except ExtractionError as err:
        out.unlink(missing_ok=True)  # an output of the file's older version is not its result
        # Messages name files as the user sees them in the corpus folder.
        return Problem(doc.doc_id, doc.relpath, stage.name, "error", str(err).replace(str(doc.path), doc.relpath))
    except Exception as err:  # a bug or an input we did not foresee: report it, go on
        out.unlink(missing_ok=True)
        detail = traceback.format_exception_only(type(err), err)[-1].strip()
        return Problem(doc.doc_id, doc.relpath, stage.name, "error",
                       f"{doc.relpath}: {stage.name} failed: {detail}")
    meta = {**meta, "key": key, "doc_id": doc.doc_id, "path": doc.relpath,
            "config_hash": ws.config.hash}
    write_rows(out_rows, ws.output(stage.name, doc.doc_id), metadata=meta)
    return None


def _run_one_in_worker(stage_name: str, doc: CorpusFile, ws: Workspace, key: str):
    return _run_one(DOCUMENT_STAGES[stage_name](), doc, ws, key)


def _result_of(job, doc: CorpusFile, stage_name: str):
    """A worker's Problem or None; a worker that died (a crash in a PDF library, memory
    exhausted) becomes an error for its document instead of ending the run."""
    try:
        return job.result()
    except Exception as err:
        detail = traceback.format_exception_only(type(err), err)[-1].strip()
        return Problem(doc.doc_id, doc.relpath, stage_name, "error",
                       f"{doc.relpath}: {stage_name} worker died: {detail}; "
                       "if this repeats, run with extract.workers: 1 to see the failing file alone")


# A PDF of at least twice this many pages is scanned as page ranges of this size in parallel
# (measured in docs/benchmarks.md): one large PDF then keeps every core busy, where one task
# per document would leave all but one idle.
PAGES_PER_TASK = 8


def _page_ranges(doc: CorpusFile) -> list[tuple[int, int | None]]:
    """Page ranges to scan in parallel, or [] to extract the document as one task."""
    import pypdfium2

    from pipeline.extract import sniff_format

    if doc.path.suffix.lower() != ".pdf":
        return []
    try:
        with doc.path.open("rb") as handle:
            if sniff_format(handle.read(4096)) != "pdf":
                return []
        document = pypdfium2.PdfDocument(str(doc.path))
        pages = len(document)
        document.close()
    except (OSError, pypdfium2.PdfiumError):
        return []  # the whole-document task reports what is wrong with the file
    if pages < 2 * PAGES_PER_TASK:
        return []
    starts = list(range(0, pages, PAGES_PER_TASK))
    # the last range runs to the end, whatever pdfplumber counts there
    return [(a, b) for a, b in zip(starts, starts[1:])] + [(starts[-1], None)]


# Stages that run as tasks on a cluster with engine: dask. Embedding stays in the driver: its
# model is loaded once and torch already spreads each batch over the machine's cores.
ENGINE_STAGES = ("extract", "normalize", "detect", "segment")


_started_clients: list = []  # the local cluster this process started, kept for later stages


@contextmanager
def _dask_client():
    """The Dask client of this process if there is one (a test's LocalCluster), a scheduler
    named by DASK_SCHEDULER_ADDRESS, or else a local cluster of one process per core, started
    once and reused by the following stages (start-up takes seconds)."""
    import atexit

    import dask
    from distributed import Client, get_client

    try:
        yield get_client()
        return
    except ValueError:
        pass
    if dask.config.get("scheduler-address", None):
        client = Client()
    else:
        client = Client(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
                        dashboard_address=None)
        _started_clients.append(client)
        atexit.register(_close_started_clients)
    try:
        yield client
    finally:
        if client not in _started_clients:
            client.close()


def _close_started_clients():
    while _started_clients:
        client = _started_clients.pop()
        client.close()
        if client.cluster is not None:
            client.cluster.close()


def extract_workers(config) -> int:
    return config.extract.workers or os.cpu_count() or 1


@contextmanager
def _executor(stage_name: str, ws: Workspace, tasks: int):
    """submit(fn, *args) -> future, on the engine the config names; None to run in-process."""
    if ws.config.engine == "dask" and stage_name in ENGINE_STAGES:
        with _dask_client() as client:
            yield lambda fn, *args: client.submit(fn, *args, pure=False)
    elif stage_name == "extract" and min(extract_workers(ws.config), tasks) > 1:
        # Workers are forked from this process: modules imported here (pdfplumber, the
        # extractors: most of a second) are not imported again in each of them.
        import pipeline.extract  # noqa: F401
        import pipeline.extractors.pdf  # noqa: F401

        with ProcessPoolExecutor(min(extract_workers(ws.config), tasks)) as pool:
            yield pool.submit
    else:
        yield None


def run_document_stage(stage_name: str, ws: Workspace) -> list[Problem]:
    stage = DOCUMENT_STAGES[stage_name]()
    files, skipped = list_corpus(ws.corpus)
    problems = [Problem("", rel, stage_name, "warning", f"{rel}: {why}") for rel, why in skipped] \
        if stage.previous is None else []
    remove_stale_temp_files(ws.build / stage_name)
    todo, done = [], 0
    for doc in files:
        key = stage.key(doc, ws)
        out = ws.output(stage.name, doc.doc_id)
        if key is None:
            # Stopped at an earlier stage this time: an output left from a run when it got
            # further would let it pass as processed.
            out.unlink(missing_ok=True)
            continue
        if out.exists() and read_metadata(out).get("key") == key:
            done += 1
        else:
            todo.append((doc, key))

    bar = tqdm(total=len(todo), desc=f"{stage_name:<9}", unit="doc", file=sys.stderr,
               disable=not todo)
    splits = {doc.doc_id: _page_ranges(doc) for doc, _ in todo} if stage_name == "extract" else {}
    tasks = sum(len(splits.get(doc.doc_id) or [None]) for doc, _ in todo)
    with _executor(stage_name, ws, tasks) as submit:
        if submit is None:
            for doc, key in todo:
                bar.set_postfix_str(doc.relpath[-30:])
                problem = _run_one(stage, doc, ws, key)
                problems += [problem] if problem else []
                bar.update()
        else:
            from pipeline.extractors.pdf import scan_pages

            jobs = {}
            for doc, key in todo:
                if splits.get(doc.doc_id):
                    stage.page_scans[doc.doc_id] = [submit(scan_pages, doc.path, ws.config.extract, a, b)
                                                    for a, b in splits[doc.doc_id]]
                else:
                    jobs[doc.doc_id] = submit(_run_one_in_worker, stage_name, doc, ws, key)
            # Results in corpus order; a split PDF's layout runs here once its ranges are in.
            for doc, key in todo:
                problem = _result_of(jobs[doc.doc_id], doc, stage_name) if doc.doc_id in jobs \
                    else _run_one(stage, doc, ws, key)
                problems += [problem] if problem else []
                bar.update()
    bar.close()

    _remove_outputs_of_missing_documents(stage_name, files, ws)
    problems += _warnings_recorded_in_outputs(stage_name, files, ws)
    for problem in problems:
        warning = "warning: " if problem.severity == "warning" else ""
        print(f"hamta {stage_name}: {warning}{problem.message}", file=sys.stderr)
    write_rows([vars(p) for p in problems], ws.build / "problems" / f"{stage_name}.parquet",
               schema=output.PROBLEMS)
    fresh = len(todo) - sum(p.severity == "error" for p in problems)
    print(f"hamta {stage_name}: {fresh} document(s) processed, {done} up to date, "
          f"{sum(p.severity == 'error' for p in problems)} failed", file=sys.stderr)
    return problems


def _remove_outputs_of_missing_documents(stage_name: str, files: list[CorpusFile], ws: Workspace):
    present = {f.doc_id for f in files}
    folder = ws.build / stage_name
    for path in folder.glob("*.parquet") if folder.exists() else []:
        if path.stem not in present:
            path.unlink()


def _warnings_recorded_in_outputs(stage_name, files, ws) -> list[Problem]:
    if stage_name != "extract":
        return []
    found = []
    for doc in files:
        out = ws.output("extract", doc.doc_id)
        if out.exists():
            for note in json.loads(read_metadata(out).get("notes", "[]")):
                found.append(Problem(doc.doc_id, doc.relpath, "extract", "warning", f"{doc.relpath}: {note}"))
    return found




def successful_documents(ws: Workspace, stage: str) -> list[CorpusFile]:
    files, _ = list_corpus(ws.corpus)
    return [f for f in files if ws.output(stage, f.doc_id).exists()]


def workspace_env_check() -> None:
    # Weights are never fetched at run time: fail fast and clearly instead of hanging on a hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


# --- The corpus-wide stage: align, and publish aligned/*.parquet -----------------------

def _pair_id(level: str, src_ids: list[str], tgt_ids: list[str]) -> str:
    return hashlib.sha1(f"{level}|{','.join(src_ids)}|{','.join(tgt_ids)}".encode()).hexdigest()[:16]


def _alignment_row(link: dict, ws: Workspace) -> dict:
    config = ws.config
    weights = config.align.confidence
    from pipeline.align import confidence, sentence_confidence

    row = {"level": link["level"], "method": link["method"]}
    for side in ("src", "tgt"):
        records = link[side]
        ids = [getattr(r, "sentence_id", None) or r.passage_id for r in records]
        row.update({
            f"{side}_doc_id": records[0].doc_id, f"{side}_lang": link[f"{side}_side"].lang,
            f"{side}_ids": ids, f"{side}_passage_id": records[0].passage_id,
            f"{side}_text": " ".join(r.text for r in records),
            f"{side}_normalized": " ".join(r.normalized for r in records),
            f"{side}_page": records[0].page,
            f"{side}_char_start": records[0].char_start, f"{side}_char_end": records[-1].char_end,
        })
    row["pair_id"] = _pair_id(row["level"], row["src_ids"], row["tgt_ids"])
    row.update({
        "similarity": round(link["similarity"], 6), "margin": round(link["margin"], 6),
        "confidence": round(sentence_confidence(link["score"], weights) if "score" in link else
                            confidence(link["margin"], link["similarity"], weights.bias,
                                       weights.w_margin, weights.w_similarity), 6),
        "model": config.model.name, "config_hash": config.hash,
    })
    return row


def run_align(ws: Workspace) -> list[Problem]:
    """Read every document's stage files, align across languages, write aligned/*.parquet."""
    import numpy as np

    from pipeline.align import align_corpus, build_sides
    from pipeline.detect import document_language, document_languages

    files, _ = list_corpus(ws.corpus)
    passages, sentences, vectors, documents = [], [], {}, []
    problems = []
    for stage in DOCUMENT_STAGES:
        path = ws.build / "problems" / f"{stage}.parquet"
        problems += [Problem(**row) for row in read_rows(path)] if path.exists() else []
    failed = {p.doc_id: p.message for p in problems if p.severity == "error"}

    for doc in tqdm(files, desc="align    ", unit="doc", file=sys.stderr, disable=not files):
        extracted = ws.output("extract", doc.doc_id)
        doc_passages = from_rows(Passage, read_rows(ws.output("detect", doc.doc_id))) \
            if ws.output("embed", doc.doc_id).exists() else []
        doc_sentences = from_rows(Sentence, read_rows(ws.output("segment", doc.doc_id))) if doc_passages else []
        meta = read_metadata(extracted) if extracted.exists() else {}
        if doc_passages:
            for row in read_rows(ws.output("embed", doc.doc_id)):
                vectors[row["id"]] = np.asarray(row["vector"], dtype=np.float32)
        passages += doc_passages
        sentences += doc_sentences
        documents.append({
            "doc_id": doc.doc_id, "path": doc.relpath, "format": meta.get("format"),
            "sha256": file_sha256(doc.path), "page_count": int(meta.get("page_count", 0) or 0),
            "lang": document_language(doc_passages) if doc_passages else None,
            "langs": document_languages(doc_passages) if doc_passages else [],
            "passage_count": len(doc_passages), "sentence_count": len(doc_sentences),
            "char_count": sum(len(p.text) for p in doc_passages),
            "status": "ok" if doc_passages else "failed",
            "problem": failed.get(doc.doc_id),
        })
        for lang in sorted({p.lang for p in doc_passages} - set(ws.config.languages)):
            count = sum(p.lang == lang for p in doc_passages)
            what = (f"{count} passage(s) with no text in a language (only numbers, symbols or too "
                    f"few letters) are" if lang == "und" else f"{count} passage(s) in language '{lang}' are")
            message = (f"{doc.relpath}: {what} kept but not aligned "
                       f"(configured languages: {', '.join(ws.config.languages)})")
            problems.append(Problem(doc.doc_id, doc.relpath, "align", "warning", message))
    for problem in problems:
        if problem.stage == "align":  # after the loop, so no progress bar cuts into the line
            print(f"hamta align: warning: {problem.message}", file=sys.stderr)

    sides = build_sides(passages, sentences, vectors, ws.config.languages, ws.config.align.skip_kinds)
    links, side_pairs = align_corpus(sides, ws.config.align, ws.config.language_rank)
    path_of = {d["doc_id"]: d["path"] for d in documents}
    for pair in side_pairs:  # the same text twice in a corpus is worth a look (issue 12)
        if pair["relation"] == "duplicate":
            src, tgt = pair["src"], pair["tgt"]
            message = (f"{path_of[src.doc_id]} and {path_of[tgt.doc_id]}: the same {src.lang} text "
                       f"({pair['share']:.0%} of sentences shared); both are aligned, and the text counts "
                       f"once in margins")
            problems.append(Problem(src.doc_id, path_of[src.doc_id], "align", "warning", message))
            print(f"hamta align: warning: {message}", file=sys.stderr)
    alignments = sorted((_alignment_row(link, ws) for link in links),
                        key=lambda r: (r["level"], r["src_doc_id"], r["tgt_doc_id"], r["src_lang"],
                                       r["tgt_lang"], r["src_char_start"], r["tgt_char_start"]))
    # Translators' decisions live in aligned/reviews.sqlite and outlive this rewrite.
    from pipeline.review.store import REVIEWS_FILE, read_decisions, review_statuses
    for row, status in zip(alignments, review_statuses(alignments, read_decisions(ws.aligned / REVIEWS_FILE))):
        row["review_status"] = status
    pairs = []
    for pair in side_pairs:
        src, tgt, matched = pair["src"], pair["tgt"], pair["matched"]
        if not matched:
            continue
        pairs.append({
            "src_doc_id": src.doc_id, "tgt_doc_id": tgt.doc_id, "src_lang": src.lang, "tgt_lang": tgt.lang,
            "relation": pair["relation"],
            "score": round(2 * matched / (len(src.passages) + len(tgt.passages)), 6),
            "matched_passages": matched, "src_passages": len(src.passages), "tgt_passages": len(tgt.passages),
            "model": ws.config.model.name, "config_hash": ws.config.hash,
        })
    pairs.sort(key=lambda r: (-r["score"], r["src_doc_id"], r["tgt_doc_id"], r["src_lang"], r["tgt_lang"]))

    meta = {"config_hash": ws.config.hash, "model": ws.config.model.name}
    tables = {
        "documents": documents, "document_pairs": pairs, "alignments": alignments,
        "passages": [{k: v for k, v in vars(p).items()} for p in passages],
        "sentences": [{k: v for k, v in vars(s).items()} for s in sentences],
        "problems": [vars(p) for p in problems],
    }
    remove_stale_temp_files(ws.aligned)
    # alignments.parquet is make's target, so it is written last: a run killed before it
    # leaves the target stale and make re-runs align, never trusting half-updated tables.
    for name in sorted(tables, key=lambda name: name == "alignments"):
        write_rows(tables[name], ws.aligned / f"{name}.parquet", schema=output.TABLES[name], metadata=meta)
    levels = {lvl: sum(r["level"] == lvl for r in alignments) for lvl in ("passage", "sentence")}
    print(f"hamta align: {len(pairs)} document pair(s), {levels['passage']} passage and "
          f"{levels['sentence']} sentence alignments -> {ws.aligned}/alignments.parquet", file=sys.stderr)
    return problems
