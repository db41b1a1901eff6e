"""Garbage that looks like text: PDFs whose ToUnicode map is broken (built here from our own
rendered PDFs by rewriting their CMap streams with pypdf) and HTML whose charset lies."""

from __future__ import annotations

import logging
from pathlib import Path

import pdfplumber
import pytest

from conftest import ROOT, needs_tesseract
from make_zoo import arabic_to_cyrillic, garbled_pdf, shift_latin
from pipeline.config import ExtractSettings
from pipeline.extract import ExtractionError, extract_file
from pipeline.extractors.quality import charset_lie, garbled_text_layer

logging.getLogger("pdfminer").setLevel(logging.ERROR)

# Every PDF of the project (our writing, rendered by Chromium and LibreOffice), LibreOffice's
# unmapped kashida glyphs ("(cid:6)") included: none may look garbled.
REAL_PDFS = sorted((ROOT / "corpus").glob("*.pdf")) + sorted((ROOT / "eval" / "corpus").glob("*.pdf")) + \
    sorted((ROOT / "bench" / "extract_pdfs").glob("*.pdf")) + \
    [p for p in sorted((ROOT / "tests" / "fixtures").glob("*.pdf")) if p.name != "encrypted.pdf"]


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("broken")
    made = {
        "cyrillic": garbled_pdf(ROOT / "corpus" / "fa-water-management.pdf", "NotoNaskhArabic", arabic_to_cyrillic),
        "shifted": garbled_pdf(ROOT / "corpus" / "en-water-management.pdf", "NotoSerif", shift_latin),
        "intact": garbled_pdf(ROOT / "corpus" / "en-water-management.pdf", "NotoSerif", lambda code: code),
    }
    for name, data in made.items():
        (folder / f"{name}.pdf").write_bytes(data)
    return {name: folder / f"{name}.pdf" for name in made}


def _reasons(path: Path) -> list[str | None]:
    with pdfplumber.open(path) as pdf:
        return [garbled_text_layer(page.chars) for page in pdf.pages]


def test_persian_font_giving_cyrillic_is_a_broken_map(broken):
    reasons = _reasons(broken["cyrillic"])
    assert all(r and "NotoNaskhArabic" in r and "Cyrillic" in r for r in reasons), reasons


def test_shifted_latin_is_a_broken_map(broken):
    reasons = _reasons(broken["shifted"])
    assert all(r and "Latin letters do not read as text" in r for r in reasons), reasons


def test_rewriting_a_map_unchanged_keeps_the_text(broken):
    """The CMap rewriting itself breaks nothing: only the remapped letters do."""
    assert _reasons(broken["intact"]) == [None, None]
    text = " ".join(b.text for b in extract_file(broken["intact"], ExtractSettings()).blocks)
    assert "Water Management" in text


@pytest.mark.parametrize("pdf", REAL_PDFS, ids=lambda p: p.name)
def test_real_text_layers_are_not_flagged(pdf):
    assert not any(_reasons(pdf))


@pytest.mark.parametrize("name", ["cyrillic", "shifted"])
def test_a_garbled_pdf_is_an_error_that_says_to_ocr(broken, name):
    with pytest.raises(ExtractionError, match=r"garbled text layer .*ToUnicode.*; set extract\.ocr: true to OCR them"):
        extract_file(broken[name], ExtractSettings())


@pytest.mark.slow  # OCR of two pages at 300 dpi
@needs_tesseract
def test_with_ocr_a_garbled_page_is_read_from_its_image(broken):
    extraction = extract_file(broken["shifted"], ExtractSettings(ocr=True, ocr_languages="eng"))
    text = " ".join(b.text for b in extraction.blocks)
    assert "Water" in text and "Tariffs" in text
    assert "Uxater" not in text and "Xbufs" not in text


PERSIAN_PAGE = ("<!doctype html><html><head><meta charset=\"{charset}\"><title>آب</title></head><body><article>"
                "<h1>مدیریت آب</h1><p>کشاورزان در این منطقه با کمبود آب روبه‌رو هستند و باید روش آبیاری را "
                "تغییر دهند.</p><p>قنات‌ها هنوز بخشی از آب شهر را می‌رسانند.</p></article></body></html>")


def test_html_declaring_latin1_but_written_in_utf8_is_read_as_utf8_with_a_warning(tmp_path):
    page = tmp_path / "lie.html"
    page.write_bytes(PERSIAN_PAGE.format(charset="iso-8859-1").encode("utf-8"))
    extraction = extract_file(page, ExtractSettings())
    text = " ".join(b.text for b in extraction.blocks)
    assert "کشاورزان" in text and "Ø" not in text
    assert any("declares charset iso-8859-1 but is UTF-8" in note and "fix the page's <meta charset>" in note
               for note in extraction.notes), extraction.notes


def test_html_truly_in_latin1_is_read_as_declared(tmp_path):
    page = tmp_path / "latin1.html"
    body = "<p>Le caf\u00e9 de la place ferme \u00e0 midi, et la cr\u00e8me br\u00fbl\u00e9e est finie.</p>"
    page.write_bytes(f"<html><head><meta charset=\"iso-8859-1\"></head><body><article>{body}</article>"
                     "</body></html>".encode("latin-1"))
    extraction = extract_file(page, ExtractSettings())
    assert "café" in " ".join(b.text for b in extraction.blocks) and not extraction.notes


@pytest.mark.parametrize("data, declared, lies", [
    ("کاروان".encode("utf-8"), "iso-8859-1", True),
    ("茶葉".encode("utf-8"), "windows-1252", True),
    ("café".encode("latin-1"), "iso-8859-1", False),
    (b"plain ascii", "iso-8859-1", False),
    ("کاروان".encode("utf-8"), "utf-8", False),
])
def test_charset_lie(data, declared, lies):
    assert bool(charset_lie(data, declared)) == lies
