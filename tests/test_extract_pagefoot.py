"""What the losses of held-out set 6 showed (ninth pass of issue 11): a paragraph's last
line taken for the page's foot, a narrow column beside a floated box read one line at a
time, a box of small type read as a footnote.

Each PDF is written here with the standard Times fonts, in our own words, and read by the
real extractor.
"""

from __future__ import annotations

from conftest import reflowed_words
from test_extract_textlayer import LEFT, _paragraph_runs, _pdf, _wrap

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
