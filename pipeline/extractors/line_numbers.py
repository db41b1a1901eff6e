"""Printed line numbers in a page's margin: pleading paper, legislative bills, review copies
of papers. They are page furniture, like a running header: read into the text they open
every line with a number ("1 Lorem ipsum …", "2 efficitur; …"), which hides the paragraphs'
indents and splits nothing where it should.

The mark of them is a vertical run of numerals standing alone at one edge (their right
edges line up, or their left edges), counting up in one step (1, 2, 3 … or 5, 10, 15 …)
from the top of the page down, at an even pitch, with no other text between them and the
page's edge and a gap between them and the text beside them. A table's column of row numbers
is no such run when text outside the table starts as far out as the numbers do; a list's
numbers carry their own punctuation ("1.", "2)") and are not bare numerals."""

from __future__ import annotations

from statistics import median

# So many numbers at least make a run (a pleading page has 28, a bill's page 25 or more,
# a review copy's column 50); fewer could be a short table's row numbers.
_MIN_RUN = 8
# Digits in a line number at most ("000" to "999" in review copies).
_MAX_DIGITS = 4
# Steps of a numbering: every line, every other, every fifth or tenth.
_STEPS = (1, 2, 5, 10)
# Of the neighbouring numbers down the run, at least this share differ by the run's step.
_STEADY = 0.8
# Two numbers' edges within this (points) line up.
_ALIGNED = 1.5
# Between the numbers and the text beside them at least this many of the numbers' sizes.
_GAP_EMS = 0.8
# Lines above and below the run whose text must lie beside it too.
_NEAR_LINES = 2
# Rows within this share of the page's height from its top or bottom edge may be furniture.
_FURNITURE_ZONE = 0.15
# The vertical distance per step of the numbering varies by at most this share of its median.
_EVEN_PITCH = 0.15


def _words(chars: list[dict]) -> list[list[dict]]:
    """The page's upright glyphs cut into words: rows by baseline, cut at spaces and gaps."""
    glyphs = sorted((c for c in chars if c.get("upright", True)), key=lambda c: (round(c["bottom"]), c["x0"]))
    words: list[list[dict]] = []
    current: list[dict] = []
    for c in glyphs:
        if current:
            last = current[-1]
            same_row = abs(c["bottom"] - last["bottom"]) < 0.3 * max(c["size"], 1.0)
            touching = c["x0"] - last["x1"] < 0.2 * max(c["size"], 1.0)
            if not (same_row and touching and c["text"].strip()):
                words.append(current)
                current = []
        if c["text"].strip():
            current.append(c)
    if current:
        words.append(current)
    return words


def _text(word: list[dict]) -> str:
    return "".join(c["text"] for c in word)


def _box(word: list[dict]) -> tuple[float, float, float, float]:
    return (min(c["x0"] for c in word), min(c["top"] for c in word),
            max(c["x1"] for c in word), max(c["bottom"] for c in word))


def _pitch(run: list[list[dict]]) -> float:
    """The vertical distance per step where the numbers grow in one step from top to
    bottom at an even pitch; 0 where they do not."""
    values = [int(_text(w)) for w in run]
    tops = [_box(w)[1] for w in run]
    steps = [b - a for a, b in zip(values, values[1:])]
    if any(s <= 0 for s in steps):
        return 0.0
    step = median(steps)
    if step not in _STEPS or sum(s == step for s in steps) < _STEADY * len(steps):
        return 0.0
    pitches = [(t1 - t0) / s for t0, t1, s in zip(tops, tops[1:], steps)]
    pitch = median(pitches)
    even = pitch > 0 and all(abs(p - pitch) <= _EVEN_PITCH * pitch for p in pitches)
    return pitch * step if even else 0.0


def _aligned_runs(numbers: list[list[dict]], edge: int) -> list[list[list[dict]]]:
    """Numbers grouped by one edge (0: left, 2: right) lining up."""
    groups: list[list[list[dict]]] = []
    for word in sorted(numbers, key=lambda w: _box(w)[edge]):
        if groups and _box(word)[edge] - _box(groups[-1][-1])[edge] <= _ALIGNED:
            groups[-1].append(word)
        else:
            groups.append([word])
    return [sorted(g, key=lambda w: _box(w)[1]) for g in groups if len(g) >= _MIN_RUN]


def _in_margin(run: list[list[dict]], others: list[list[dict]], pitch: float, page_height: float) -> bool:
    """Nothing between the run and the page's edge, and a gap to the text: every other word
    level with the run, or within two lines above or below it, lies wholly on one side of
    it, the same side for all. The page's furniture rows (the first two or last two, near
    its edge: a bill's heading set out at its corners) do not count."""
    boxes = [_box(w) for w in run]
    x0, x1 = min(b[0] for b in boxes), max(b[2] for b in boxes)
    top, bottom = min(b[1] for b in boxes), max(b[3] for b in boxes)
    gap = _GAP_EMS * median(c["size"] for w in run for c in w)
    rows = sorted({round(_box(w)[1]) for w in others})
    furniture = {r for r in rows[:2] if r < _FURNITURE_ZONE * page_height}
    furniture |= {r for r in rows[-2:] if r > (1 - _FURNITURE_ZONE) * page_height}
    near = [_box(w) for w in others if round(_box(w)[1]) not in furniture
            and _box(w)[1] < bottom + _NEAR_LINES * pitch and _box(w)[3] > top - _NEAR_LINES * pitch]
    if not near:
        return False
    return all(b[0] >= x1 + gap for b in near) or all(b[2] <= x0 - gap for b in near)


def margin_line_numbers(chars: list[dict], page_height: float) -> set[int]:
    """ids of the glyphs that are printed line numbers in a margin."""
    words = _words(chars)
    numbers = [w for w in words if _text(w).isascii() and _text(w).isdigit() and len(_text(w)) <= _MAX_DIGITS]
    if len(numbers) < _MIN_RUN:
        return set()
    found: set[int] = set()
    for edge in (2, 0):
        for run in _aligned_runs(numbers, edge):
            if any(id(c) in found for w in run for c in w):
                continue
            members = {id(w) for w in run}
            others = [w for w in words if id(w) not in members]
            pitch = _pitch(run)
            if pitch and _in_margin(run, others, pitch, page_height):
                found.update(id(c) for w in run for c in w)
    return found


def without_line_numbers(chars: list[dict], page_height: float) -> list[dict]:
    numbers = margin_line_numbers(chars, page_height)
    return [c for c in chars if id(c) not in numbers] if numbers else chars
