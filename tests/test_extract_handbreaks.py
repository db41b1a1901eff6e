"""What the losses of set 7 showed (tenth pass of issue 11, set 7 held out by the ninth):
lines broken by hand inside a sentence, a line of one column sharing its baseline with a
larger heading of the next column across a narrow gutter.

Each PDF is written here with the standard Times fonts, in our own words, and read by the
real extractor (TeX's ligatures in a compact font program: tests/test_extract_fonts.py).
"""

from __future__ import annotations

from conftest import reflowed_words
from test_extract_textlayer import LEFT, _paragraph_runs, _pdf, _width

from pipeline.config import ExtractSettings
from pipeline.extract import extract_file

HARBOUR = ("The harbour office kept its ledgers in a cold room behind the customs hall, and "
           "every winter the clerks carried them upstairs so that the damp would not reach them.")


def _paragraphs(path) -> list[str]:
    blocks = extract_file(path, ExtractSettings()).blocks
    return [reflowed_words(b.text) for b in blocks if b.kind == "paragraph"]


def test_a_line_broken_by_hand_inside_a_sentence_goes_on_in_the_next(tmp_path):
    """pymupdf's test_4614 (a consent form) and test_3727 (a study sheet): a line broken by
    hand well short of the column, mid-sentence, with the next line going on in lower case,
    was a paragraph's end ("…children and young people" / "and expects all carers…"), and so
    was a line ending on a comma (pdf.js's bug1868759, a list item turned over). A short
    line that ends its sentence, the next opening a new one, still ends a paragraph."""
    size = 10.0
    runs, y = _paragraph_runs(HARBOUR, "R", size, 100.0)
    broken = ["The board asks every skipper to report", "the weight of the cargo before the boat is unloaded."]
    comma = ["Reports are taken at the gate, the quay office,", "Berth Four and the customs hall."]
    ended = ["The office closes at noon.", "Late reports go to the night clerk at the gate."]
    y += 8.0
    for k, line in enumerate(broken + comma + ended):
        runs.append(("R", size, LEFT, y + k * 1.2 * size, line))
    assert all(_width(line, "R", size) < 0.75 * 360 for line in broken[:1] + comma[:1] + ended[:1])
    paragraphs = _paragraphs(_pdf(tmp_path / "broken.pdf", [runs]))
    assert paragraphs == [reflowed_words(HARBOUR), " ".join(broken), " ".join(comma), ended[0], ended[1]]


def _column_lines(text: str, size: float, width: float) -> list[str]:
    lines, line = [], []
    for word in text.split():
        if line and _width(" ".join(line + [word]), "R", size) > width:
            lines.append(" ".join(line))
            line = []
        line.append(word)
    return lines + [" ".join(line)]


LEFT_TEXT = ("The ledgers of the harbour office were kept in a cold room behind the customs hall, "
             "and every winter the clerks carried them upstairs one shelf at a time, so that the "
             "damp of the quay would not reach their bindings before the spring.")
RIGHT_TEXT = ("Most of the ledgers record cargo by weight alone, but a few name the ships and the "
              "ports they came from as well.")


def test_a_columns_line_level_with_a_larger_heading_across_the_gutter_is_not_one_line(tmp_path):
    """pdf.js's bug1997343 (LaTeX, two columns, a gutter of two thirds of an em): a line of
    the left column shared its baseline with the right column's larger heading and was read
    as one line across both (the gap was weighed against the heading's em), which tied the
    columns together and interleaved them."""
    size, width, gutter = 10.0, 200.0, 12.0
    right_x = LEFT + width + gutter
    runs, top, row = [], 100.0, 2
    left = _column_lines(LEFT_TEXT, size, width)
    assert len(left) >= 5
    for k, line in enumerate(left):
        if k != row:
            runs.append(("R", size, LEFT, top + k * 12.0, line))
            continue
        # the line level with the heading is justified out to 0.9 em of the text short of
        # the right column: a gutter for the text, but less than 0.8 em of the heading's
        # size (its last word is drawn against that edge)
        *head, last = line.split()
        runs.append(("R", size, LEFT, top + k * 12.0, " ".join(head)))
        runs.append(("R", size, right_x - 0.9 * size - _width(last, "R", size), top + k * 12.0, last))
    # the right column's text lines fall between the left column's baselines (as when its
    # column starts higher), so only the heading's row is shared
    right = _column_lines(RIGHT_TEXT, size, width)
    for k, line in enumerate(right[:row - 1]):
        runs.append(("R", size, right_x, top - 6.0 + k * 12.0, line))
    runs.append(("B", 14.0, right_x, top + row * 12.0, "2 Document structures"))
    for k, line in enumerate(right[row - 1:]):
        runs.append(("R", size, right_x, top + 6.0 + (row + 1) * 12.0 + k * 12.0, line))
    blocks = extract_file(_pdf(tmp_path / "gutter.pdf", [runs]), ExtractSettings()).blocks
    texts = [reflowed_words(b.text) for b in blocks]
    assert reflowed_words(LEFT_TEXT) in texts
    assert "2 Document structures" in texts


def test_a_bold_line_inside_a_sentence_of_a_narrowed_paragraph_is_emphasis(tmp_path):
    """pymupdf's test_2635 (a textbook page, text wrapped round a cut-out photograph): a line
    set in bold inside a sentence, its lines stopping short of the column beside the
    picture, was read as a heading and cut the paragraph in three."""
    size = 10.0
    runs, y = _paragraph_runs(HARBOUR, "R", size, 100.0)
    narrowed = [("R", "The clerks carried the ledgers upstairs every"),
                ("B", "winter, one shelf at a time, so that the damp"),
                ("R", "would not reach them before the spring.")]
    y += 8.0
    for k, (font, line) in enumerate(narrowed):
        runs.append((font, size, LEFT, y + k * 1.2 * size, line))
        assert _width(line, font, size) < 0.7 * 360
    paragraphs = _paragraphs(_pdf(tmp_path / "emphasis.pdf", [runs]))
    assert paragraphs == [reflowed_words(HARBOUR), " ".join(line for _, line in narrowed)]


def test_a_columns_footnote_a_little_under_a_line_of_space_below_it_is_a_footnote(tmp_path):
    """pdf.js's bug1997343 (LaTeX, two columns): the left column's footnote sat 0.9996 of a
    line under its text, was taken for body text, and the paragraph running on from the
    foot of the left column to the top of the right one was cut at it."""
    size, width, gap = 10.0, 200.0, 24.0
    words = LEFT_TEXT.split() + RIGHT_TEXT.split()
    lines = _column_lines(" ".join(words), size, width)
    half = 3  # the left column ends mid-sentence and is the shorter one
    runs = [("R", size, LEFT, 600.0 + k * 12.0, line) for k, line in enumerate(lines[:half])]
    bottom = 600.0 + (half - 1) * 12.0
    # the note's first baseline: its top 0.97 of a line under the column's last line's
    # bottom (pdfminer puts a Times line's bottom 0.22 of its size under its baseline and,
    # in this 8 pt line, its top 0.77 of the size over it)
    note_y = bottom + 0.22 * size + 0.97 * size + 0.77 * 8.0
    note = "The ledgers are now kept in the county archive."
    runs.append(("R", 8.0, LEFT, note_y, note))
    runs += [("R", size, LEFT + width + gap, 600.0 + k * 12.0, line) for k, line in enumerate(lines[half:])]
    assert 600.0 + (len(lines) - half - 1) * 12.0 > note_y  # the right column runs lower
    blocks = extract_file(_pdf(tmp_path / "note.pdf", [runs]), ExtractSettings()).blocks
    assert [reflowed_words(b.text) for b in blocks if b.kind == "paragraph"] == [" ".join(lines)]
    assert [b.kind for b in blocks if b.text.startswith("The ledgers are now")] == ["footnote"]


def test_a_centred_subtitle_over_three_lines_is_one_paragraph(tmp_path):
    """PyMuPDF's test_3186 (set 8): a subtitle centred over three lines, the last opening
    with a bracket and a capital ("(DIP aggiuntivo IBIP)"), was cut before that line: the
    line above stops well short of the column, as every centred line does. Centred lines
    at the leading, the one above with no sentence's end, run on; what follows after a
    space is not drawn into them."""
    size, middle = 11.0, LEFT + 180.0
    subtitle = ["Supplementary notes for holders of harbour", "berths and the owners of small boats",
                "(Quay Rules, Part Two)"]
    after = ["The office prints these notes once a year.", "Copies wait at the gate."]
    runs, y = [], 100.0
    for k, line in enumerate(subtitle + after):
        width = _width(line, "R", size)
        runs.append(("R", size, middle - width / 2, y + k * 1.15 * size + (2 * size if k >= 3 else 0), line))
    body, _ = _paragraph_runs(HARBOUR + " " + HARBOUR, "R", size, y + 8 * size)
    paragraphs = _paragraphs(_pdf(tmp_path / "centred.pdf", [runs + body]))
    assert paragraphs[0] == " ".join(subtitle)
    assert paragraphs[1].startswith(after[0])
    assert paragraphs[-1] == reflowed_words(HARBOUR + " " + HARBOUR)


def test_a_line_broken_by_hand_before_an_amount_of_money_goes_on(tmp_path):
    """PyMuPDF's test_4412 (set 8): "…We administer" / "£46.9 billion of investments…", a
    line broken by hand short of the column, the next opening with a currency sign and a
    figure: a sentence goes on there (none begins with a figure), as after a lower-case
    word. A line opening with a capital after a line that ends its sentence still starts
    a paragraph."""
    broken = ["The harbour trust holds", "£12.5 million of reserves for the new breakwater."]
    ended = ["The trust meets in March.", "Minutes are kept at the office."]
    assert _after_a_paragraph(tmp_path / "amount.pdf", broken + ended) == [
        reflowed_words(HARBOUR), " ".join(broken), ended[0], ended[1]]


def _after_a_paragraph(path, lines: list[str], size: float = 10.0) -> list[str]:
    """The paragraphs of a page: HARBOUR, then `lines` set one a line below it, each as
    short as it is (lines broken by hand)."""
    runs, y = _paragraph_runs(HARBOUR, "R", size, 100.0)
    y += 8.0
    runs += [("R", size, LEFT, y + k * 1.2 * size, line) for k, line in enumerate(lines)]
    return _paragraphs(_pdf(path, [runs]))


def test_a_line_broken_by_hand_after_a_colon_goes_on_in_lower_case(tmp_path):
    """unstructured's DA-1p (set 10): a quotation's line broken by hand after a colon ("…we
    were greeted by a gruesome sight:" / "a ragged collection of bones…") was a paragraph's
    end. A colon introduces what follows: a line going on in lower case is the same
    sentence; one opening with a capital after it still starts a paragraph."""
    colon = ["At the top of the stairs the clerks found a sorry sight:", "the ledgers of a whole winter soaked through."]
    capital = ["The notice on the door said this:", "Ledgers are not to be carried upstairs."]
    assert all(_width(line, "R", 10.0) < 0.75 * 360 for line in colon + capital)
    assert _after_a_paragraph(tmp_path / "colon.pdf", colon + capital) == [
        reflowed_words(HARBOUR), " ".join(colon), capital[0], capital[1]]


def test_a_paragraph_goes_on_past_a_figures_labels_at_the_head_of_the_next_column(tmp_path):
    """pdfminer.six's naacl06 (set 1): a paragraph ending mid-sentence at the foot of the
    left column went on in the right one under two figures, whose labels (small type, eight
    blocks) and captions stood between: it was cut in two. Blocks set smaller than the text
    between the break and a lower-case unindented block of the text's size are set into
    its way; the paragraph is one passage, the labels and the caption keep their place."""
    size, width, gap = 10.0, 200.0, 24.0
    first = _column_lines(HARBOUR + " " + RIGHT_TEXT, size, width)
    lines = _column_lines(LEFT_TEXT + " " + RIGHT_TEXT, size, width)
    half = 3  # the left column ends mid-sentence, level with the right column's text
    assert not lines[half - 1].rstrip().endswith(".") and lines[half][0].islower()
    runs = [("R", size, LEFT, 100.0 + k * 12.0, line) for k, line in enumerate(first)]
    top = 100.0 + len(first) * 12.0 + 6.0
    runs += [("R", size, LEFT, top + k * 12.0, line) for k, line in enumerate(lines[:half])]
    right_x = LEFT + width + gap
    labels = ["quay", "customs hall", "stairs", "cold room", "upper floor", "archive"]
    runs += [("R", 6.0, right_x + 20.0 + 60.0 * (k % 2), 100.0 + 30.0 * (k // 2), label)
             for k, label in enumerate(labels)]
    runs.append(("R", 9.0, right_x, 200.0, "Figure 1: Where the ledgers were kept."))
    runs += [("R", size, right_x, 230.0 + k * 12.0, line) for k, line in enumerate(lines[half:])]
    blocks = extract_file(_pdf(tmp_path / "labels.pdf", [runs]), ExtractSettings()).blocks
    texts = [reflowed_words(b.text) for b in blocks]
    assert " ".join(lines) in texts and " ".join(first) in texts
    assert "Figure 1: Where the ledgers were kept." in texts


def test_a_bulleted_line_turned_over_under_its_text_is_one_item(tmp_path):
    """pymupdf's test_4614 (set 7): "• Any Local Authority to whom … day care, and" over
    "I/ we consent to records …", set under the item's text: the column's edge, set by a
    wider line elsewhere, made the item's line look short, and the capital after it a new
    paragraph. A line under a bulleted line's text goes on with the item; a sub-item there
    ("– …", "A. …") stays an item of its own."""
    size = 10.0
    runs, y = _paragraph_runs(HARBOUR, "R", size, 100.0)
    runs.append(("R", size, LEFT, y + 60.0, "Signed for the harbour board by the clerk of the customs hall and sealed"))
    bullet, hang = "\u2022", LEFT + 1.4 * size  # the item's text an em and a half in
    item = ["Any harbour office to whom we have sent our ledgers for binding, and",
            "I ask that they be returned before the spring."]
    sub = ["Ledgers kept in the cold room", "\u2013 the winter ledgers"]
    y += 8.0
    runs += [("R", size, LEFT, y, bullet), ("R", size, hang, y, item[0])]
    runs.append(("R", size, hang, y + 12.0, item[1]))
    runs += [("R", size, LEFT, y + 24.0, bullet), ("R", size, hang, y + 24.0, sub[0])]
    runs.append(("R", size, hang, y + 36.0, sub[1]))
    paragraphs = _paragraphs(_pdf(tmp_path / "bullet.pdf", [runs]))
    assert reflowed_words(bullet + " " + " ".join(item)) in paragraphs
    assert reflowed_words(bullet + " " + sub[0]) in paragraphs and reflowed_words(sub[1]) in paragraphs
