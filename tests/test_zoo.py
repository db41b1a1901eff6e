"""The bad-input zoo through the whole pipeline: every broken file is named with its reason
on one line and in aligned/problems.parquet, and the good documents are still aligned."""

from __future__ import annotations

import re
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from conftest import ROOT, make_all, message_lines, python_all
from make_zoo import GOOD_HTML, GOOD_PDF, LONG_PDF, LONG_PDF_PAGES, ZOO, make_zoo
from pipeline.__main__ import main as hamta
from pipeline.corpus import display_name, doc_id_for


def _table(run, name: str) -> list[dict]:
    return pq.read_table(run.aligned / f"{name}.parquet").to_pylist()


# --- One run of `make all` on the whole zoo (loads the model) ----------------------------

FAILED = [name for name, e in ZOO.items() if e.outcome in ("failed", "left out")]


@pytest.mark.slow
def test_make_all_on_the_zoo_writes_every_table_and_fails_naming_the_failed_documents(zoo_run):
    """The good documents are aligned, and the exit code says that documents failed: make's
    own code 2 (from align's 3), with the list of failed documents last."""
    assert zoo_run.returncode == 2, zoo_run.stderr[-3000:]
    assert f"hamta: {len(FAILED)} of " in zoo_run.stderr and "document(s) failed" in zoo_run.stderr
    assert "Error 3" in zoo_run.stderr
    for table in ("documents", "document_pairs", "passages", "sentences", "alignments", "problems"):
        assert (zoo_run.aligned / f"{table}.parquet").exists()


@pytest.mark.slow
def test_make_all_again_still_says_documents_failed_without_redoing_anything(zoo_run):
    again = make_all(zoo_run.corpus, zoo_run.build.parent, zoo_run.cache)
    assert again.returncode == 2 and f"hamta: {len(FAILED)} of " in again.stderr
    assert not re.search(r"hamta (extract|normalize|detect|segment|embed|align):", again.stderr), again.stderr[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n, e in ZOO.items() if e.says])
def test_each_bad_file_gets_one_line_naming_it_and_the_reason(zoo_run, name):
    lines = [line for line in message_lines(zoo_run.stderr) if display_name(name) in line]
    assert any(ZOO[name].says in line.lower() for line in lines), (name, lines)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n, e in ZOO.items() if e.says])
def test_each_bad_file_has_a_problem_row(zoo_run, name):
    rows = [r for r in _table(zoo_run, "problems") if r["path"] == display_name(name)]
    severity = "error" if ZOO[name].outcome in ("failed", "left out") else "warning"
    assert any(r["severity"] == severity and ZOO[name].says in r["message"].lower() for r in rows), rows
    assert all("\n" not in r["message"] and display_name(name) in r["message"] for r in rows)


@pytest.mark.slow
def test_documents_table_says_which_failed_and_which_went_through(zoo_run):
    documents = {d["path"]: d for d in _table(zoo_run, "documents")}
    for name, expected in ZOO.items():
        name = display_name(name)
        if expected.outcome in ("skipped", "left out"):
            assert name not in documents
        elif expected.outcome == "failed":
            assert documents[name]["status"] == "failed" and documents[name]["passage_count"] == 0
            assert expected.says in documents[name]["problem"].lower()
        else:
            assert documents[name]["status"] == "ok" and documents[name]["passage_count"] > 0, name
    assert documents[LONG_PDF]["page_count"] == LONG_PDF_PAGES
    assert documents["encrypted-empty-password.pdf"]["lang"] == "en"
    assert documents["russian.txt"]["lang"] == "ru" and documents["arabic.txt"]["lang"] == "ar"
    assert documents["numerals-only.txt"]["lang"] == "und"
    assert documents["persian-quoting-urdu.txt"]["lang"] == "fa"
    assert documents["persian-charset-lie.html"]["lang"] == "fa"
    assert documents[display_name("line\nbreak.txt")]["lang"] == "en"


@pytest.mark.slow
def test_the_good_documents_are_aligned_with_each_other(zoo_run):
    pdf, html = doc_id_for(GOOD_PDF), doc_id_for(GOOD_HTML)
    pairs = [p for p in _table(zoo_run, "document_pairs") if {p["src_doc_id"], p["tgt_doc_id"]} == {pdf, html}]
    assert any(p["relation"] == "translation" for p in pairs), pairs
    links = [a for a in _table(zoo_run, "alignments") if {a["src_doc_id"], a["tgt_doc_id"]} == {pdf, html}]
    assert sum(a["level"] == "sentence" for a in links) >= 10
    # Nothing from a broken or out-of-scope file takes part in an alignment.
    aligned_docs = {a["src_doc_id"] for a in _table(zoo_run, "alignments")} | \
        {a["tgt_doc_id"] for a in _table(zoo_run, "alignments")}
    out_of_scope = {doc_id_for(display_name(n)) for n, e in ZOO.items() if e.outcome not in ("aligned", "processed")}
    assert not aligned_docs & out_of_scope


# --- Exit codes (no model needed: these runs stop before embedding) ----------------------

@pytest.mark.parametrize("text, says", [
    ("align:\n  kk: 3\n", "align.kk: Extra inputs are not permitted"),
    ("model:\n  batch_size: 0\n", "model.batch_size"),
])
def test_invalid_config_stops_the_run_with_exit_code_2(tmp_path, text, says):
    corpus = tmp_path / "corpus"
    make_zoo(corpus)
    config = tmp_path / "bad-config.yaml"  # make cannot take a CONFIG path with spaces
    config.write_text(text)
    done = python_all(corpus, tmp_path / "py", tmp_path / "cache", config=str(config))
    assert done.returncode == 2
    [line] = message_lines(done.stderr)
    assert line.startswith(f"hamta: {config}: ") and says in line
    made = make_all(corpus, tmp_path / "make", tmp_path / "cache", config=str(config))
    assert made.returncode != 0 and says in made.stderr
    assert not (tmp_path / "py").exists() and not (tmp_path / "make" / "aligned").exists()


def test_run_with_nothing_to_process_exits_non_zero_and_says_why(tmp_path):
    corpus = tmp_path / "only bad"
    make_zoo(tmp_path / "zoo")
    corpus.mkdir()
    for name, expected in ZOO.items():
        if expected.outcome in ("failed", "skipped"):
            (corpus / name).write_bytes((tmp_path / "zoo" / name).read_bytes())
    done = python_all(corpus, tmp_path / "py", tmp_path / "cache")
    assert done.returncode == 1
    assert "no document got through this stage" in done.stderr
    problems = pq.read_table(tmp_path / "py" / "build" / "problems" / "extract.parquet").to_pylist()
    assert {p["path"] for p in problems} == {display_name(n) for n, e in ZOO.items()
                                             if e.outcome in ("failed", "skipped")}
    made = make_all(corpus, tmp_path / "make", tmp_path / "cache")
    assert made.returncode != 0 and "no document got through this stage" in made.stderr


def test_python_dash_m_pipeline_align_alone_on_nothing_exits_non_zero(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "empty.txt").write_bytes(b"")
    args = ["--corpus", str(corpus), "--build", str(tmp_path / "build"), "--aligned", str(tmp_path / "aligned")]
    assert hamta(["align", *args]) == 1


def test_a_document_that_breaks_loses_its_old_outputs(tmp_path, capsys):
    """A file that went through before and is now broken must not pass as processed on the
    strength of the outputs its good version left behind."""
    corpus, build = tmp_path / "corpus", tmp_path / "build"
    corpus.mkdir()
    good = "A clear sentence about tea caravans. Another one about the mountain pass.\n"
    (corpus / "notes.txt").write_text(good, encoding="utf-8")
    (corpus / "other.txt").write_text("Mules and yaks carried the loads.\n", encoding="utf-8")
    args = ["--corpus", str(corpus), "--build", str(build), "--aligned", str(tmp_path / "aligned")]
    for stage in ("extract", "normalize", "detect", "segment"):
        assert hamta([stage, *args]) == 0
    doc_id = doc_id_for("notes.txt")
    assert all((build / stage / f"{doc_id}.parquet").exists() for stage in ("extract", "segment"))

    (corpus / "notes.txt").write_bytes(good.replace("tea", "thé").encode("latin-1"))
    stale = build / "normalize" / f".{doc_id}.parquet.k1ll3d.tmp"
    stale.write_bytes(b"half a parquet file")
    assert hamta(["extract", *args]) == 3  # notes.txt failed ...
    for stage in ("normalize", "detect", "segment"):
        assert hamta([stage, *args]) == 0  # ... and other.txt still goes through
    for stage in ("extract", "normalize", "detect", "segment"):
        assert not (build / stage / f"{doc_id}.parquet").exists(), stage
        assert (build / stage / f"{doc_id_for('other.txt')}.parquet").exists(), stage
    assert not stale.exists()
    assert "notes.txt: undecodable text" in capsys.readouterr().err


def test_zoo_script_runs_on_its_own(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "zoo" / "make_zoo.py"), str(tmp_path / "z")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "z").iterdir()) == sorted(ZOO)
