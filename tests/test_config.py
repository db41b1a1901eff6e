"""The config: every value checked for type and range, the code's defaults equal to
configs/default.yaml, and OCR languages checked when a run starts."""

from __future__ import annotations

import pytest

from conftest import ROOT, message_lines, python_all
from pipeline.config import Config, ConfigError, load_config

DEFAULT = ROOT / "configs" / "default.yaml"


def test_code_defaults_equal_configs_default_yaml():
    """An empty config, a config that sets one key, and the code all mean the documented
    defaults: a value changed in one place and not the other fails here."""
    assert Config() == load_config(DEFAULT)


def test_an_empty_config_file_behaves_like_the_default_one(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing set\n")
    assert load_config(empty) == load_config(DEFAULT)
    assert load_config(empty).hash == load_config(DEFAULT).hash


@pytest.mark.parametrize("text, key, says", [
    ("extract:\n  ocr: 'yes'\n", "extract.ocr", "valid boolean"),
    ("extract:\n  ocr: 1\n", "extract.ocr", "valid boolean"),
    ("align:\n  k: true\n", "align.k", "valid integer"),
    ("align:\n  k: 2.5\n", "align.k", "valid integer"),
    ("languages: []\n", "languages", "at least 1"),
    ("languages: [en, klingon]\n", "languages", "unknown language(s) 'klingon'"),
    ("languages: [en, en]\n", "languages", "listed twice"),
    ("align:\n  skip_kinds: [headr]\n", "align.skip_kinds", "unknown block kind(s) 'headr'"),
    ("align:\n  reach: -1\n", "align.reach", "greater than or equal to 0"),
    ("align:\n  passage_similarity: -1\n", "align.passage_similarity", "greater than or equal to 0"),
    ("align:\n  passage_margin: .inf\n", "align.passage_margin", "finite"),
    ("align:\n  run_length_power: -0.5\n", "align.run_length_power", "greater than or equal to 0"),
    ("align:\n  run_length_power: 5\n", "align.run_length_power", "less than or equal to 4"),
    ("align:\n  window: 0\n", "align.window", "greater than or equal to 1"),
    ("align:\n  link:\n    plain_gain: -1\n", "align.link.plain_gain", "greater than or equal to 0"),
    ("align:\n  link:\n    plain_gain: 11\n", "align.link.plain_gain", "less than or equal to 10"),
    ("align:\n  link:\n    question_differs: 0.5\n", "align.link.question_differs", "less than or equal to 0"),
    ("align:\n  link:\n    question_differs: -2\n", "align.link.question_differs", "greater than or equal to -1"),
    ("align:\n  link:\n    many_to_many: 0.2\n", "align.link.many_to_many", "less than or equal to 0"),
    ("align:\n  link:\n    many_to_many: -3\n", "align.link.many_to_many", "greater than or equal to -1"),
    ("extract:\n  ocr_languages: 'fas eng'\n", "extract.ocr_languages", "pattern"),
    ("extract:\n  max_pages: 0\n", "extract.max_pages", "greater than or equal to 1"),
    ("detect:\n  seed: -1\n", "detect.seed", "greater than or equal to 0"),
    ("model:\n  name: ''\n", "model.name", "at least 1"),
    ("review:\n  port: '8765'\n", "review.port", "valid integer"),
])
def test_bad_values_are_refused_naming_the_key(tmp_path, text, key, says):
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    message = str(caught.value)
    assert message.startswith(f"{config}: {key}: ") and says in message, message
    assert "\n" not in message


def test_yaml_errors_are_one_line(tmp_path):
    config = tmp_path / "broken.yaml"
    config.write_text("align:\n  k: [1,\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert "\n" not in str(caught.value) and "not valid YAML" in str(caught.value)


def test_ocr_languages_are_checked_when_the_run_starts(tmp_path):
    """Not document by document at run time: with extract.ocr on, a language Tesseract has
    no data for (or no Tesseract at all) stops the run before anything is extracted."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("A short note about tea caravans crossing the pass.\n")
    config = tmp_path / "ocr.yaml"
    config.write_text("extract:\n  ocr: true\n  ocr_languages: eng+xxx\n")
    done = python_all(corpus, tmp_path / "out", tmp_path / "cache", config=str(config))
    assert done.returncode == 2, done.stderr[-2000:]
    [line] = message_lines(done.stderr)
    assert line.startswith(f"hamta: {config}: extract.") and ("xxx" in line or "not installed" in line), line
    assert not (tmp_path / "out" / "build" / "extract").exists()
