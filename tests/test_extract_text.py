"""Plain text as other tools write it (bench/text_shapes.py: our own bank text in the shapes
of the seeds): paragraphs rebuilt from hard-wrapped lines in all four languages, footnotes
and running headers recognised, Persian in visual order reported."""

from __future__ import annotations

import pytest

from bench import text_shapes as S
from pipeline.config import ExtractSettings
from pipeline.extract import extract_file

DOCS = {(d.lang, d.shape): d for d in S.text_documents()}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shapes")
    return {key: S.evaluate_text(doc, folder) for key, doc in DOCS.items()}


@pytest.mark.parametrize("lang, shape", sorted(DOCS))
def test_paragraphs_rebuilt_whole_and_in_order(results, lang, shape):
    result = results[(lang, shape)]
    # one paragraph may be cut where a page break falls on a sentence end in a file with a
    # paragraph a line: nothing in the text tells that from a paragraph end
    assert result.whole_in_order >= result.paragraphs - (1 if shape == "notes_between_pages" else 0), result
    assert result.cer < 0.005, result
    assert result.notes_found == result.notes and result.note_text_in_body == 0, result


def test_all_shapes_together(results):
    total = sum(r.paragraphs for r in results.values())
    assert sum(r.whole_in_order for r in results.values()) >= 0.99 * total


def test_chinese_lines_join_without_a_space(tmp_path):
    from pipeline.normalize import normalize_text

    doc = DOCS[("zh-Hant", "blank_after_every_line")]
    path = tmp_path / "zh.txt"
    path.write_text(doc.text, encoding="utf-8")
    paragraph = max((b for b in extract_file(path, ExtractSettings()).blocks), key=lambda b: len(b.text))
    assert paragraph.text.count("\n") >= 2  # the original keeps its lines
    normalized, _ = normalize_text(paragraph.text, "han")
    assert normalized.replace(" ", "") in "".join(doc.paragraphs).replace(" ", "")
    assert normalized in "".join(p for p in doc.paragraphs)


def test_heading_and_numbered_heading_kinds(tmp_path):
    doc = DOCS[("en", "no_blank_lines")]
    path = tmp_path / "en.txt"
    path.write_text(doc.text, encoding="utf-8")
    headings = [b.text for b in extract_file(path, ExtractSettings()).blocks if b.kind == "heading"]
    assert "1. Introduction" in headings and "5. Discussion" in headings


def test_running_header_and_notes_leave_the_paragraph_whole(tmp_path):
    """A page ends mid-paragraph; its footnote and the next page's header come between the
    two halves: the paragraph is one block, the note and header follow it."""
    doc = DOCS[("en", "page_breaks")]
    path = tmp_path / "en.txt"
    path.write_text(doc.text, encoding="utf-8")
    blocks = extract_file(path, ExtractSettings()).blocks
    kinds = [b.kind for b in blocks]
    assert kinds.count("header") >= 2 and kinds.count("footnote") == 2
    for block in blocks:
        if block.kind == "header":
            assert "Review" in block.text and not any("Review" in b.text for b in blocks if b.kind == "paragraph")


def visual_order(line: str) -> str:
    """A line as a tool that reads the drawn glyphs left to right writes it, with each word's
    letters put back in order: words and punctuation runs last first (seed 000's damage)."""
    import re

    from bidi import get_display

    drawn = get_display(line, base_dir="R")
    return re.sub("[\u0600-\u06ff\u200c]+", lambda m: m.group()[::-1], drawn)


def test_persian_in_visual_order_is_reported(tmp_path):
    doc = DOCS[("fa", "no_blank_lines")]
    logical = tmp_path / "logical.txt"
    logical.write_text(doc.text, encoding="utf-8")
    assert extract_file(logical, ExtractSettings()).notes == []
    visual = tmp_path / "visual.txt"
    visual.write_text("\n".join(visual_order(l) for l in doc.text.splitlines()), encoding="utf-8")
    notes = extract_file(visual, ExtractSettings()).notes
    assert len(notes) == 1 and "visual order" in notes[0] and "give Hamta the PDF" in notes[0]


def test_simply_reversed_persian_lines_are_put_back_when_the_evidence_is_clear():
    """Lines of our bank's Persian whose words were drawn last first come back in typed
    order (the shipped word-pair counts are from that text, so the evidence is clear);
    lines whose word groups were turned around, and intact lines, are left alone. The
    measure on text the counts never saw is bench/visual_order_repair.py's."""
    from bench.visual_order_repair import damaged_text, measure, persian_paragraphs, SETS

    result = measure("bank", "mixed", damaged_text(persian_paragraphs(SETS["tune (bank)"])))
    assert result.restored >= 0.8 * result.simple
    assert result.groups_changed == 0 and result.intact_changed == 0


def test_no_repair_without_visual_order_damage():
    from pipeline.extractors.visual_order import repair_reversed_lines

    doc = DOCS[("fa", "no_blank_lines")]
    assert repair_reversed_lines(doc.text) == (doc.text, 0)


def test_alike_paragraphs_a_line_each_with_blank_lines_stay_apart(tmp_path):
    """A log or ledger: every paragraph one long line of about the same width, a blank line
    after each. Equal widths look like a hard wrap, but each line ends its sentences, so
    each line is a paragraph of its own."""
    entries = [f"On day {i} the board of the {('barley', 'cotton', 'melon')[i % 3]} fields measured "
               f"{i * 7 + 3} litres on plot {i % 23}. Channel {i % 11} was cleared by {i % 5 + 2} workers."
               for i in range(40)]
    path = tmp_path / "ledger.txt"
    path.write_text("\n\n".join(entries) + "\n", encoding="utf-8")
    paragraphs = [b.text for b in extract_file(path, ExtractSettings()).blocks if b.kind == "paragraph"]
    assert paragraphs == entries
