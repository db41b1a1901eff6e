"""What the losses of held-out set 6 showed (ninth pass of issue 11): a paragraph's last
line taken for the page's foot, a narrow column beside a floated box read one line at a
time, a box of small type read as a footnote.

Each PDF is written here with the standard Times fonts, in our own words, and read by the
real extractor.
"""

from __future__ import annotations

from conftest import reflowed_words
from test_extract_textlayer import LEFT, _paragraph_runs, _pdf, _width, _wrap

from pipeline.config import ExtractSettings
from pipeline.extract import extract_file

HARBOUR = ("The harbour office kept its ledgers in a cold room behind the customs hall, and "
           "every winter the clerks carried them upstairs so that the damp would not reach them.")
CLAUSE_WORDS = ("The clerks shall record each cargo by weight and by the port it came from, in "
                "accordance with the rules of the harbour board and the customs office, as the "
                "board has set them out in its standing orders for the quay, section").split()
LAST_LINE = "Clause 6."


def _clause_ending_on_its_own_line() -> str:
    """The clause cut so that its last words, "Clause 6.", wrap to a line of their own under
    a full line."""
    for n in range(len(CLAUSE_WORDS), 0, -1):
        text = " ".join(CLAUSE_WORDS[-n:]) + " " + LAST_LINE
        if _wrap(text.split(), "R", 10.0, 0.0)[-1] == LAST_LINE.split():
            return text
    raise AssertionError("no cut of the clause ends on its own line")


def test_a_paragraphs_last_line_on_a_page_printed_twice_is_no_running_foot(tmp_path):
    """pymupdf's test_2979 (a page of a standard drawn twice): the clause at the page's
    foot ends on a short line, "Clause 6.", which repeats on the other page like a running
    foot; it was cut off as a footer and the clause, now ending mid-sentence, was joined to
    the next page's first paragraph. The real foot, set apart and smaller, stays furniture."""
    size = 10.0
    runs, y = _paragraph_runs(HARBOUR, "R", size, 650.0)
    last_clause = _clause_ending_on_its_own_line()
    clause, y = _paragraph_runs(last_clause, "R", size, y + 8.0)
    runs += clause
    runs.append(("R", 8.0, LEFT, 770.0, "Printed for the harbour board, all rights reserved"))
    assert y > 0.85 * 792
    extraction = extract_file(_pdf(tmp_path / "page_twice.pdf", [runs, runs]), ExtractSettings())
    for page in (1, 2):
        blocks = [b for b in extraction.blocks if b.page == page]
        paragraphs = [reflowed_words(b.text) for b in blocks if b.kind == "paragraph"]
        assert paragraphs == [reflowed_words(HARBOUR), reflowed_words(last_clause)]
        assert [b.kind for b in blocks if b.text.startswith("Printed")] == ["footer"]


ROWS = [["Year", "Boats", "Cargo"], ["2021", "412", "18,300"], ["2022", "455", "19,950"],
        ["2023", "470", "21,400"]]
BOX_TEXT = ("The harbour board expects that the number of boats will grow again next year and "
            "that the cargo landed at the quay will be between 22,000 and 24,000 tonnes.")


def _ruled_table(top: float, left: float = 72.0, width: float = 300.0, row: float = 18.0) -> tuple[list, str]:
    """A table ruled on every side, its cells in 9-point type: (runs, drawing operators)."""
    runs, ops = [], ["0.5 w\n"]
    column = width / len(ROWS[0])
    for r, cells in enumerate(ROWS):
        for c, cell in enumerate(cells):
            runs.append(("R", 9.0, left + c * column + 4.0, top + r * row + 13.0, cell))
    for r in range(len(ROWS) + 1):
        y = 792 - (top + r * row)
        ops.append(f"{left:.2f} {y:.2f} m {left + width:.2f} {y:.2f} l S\n")
    for c in range(len(ROWS[0]) + 1):
        x = left + c * column
        ops.append(f"{x:.2f} {792 - top:.2f} m {x:.2f} {792 - top - len(ROWS) * row:.2f} l S\n")
    return runs, "".join(ops)


def test_small_type_closing_up_under_a_table_at_the_foot_is_no_footnote(tmp_path):
    """pdf.js's chrome-text-selection-markedContent (a research note): a box of small type
    just under its sidebar's table at the foot of the page was read as a footnote and left
    the body text; a footnote area is set off from what is above it, and a table is what is
    above it here. Small type at the foot set off from the text, with no table over it,
    stays a footnote (the second page)."""
    body, y = [], 100.0
    for text in (HARBOUR, HARBOUR.replace("ledgers", "charts"), HARBOUR.replace("ledgers", "logs")):
        runs, y = _paragraph_runs(text, "R", 11.0, y + 6.0)
        body += runs
    table_runs, ops = _ruled_table(560.0)
    box, _ = _paragraph_runs(BOX_TEXT, "R", 9.0, 560.0 + len(ROWS) * 18.0 + 12.0)
    note, _ = _paragraph_runs(BOX_TEXT, "R", 9.0, 700.0)
    extraction = extract_file(_pdf(tmp_path / "box_under_table.pdf", [body + table_runs + box, body + note],
                                   [ops, ""]), ExtractSettings())
    kinds = {(b.page, reflowed_words(b.text)): b.kind for b in extraction.blocks}
    assert kinds.get((1, reflowed_words(BOX_TEXT))) == "paragraph"
    assert [b.kind for b in extraction.blocks if b.page == 1].count("table") == 1
    assert kinds.get((2, reflowed_words(BOX_TEXT))) == "footnote"


WRAPPED = [
    ("The lighthouse keeper's cottage stands on the point, its garden wall built from the "
     "same grey stone as the tower, and in the summer months it is open to visitors who "
     "walk out along the cliff path from the village to see the lamp room and the old "
     "fog horn that was last sounded in a storm many years ago."),
    ("Inside, the rooms are kept as the last keeper left them, with his charts on the table, "
     "his oilskins on a hook by the door and a logbook open at the page of his final night."),
]
BELOW = ("The path back to the village follows the shore, past the boat sheds and the old "
         "fish cellars, and takes about an hour at an easy pace in good weather.")


def test_text_wrapped_round_a_picture_keeps_its_paragraphs(tmp_path):
    """pymupdf's test_4245 (a wiki page printed by Chrome): the first paragraphs, set in a
    narrow column beside an infobox (a picture under its bold title), came out one passage
    per line, each line short of the page's measure. Lines beside a float end where the
    lines beside it end; the float's title is its label, read after the text."""
    size, leading, narrow = 10.5, 18.0, 230.0
    runs, y = [], 160.0
    for text in WRAPPED:
        for n, words in enumerate(_wrap_to(text, size, narrow)):
            runs.append(("R", size, LEFT, y + n * leading, " ".join(words)))
        y += len(_wrap_to(text, size, narrow)) * leading + 18.0
    # the picture beside them, its bold title just over it, both within the column
    runs.insert(1, ("B", 13.5, 380.0, 168.0, "The cottage"))
    below, _ = _paragraph_runs(BELOW, "R", size, max(y, 440.0) + 20.0)
    drawing = "0.8 g 340 372 m 540 372 l 540 612 l 340 612 l f\n0 g\n"
    extraction = extract_file(_pdf(tmp_path / "wrapped.pdf", [runs + below], [drawing]), ExtractSettings())
    paragraphs = [reflowed_words(b.text) for b in extraction.blocks if b.kind == "paragraph"]
    assert paragraphs == [reflowed_words(t) for t in WRAPPED + [BELOW]]


def _wrap_to(text: str, size: float, width: float) -> list[list[str]]:
    lines, line = [], []
    for word in text.split():
        if line and _width(" ".join(line + [word]), "R", size) > width:
            lines.append(line)
            line = []
        line.append(word)
    return lines + [line]


POSTER = [
    ("The survey counted the boats moored in the harbour on the first morning of each month "
     "and noted their length, their rig and the port painted on their stern, so that the "
     "figures could be compared from one year to the next."),
    ("Most of the boats were small open craft used for lobster pots, but every summer a few "
     "larger visitors came in from the south and stayed for a week or two before moving on "
     "along the coast towards the islands."),
]


def test_a_background_of_stripes_behind_two_columns_is_no_figure(tmp_path):
    """pymupdf's test_5001 (an A1 poster): its background is drawn in page-wide stripes,
    each behind a row or two of the columns' text; each stripe was taken for a figure, its
    rows for the figure's labels read across both columns, and the sections came apart."""
    size, leading, width = 10.0, 12.0, 230.0
    runs = []
    for column, text in enumerate(POSTER):
        for n, words in enumerate(_wrap_to(text, size, width)):
            runs.append(("R", size, 60.0 + column * 260.0, 200.0 + n * leading, " ".join(words)))
    # stripes 26 points tall, 4 apart, each drawn as four touching segments across the page
    stripes = []
    for k in range(6):
        top = 180.0 + k * 30.0
        for part in range(4):
            x = 20.0 + part * 143.0
            stripes.append(f"{0.85 + 0.02 * part:.2f} g {x:.1f} {792 - top - 26:.1f} 143 26 re f\n")
    extraction = extract_file(_pdf(tmp_path / "stripes.pdf", [runs], ["".join(stripes) + "0 g\n"]),
                              ExtractSettings())
    paragraphs = [reflowed_words(b.text) for b in extraction.blocks if b.kind == "paragraph"]
    assert paragraphs == [reflowed_words(t) for t in POSTER]


NOTE = ("The tide tables printed in the harbour office are corrected each spring by the "
        "coastguard and remain valid for the whole year unless a storm moves the sandbanks.")


def test_a_shaded_note_of_two_lines_is_text_not_a_figure(tmp_path):
    """pdfplumber's issue-71-duplicate-chars-2 (a textbook chapter): a note of two lines of
    running text in a shaded box drawn with rounded corners was taken for a figure and its
    text for the figure's caption; two rows of running text filling a box are a text box."""
    size = 10.0
    runs, y = _paragraph_runs(HARBOUR, "R", size, 100.0)
    lines = _wrap_to(NOTE, 9.0, 350.0)
    assert len(lines) == 2
    top = y + 6.0
    for n, words in enumerate(lines):
        runs.append(("R", 9.0, LEFT + 8.0, top + 12.0 + n * 11.0, " ".join(words)))
    bottom = top + 12.0 + 11.0 + 6.0
    # a shaded box with rounded corners: a fill and its four sides, each a stroke
    x0, x1, y0, y1 = LEFT, LEFT + 362.0, 792 - bottom, 792 - top
    box = (f"0.9 g {x0 + 4} {y0} m {x1 - 4} {y0} l {x1} {y0 + 4} l {x1} {y1 - 4} l {x1 - 4} {y1} l "
           f"{x0 + 4} {y1} l {x0} {y1 - 4} l {x0} {y0 + 4} h f\n0 G 0.5 w\n"
           f"{x0 + 4} {y0} m {x1 - 4} {y0} l S\n{x1} {y0 + 4} m {x1} {y1 - 4} l S\n"
           f"{x1 - 4} {y1} m {x0 + 4} {y1} l S\n{x0} {y1 - 4} m {x0} {y0 + 4} l S\n0 g\n")
    after, _ = _paragraph_runs(BELOW, "R", size, bottom + 20.0)
    extraction = extract_file(_pdf(tmp_path / "note_box.pdf", [runs + after], [box]), ExtractSettings())
    kinds = {reflowed_words(b.text): b.kind for b in extraction.blocks}
    assert kinds.get(reflowed_words(NOTE)) == "paragraph"


def test_a_numbered_heading_turned_over_under_its_text_is_one_block(tmp_path):
    """pymupdf's 2201.00069 (MNRAS): "3.1.2 e-MERLIN detection of compact emission towards"
    over "FRB 20190714", the second line set under the heading's text after its number; the
    next word would have fitted on the first line, so the two were two blocks."""
    size = 10.0
    number, first, second = "3.1.2", "Boats counted in the harbour during the winter", "storms of 2021"
    runs = [("R", size, LEFT, 100.0, f"{number} {first}"),
            ("R", size, LEFT + _width(f"{number} ", "R", size), 112.0, second)]
    body, _ = _paragraph_runs(HARBOUR, "R", size, 130.0, indent=10.0)
    extraction = extract_file(_pdf(tmp_path / "heading_two_lines.pdf", [runs + body]), ExtractSettings())
    assert [reflowed_words(b.text) for b in extraction.blocks] == [
        f"{number} {first} {second}", reflowed_words(HARBOUR)]
