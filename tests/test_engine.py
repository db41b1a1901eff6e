"""Where per-document stages run must not change what they write: in this process, in a
process pool with large PDFs split into page ranges, or as tasks on a Dask cluster."""

import shutil
from pathlib import Path

import pytest

from bench.speed import merge_pdfs
from pipeline.config import Config
from pipeline.stages import PAGES_PER_TASK, Workspace, _page_ranges, run_document_stage
from pipeline.corpus import list_corpus
from pipeline.storage import read_metadata, read_rows

ROOT = Path(__file__).resolve().parent.parent
CPU_STAGES = ("extract", "normalize", "detect", "segment")


def _small_corpus(folder: Path) -> Path:
    folder.mkdir()
    for name in ("en-water-management.pdf", "fa-water-management.pdf", "zh-Hant-tea-road.pdf",
                 "zh-Hans-tea-road.html"):
        shutil.copy(ROOT / "corpus" / name, folder / name)
    shutil.copy(ROOT / "tests" / "fixtures" / "fa_chromium.pdf", folder / "fa_chromium.pdf")
    shutil.copy(ROOT / "tests" / "fixtures" / "encrypted.pdf", folder / "encrypted.pdf")  # fails the same way
    return folder


def _book(folder: Path) -> Path:
    """One PDF long enough to be split into page ranges, made of real PDFs' pages."""
    parts = [ROOT / "corpus" / "fa-water-management.pdf", ROOT / "tests" / "fixtures" / "fa_chromium.pdf",
             ROOT / "corpus" / "en-water-management.pdf", ROOT / "tests" / "fixtures" / "fa_libreoffice.pdf",
             ROOT / "corpus" / "zh-Hant-tea-road.pdf"] * 2
    folder.mkdir()
    book = folder / "book.pdf"
    merge_pdfs(parts, book)  # pypdf, not poppler's pdfunite: no system tool needed
    return book


def _workspace(corpus: Path, build: Path, **settings) -> Workspace:
    config = Config(**settings)
    return Workspace(corpus=corpus, build=build, aligned=build / "aligned", config=config,
                     config_path=Path("configs/default.yaml"), cache=build / "cache")


def _outputs(ws: Workspace, stage: str) -> dict:
    """Rows and metadata per document, config_hash included (where the work ran changes no
    row, so it is not in the hash). Left out: the stage key (it hashes the stage's source, which may change between two runs while
    someone edits it). NaN (an HTML block has no box) is made comparable."""
    found = {}
    for path in sorted((ws.build / stage).glob("*.parquet")):
        meta = read_metadata(path)
        rows = [{k: "NaN" if v != v else v for k, v in row.items()} for row in read_rows(path)]
        found[path.stem] = (rows, {k: v for k, v in meta.items() if k != "key"})
    return found


def _problems(problems):
    return sorted((p.doc_id, p.stage, p.severity, p.message) for p in problems)


@pytest.mark.slow
def test_dask_engine_writes_what_the_local_engine_writes(tmp_path):
    from distributed import Client, LocalCluster, get_task_stream

    corpus = _small_corpus(tmp_path / "corpus")
    local = _workspace(corpus, tmp_path / "local", engine="local")
    on_dask = _workspace(corpus, tmp_path / "dask", engine="dask")
    local_problems = [_problems(run_document_stage(stage, local)) for stage in CPU_STAGES]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        with get_task_stream(client) as stream:
            dask_problems = [_problems(run_document_stage(stage, on_dask)) for stage in CPU_STAGES]
    # every document of every stage ran as a task on the cluster, not in this process
    assert len(stream.data) == 6 * len(CPU_STAGES) - 3  # the encrypted PDF stops at extract
    assert dask_problems == local_problems
    assert any("encrypted" in message for _, _, _, message in local_problems[0])
    for stage in CPU_STAGES:
        expected = _outputs(local, stage)
        assert len(expected) == 5
        assert _outputs(on_dask, stage) == expected, stage


def test_large_pdf_split_into_page_ranges_extracts_the_same_passages(tmp_path):
    book = _book(tmp_path / "corpus")
    files, _ = list_corpus(book.parent)
    ranges = _page_ranges(files[0])
    assert len(ranges) >= 3 and ranges[0] == (0, PAGES_PER_TASK) and ranges[-1][1] is None
    whole = _workspace(book.parent, tmp_path / "whole", extract={"workers": 1})
    split = _workspace(book.parent, tmp_path / "split", extract={"workers": 2})
    whole_problems = _problems(run_document_stage("extract", whole))
    assert _problems(run_document_stage("extract", split)) == whole_problems
    assert all(severity == "warning" for _, _, severity, _ in whole_problems)
    expected = _outputs(whole, "extract")
    rows = expected[files[0].doc_id][0]
    assert len({row["page"] for row in rows}) > 2 * PAGES_PER_TASK
    assert [(k, r) for k, (r, _) in _outputs(split, "extract").items()] == [(k, r) for k, (r, _) in expected.items()]
