"""Where per-document stages run must not change what they write: in this process, in a
process pool with large PDFs split into page ranges, or as tasks on a Dask cluster."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bench.speed import merge_pdfs
from conftest import comparable, free_port
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
    someone edits it). NaN (an HTML block has no box) is made comparable, inside regions too."""
    found = {}
    for path in sorted((ws.build / stage).glob("*.parquet")):
        meta = read_metadata(path)
        rows = [comparable(row) for row in read_rows(path)]
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


@pytest.fixture
def command_line_cluster(tmp_path):
    """A `dask scheduler` and two `dask worker` processes, as a user starts them, on loopback."""
    import sys

    from distributed import Client

    dask_cli = str(Path(sys.executable).parent / "dask")
    address = f"tcp://127.0.0.1:{free_port()}"
    logs = tmp_path / "dask-logs"
    logs.mkdir()
    # the workers import this checkout's pipeline package, as the test does
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    started = [subprocess.Popen([dask_cli, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                                 "--no-dashboard"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=(logs / "scheduler.log").open("w"))]
    try:
        for name in ("w1", "w2"):
            started.append(subprocess.Popen(
                [dask_cli, "worker", address, "--name", name, "--nthreads", "1", "--nworkers", "1",
                 "--host", "127.0.0.1", "--no-dashboard", "--no-nanny"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(logs / f"{name}.log").open("w")))
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.mark.slow
def test_embed_and_align_run_as_tasks_on_a_command_line_cluster_and_write_the_same_rows(
        tmp_path, command_line_cluster, monkeypatch):
    import dask
    import numpy as np
    from distributed import Client

    from pipeline import embed
    from pipeline.stages import run_align

    # small batches, so both workers get some (chunks are cut in this process)
    monkeypatch.setattr(embed, "CHUNK", 24)
    corpus = _small_corpus(tmp_path / "corpus")
    local = _workspace(corpus, tmp_path / "local", engine="local")
    on_dask = _workspace(corpus, tmp_path / "dask", engine="dask")
    stages = CPU_STAGES + ("embed",)
    local_problems = [_problems(run_document_stage(stage, local)) for stage in stages] + [_problems(run_align(local))]
    with dask.config.set({"scheduler-address": command_line_cluster}):
        dask_problems = [_problems(run_document_stage(stage, on_dask)) for stage in stages] \
            + [_problems(run_align(on_dask))]
    assert dask_problems == local_problems

    with Client(command_line_cluster) as client:
        # each worker process loaded the model once and embedded batches with it
        encoders = client.run(lambda: [backend.label for _, backend in embed._worker_encoders])
        tasks = client.run_on_scheduler(
            lambda dask_scheduler: sorted({str(entry[0]).split("-", 1)[0] for entry in dask_scheduler.transition_log}))
    assert len(encoders) == 2 and all(len(labels) == 1 for labels in encoders.values()), encoders
    assert {"encode_chunk", "align_side_pair"} <= set(tasks), tasks

    expected, got = _outputs(local, "embed"), _outputs(on_dask, "embed")
    assert got.keys() == expected.keys() and len(expected) == 5
    for doc_id, (rows, meta) in expected.items():
        dask_rows, dask_meta = got[doc_id]
        assert dask_meta == meta
        assert [r["id"] for r in dask_rows] == [r["id"] for r in rows]
        assert np.allclose([r["vector"] for r in dask_rows], [r["vector"] for r in rows], atol=1e-5)
    for table in ("alignments", "document_pairs", "passages", "sentences", "documents"):
        local_rows = read_rows(local.aligned / f"{table}.parquet")
        dask_rows = read_rows(on_dask.aligned / f"{table}.parquet")
        assert len(dask_rows) == len(local_rows), table
        for mine, theirs in zip(dask_rows, local_rows):
            for column, value in theirs.items():
                if isinstance(value, float):
                    assert abs(mine[column] - value) < 1e-4 or value != value, (table, column)
                else:
                    assert comparable(mine[column]) == comparable(value), (table, column)
