"""The whole pipeline on the sample corpus, through make, as a user runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline import SCHEMA_VERSION

sys.path.insert(0, str(Path(__file__).parent))
from gold import load_gold, normalize, score  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

# Floors per language pair at sentence level on the sample corpus.
FLOORS = {"en|fa": (0.8, 0.8), "zh-Hant|zh-Hans": (0.9, 0.95), "en|zh": (0.8, 0.8), "fa|zh": (0.8, 0.6)}


def make(target: str, workdir: Path, *extra: str) -> subprocess.CompletedProcess:
    args = ["make", "-C", str(ROOT), target, f"CORPUS={workdir / 'corpus'}",
            f"BUILD={workdir / 'build'}", f"ALIGNED={workdir / 'aligned'}", *extra]
    return subprocess.run(args, capture_output=True, text=True, timeout=1200)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e")
    shutil.copytree(ROOT / "corpus", workdir / "corpus")
    result = make("all", workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir, result


def table(workdir: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(workdir / "aligned" / f"{name}.parquet")


def test_every_table_is_readable_by_pandas_pyarrow_and_duckdb(run):
    workdir, _ = run
    for name in ("documents", "document_pairs", "passages", "sentences", "alignments", "problems"):
        path = workdir / "aligned" / f"{name}.parquet"
        meta = pq.read_schema(path).metadata
        assert meta[b"hamta.schema_version"].decode() == SCHEMA_VERSION
        assert len(pq.read_table(path).schema) == len(pd.read_parquet(path).columns)
        assert duckdb.sql(f"select count(*) from read_parquet('{path}')").fetchall()[0][0] >= 0
    counts = dict(duckdb.sql(
        f"select level, count(*) from read_parquet('{workdir}/aligned/alignments.parquet') group by level").fetchall())
    assert counts["sentence"] > 50 and counts["passage"] > 10


def test_every_alignment_row_is_traceable(run):
    workdir, _ = run
    rows = table(workdir, "alignments")
    documents = table(workdir, "documents").set_index("doc_id")
    assert rows.pair_id.is_unique
    for side in ("src", "tgt"):
        assert rows[f"{side}_doc_id"].isin(documents.index).all()
        assert (rows[f"{side}_page"] >= 1).all()
        assert (rows[f"{side}_char_start"] < rows[f"{side}_char_end"]).all()
    assert rows.model.eq("models/multilingual-e5-small-q4").all() and rows.config_hash.str.len().eq(12).all()
    assert rows.confidence.between(0, 1).all()
    # The span points at the text: the first unit's text starts the span in the document text.
    sentences = table(workdir, "sentences").set_index("sentence_id")
    for row in rows[rows.level == "sentence"].head(40).itertuples():
        first = sentences.loc[row.src_ids[0]]
        assert first.char_start == row.src_char_start and row.src_text.startswith(first.text)


def test_known_translation_pairs_are_found_per_language_pair(run):
    workdir, _ = run
    rows = table(workdir, "alignments")
    scores = score(rows[rows.level == "sentence"].to_dict("records"), load_gold(workdir / "corpus"))
    for pair, (min_precision, min_recall) in FLOORS.items():
        result = scores[pair]
        assert result.precision is not None and result.precision >= min_precision, result
        assert result.recall >= min_recall, result


def test_unrelated_document_yields_no_pairs(run):
    workdir, _ = run
    documents = table(workdir, "documents")
    unrelated = documents[documents.path == "en-beekeeping.pdf"].doc_id.item()
    rows = table(workdir, "alignments")
    assert not ((rows.src_doc_id == unrelated) | (rows.tgt_doc_id == unrelated)).any()
    pairs = table(workdir, "document_pairs")
    assert not ((pairs.src_doc_id == unrelated) | (pairs.tgt_doc_id == unrelated)).any()


def test_papers_on_different_topics_share_no_pairs_not_even_their_headings(run):
    """The water papers and the tea-road papers are all about history and policy, with
    headings like "Conclusion" / 五、结论 in each: none of that may pair across topics."""
    workdir, _ = run
    topic = table(workdir, "documents").set_index("doc_id").path.map(
        lambda path: "water" if "water" in path else "tea" if "tea" in path else path)
    rows = table(workdir, "alignments")
    crossing = rows[rows.src_doc_id.map(topic) != rows.tgt_doc_id.map(topic)]
    assert crossing.empty, crossing[["src_text", "tgt_text", "margin"]].to_string()
    pairs = table(workdir, "document_pairs")
    assert (pairs.src_doc_id.map(topic) == pairs.tgt_doc_id.map(topic)).all()


def test_aligning_each_side_with_its_nearest_side_only_finds_the_same_translations(run, tmp_path):
    """align.candidate_sides 1: the sample corpus has four English sides, so each side is
    aligned only with its single nearest side per language. The real counterparts must be
    those nearest sides."""
    workdir, _ = run
    config = (ROOT / "configs" / "default.yaml").read_text(encoding="utf-8")
    assert "  candidate_sides: 8\n" in config
    (tmp_path / "nearest.yaml").write_text(config.replace("  candidate_sides: 8\n", "  candidate_sides: 1\n"),
                                           encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "align", "--corpus", str(workdir / "corpus"),
         "--config", str(tmp_path / "nearest.yaml"), "--build", str(workdir / "build"),
         "--aligned", str(tmp_path / "aligned")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]

    def translations(folder: Path) -> set:
        pairs = pd.read_parquet(folder / "document_pairs.parquet")
        return set(pairs[pairs.relation == "translation"][["src_doc_id", "src_lang", "tgt_doc_id", "tgt_lang"]]
                   .itertuples(index=False))

    every_pair = translations(workdir / "aligned")
    assert len(every_pair) >= 3
    assert translations(tmp_path / "aligned") == every_pair
    rows = pd.read_parquet(tmp_path / "aligned" / "alignments.parquet")
    scores = score(rows[rows.level == "sentence"].to_dict("records"), load_gold(workdir / "corpus"))
    for pair, (min_precision, min_recall) in FLOORS.items():
        assert scores[pair].precision >= min_precision and scores[pair].recall >= min_recall, scores[pair]


def test_document_languages_and_mixed_documents(run):
    workdir, _ = run
    documents = table(workdir, "documents").set_index("path")
    assert documents.loc["fa-water-management.pdf", "lang"] == "fa"
    assert list(documents.loc["fa-water-management.pdf", "langs"])[:2] == ["fa", "en"]
    assert documents.loc["zh-Hant-tea-road.pdf", "lang"] == "zh-Hant"
    assert documents.loc["zh-Hans-tea-road.html", "lang"] == "zh-Hans"
    assert documents.loc["en-water-management.pdf", "lang"] == "en"
    # The Persian paper's English extended abstract is aligned with its Persian body.
    pairs = table(workdir, "document_pairs")
    same = pairs[pairs.src_doc_id == pairs.tgt_doc_id]
    assert set(zip(same.src_lang, same.tgt_lang)) >= {("en", "fa")}


def test_persian_round_trips_in_logical_order(run):
    workdir, _ = run
    gold = load_gold(workdir / "corpus")
    persian = [link.norm_b for link in gold.links if link.lang_b == "fa" and link.doc_b == "fa-water-management.pdf"]
    passages = table(workdir, "passages")
    text = normalize(" ".join(passages[passages.doc_id.str.startswith("fa-water")].text))
    found = sum(sentence in text for sentence in set(persian))
    assert found >= 0.9 * len(set(persian)), f"{found} of {len(set(persian))} Persian sentences intact"


def test_second_run_does_nothing_and_outputs_are_identical(run):
    workdir, _ = run
    before = {p.name: p.read_bytes() for p in (workdir / "aligned").glob("*.parquet")}
    question = make("all", workdir, "-q")
    assert question.returncode == 0, "make all -q says something is out of date after a full run"
    shutil.rmtree(workdir / "aligned")
    shutil.rmtree(workdir / "build")
    again = make("all", workdir)
    assert again.returncode == 0, again.stderr[-2000:]
    after = {p.name: p.read_bytes() for p in (workdir / "aligned").glob("*.parquet")}
    assert before == after


def test_editing_one_document_redoes_only_that_document(run):
    workdir, _ = run
    html = workdir / "corpus" / "zh-Hans-tea-road.html"
    html.write_text(html.read_text(encoding="utf-8").replace("</body>", "<p>补记。</p></body>"),
                    encoding="utf-8")
    result = make("all", workdir)
    assert result.returncode == 0, result.stderr[-2000:]
    for stage in ("extract", "normalize", "detect", "segment", "embed"):
        assert f"hamta {stage}: 1 document(s) processed, 5 up to date" in result.stderr, result.stderr[-2000:]
