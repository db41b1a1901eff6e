"""Reading order from segment boxes alone (pipeline.extractors.reading_order): the layouts of
issue 11 drawn as boxes, so each rule is seen on its own; the same layouts rendered as real
PDFs are measured in tests/test_extract_fidelity.py."""

from __future__ import annotations

from pipeline.extractors.reading_order import Box, Segment, reading_order

SIZE = 10.0


def _rows(x0, x1, top, count, label, rtl=False, size=SIZE, step=14.0, first_row=0):
    return [Segment(x0=x0, top=top + k * step, x1=x1, bottom=top + k * step + size,
                    chars=[{"text": f"{label}{k}"}], row=first_row + k, size=size, rtl=rtl)
            for k in range(count)]


def _order(segments, figures=()):
    return [s.chars[0]["text"] for leaf in reading_order(segments, list(figures), SIZE) for s in leaf.segments]


def _rowed(*groups):
    """Give segments on one baseline the same row number, as lines.py does."""
    rows: dict[float, int] = {}
    for group in groups:
        for segment in group:
            segment.row = rows.setdefault(round(segment.top, 1), len(rows))
    return [s for group in groups for s in group]


def test_title_two_columns_ending_mid_page_then_full_width():
    segments = _rowed(_rows(50, 550, 40, 1, "T"), _rows(50, 290, 80, 5, "L"), _rows(310, 550, 80, 3, "R"),
                      _rows(50, 550, 180, 2, "F"))
    assert _order(segments) == ["T0", "L0", "L1", "L2", "L3", "L4", "R0", "R1", "R2", "F0", "F1"]


def test_three_columns():
    segments = _rowed(_rows(50, 210, 40, 6, "A"), _rows(220, 380, 40, 6, "B"), _rows(390, 550, 40, 4, "C"))
    assert _order(segments) == [f"{c}{k}" for c, n in (("A", 6), ("B", 6), ("C", 4)) for k in range(n)]


def test_right_to_left_columns_read_right_first():
    segments = _rowed(_rows(50, 290, 40, 4, "L", rtl=True), _rows(310, 550, 40, 4, "R", rtl=True))
    assert _order(segments)[:4] == ["R0", "R1", "R2", "R3"]


def test_full_width_figure_between_two_column_sections():
    """Columns above and below a figure line up, and the figure's labels (one in each half)
    leave no empty strip across the page: without the figure's box the whole page would be
    one stretch of two columns (left above, labels, left below, then the right side)."""
    above = _rowed(_rows(50, 290, 40, 4, "a"), _rows(310, 550, 40, 4, "b"))
    labels = [Segment(x0=100, top=100, x1=160, bottom=108, chars=[{"text": "x"}], row=20, size=8.0),
              Segment(x0=400, top=100, x1=460, bottom=108, chars=[{"text": "y"}], row=20, size=8.0)]
    below = _rowed(_rows(50, 290, 115, 4, "c", first_row=10), _rows(310, 550, 115, 4, "d", first_row=10))
    wrong = _order(above + labels + below)
    assert wrong.index("c0") < wrong.index("b0")
    order = _order(above + labels + below, [Box(60, 96, 540, 110)])
    assert order.index("b3") < order.index("x") < order.index("c0")
    assert all(s.figure for s in labels)


def test_a_numbered_list_is_not_two_columns():
    numbers = _rows(50, 60, 40, 5, "n")
    items = _rows(80, 400, 40, 5, "i")
    for n, i in zip(numbers, items):
        i.row = n.row
    order = _order(numbers + items)
    assert order[:2] == ["n0", "i0"]


def test_a_marginal_note_is_read_after_the_text_beside_it():
    note = _rows(50, 130, 40, 3, "m", size=8.0)
    text = _rows(150, 550, 40, 10, "t")
    for k, segment in enumerate(note):
        segment.row = text[k].row
    order = _order(note + text)
    assert order[0] == "t0" and order[-3:] == ["m0", "m1", "m2"]
