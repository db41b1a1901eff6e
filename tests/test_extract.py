"""Extraction against real PDFs made by Chromium and LibreOffice (tests/fixtures/make_fixtures.py),
a scanned page, an HTML page with boilerplate, and broken inputs."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pypdfium2
import pytest

from pipeline.config import ExtractSettings
from pipeline.extract import ExtractionError, extract_file
from pipeline.extractors.logical_order import fold_compatibility_forms

FIXTURES = Path(__file__).parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
import fixture_texts as T  # noqa: E402
from conftest import needs_tesseract  # noqa: E402

SETTINGS = ExtractSettings()
PRESENTATION_FORM = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")
RADICAL = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]")
CJK = "\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
SPACED_CJK = re.compile(f"[{CJK}] +[{CJK}]")
PRODUCERS = {"chromium": ("fa_chromium.pdf", T.FA_FIRST_PAGE_NUMBER), "libreoffice": ("fa_libreoffice.pdf", 1)}


def flat(text: str) -> str:
    return " ".join(text.split())


def flat_cjk(text: str) -> str:
    return text.replace("\n", "")


def kinds(extraction, kind):
    return [b for b in extraction.blocks if b.kind == kind]


@pytest.fixture(scope="module", params=sorted(PRODUCERS))
def persian(request):
    name, first_page = PRODUCERS[request.param]
    return extract_file(FIXTURES / name, SETTINGS), first_page


# --- Persian, two producers -------------------------------------------------------------

@pytest.mark.parametrize("source", [T.FA_ABSTRACT, T.FA_MIXED, T.FA_INTRO, T.FA_FOOTNOTED, T.FA_RESULTS])
def test_persian_paragraph_reads_back_as_typed(persian, source):
    extraction, _ = persian
    paragraphs = [flat(b.text) for b in kinds(extraction, "paragraph")]
    assert flat(source) in paragraphs


def test_mixed_line_keeps_latin_number_and_citation_in_place(persian):
    extraction, _ = persian
    text = next(b.text for b in extraction.blocks if "OCR" in b.text)
    assert "روش OCR را روی 2023 صفحه" in flat(text)
    assert "3202" not in text
    assert flat(text).endswith("سنجیدیم (Rahimi, 2021: 14).")


def test_zwnj_kept_and_no_presentation_forms(persian):
    extraction, _ = persian
    everything = "\n".join(b.text for b in extraction.blocks)
    assert not PRESENTATION_FORM.search(everything)
    assert "\u0640" not in everything  # kashida from justification
    assert f"یافته{T.ZWNJ}های" in everything
    assert f"می{T.ZWNJ}کند" in everything
    assert "یافته های" not in everything and "یافتههای" not in everything


def test_title_and_headings(persian):
    extraction, _ = persian
    assert [flat(b.text) for b in kinds(extraction, "title")] == [flat(T.FA_TITLE)]
    headings = [b.text for b in kinds(extraction, "heading")]
    for heading in (T.FA_HEADING_ABSTRACT, T.FA_HEADING_INTRO, T.FA_HEADING_REFERENCES, T.EN_HEADING_ABSTRACT):
        assert heading in headings


def test_running_header_and_page_numbers_tagged_not_in_paragraphs(persian):
    extraction, first_page = persian
    headers = kinds(extraction, "header")
    assert [b.page for b in headers] == [1, 2, 3]
    assert all(b.text == T.FA_RUNNING_HEADER for b in headers)
    numbers = kinds(extraction, "page_number")
    assert [(b.page, b.text) for b in numbers] == [(p, str(first_page + p - 1)) for p in (1, 2, 3)]
    for block in kinds(extraction, "paragraph"):
        assert "فصلنامه" not in block.text
        assert not re.fullmatch(r"\d+", block.text.strip())


def test_footnote_separated_on_its_page(persian):
    extraction, _ = persian
    notes = kinds(extraction, "footnote")
    assert len(notes) == 1 and notes[0].page == 2
    assert flat(T.FA_FOOTNOTE) in flat(notes[0].text)
    body = next(b for b in kinds(extraction, "paragraph") if "ویراستار" in b.text)
    assert flat(body.text) == flat(T.FA_FOOTNOTED)  # the raised marker 1 is not body text


def test_references_until_next_heading(persian):
    extraction, _ = persian
    references = [flat(b.text) for b in kinds(extraction, "reference")]
    assert references == [flat(r) for r in T.FA_REFERENCES]
    english = next(b for b in extraction.blocks if "Academic libraries" in b.text)
    assert english.kind == "paragraph" and flat(english.text) == flat(T.EN_ABSTRACT)


def test_blocks_have_boxes_inside_the_page(persian):
    extraction, _ = persian
    assert extraction.page_count == 3 and extraction.format == "pdf"
    for block in extraction.blocks:
        assert 0 <= block.x0 < block.x1 <= 600 and 0 <= block.top < block.bottom <= 842


# --- English two-column page ------------------------------------------------------------

def test_two_columns_read_column_by_column():
    extraction = extract_file(FIXTURES / "en_two_column.pdf", SETTINGS)
    assert [b.text for b in kinds(extraction, "title")] == [T.EN_TITLE]
    paragraphs = [flat(b.text) for b in kinds(extraction, "paragraph")]
    assert paragraphs == [flat(p) for p in T.EN_COLUMN_PARAGRAPHS]


# --- Traditional Chinese ----------------------------------------------------------------

def test_chinese_without_spaces_and_with_unified_ideographs():
    extraction = extract_file(FIXTURES / "zh_hant.pdf", SETTINGS)
    everything = "\n".join(b.text for b in extraction.blocks)
    assert not SPACED_CJK.search(everything)
    assert not RADICAL.search(everything)
    assert [b.text for b in kinds(extraction, "title")] == [T.ZH_TITLE]  # 文 came as ⽂
    paragraphs = [flat_cjk(b.text) for b in kinds(extraction, "paragraph")]
    for source in [*T.ZH_PARAGRAPHS, T.ZH_KANGXI_EXPECTED]:
        assert source in paragraphs
    assert "，" in everything and "：" in everything  # full-width punctuation untouched
    assert [b.text for b in kinds(extraction, "reference")] == [T.ZH_REFERENCE]
    english = next(b for b in extraction.blocks if "Academic libraries" in b.text)
    assert english.kind == "paragraph"


# --- Scanned pages ----------------------------------------------------------------------

def test_scanned_pdf_without_ocr_is_a_clear_error():
    with pytest.raises(ExtractionError, match=r"scanned\.pdf: page\(s\) 1 have no text layer; "
                                              r"set extract\.ocr: true to OCR them"):
        extract_file(FIXTURES / "scanned.pdf", SETTINGS)


@needs_tesseract
def test_scanned_pdf_with_ocr_reads_english_and_persian():
    extraction = extract_file(FIXTURES / "scanned.pdf", ExtractSettings(ocr=True))
    text = " ".join(flat(b.text) for b in extraction.blocks)
    english = T.SCAN_ENGLISH.split()
    assert sum(w in text.split() for w in english) >= 0.9 * len(english)
    persian_words = T.SCAN_PERSIAN.rstrip(".").split()
    assert sum(w in text for w in persian_words) >= 0.7 * len(persian_words)
    assert all(b.kind == "paragraph" and b.page == 1 for b in extraction.blocks)
    assert any("OCR" in note for note in extraction.notes)


def test_document_with_one_scanned_page_gets_a_note(tmp_path):
    mixed = pypdfium2.PdfDocument.new()
    for name in ("en_two_column.pdf", "scanned.pdf"):
        source = pypdfium2.PdfDocument(str(FIXTURES / name))
        mixed.import_pages(source)
        source.close()
    path = tmp_path / "mixed.pdf"
    mixed.save(str(path))
    mixed.close()
    extraction = extract_file(path, SETTINGS)
    assert extraction.page_count == 2
    assert "page(s) 2 have no text layer; set extract.ocr: true to OCR them" in extraction.notes
    assert {b.page for b in extraction.blocks} == {1}


# --- HTML and plain text ----------------------------------------------------------------

def test_html_main_text_without_boilerplate():
    extraction = extract_file(FIXTURES / "article.html", SETTINGS)
    assert extraction.format == "html"
    assert [b.text for b in kinds(extraction, "title")] == [T.HTML_TITLE]
    assert [b.text for b in kinds(extraction, "paragraph")] == T.HTML_PARAGRAPHS
    everything = "\n".join(b.text for b in extraction.blocks)
    for boilerplate in T.HTML_BOILERPLATE + ["Podcasts", "Newsletter"]:
        assert boilerplate not in everything


def test_plain_text_paragraphs_in_utf8_and_utf16(tmp_path):
    text = f"{T.FA_MIXED}\nادامه همان بند\n\n  \n{T.EN_ABSTRACT}\n"
    for encoding, name in (("utf-8", "a.txt"), ("utf-16", "b.txt")):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))  # Python's utf-16 writes a BOM
        extraction = extract_file(path, SETTINGS)
        assert [b.text for b in extraction.blocks] == [f"{T.FA_MIXED}\nادامه همان بند", T.EN_ABSTRACT]


def test_compatibility_folding_is_limited_to_its_ranges():
    assert fold_compatibility_forms("ﺳﻼم ⽅，：ABC１") == "سلام 方，：ABC１"


# --- Broken inputs ----------------------------------------------------------------------

def _one_line_error(path: Path) -> str:
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, SETTINGS)
    message = str(caught.value)
    assert str(path) in message and "\n" not in message
    return message


def test_truncated_pdf(tmp_path):
    data = (FIXTURES / "fa_chromium.pdf").read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: len(data) // 2])
    assert "truncated" in _one_line_error(path)


def test_corrupt_pdf(tmp_path):
    path = tmp_path / "corrupt.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n")
    assert "corrupt" in _one_line_error(path)


def test_encrypted_pdf():
    assert "encrypted" in _one_line_error(FIXTURES / "encrypted.pdf")


def test_zero_page_pdf(tmp_path):
    path = tmp_path / "nopages.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
                     b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
                     b"trailer <</Root 1 0 R>>\n%%EOF\n")
    assert "zero pages" in _one_line_error(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    assert "empty file" in _one_line_error(path)


@pytest.mark.parametrize("content, says", [
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG image"),
    ("متن ساده است".encode(), "not a PDF"),
])
def test_not_a_pdf(tmp_path, content, says):
    path = tmp_path / "paper.pdf"
    path.write_bytes(content)
    assert says in _one_line_error(path)


def test_pdf_named_html(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes((FIXTURES / "zh_hant.pdf").read_bytes())
    assert "is a PDF" in _one_line_error(path)


def test_undecodable_text(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Café crème\n".encode("latin-1"))
    assert "undecodable" in _one_line_error(path)


# --- Repairs seen on the sample corpus (corpus/, rendered by scripts/make_corpus.py) ------

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture(scope="module")
def corpus_extractions():
    names = ["fa-tea-road-summary.pdf", "fa-water-management.pdf", "en-water-management.pdf",
             "zh-Hant-tea-road.pdf", "en-beekeeping.pdf"]
    return {name: extract_file(CORPUS / name, SETTINGS) for name in names}


def test_lam_alef_guillemets_and_persian_six(corpus_extractions):
    chromium = "\n".join(b.text for b in corpus_extractions["fa-tea-road-summary.pdf"].blocks)
    for word in ("خلاصه\u200cای", "استدلال", "«فصلنامهٔ", "تاریخی»", "(۱۶۵۰–۱۹۰۰)"):
        assert word in chromium
    for broken in ("خلصاه", "استدللا", "»فصلنامهٔ", "٦"):
        assert broken not in chromium
    libreoffice = "\n".join(b.text for b in corpus_extractions["fa-water-management.pdf"].blocks)
    for word in ("ملایم", "اصلاح", "فلات", "بالاست", "دانشکدهٔ"):
        assert word in libreoffice
    for broken in ("ملیام", "اصلحا", "فلتا", "باالست", "دانشکدٔه"):
        assert broken not in libreoffice


def test_footnote_number_is_a_word_of_its_own(corpus_extractions):
    notes = [b.text for b in corpus_extractions["fa-water-management.pdf"].blocks if b.kind == "footnote"]
    assert [n.split()[0] for n in notes] == ["1", "2"]
    assert notes[0].startswith("1 واژهٔ قنات")


def test_paragraphs_join_across_column_and_page_breaks(corpus_extractions):
    english = [flat(b.text) for b in kinds(corpus_extractions["en-water-management.pdf"], "paragraph")]
    assert any("records for about 160,000 household connections" in p for p in english)  # column
    assert any("remained almost unchanged, which suggests that garden" in p for p in english)  # page
    assert any("combining sources that are managed separately" in p for p in english)
    assert not any(p.startswith(("160,000", "suggests", "that are managed")) for p in english)
    persian = [flat(b.text) for b in kinds(corpus_extractions["fa-water-management.pdf"], "paragraph")]
    assert any("رهایی یافته است. این راه\u200cحل" in p for p in persian)
    assert any("یک اجتماع می\u200cتواند مصرف کند" in p for p in persian)  # line with a footnote mark


def test_hanging_indent_reference_entries_stay_whole(corpus_extractions):
    english = [flat(b.text) for b in kinds(corpus_extractions["en-water-management.pdf"], "reference")]
    assert [r[:2] for r in english] == ["1.", "2.", "3."]
    persian_doc = [flat(b.text) for b in kinds(corpus_extractions["fa-water-management.pdf"], "reference")]
    assert "Rahimi, A. (2021). The aquifer as a reserve: groundwater governance on the central plateau. " \
        "Iranian Water Resources Journal, 17(3), 10–25." in persian_doc
    assert not any(r.startswith(".") for r in persian_doc)


def test_numbered_headings_are_headings(corpus_extractions):
    headings = {flat(b.text) for name, e in corpus_extractions.items() for b in kinds(e, "heading")}
    for heading in ("1. Introduction", "3. Qanats and the Historical Water Regime", "۲. قنات و نظام تاریخی آب",
                    "壹、前言"):
        assert heading in headings


def test_one_page_running_header_is_not_body(corpus_extractions):
    for name in ("en-beekeeping.pdf", "fa-tea-road-summary.pdf"):
        first = corpus_extractions[name].blocks[0]
        assert first.kind == "header"


def test_citation_wrapped_after_its_colon_keeps_the_colon_in_place(corpus_extractions):
    """LibreOffice wrapped "(Rahimi, 2021: 14)" after the colon and drew the colon right of
    2021, as the whole paragraph resolves it; read line by line it must stay there."""
    from pipeline.normalize import normalize_text

    persian = next(b.text for b in corpus_extractions["fa-water-management.pdf"].blocks
                   if b.kind == "paragraph" and "Rahimi" in b.text)
    assert ":Rahimi" not in persian and "2021:" in persian
    assert "(Rahimi, 2021: 14)" in normalize_text(persian, "arabic")[0]


def test_extractors_do_not_import_the_extract_driver():
    """The driver imports the extractors; they take ExtractionError from pipeline.errors,
    so no extractor imports the driver back (no import cycle)."""
    import ast

    folder = Path(__file__).resolve().parents[1] / "pipeline" / "extractors"
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                     for alias in node.names}
        assert "pipeline.extract" not in imported, path.name
    from pipeline import errors, extract

    assert extract.ExtractionError is errors.ExtractionError


def test_a_paragraph_across_a_page_keeps_both_regions(corpus_extractions):
    """The passage continued on the next page has a region on each page, offsets into its
    text, and a sentence on the second page says page 2 (what the review crop shows)."""
    from pipeline.normalize import normalize_passages
    from pipeline.records import passages_from_blocks
    from pipeline.segment import segment_passages

    blocks = corpus_extractions["en-water-management.pdf"].blocks
    joined = next(b for b in blocks if "remained almost unchanged, which suggests that garden" in flat(b.text))
    assert [r["page"] for r in joined.regions] == [1, 2]
    first, second = joined.regions
    assert (first["start"], second["end"]) == (0, len(joined.text)) and first["end"] < second["start"]
    assert joined.text[second["start"]:second["end"]].startswith("suggests")
    assert (joined.x0, joined.top, joined.page) == (first["x0"], first["top"], 1)
    for part in (first, second):
        assert part["x1"] > part["x0"] and part["bottom"] > part["top"]
    passages = normalize_passages(passages_from_blocks("d", blocks))
    passage = next(p for p in passages if p.text == joined.text)
    pages = {s.text.split()[0]: s.page for s in segment_passages([passage])}
    assert pages["Average"] == 1 and pages["The"] == 2 if "The" in pages else max(pages.values()) == 2
