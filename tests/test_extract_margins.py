"""What set 9's losses showed (twelfth pass of issue 11): printed line numbers in a page's
margin (pleading paper, legislative bills) read into the text, a bill set in a typewriter
face taken for code and its stretched spaces for gutters, list items opened with a middle
dot, and a blank image (one pixel stretched over a panel) taken for a figure.

Each PDF is written here with the standard Times and Courier fonts, in our own words, and
read by the real extractor.
"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import body_passages, reflowed_words, write_pdf
from pdfminer.fontmetrics import FONT_METRICS

from pipeline.config import ExtractSettings
from pipeline.extract import extract_file

_FONTS = {"R": "Times-Roman", "B": "Times-Bold", "C": "Courier"}
PAGE_WIDTH, PAGE_HEIGHT = 612.0, 792.0


def _width(text: str, font: str, size: float) -> float:
    widths = FONT_METRICS[_FONTS[font]][1]
    return sum(widths.get(c, 500) for c in text) * size / 1000


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _pdf(path: Path, runs: list[tuple[str, float, float, float, str]], drawing: str = "",
         width: float = PAGE_WIDTH, height: float = PAGE_HEIGHT) -> Path:
    """One page of runs (font, size, x, baseline from the top, text); drawing: operators
    drawn before the text, which may paint /Im1, an image of one white pixel."""
    text_ops = "".join(f"BT /{font} {size} Tf 1 0 0 1 {x:.2f} {height - y:.2f} Tm ({_escape(text)}) Tj ET\n"
                       for font, size, x, y, text in runs)
    stream = (drawing + text_ops).encode("cp1252")
    fonts = "".join(f"/{key} {n} 0 R " for n, key in enumerate(_FONTS, 3))
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [7 0 R] /Count 1 >>"]
    objects += [f"<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>"
                for name in _FONTS.values()]
    objects.append(b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceRGB "
                   b"/BitsPerComponent 8 /Length 3 >>\nstream\n\xff\xff\xff\nendstream")
    objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode("latin-1") + stream + b"endstream")
    objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] /Contents 8 0 R "
                   f"/Resources << /Font << {fonts}>> /XObject << /Im1 6 0 R >> >> >>")
    objects[6], objects[7] = objects[7], objects[6]  # contents is object 8, the page 7
    write_pdf(path, objects)
    return path


def _wrap(words: list[str], font: str, size: float, width: float, indent: float) -> list[list[str]]:
    lines, line, room = [], [], width - indent
    for word in words:
        if line and _width(" ".join(line + [word]), font, size) > room:
            lines.append(line)
            line, room = [], width
        line.append(word)
    return lines + [line]


def _justified(line: list[str], font: str, size: float, x: float, width: float, y: float) -> list:
    """The line's words spread so that it ends on the column's right edge."""
    spare = width - _width("".join(line), font, size)
    gap = spare / max(len(line) - 1, 1)
    runs = []
    for word in line:
        runs.append((font, size, x, y, word))
        x += _width(word, font, size) + gap
    return runs


PLEADING = [
    "The tenant asks the court to set aside the notice to quit, which the landlord served on the "
    "wrong address and after the date the lease allows for such a notice.",
    "The landlord answers that the tenant had moved and had told no one where to, so that the "
    "only address on file was the one the notice was sent to, and that the date was kept.",
    "The court finds that the lease names the flat as the address for notices, whoever lives "
    "there, and that the notice reached it in time; the application is refused.",
]


def test_printed_line_numbers_in_the_margin_are_no_text(tmp_path):
    """pymupdf's test_4139 (pleading paper): a number at the left margin beside every line,
    1 to 28 down the page at the line pitch, the last ones beside no text. They were read
    into the lines ("1 The tenant asks ...") and hid the paragraphs' first-line indents."""
    size, pitch, left, width = 12.0, 24.0, 100.0, 400.0
    runs, row = [], 0
    for text in PLEADING:
        for k, line in enumerate(_wrap(text.split(), "R", size, width, 36.0)):
            runs.append(("R", size, left + (36.0 if k == 0 else 0.0), 72.0 + row * pitch, " ".join(line)))
            row += 1
    for n in range(1, 29):
        runs.append(("R", size, 60.0 - _width(str(n), "R", size), 72.0 + (n - 1) * pitch, str(n)))
    extraction = extract_file(_pdf(tmp_path / "pleading.pdf", runs), ExtractSettings())
    assert body_passages(extraction.blocks) == [reflowed_words(t) for t in PLEADING]


def test_numbers_counting_down_a_table_column_inside_the_text_are_kept(tmp_path):
    """The same run of numbers with the text's own lines starting further out than the
    numbers: a column of the text, not the margin's furniture."""
    size, pitch = 12.0, 24.0
    runs = [("R", size, 60.0, 48.0, "Boats that left the harbour, by berth, in the order of their berths:")]
    for n in range(1, 11):
        runs.append(("R", size, 100.0 - _width(str(n), "R", size), 48.0 + n * pitch, str(n)))
        runs.append(("R", size, 130.0, 48.0 + n * pitch, f"a fishing boat of the {n * 3} registered at the quay"))
    runs.append(("R", size, 60.0, 48.0 + 12 * pitch, "The berths are counted from the harbour mouth."))
    extraction = extract_file(_pdf(tmp_path / "berths.pdf", runs), ExtractSettings())
    numbers = re.findall(r"(?m)^\s*(\d+)\s+a fishing boat", "\n".join(b.text for b in extraction.blocks))
    assert numbers == [str(n) for n in range(1, 11)]


# Lines of a bill in Courier, each stretched to the right edge but a paragraph's last; the
# third and fourth lines have words of the lengths of test_4503's lines 15 and 16, whose
# stretched spaces after the third word and after the fourth line up into a strip an em wide
# (double-spaced lines: the rows are set apart, and a strip two rows tall cuts them).
BILL = [
    ["The harbour board shall, within sixty days of the end of each",
     "season, publish the dues that each boat paid for its berth, and",
     "second-hand boat to each skipper registers dues at this office and",
     "records the harbour of cargos announced information as required by",
     "the rules that the board has made for the quay and its sheds."],
    ["A skipper who disputes the dues may ask the board to review them",
     "within thirty days of their publication, and the board shall answer",
     "in writing before the next season opens."],
]


def test_a_bill_justified_in_a_typewriter_face_keeps_its_paragraphs(tmp_path):
    """pymupdf's test_4503 (a legislative bill in Courier, lines justified by stretching
    the spaces past an em): its fixed-width lines were taken for code, whose blocks are not
    split at indents, and its stretched spaces, lined up on two lines, for a gutter."""
    size, left, width, indent = 10.0, 99.0, 439.0, 30.0
    runs, y = [], 60.0
    for paragraph in BILL:
        for k, line in enumerate(paragraph):
            x = left + (indent if k == 0 else 0.0)
            if k < len(paragraph) - 1:
                runs += _justified(line.split(), "C", size, x, left + width - x, y)
            else:
                runs.append(("C", size, x, y, line))
            y += 24.0
    extraction = extract_file(_pdf(tmp_path / "bill.pdf", runs), ExtractSettings())
    assert body_passages(extraction.blocks) == [" ".join(p) for p in BILL]


# items of about one length: each line above leaves no room for the next line's first word
def test_a_stretched_word_space_is_no_gutter_but_a_gutter_beside_plain_spaces_is(tmp_path):
    """A row's gap counts as a possible gutter only when it is wider than the row's own
    word spaces: a justified typewriter line stretches every space past an em (test_4503's
    "first-class mail to both parents", whose space after "to" lined up with the next line's
    into a strip that cut two lines into columns), where two columns' lines side by side
    have plain spaces and one wide gap."""
    import pdfplumber

    from pipeline.extractors.lines import _segments

    size, left, width = 10.0, 99.0, 439.0
    stretched = _justified(BILL[0][2].split(), "C", size, left, width, 100.0)
    columns = [("C", size, left, 140.0, "the quay and its sheds"), ("C", size, left + 144.0, 140.0, "the board has made for")]
    path = _pdf(tmp_path / "rows.pdf", stretched + columns)
    with pdfplumber.open(path) as pdf:
        chars = sorted(pdf.pages[0].chars, key=lambda c: c["x0"])
    rows = [[c for c in chars if abs(c["top"] - chars_top) < 1] for chars_top in sorted({round(c["top"]) for c in chars})]
    assert [len(_segments(row, k)) for k, row in enumerate(rows)] == [1, 2]


ITEMS = ["Someone to talk to about what happened at the quay", "Help with the forms of the claim for the lost cargo",
         "Visits at home or at the office of the harbour board", "Advice on the safety of the house and of the boats"]
KEYWORDS = ["Keywords: harbour records \u00b7 cargo ledgers \u00b7 customs", "\u00b7 port history"]


def test_items_opened_with_a_middle_dot_are_items(tmp_path):
    """pymupdf's test_2645_1 (a leaflet): each item on its own line opening with "·" set
    against its first word; they ran together as one paragraph, and "·Providing" was one
    word. A middle dot that separates keywords, inside the line above too, opens no item."""
    size = 11.0
    runs = [("R", size, 72.0, 72.0, "What we can offer:")]
    runs += [("R", size, 72.0, 72.0 + 1.2 * size * (k + 1), "\u00b7" + item) for k, item in enumerate(ITEMS)]
    runs += [("R", size, 72.0, 200.0 + 1.2 * size * k, line) for k, line in enumerate(KEYWORDS)]
    extraction = extract_file(_pdf(tmp_path / "items.pdf", runs), ExtractSettings())
    passages = body_passages(extraction.blocks)
    assert passages[1:5] == ["\u00b7 " + item for item in ITEMS]  # the marker parted from the word
    assert passages[5:] == [" ".join(KEYWORDS)]


def test_a_blank_image_under_a_columns_foot_is_no_figure(tmp_path):
    """pymupdf's test_2645_1 (a leaflet in three columns): an image of one pixel stretched
    over the foot of the third column, reaching up over its last line. Taken for a figure,
    it cut the page across: the middle column was read in two pieces, the third column's
    last line between them."""
    size, pitch, width = 13.0, 21.0, 265.0
    words = (PLEADING[0] + " " + PLEADING[1] + " " + PLEADING[2]).split()
    middle = [" ".join(line) for line in _wrap(words, "R", size, width, 0.0)]
    third = [f"\u00b7A service the office offers, number {n}" for n in range(1, 7)] + ["schools and the community"]
    first = [" ".join(line) for line in _wrap(PLEADING[0].split(), "R", size, width, 0.0)]
    runs = [("R", size, 3.0, 56.0 + k * pitch, line) for k, line in enumerate(first)]
    runs += [("R", size, 288.0, 56.0 + k * pitch, line) for k, line in enumerate(middle)]
    runs += [("R", size, 568.0, 56.0 + k * pitch, line) for k, line in enumerate(third)]
    image_top = 56.0 + (len(third) - 1) * pitch - 0.9 * size  # over the third column's last line
    drawing = f"q 281 0 0 {595 - image_top - 17:.2f} 560 17 cm /Im1 Do Q\n"
    assert 56.0 + (len(middle) - 1) * pitch > image_top + 3 * pitch
    extraction = extract_file(_pdf(tmp_path / "leaflet.pdf", runs, drawing, 842.0, 595.0), ExtractSettings())
    passages = body_passages(extraction.blocks)
    assert " ".join(words) in passages
