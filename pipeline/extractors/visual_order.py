"""Persian text that another tool stored in visual order, found and reported.

A tool that reads a right-to-left PDF line left to right, as it is drawn, writes its words
(or runs of words) last first. Punctuation then lands at the wrong end of the line: a
Persian line that opens with a closing bracket or a sentence-final mark, or ends with an
opening bracket. Text in logical order breaks lines after punctuation, not before it.
"""

from __future__ import annotations

import re

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
