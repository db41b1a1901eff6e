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
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from pipeline import output
from pipeline.config import Config
from pipeline.corpus import SUPPORTED_SUFFIXES, CorpusFile, display_name, file_sha256, list_corpus
from pipeline.records import Passage, Sentence, from_rows, passages_from_blocks, to_rows
from pipeline.storage import (FolderNotWritable, publish_tables, read_metadata, read_rows,
                              remove_stale_temp_files, write_json, write_rows, write_text)

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

    def failure(self, stage: str, doc_id: str) -> Path:
        """Where a document's failure is kept when it lies in the file itself (see _run_one)."""
        return self.build / stage / f"{doc_id}.failed.json"

    def stamp(self, stage: str) -> Path:
        """The file Make's stage target names; written only when the stage has nothing to retry."""
        return self.build / ".stamps" / stage


@dataclass
class Problem:
    doc_id: str
    path: str
    stage: str
    severity: str  # error: the document stopped here; warning: it went on
    message: str
    # A failure that may go away by itself (a full disk, a crash): the next run retries it.
    # Not a column of problems.parquet.
    retry: bool = False

    def row(self) -> dict:
        return {name: getattr(self, name) for name in output.PROBLEMS.names}


class StageFailed(Exception):
    """The stage cannot go on for any document (a full disk, a missing model): one message,
    saying what to do, instead of the same failure once per document."""


def one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def folder_message(err: FolderNotWritable, folder: Path, what: str) -> str:
    """What to say when a folder cannot be written to, and what to do about it."""
    if err.full:
        remedy = f"free some space there (or point {what}= at another disk)"
    else:
        remedy = f"make it writable (or point {what}= at a writable folder)"
    return (f"cannot write to {folder}/ ({err.reason}): {remedy} and run `make all` again; "
            "the work already done is kept and will not be redone")


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

    def check(self, ws: Workspace) -> None:
        """Checks that hold for the whole run, made once before the first document."""

    def prepare(self, todo: list[tuple[CorpusFile, str]], ws: Workspace, map_tasks=None) -> None:
        """Work shared by the documents to do, before process() runs on each (see Embed)."""

    def finish(self) -> None:
        """After the last document."""

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
    modules = ("extract", "errors", "extractors", "records")

    def settings(self, config):
        return config.extract.model_dump(exclude={"workers"})  # how many processes changes no row

    def __init__(self):
        # doc_id -> futures of the PageScans of a large PDF whose page ranges were scanned
        # in parallel (see _page_ranges); layout analysis then runs here on all its pages.
        self.page_scans: dict[str, list] = {}

    def process(self, doc, rows, ws):
        from pipeline import limits
        from pipeline.errors import ExtractionError
        from pipeline.extract import extract_file
        from pipeline.extractors.pdf import extraction_from_scans

        settings = ws.config.extract
        if doc.doc_id in self.page_scans:
            scans = [future.result() for future in self.page_scans.pop(doc.doc_id)]
            extraction = extraction_from_scans(doc.path, settings, scans)
        else:
            # Sizes known before extracting are checked first, so an oversized file is
            # refused in a moment instead of stalling the run.
            too_big = _size_problem(doc, settings)
            if too_big:
                raise ExtractionError(f"{doc.relpath}: {too_big}")
            extraction = extract_file(doc.path, settings)
        too_big = limits.text_problem(sum(len(b.text) for b in extraction.blocks),
                                      len(extraction.blocks), settings)
        if too_big:
            raise ExtractionError(f"{doc.relpath}: {too_big}")
        passages = passages_from_blocks(doc.doc_id, extraction.blocks)
        meta = {"format": extraction.format, "page_count": extraction.page_count,
                "notes": json.dumps(extraction.notes, ensure_ascii=False)}
        return to_rows(passages), meta


def _size_problem(doc: CorpusFile, settings) -> str | None:
    """A limit the file is beyond, known from the file without extracting it (pages of a
    PDF, bytes of a text or HTML file); None when within them or when it cannot be read
    (extraction then says what is wrong with it)."""
    from pipeline import limits
    from pipeline.extract import sniff_format

    pages = pdf_page_count(doc)
    if pages is not None:
        return limits.pages_problem(pages, settings)
    if doc.path.suffix.lower() == ".pdf":
        return None
    try:
        with doc.path.open("rb") as handle:
            kind = sniff_format(handle.read(4096))
        return limits.bytes_problem(doc.path.stat().st_size, kind, settings)
    except OSError:
        return None


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
    """Vectors per document, from texts embedded beforehand for all documents to do at once
    (prepare): one length-sorted stream of batches instead of one model call per document,
    each batch cached when done, and on a cluster the batches run as tasks on the workers."""

    name, previous, modules = "embed", "segment", ("embed", "onnx_model")

    def __init__(self):
        self._embedder = None

    def settings(self, config):
        from pipeline.embed import likely_backend

        # which backend can run here decides the vectors (slightly), as the model does
        return {"model": config.model.model_dump(), "skip_kinds": config.align.skip_kinds,
                "backend": likely_backend(config.model)}

    def check(self, ws):
        """A model that cannot be found is one message for the run, not one per document."""
        name = ws.config.model.name
        if Path(name).exists():
            return
        if name.startswith(("models/", "./", "../", "/", "~")) or not _in_hub_cache(name):
            raise StageFailed(
                f"embedding model '{name}' not found: run `make setup` to build the default model "
                f"(or set model.name in {ws.config_path} to a sentence-transformers folder; no model "
                "hub is contacted, HF_HUB_OFFLINE=1)")

    def embedder(self, ws):
        from pipeline.embed import Embedder

        if self._embedder is None:
            self._embedder = Embedder(ws.config.model, ws.cache)
        return self._embedder

    def _units(self, doc, rows, ws):
        from pipeline.embed import units_to_embed

        passages = from_rows(Passage, read_rows(ws.output("detect", doc.doc_id)))
        return units_to_embed(passages, from_rows(Sentence, rows), ws.config.align.skip_kinds)

    def prepare(self, todo, ws, map_tasks=None):
        if not todo:
            return
        embedder = self.embedder(ws)
        texts = []
        for doc, _ in todo:
            try:
                units = self._units(doc, read_rows(ws.output("segment", doc.doc_id)), ws)
            except Exception:  # noqa: BLE001 -- process() reports this document's problem
                continue
            texts += [text for group in embedder.pieces(units) for text in group]
        try:
            embedder.embed_missing(texts, map_tasks)
        except Exception as err:  # noqa: BLE001 -- each document is embedded on its own below
            detail = traceback.format_exception_only(type(err), err)[-1].strip()
            print(f"hamta embed: warning: embedding all documents at once failed ({detail}); "
                  "embedding them one by one", file=sys.stderr)

    def process(self, doc, rows, ws):
        units = self._units(doc, rows, ws)
        vectors = self.embedder(ws).embed(units)
        out = [{"id": u.id, "level": u.level, "vector": v.tolist()} for u, v in zip(units, vectors)]
        return out, {"model": ws.config.model.name, "backend": self.embedder(ws).backend.label,
                     "dim": str(vectors.shape[1] if len(units) else 0)}

    def finish(self):
        if self._embedder is not None:
            self._embedder.close()


DOCUMENT_STAGES = {s.name: s for s in (Extract, Normalize, Detect, Segment, Embed)}


def _in_hub_cache(name: str) -> bool:
    """Whether a hub model name was downloaded before (the only way it can load offline)."""
    try:
        from huggingface_hub import try_to_load_from_cache

        return isinstance(try_to_load_from_cache(name, "config.json"), str)
    except Exception:  # an invalid repo id, or huggingface_hub's own trouble
        return False


def _run_one(stage: DocumentStage, doc: CorpusFile, ws: Workspace, key: str):
    """Process one document; returns a Problem instead of raising, so the corpus goes on."""
    from pipeline.errors import ExtractionError

    out, failure = ws.output(stage.name, doc.doc_id), ws.failure(stage.name, doc.doc_id)
    try:
        rows = [] if stage.previous is None else read_rows(ws.output(stage.previous, doc.doc_id))
        out_rows, meta = stage.process(doc, rows, ws)
    except (FolderNotWritable, StageFailed):
        raise
    except ExtractionError as err:
        out.unlink(missing_ok=True)  # an output of the file's older version is not its result
        # Messages name files as the user sees them in the corpus folder.
        message = one_line(str(err).replace(str(doc.path), doc.relpath))
        # The file's content decides this failure, so it stands until the file, the settings
        # or the code change (its key): kept like an output, so `make all` is a no-op after
        # it. A file that could not be read at all is retried (permissions get fixed).
        if os.access(doc.path, os.R_OK):
            write_json({"key": key, "message": message}, failure)
            return Problem(doc.doc_id, doc.relpath, stage.name, "error", message)
        return Problem(doc.doc_id, doc.relpath, stage.name, "error", message, retry=True)
    except Exception as err:  # a bug, a crash or a full cache: report it, go on, retry next run
        out.unlink(missing_ok=True)
        detail = one_line(traceback.format_exception_only(type(err), err)[-1].strip())
        return Problem(doc.doc_id, doc.relpath, stage.name, "error",
                       f"{doc.relpath}: {stage.name} failed: {detail}; the next run retries it",
                       retry=True)
    meta = {**meta, "key": key, "doc_id": doc.doc_id, "path": doc.relpath,
            "config_hash": ws.config.hash}
    write_rows(out_rows, ws.output(stage.name, doc.doc_id), metadata=meta)
    failure.unlink(missing_ok=True)
    return None


def _run_one_in_worker(stage_name: str, doc: CorpusFile, ws: Workspace, key: str):
    return _run_one(DOCUMENT_STAGES[stage_name](), doc, ws, key)


def _result_of(job, doc: CorpusFile, stage_name: str):
    """A worker's Problem or None; a worker that died (a crash in a PDF library, memory
    exhausted) becomes an error for its document instead of ending the run."""
    try:
        return job.result()
    except (FolderNotWritable, StageFailed):
        raise
    except Exception as err:
        detail = one_line(traceback.format_exception_only(type(err), err)[-1].strip())
        return Problem(doc.doc_id, doc.relpath, stage_name, "error",
                       f"{doc.relpath}: {stage_name} worker died: {detail}; "
                       "if this repeats, run with extract.workers: 1 to see the failing file alone",
                       retry=True)


# A PDF of at least twice this many pages is scanned as page ranges of this size in parallel
# (measured in docs/benchmarks.md): one large PDF then keeps every core busy, where one task
# per document would leave all but one idle.
PAGES_PER_TASK = 8


def pdf_page_count(doc: CorpusFile) -> int | None:
    """Pages of a PDF, counted without extracting anything (pdfium reads the page tree
    only); None for a file that is not a readable PDF (its extraction says what is wrong)."""
    import pypdfium2

    from pipeline.extract import sniff_format

    if doc.path.suffix.lower() != ".pdf":
        return None
    try:
        with doc.path.open("rb") as handle:
            if sniff_format(handle.read(4096)) != "pdf":
                return None
        document = pypdfium2.PdfDocument(str(doc.path))
        pages = len(document)
        document.close()
    except (OSError, pypdfium2.PdfiumError):
        return None
    return pages


def _page_ranges(doc: CorpusFile, max_pages: int | None = None) -> list[tuple[int, int | None]]:
    """Page ranges to scan in parallel, or [] to extract the document as one task (then
    also when it has more pages than max_pages: the task refuses it at once)."""
    pages = pdf_page_count(doc)
    if pages is None or pages < 2 * PAGES_PER_TASK or (max_pages and pages > max_pages):
        return []
    starts = list(range(0, pages, PAGES_PER_TASK))
    # the last range runs to the end, whatever pdfplumber counts there
    return [(a, b) for a, b in zip(starts, starts[1:])] + [(starts[-1], None)]


# Stages whose documents run as tasks on a cluster with engine: dask. Embedding runs there as
# batches of texts (Embed.prepare, _cluster_map), each worker process loading the model once;
# writing each document's vectors from the cache then takes the driver milliseconds.
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


@contextmanager
def _cluster_map(ws: Workspace, wanted: bool = True):
    """map_tasks(fn, *fixed, items) -> results in order, each item a task on the cluster that
    engine: dask names; None with engine: local (or when not wanted)."""
    if ws.config.engine != "dask" or not wanted:
        yield None
        return
    with _dask_client() as client:
        def map_tasks(fn, *arguments):
            *fixed, items = arguments
            futures = [client.submit(fn, *fixed, item, pure=False) for item in items]
            for future in futures:
                yield future.result()
                future.release()

        yield map_tasks


@contextmanager
def _pair_map(ws: Workspace):
    """map-like runner of align_side_pair: the built-in map, or tasks with engine: dask."""
    if ws.config.engine != "dask":
        yield map
        return
    with _dask_client() as client:
        yield lambda fn, *iterables: client.gather(client.map(fn, *iterables, pure=False))


def run_document_stage(stage_name: str, ws: Workspace) -> list[Problem]:
    """Run one stage over the corpus; its problems, also written to build/problems/.

    Raises StageFailed when the stage cannot go on at all (a full or read-only build folder,
    a missing model, an empty corpus): the message says what to do, once. The stage's stamp
    (Make's target) is written only when no document is left to retry."""
    stage = DOCUMENT_STAGES[stage_name]()
    ws.stamp(stage_name).unlink(missing_ok=True)
    files, left_out = list_corpus(ws.corpus)
    problems = [Problem("", entry.relpath, stage_name, entry.severity, f"{entry.relpath}: {entry.reason}")
                for entry in left_out] if stage.previous is None else []
    if not files and stage.previous is None:
        _print_problems(stage_name, problems)
        what = ("holds no file Hamta reads" if left_out else "is empty")
        raise StageFailed(f"the corpus folder {display_name(str(ws.corpus))}/ {what}: put PDF, HTML or "
                          f"text files in it ({', '.join(sorted(SUPPORTED_SUFFIXES))}) or pass CORPUS=folder")
    try:
        found, summary = _run_documents(stage, files, ws)
        problems += found
        _remove_outputs_of_missing_documents(stage_name, files, ws)
        problems += _warnings_recorded_in_outputs(stage_name, files, ws)
        _print_problems(stage_name, problems)
        print(f"hamta {stage_name}: {summary}", file=sys.stderr)
        write_rows([p.row() for p in problems], ws.build / "problems" / f"{stage_name}.parquet",
                   schema=output.PROBLEMS)
        if not any(p.retry for p in problems):
            write_text("", ws.stamp(stage_name))
    except FolderNotWritable as err:
        raise StageFailed(folder_message(err, ws.build, "BUILD")) from None
    return problems


def _print_problems(stage_name: str, problems: list[Problem]) -> None:
    for problem in problems:
        warning = "warning: " if problem.severity == "warning" else ""
        print(f"hamta {stage_name}: {warning}{problem.message}", file=sys.stderr)


def _run_documents(stage: DocumentStage, files: list[CorpusFile], ws: Workspace) -> tuple[list[Problem], str]:
    """The stage's errors for the documents it had to do (known failures included), and a
    one-line count of what it did."""
    stage_name = stage.name
    remove_stale_temp_files(ws.build / stage_name)
    todo, done, problems = [], 0, []
    for doc in files:
        key = stage.key(doc, ws)
        out, failure = ws.output(stage.name, doc.doc_id), ws.failure(stage.name, doc.doc_id)
        if key is None:
            # Stopped at an earlier stage this time: an output left from a run when it got
            # further would let it pass as processed.
            out.unlink(missing_ok=True)
            failure.unlink(missing_ok=True)
            continue
        if out.exists() and read_metadata(out).get("key") == key:
            done += 1
        elif (known := _known_failure(failure, key)) is not None:
            problems.append(Problem(doc.doc_id, doc.relpath, stage_name, "error", known))
        else:
            todo.append((doc, key))
    if todo:
        stage.check(ws)

    bar = tqdm(total=len(todo), desc=f"{stage_name:<9}", unit="doc", file=sys.stderr,
               disable=not todo)
    splits = {doc.doc_id: _page_ranges(doc, ws.config.extract.max_pages) for doc, _ in todo} \
        if stage_name == "extract" else {}
    tasks = sum(len(splits.get(doc.doc_id) or [None]) for doc, _ in todo)
    fresh = []
    with _cluster_map(ws, wanted=bool(todo) and type(stage).prepare is not DocumentStage.prepare) as map_tasks:
        stage.prepare(todo, ws, map_tasks)
    with _executor(stage_name, ws, tasks) as submit, _closing(bar):
        if submit is None:
            for doc, key in todo:
                bar.set_postfix_str(doc.relpath[-30:])
                fresh.append(_run_one(stage, doc, ws, key))
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
                fresh.append(_result_of(jobs[doc.doc_id], doc, stage_name) if doc.doc_id in jobs
                             else _run_one(stage, doc, ws, key))
                bar.update()
    stage.finish()
    failed = [p for p in fresh if p]
    return problems + failed, (f"{len(todo) - len(failed)} document(s) processed, {done} up to date, "
                               f"{len(failed) + len(problems)} failed")


@contextmanager
def _closing(bar):
    """Close a progress bar however the stage ends, so a message after it starts a line."""
    try:
        yield bar
    finally:
        bar.close()


def _known_failure(failure: Path, key: str) -> str | None:
    """The message of a failure recorded for this very key, if there is one."""
    try:
        recorded = json.loads(failure.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return recorded.get("message") if recorded.get("key") == key else None


def _remove_outputs_of_missing_documents(stage_name: str, files: list[CorpusFile], ws: Workspace):
    present = {f.doc_id for f in files}
    folder = ws.build / stage_name
    for path in [*folder.glob("*.parquet"), *folder.glob("*.failed.json")] if folder.exists() else []:
        if path.name.split(".")[0] not in present:
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


def earlier_failures(ws: Workspace) -> list[str]:
    """The errors the document stages recorded, one line each: why documents stopped."""
    lines = []
    for stage in DOCUMENT_STAGES:
        path = ws.build / "problems" / f"{stage}.parquet"
        rows = read_rows(path) if path.exists() else []
        lines += [f"{stage}: {row['message']}" for row in rows if row["severity"] == "error"]
    return lines


def check_ocr_languages(config: Config, config_path) -> None:
    """With extract.ocr on, Tesseract and the data of every language asked for must be there
    when the run starts, not fail document by document."""
    from pipeline.config import ConfigError

    if not config.extract.ocr:
        return
    import pytesseract

    try:
        installed = set(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, OSError):
        raise ConfigError(f"{config_path}: extract.ocr is true but Tesseract is not installed: run "
                          "`sudo make system-deps` (or apt-get install tesseract-ocr), or set "
                          "extract.ocr: false") from None
    missing = [lang for lang in config.extract.ocr_languages.split("+") if lang not in installed]
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang.replace('_', '-')}" for lang in missing)
        raise ConfigError(
            f"{config_path}: extract.ocr_languages: Tesseract has no data for {', '.join(missing)} "
            f"(installed: {', '.join(sorted(installed)) or 'none'}); install it (apt-get install "
            f"{packages}) or change extract.ocr_languages")


def workspace_env_check() -> None:
    # Weights are never fetched at run time: fail fast and clearly instead of hanging on a hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


# --- The corpus-wide stage: align, and publish aligned/*.parquet -----------------------

def _alignment_row(link: dict, ws: Workspace, keys: dict[str, str]) -> dict:
    config = ws.config
    weights = config.align.confidence
    from pipeline.align import confidence, sentence_confidence
    from pipeline.identity import pair_id

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
    row["pair_id"] = pair_id(row["level"], [keys[i] for i in row["src_ids"]], [keys[i] for i in row["tgt_ids"]])
    row.update({
        "similarity": round(link["similarity"], 6), "margin": round(link["margin"], 6),
        "confidence": round(sentence_confidence(link["score"], len(link["src"]) + len(link["tgt"]), weights) if "score" in link else
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
    failed = {p.doc_id: p.message for p in problems if p.severity == "error" and p.doc_id}

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
    with _pair_map(ws) as map_pairs:
        links, side_pairs = align_corpus(sides, ws.config.align, ws.config.language_rank, map_pairs=map_pairs)
    path_of = {d["doc_id"]: d["path"] for d in documents}
    for pair in side_pairs:  # the same text twice in a corpus is worth a look (issue 12)
        if pair["relation"] == "duplicate":
            src, tgt = pair["src"], pair["tgt"]
            message = (f"{path_of[src.doc_id]} and {path_of[tgt.doc_id]}: the same {src.lang} text "
                       f"({pair['share']:.0%} of sentences shared); both are aligned, and the text counts "
                       f"once in margins")
            problems.append(Problem(src.doc_id, path_of[src.doc_id], "align", "warning", message))
            print(f"hamta align: warning: {message}", file=sys.stderr)
    # Pair ids from content, so decisions and manual links survive shifted numbering.
    from pipeline.identity import unit_keys
    keys = {**unit_keys((p.doc_id, p.passage_id, p.text) for p in passages),
            **unit_keys((s.doc_id, s.sentence_id, s.text) for s in sentences)}
    # Translators' manual links (aligned/reviews.sqlite) win over the aligner's.
    from pipeline.manual_links import apply_manual_links
    from pipeline.review.store import REVIEWS_FILE, read_links
    links, detached = apply_manual_links(links, sides, read_links(ws.aligned / REVIEWS_FILE), keys, ws.config.align.k)
    if detached:
        print(f"hamta align: warning: {detached} manual link(s) in {ws.aligned / REVIEWS_FILE} name sentences "
              "whose text changed or that are gone; they are kept but not applied", file=sys.stderr)
    alignments = sorted((_alignment_row(link, ws, keys) for link in links),
                        key=lambda r: (r["level"], r["src_doc_id"], r["tgt_doc_id"], r["src_lang"],
                                       r["tgt_lang"], r["src_char_start"], r["tgt_char_start"]))
    # Translators' decisions live in aligned/reviews.sqlite and outlive this rewrite.
    from pipeline.review.store import read_decisions, review_statuses
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
    rows = {
        "documents": documents, "document_pairs": pairs, "alignments": alignments,
        "passages": [{k: v for k, v in vars(p).items()} for p in passages],
        "sentences": [{k: v for k, v in vars(s).items()} for s in sentences],
        "problems": [p.row() for p in problems],
    }
    import pyarrow as pa

    tables = {name: pa.Table.from_pylist(rows[name], schema=output.TABLES[name]) for name in sorted(rows)}
    try:
        # The whole set at once: readers and a run killed half-way see the old set or the new.
        publish_tables(ws.aligned, tables, meta)
    except FolderNotWritable as err:
        raise StageFailed(folder_message(err, ws.aligned, "ALIGNED")) from None
    levels = {lvl: sum(r["level"] == lvl for r in alignments) for lvl in ("passage", "sentence")}
    print(f"hamta align: {len(pairs)} document pair(s), {levels['passage']} passage and "
          f"{levels['sentence']} sentence alignments -> {ws.aligned}/alignments.parquet", file=sys.stderr)
    _record_failed_documents(ws, problems, len(files))
    return problems


def _record_failed_documents(ws: Workspace, problems: list[Problem], total: int) -> None:
    """Say which documents failed, and keep it in build/.stamps/failed-documents, which Make's
    `all` prints (and fails on) while it is there, also when nothing had to be redone."""
    errors = sorted({(p.path, p.message) for p in problems if p.severity == "error"})
    record = ws.stamp("failed-documents")
    if not errors:
        record.unlink(missing_ok=True)
        return
    lines = [f"hamta: {len(errors)} of {total + sum(not p.doc_id for p in problems if p.severity == 'error')} "
             f"document(s) failed (the others are in {ws.aligned}/; {ws.aligned}/problems.parquet "
             "lists every problem); fix them and run `make all` again, which redoes only them:"]
    lines += [f"  {message}" for _, message in errors]
    print("\n".join(lines), file=sys.stderr)
    try:
        write_text("\n".join(lines) + "\n", record)
    except FolderNotWritable:
        pass  # the messages above said it; the build folder's trouble shows at its next write


def failed_document_count(problems: list[Problem]) -> int:
    return len({p.path for p in problems if p.severity == "error"})
