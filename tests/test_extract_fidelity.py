"""Extraction fidelity on the committed benchmark PDFs (bench/extract_pdfs/): the layouts and
producers that meet the issue's targets must keep meeting them, and the metric itself must
see damage when there is some."""

from __future__ import annotations

import pytest

from bench import extract_fidelity as F

DOCS = {d.name: d for d in F.bench_documents()}

# (document, producer) pairs that meet the targets today; a regression in any fails CI.
# The ones still short of them are listed in docs/extraction-fidelity.md.
PASSING = [
    ("fa-single", "chromium"), ("fa-two_column", "chromium"), ("fa-footnotes", "chromium"),
    ("fa-mixed", "chromium"), ("fa-running_header", "chromium"),
    ("fa-single", "libreoffice"), ("fa-two_column", "libreoffice"),
    ("en-single", "chromium"), ("en-two_column", "chromium"), ("en-running_header", "chromium"),
    ("en-footnotes", "chromium"), ("en-single", "libreoffice"), ("en-two_column", "libreoffice"),
    ("en-running_header", "libreoffice"), ("en-footnotes", "libreoffice"),
    ("zh-Hant-single", "chromium"), ("zh-Hant-two_column", "chromium"),
    ("zh-Hant-running_header", "chromium"), ("zh-Hant-footnotes", "chromium"),
    ("zh-Hans-single", "libreoffice"), ("zh-Hant-single", "libreoffice"),
    ("fa-running_header", "libreoffice"), ("zh-Hant-running_header", "libreoffice"),
    ("zh-Hans-running_header", "libreoffice"), ("zh-Hant-footnotes", "libreoffice"),
]


@pytest.mark.parametrize("name, producer", PASSING)
def test_targets_met(name, producer):
    doc = DOCS[name]
    result = F.evaluate(doc, producer)
    assert result.cer < F.TARGET_CER[doc.lang], f"{name} {producer}: CER {result.cer:.4f}"
    assert result.furniture == 0
    assert result.para_f1 >= 0.85, f"{name} {producer}: paragraph F1 {result.para_f1:.2f}"


def test_edit_distance_and_boundaries_see_damage():
    assert F.edit_distance("خلاصه", "خلصاه") == 2
    assert F.edit_distance("kitten", "sitting") == 3
    assert F.edit_distance("", "abc") == 3
    source = ["first paragraph here.", "second one follows.", "third."]
    assert F.boundary_scores(source, source)[2] == 1.0
    split = ["first paragraph", "here.", "second one follows.", "third."]
    precision, recall, _ = F.boundary_scores(source, split)
    assert precision < 1.0 and recall == 1.0
    merged = ["first paragraph here. second one follows.", "third."]
    assert F.boundary_scores(source, merged)[1] == 0.5


def test_normalisation_keeps_zwnj_and_joins_chinese_lines():
    assert F.normalize("می\u200cشود\n  و") == "می\u200cشود و"
    assert F.normalize("茶葉的流通量卻\n持續增加") == "茶葉的流通量卻持續增加"


def test_libreoffice_kashida_slashes_dropped():
    from pipeline.config import ExtractSettings
    from pipeline.extract import extract_file

    doc = DOCS["fa-running_header"]
    text = "\n".join(b.text for b in extract_file(F.pdf_path(doc, "libreoffice"), ExtractSettings()).blocks)
    assert "س//هم" not in text and "/" not in text.replace("و/یا", "")
    assert "سهم جمعیت شهری" in text
