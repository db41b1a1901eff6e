"""Text layers that set their words unlike a typesetter (seventh pass of issue 11, from the
losses of held-out set 5): an OCR layer under a scan set all in one bold face, its words
placed where the scan has them; a drop cap; a sentence that opens with a figure's label.

Each PDF is written here with the standard Times fonts (their metrics are pdfminer's), in
our own words, and read by the real extractor.
"""

from __future__ import annotations

from pathlib import Path

from conftest import reflowed_words, write_pdf
from pdfminer.fontmetrics import FONT_METRICS

from pipeline.config import ExtractSettings
from pipeline.extract import extract_file

_FONTS = {"R": "Times-Roman", "B": "Times-Bold"}
LEFT, WIDTH, TOP = 72.0, 360.0, 720.0


def _width(text: str, font: str, size: float) -> float:
    widths = FONT_METRICS[_FONTS[font]][1]
    return sum(widths.get(c, 500) for c in text) * size / 1000


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _wrap(words: list[str], font: str, size: float, first_indent: float) -> list[list[str]]:
    lines, line, room = [], [], WIDTH - first_indent
    for word in words:
        wanted = _width(" ".join(line + [word]), font, size)
        if line and wanted > room:
            lines.append(line)
            line, room = [], WIDTH
        line.append(word)
    return lines + [line]


def _pdf(path: Path, pages: list[list[tuple[str, float, float, float, str]]],
         drawings: list[str] | None = None) -> Path:
    """pages: runs of (font, size, x, baseline from the top, text), each drawn where given;
    drawings: per page, content-stream operators drawn before the text (rules, boxes)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None,
               "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /WinAnsiEncoding >>",
               "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Bold /Encoding /WinAnsiEncoding >>"]
    kids = []
    for number, runs in enumerate(pages):
        text_ops = "".join(f"BT /{font} {size} Tf 1 0 0 1 {x:.2f} {792 - y:.2f} Tm ({_escape(text)}) Tj ET\n"
                           for font, size, x, y, text in runs)
        stream = ((drawings[number] if drawings else "") + text_ops).encode("cp1252")
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode("latin-1") + stream + b"endstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {len(objects)} 0 R "
                       "/Resources << /Font << /R 3 0 R /B 4 0 R >> >> >>")
        kids.append(len(objects))
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
    write_pdf(path, objects)
    return path


def _paragraph_runs(text: str, font: str, size: float, top: float, indent: float = 0.0,
                    words_apart: bool = False) -> tuple[list, float]:
    """The paragraph's lines from top (a baseline), wrapped to the column, first line
    indented by indent. words_apart: each word drawn on its own with the space glyph after
    it, the next word placed a little inside that space (as an OCR layer does)."""
    runs, leading = [], 1.2 * size
    lines = _wrap(text.split(), font, size, indent)
    for k, line in enumerate(lines):
        x = LEFT + (indent if k == 0 else 0.0)
        y = top + k * leading
        if not words_apart:
            runs.append((font, size, x, y, " ".join(line)))
            continue
        for word in line:
            runs.append((font, size, x, y, word + " "))
            x += _width(word, font, size) + 0.06 * size  # the space glyph is a quarter em wide
    return runs, top + len(lines) * leading


SCAN_PARAGRAPHS = [
    "The harbour office kept its ledgers in a cold room behind the customs hall, and every "
    "winter the clerks carried them upstairs, one shelf at a time, so that the damp would not "
    "reach the bindings before the spring inventory began.",
    "Most of the ledgers record cargo by weight alone, but a few volumes from the early years "
    "also name the ships, their masters and the ports they came from, which makes them the "
    "only surviving list of the coastal trade for that decade.",
    "A later hand added notes in the margins, usually a price or a date, and sometimes a short "
    "complaint about the weather or the state of the roads leading down to the quay.",
]


def test_an_ocr_layer_set_all_in_bold_keeps_its_paragraphs_apart(tmp_path):
    """pymupdf's test_3357 (a JSTOR scan): its text layer names Times-Bold for every word,
    so every line looked like a heading and the page's paragraphs became one block. Where
    the running text itself is bold, bold says nothing: the paragraphs are told apart by
    their indents and short last lines as in any text."""
    runs, y = [], 100.0
    for text in SCAN_PARAGRAPHS:
        part, y = _paragraph_runs(text, "B", 10.0, y, indent=10.0)
        runs += part
    extraction = extract_file(_pdf(tmp_path / "scan_layer.pdf", [runs]), ExtractSettings())
    paragraphs = [reflowed_words(b.text) for b in extraction.blocks if b.kind == "paragraph"]
    assert paragraphs == [reflowed_words(t) for t in SCAN_PARAGRAPHS]


def test_an_ocr_layer_word_drawn_over_the_space_before_it_is_a_word_of_its_own(tmp_path):
    """Each word drawn where the scan has it, its space glyph after it, the next word
    starting inside that space: "correspondante a", not "correspondantea"."""
    text = SCAN_PARAGRAPHS[0]
    runs, _ = _paragraph_runs(text, "R", 10.0, 100.0, words_apart=True)
    extraction = extract_file(_pdf(tmp_path / "placed_words.pdf", [runs]), ExtractSettings())
    assert [reflowed_words(b.text) for b in extraction.blocks] == [reflowed_words(text)]


DROP_CAP_PARAGRAPH = (
    "Small boats still leave the harbour before dawn, although the fish market moved inland "
    "many years ago and most of the catch now travels by lorry to the city, where it is sold "
    "again before noon to restaurants and shops along the river.")
AFTER_DROP_CAP = ("The old market hall has since become a library, and its long tables are "
                  "covered with maps of the coast drawn by the first harbour masters.")


def test_a_drop_cap_opens_the_first_line_of_its_paragraph(tmp_path):
    """Scientific Reports (pymupdf's test_3780): a letter three lines tall, its baseline on
    the third line, read into that line ("S linear Paul trap ...") and the paragraph cut
    round it. The letter is the first of the paragraph's first line."""
    size, leading, top = 10.0, 12.0, 100.0
    cap, rest = DROP_CAP_PARAGRAPH[0], DROP_CAP_PARAGRAPH[1:]
    cap_size = 3.3 * size
    beside = _width(cap, "R", cap_size) + 3.0
    words, lines, line = rest.split(), [], []
    for word in words:
        room = WIDTH - (beside if len(lines) < 3 else 0.0)
        if line and _width(" ".join(line + [word]), "R", size) > room:
            lines.append(line)
            line = []
        line.append(word)
    lines.append(line)
    runs = [("R", cap_size, LEFT, top + 2 * leading, cap)]
    for k, line in enumerate(lines):
        runs.append(("R", size, LEFT + (beside if k < 3 else 0.0), top + k * leading, " ".join(line)))
    after, _ = _paragraph_runs(AFTER_DROP_CAP, "R", size, top + (len(lines) + 0.8) * leading, indent=10.0)
    extraction = extract_file(_pdf(tmp_path / "drop_cap.pdf", [runs + after]), ExtractSettings())
    paragraphs = [reflowed_words(b.text) for b in extraction.blocks if b.kind == "paragraph"]
    assert paragraphs == [reflowed_words(DROP_CAP_PARAGRAPH), reflowed_words(AFTER_DROP_CAP)]


FIGURE_SENTENCE = ("Fig. 2(b) shows the number of boats that left the harbour each month, "
                   "which falls by half between the summer and the first weeks of winter.")
FIGURE_CAPTION = "Figure 2. Boats leaving the harbour by month, in two years."


def test_a_sentence_opening_with_a_panels_label_is_text_not_a_caption(tmp_path):
    """Scientific Reports' "Fig. 1(a) shows the average ion positions ...": a paragraph
    about a figure's panel, not the figure's caption; the caption itself stays one."""
    intro, y = _paragraph_runs(SCAN_PARAGRAPHS[1], "R", 10.0, 100.0, indent=10.0)
    about, y = _paragraph_runs(FIGURE_SENTENCE, "R", 10.0, y, indent=10.0)
    caption, _ = _paragraph_runs(FIGURE_CAPTION, "R", 9.0, y + 30.0)
    extraction = extract_file(_pdf(tmp_path / "figure_sentence.pdf", [intro + about + caption]), ExtractSettings())
    kinds = {reflowed_words(b.text): b.kind for b in extraction.blocks}
    assert kinds.get(reflowed_words(FIGURE_SENTENCE)) == "paragraph"
    assert kinds.get(reflowed_words(FIGURE_CAPTION)) == "caption"


NO_STOP_PARAGRAPH = ("The council agreed that the harbour needs a new breakwater, a wider quay "
                     "and better lighting along the road, and that all three are necessary to "
                     "keep the boats")
QUOTE_PARAGRAPH = ("\u201cWe cannot wait another decade,\u201d the harbour master said. \u201cThe "
                   "old wall will not last that long, and nobody wants to find out in a storm.\u201d")


def test_a_paragraph_set_apart_by_space_starts_though_the_line_above_runs_on(tmp_path):
    """pdfminer.six's issue-00352 (a web article): a paragraph whose last sentence has no
    stop, its last line nearly full, then a space of almost two leadings and a quotation:
    the quotation was run into it because the line above looked as if it ran on."""
    size, leading = 11.0, 14.6
    words = NO_STOP_PARAGRAPH.split()
    lines, line = [], []
    for word in words:
        if line and _width(" ".join(line + [word]), "R", size) > WIDTH:
            lines.append(line)
            line = []
        line.append(word)
    lines.append(line)
    runs = [("R", size, LEFT, 100.0 + k * leading, " ".join(l)) for k, l in enumerate(lines)]
    assert _width(" ".join(lines[-1]), "R", size) > WIDTH - _width("\u201cWe", "R", size) - 10
    quote, _ = _paragraph_runs(QUOTE_PARAGRAPH, "R", size, 100.0 + (len(lines) - 1 + 1.84) * leading)
    extraction = extract_file(_pdf(tmp_path / "space_apart.pdf", [runs + quote]), ExtractSettings())
    paragraphs = [reflowed_words(b.text) for b in extraction.blocks if b.kind == "paragraph"]
    assert paragraphs == [reflowed_words(NO_STOP_PARAGRAPH), reflowed_words(QUOTE_PARAGRAPH)]
