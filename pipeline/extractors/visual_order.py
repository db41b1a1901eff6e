"""Persian text that another tool stored in visual order: found, reported, and where a
line's words were simply reversed and the evidence is clear, repaired.

A tool that reads a right-to-left PDF line left to right, as it is drawn, writes its words
(or runs of words) last first. Punctuation then lands at the wrong end of the line: a
Persian line that opens with a closing bracket or a sentence-final mark, or ends with an
opening bracket. Text in logical order breaks lines after punctuation, not before it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import cache

from bidi import get_display

_ARABIC_LETTER = re.compile("[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\ufb50-\ufdff\ufe70-\ufefc]")
_CLOSING_AT_START = re.compile(r"^\s*[)\]}».،؛:؟!]")
_OPENING_AT_END = re.compile(r"[(\[{«]\s*$")

# Lines with the damage a file needs before it is reported: one can be a stray wrap.
REPORT_LINES = 2


def visual_order_line(line: str) -> bool:
    """A Persian line with punctuation at the wrong end (see the module's docstring)."""
    return bool(_ARABIC_LETTER.search(line)) and bool(
        _CLOSING_AT_START.search(line) or _OPENING_AT_END.search(line))


def rtl_order_damage(text: str) -> bool:
    """True if any Persian line of text looks like visual instead of logical order."""
    return any(visual_order_line(line) for line in text.splitlines())


def visual_order_note(text: str) -> str | None:
    """The warning for a text whose Persian lines are in visual order, or None."""
    persian = [line for line in text.splitlines() if _ARABIC_LETTER.search(line)]
    damaged = sum(visual_order_line(line) for line in persian)
    if damaged < REPORT_LINES:
        return None
    return (f"{damaged} of {len(persian)} Persian lines are in visual order (punctuation at the "
            "wrong end of the line: the tool that wrote this text read right-to-left lines left "
            "to right), so Persian sentences may be scrambled; give Hamta the PDF instead")


# --- repairing lines whose word order is simply reversed -------------------------------
#
# A tool that reads each drawn word in its typed order but the words of a line left to
# right writes the line's words last first. Put back, such a line reads like Persian: its
# neighbouring words occur in that order in Persian text (our own writing, and the rest of
# the same document, whose word groups are mostly in typed order). A line whose word
# groups, not words, were turned around (several words kept together) reads worse when
# every word is turned, and is left as it is. The margin a repair needs was chosen on
# bench/visual_order_repair.py's text from our writing bank and reported there on the
# evaluation set's text, which the counts never saw.

_ARABIC_RUN = re.compile("[\u0600-\u06ff\u200c\ufb50-\ufdff\ufe70-\ufefc]+")
_EDGE_PUNCTUATION = re.compile("^[^\\w\u200c]+|[^\\w\u200c]+$")
_FOLD = str.maketrans({"\u064a": "\u06cc", "\u0643": "\u06a9", "\u0649": "\u06cc", "\u200c": ""})

# A repair needs the turned line to score this much better (in natural-log odds summed over
# its word pairs) than the line as written, over at least MIN_PAIRS pairs seen before.
CLEAR_MARGIN = 4.0
MIN_PAIRS = 2


def _words(line: str) -> list[str]:
    words = []
    for token in line.split():
        word = _EDGE_PUNCTUATION.sub("", token).translate(_FOLD)
        if word and _ARABIC_LETTER.search(word):
            words.append(word)
    return words


def pair_counts(texts) -> Counter:
    """How often each pair of neighbouring Persian words occurs, in that order."""
    counts: Counter = Counter()
    for text in texts:
        for line in text.splitlines():
            words = _words(line)
            counts.update(zip(words, words[1:]))
    return counts


@cache
def _reference() -> Counter:
    from pipeline.extractors.persian_pairs import PAIRS

    counts: Counter = Counter()
    for row in PAIRS.split("\n"):
        if row:
            a, b, n = row.split(" ")
            counts[(a, b)] = int(n)
    return counts


def turned(line: str) -> str:
    """The line with its words' order reversed the way a right-to-left line is drawn: the
    letters of each Persian word are put in drawn order and the bidi algorithm, which is
    its own inverse, reads the line back (Latin runs and numbers keep their order)."""
    drawn = _ARABIC_RUN.sub(lambda m: m.group()[::-1], line)
    return get_display(drawn, base_dir="R")


# Words frequent enough in our writing to stand for themselves when a pair of words was
# never seen: the particles, prepositions, conjunctions and auxiliaries whose place in the
# sentence is fixed ("را" after its object, "می" before its verb, "است" at the end).
FUNCTION_WORDS = 40
_OTHER = "·"


def _classes(reference: Counter) -> tuple[frozenset[str], Counter]:
    """The reference's most frequent words, and its pairs with every other word as one."""
    frequency: Counter = Counter()
    for (a, b), n in reference.items():
        frequency[a] += n
        frequency[b] += n
    words = frozenset(w for w, _ in frequency.most_common(FUNCTION_WORDS))
    counts: Counter = Counter()
    for (a, b), n in reference.items():
        counts[(a if a in words else _OTHER, b if b in words else _OTHER)] += n
    return words, counts


@cache
def _shipped_classes() -> tuple[frozenset[str], Counter]:
    return _classes(_reference())


def order_score(line: str, counts, reference: Counter | None = None) -> tuple[float, int]:
    """Log odds that the line's words are in typed order, from the pairs counts has seen
    either way round (and, for pairs never seen, from pairs of function words and other
    words in our writing, at half weight); and how many pairs gave evidence."""
    words = _words(line)
    function, classes = _shipped_classes() if reference is None or reference is _reference() else _classes(reference)
    score, seen = 0.0, 0
    for a, b in zip(words, words[1:]):
        forward, backward = counts.get((a, b), 0), counts.get((b, a), 0)
        if forward or backward:
            score += math.log((forward + 0.5) / (backward + 0.5))
            seen += 1
            continue
        ca, cb = (a if a in function else _OTHER), (b if b in function else _OTHER)
        if (ca, cb) != (_OTHER, _OTHER) and (classes.get((ca, cb), 0) or classes.get((cb, ca), 0)):
            score += 0.5 * math.log((classes.get((ca, cb), 0) + 0.5) / (classes.get((cb, ca), 0) + 0.5))
            seen += 1
    return score, seen


class _Evidence:
    """Pair counts of the reference and of the document, less the line's own pairs: the
    line is no evidence about itself."""

    def __init__(self, reference: Counter, document: Counter, own: Counter):
        self.parts = (reference, document, own)

    def get(self, pair, default: int = 0) -> int:
        reference, document, own = self.parts
        return reference.get(pair, 0) + document.get(pair, 0) - own.get(pair, 0)


def repair_reversed_lines(text: str, reference: Counter | None = None,
                          margin: float = CLEAR_MARGIN) -> tuple[str, int]:
    """The text with its simply reversed Persian lines put back in typed order, and how
    many were. Only a text that shows visual-order damage (visual_order_note) is touched.
    reference and margin replace the shipped counts and CLEAR_MARGIN (for measuring)."""
    lines = text.split("\n")
    persian = [k for k, line in enumerate(lines) if _ARABIC_LETTER.search(line)]
    if sum(visual_order_line(lines[k]) for k in persian) < REPORT_LINES:
        return text, 0
    document = pair_counts(lines[k] for k in persian)
    reference = _reference() if reference is None else reference
    repaired = 0
    for k in persian:
        line = lines[k]
        counts = _Evidence(reference, document, pair_counts([line]))
        candidate = turned(line)
        before, _ = order_score(line, counts, reference)
        after, seen = order_score(candidate, counts, reference)
        if seen >= MIN_PAIRS and after - before >= margin:
            lines[k] = candidate
            repaired += 1
    return "\n".join(lines), repaired
