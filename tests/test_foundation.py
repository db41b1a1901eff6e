"""Config checking, corpus listing and atomic parquet writes."""

import os

import pyarrow.parquet as pq
import pytest

from pipeline import SCHEMA_VERSION
from pipeline.config import ConfigError, load_config
from pipeline.corpus import doc_id_for, list_corpus
from pipeline.storage import read_metadata, write_rows


def test_default_config_loads_and_hash_is_stable():
    first, second = load_config("configs/default.yaml"), load_config("configs/default.yaml")
    assert first.hash == second.hash and len(first.hash) == 12
    assert first.languages == ["en", "fa", "zh-Hant", "zh-Hans"]


def test_config_hash_follows_what_shapes_the_rows(tmp_path):
    base = load_config("configs/default.yaml")
    text = open("configs/default.yaml", encoding="utf-8").read()
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text(text.replace("engine: local", "engine: dask").replace("port: 8765", "port: 9000"))
    stricter = tmp_path / "stricter.yaml"
    stricter.write_text(text.replace("comparable_margin: 1.06", "comparable_margin: 1.07"))
    assert load_config(elsewhere).engine == "dask" and load_config(elsewhere).hash == base.hash
    assert load_config(stricter).align.comparable_margin == 1.07 and load_config(stricter).hash != base.hash


def test_a_worker_that_died_becomes_an_error_for_its_document():
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from pipeline.corpus import CorpusFile
    from pipeline.stages import _result_of

    job = Future()
    job.set_exception(BrokenProcessPool("A process in the process pool was terminated abruptly"))
    problem = _result_of(job, CorpusFile("big-0a1b2c", "/c/big.pdf", "big.pdf"), "extract")
    assert problem.severity == "error" and problem.message.startswith("big.pdf: extract worker died")


@pytest.mark.parametrize("text, fragment", [
    ("align:\n  kk: 3\n", "align.kk: Extra inputs are not permitted"),
    ("model:\n  batch_size: 0\n", "model.batch_size"),
    ("languages: 5\n", "languages"),
    ("engine: ray\n", "engine"),
    ("align: [1, 2\n", "not valid YAML"),
    ("- just\n- a list\n", "mapping"),
])
def test_bad_config_is_named_with_its_problem(tmp_path, text, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value) and fragment in str(err.value)


def test_missing_config_says_what_to_pass(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")


def test_doc_ids_are_stable_readable_and_distinct():
    assert doc_id_for("fa-water.pdf") == doc_id_for("fa-water.pdf")
    assert doc_id_for("fa-water.pdf").startswith("fa-water-")
    assert doc_id_for("a/x.pdf") != doc_id_for("b/x.pdf")
    assert doc_id_for("مقاله فارسی.pdf").startswith("doc-")


def test_corpus_listing_is_sorted_and_reports_unsupported_files(tmp_path):
    for name in ["b.txt", "a file.pdf", "notes.docx", ".hidden.txt"]:
        (tmp_path / name).write_text("x")
    files, skipped = list_corpus(tmp_path)
    assert [f.relpath for f in files] == ["a file.pdf", "b.txt"]
    assert skipped[0][0] == "notes.docx" and "unsupported" in skipped[0][1]


def test_parquet_writes_are_atomic_and_carry_the_schema_version(tmp_path, monkeypatch):
    path = tmp_path / "out.parquet"
    write_rows([{"a": 1}], path, metadata={"key": "k1"})
    assert read_metadata(path) == {"schema_version": SCHEMA_VERSION, "key": "k1"}

    # A write that dies half-way leaves the earlier file whole and no temp file behind.
    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pq, "write_table", crash)
    with pytest.raises(KeyboardInterrupt):
        write_rows([{"a": 2}], path)
    monkeypatch.undo()
    assert pq.read_table(path).to_pylist() == [{"a": 1}]
    assert os.listdir(tmp_path) == ["out.parquet"]
