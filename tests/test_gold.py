"""Tests of the gold set (tests/gold.py) against the generated sample corpus in corpus/."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pypdfium2
import pytest
from hypothesis import given, strategies as st

from gold import (DEFAULT_SPEC, PAIRS, ROOT, corpus_spec_module, load_gold, normalize, pair_key, score,
                  side_matches)

CORPUS = ROOT / "corpus"


@pytest.fixture(scope="module")
def gold():
    return load_gold(CORPUS)


# ----------------------------------------------------------------------------- normalize

def test_normalize_folds_persian_spelling_variants():
    # Arabic yeh/kaf, ZWNJ written as a space or dropped, and Persian digits all agree.
    assert normalize("می‌شود ۱۴۰۲") == normalize("مي شود 1402") == normalize("میشود١٤٠٢")
    assert normalize("کشاورزان") == normalize("كشاورزان")
    # heh with hamza above, as a ligature and as two characters
    assert normalize("حوضهٔ") == normalize("حوضۀ") == normalize("حوضه")
    assert normalize("تأمین") == normalize("تامین")


def test_normalize_reads_arabic_presentation_forms():
    # Chromium's PDF text layer gives shaped glyphs: meem, qaf, alef, lam, heh forms.
    assert normalize("\ufee3\ufed8\ufe8e\ufedf\ufeea") == normalize("مقاله")


def test_normalize_reads_kangxi_radicals_and_compares_chinese_in_simplified():
    # "⼀" (U+2F00) is what Noto CJK glyphs map to in Chromium PDFs.
    assert normalize("⼀塊磚茶") == normalize("一块砖茶")
    assert normalize("兩百多年間，雅安") == normalize("两百多年间 雅安")


def test_normalize_ignores_punctuation_case_and_line_breaks():
    assert normalize("Water-\nscarcity, in IRAN.") == normalize("water scarcity in iran")


@given(st.text())
def test_normalize_is_idempotent(text):
    assert normalize(normalize(text)) == normalize(text)


def test_pair_keys_group_chinese_except_against_each_other():
    assert pair_key("fa", "en") == pair_key("en", "fa") == "en|fa"
    assert pair_key("zh-Hans", "en") == "en|zh"
    assert pair_key("fa", "zh-Hant") == "fa|zh"
    assert pair_key("zh-Hans", "zh-Hant") == "zh-Hant|zh-Hans"
    assert pair_key("en", "en") is None and pair_key("fa", "und") is None


def test_side_matches_needs_a_substantial_overlap():
    sentence = normalize("Physical losses in the distribution network were estimated at 24 percent.")
    two = sentence + normalize("Several interviewees described leak repair as invisible work.")
    assert side_matches(two, sentence)
    assert not side_matches(sentence * 4, sentence)
    assert not side_matches(normalize("24 percent"), sentence)
    assert not side_matches("", sentence)


# ------------------------------------------------------------------------------ the gold

def test_gold_covers_every_scored_pair(gold):
    counts = {pair: len(gold.by_pair(pair)) for pair in PAIRS}
    assert all(n > 0 for n in counts.values()), counts


def test_persian_conclusion_is_translated_in_its_own_extended_abstract(gold):
    conclusion = [link for link in gold.links
                  if link.doc_a == link.doc_b == "fa-water-management.pdf"
                  and any(i.startswith("water.c") for i in link.ids)]
    assert sorted(i for link in conclusion for i in link.ids) == [f"water.c0{n}" for n in range(1, 6)]
    assert {link.lang_a for link in conclusion} == {"en"}
    assert {link.lang_b for link in conclusion} == {"fa"}


def test_unrelated_document_has_no_gold(gold):
    assert "en-beekeeping.pdf" in gold.documents
    assert not [link for link in gold.links if "en-beekeeping.pdf" in (link.doc_a, link.doc_b)]


def test_merged_sentence_links_to_both_members(gold):
    merged = [link for link in gold.links if link.doc_a == "en-water-management.pdf"
              and link.text_a.startswith("The estimated price elasticity") and link.lang_b == "fa"]
    assert sorted(i for link in merged for i in link.ids) == ["water.r04", "water.r05"]


def _body_text(path: Path, running_header: str) -> str:
    """The file's text without running headers and page numbers, which interrupt
    sentences that cross a page break."""
    if path.suffix == ".html":
        return html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))
    # pdfium returns text in content-stream order, which keeps two-column text in reading
    # order (pdfplumber's line-by-line text would interleave the columns).
    pdf = pypdfium2.PdfDocument(path)
    try:
        lines = [line for page in pdf for line in page.get_textpage().get_text_range().splitlines()]
    finally:
        pdf.close()
    header = normalize(running_header)
    return "\n".join(line for line in lines
                     if not line.strip().isdigit() and not (header and normalize(line) == header))


def test_gold_sentences_are_in_the_rendered_text_layer(gold):
    # Every English and Chinese gold sentence must be in its file's text layer. (Persian
    # comes out of PDFs in visual or mixed order; repairing it is the extractor's job.)
    headers = {d.file: d.running_header for d in corpus_spec_module().load_documents(DEFAULT_SPEC)}
    texts = {name: normalize(_body_text(CORPUS / name, headers[name])) for name in gold.documents}
    missing = []
    for link in gold.links:
        for doc, lang, norm in ((link.doc_a, link.lang_a, link.norm_a), (link.doc_b, link.lang_b, link.norm_b)):
            if lang != "fa" and norm not in texts[doc]:
                missing.append((doc, norm[:40]))
    assert not missing, missing[:5]


# ------------------------------------------------------------------------------- scoring

def _rows_from(links, damage=lambda text: text):
    return [{"src_lang": link.lang_b, "src_text": damage(link.text_b),
             "tgt_lang": link.lang_a, "tgt_text": damage(link.text_a)} for link in links]


def test_gold_rows_score_perfectly_in_either_orientation(gold):
    scores = score(_rows_from(gold.links), gold)
    for pair in PAIRS:
        assert scores[pair].precision == 1.0 and scores[pair].recall == 1.0, scores[pair]


def test_damaged_but_correct_rows_still_match(gold):
    def damage(text):  # what extraction does: no ZWNJ, Arabic letters, broken lines
        return text.replace("\u200c", " ").replace("ی", "ي").replace("ک", "ك").replace(" ", "\n", 1)

    scores = score(_rows_from(gold.by_pair("en|fa"), damage), gold)
    assert scores["en|fa"].recall == 1.0 and scores["en|fa"].precision == 1.0


def test_wrong_pairings_lower_precision_and_recall(gold):
    links = gold.by_pair("en|fa")
    shifted = [{"src_lang": a.lang_a, "src_text": a.text_a, "tgt_lang": b.lang_b, "tgt_text": b.text_b}
               for a, b in zip(links, links[7:] + links[:7]) if a.norm_b != b.norm_b]
    scores = score(shifted, gold)
    assert scores["en|fa"].precision < 0.2 and scores["en|fa"].recall < 0.2
    assert scores["en|zh"].rows == 0 and scores["en|zh"].precision is None


def test_a_row_joining_two_sentences_finds_both_links(gold):
    r01, r02 = (next(link for link in gold.by_pair("en|fa") if link.ids == (sid,)
                     and link.doc_a == "en-water-management.pdf")
                for sid in ("water.r01", "water.r02"))
    row = {"src_lang": "en", "src_text": r01.text_a + " " + r02.text_a,
           "tgt_lang": "fa", "tgt_text": r01.text_b + " " + r02.text_b}
    result = score([row], gold)["en|fa"]
    assert result.matched_rows == 1 and result.found_links == 2


def test_document_ids_restrict_matches_to_the_right_files(gold):
    link = next(l for l in gold.by_pair("en|fa") if l.doc_a == l.doc_b == "fa-water-management.pdf")
    right = {"src_lang": "en", "src_text": link.text_a, "src_doc": "fa-water-management",
             "tgt_lang": "fa", "tgt_text": link.text_b, "tgt_doc": "fa-water-management"}
    wrong = dict(right, src_doc="en-beekeeping")
    assert score([right], gold)["en|fa"].matched_rows == 1
    assert score([wrong], gold)["en|fa"].matched_rows == 0
