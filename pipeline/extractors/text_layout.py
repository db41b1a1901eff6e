"""From the lines of a plain-text file to typed blocks, as other tools write such files.

Text extracted from PDFs by other tools comes in three shapes: hard-wrapped at a fixed
width with a blank line after every line, hard-wrapped with blank lines only where a page
ended, or one paragraph per line with no blank lines at all. Blank lines therefore say
little on their own; what says where a paragraph ends is the same evidence the PDF
extractor uses (pipeline.extractors.layout): a line that ends mid-sentence on a full line
goes on in the next line; a short line or one that ends a sentence closes its paragraph.

The page furniture and footnotes such files carry are found as in a PDF, from their
pattern rather than their position: a line that repeats (modulo its digits) is a running
header; a numbered line whose number the body text cites as a note mark (¹², or digits
against a Persian word as visual-order tools leave them) is a footnote, and so are the
numbered lines next to it. A paragraph that a block of footnotes or a header cuts in two
continues after it, and the footnotes follow the paragraph.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from pipeline.extractors.layout import (
    NOTES_HEADING, NUMBERED_HEADING, PAGE_NUMBER, REFERENCE_HEADING, SENTENCE_END, furniture_key,
)
from pipeline.records import Block

_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUPERSCRIPT_VALUE = str.maketrans(_SUPERSCRIPTS, "0123456789")
# Note marks a sentence may end with: superscript digits, daggers.
_TRAILING_MARKS = re.compile(f"[\\s{_SUPERSCRIPTS}*\u2020\u2021]+$")
# A numbered note at the start of a line: "12. Mariani, ...", "1 . Leksyutina", "³ Ibid."
_NOTE_LINE = re.compile(f"^\\s*(?:(\\d{{1,3}})\\s?[.)]|([{_SUPERSCRIPTS}]{{1,3}}))\\s*(?=\\S)")
_SUPERSCRIPT_MARK = re.compile(f"[{_SUPERSCRIPTS}]+")
# Digits set against a Persian word: how visual-order tools leave a note mark ("1پیروس").
_ARABIC_LETTER = "\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff"
_GLUED_MARK = re.compile(f"(?<![\\d/.])(\\d{{1,3}})(?=[{_ARABIC_LETTER}])|(?<=[{_ARABIC_LETTER}])(\\d{{1,3}})(?![\\d/.])")
_PAGE_NUMBER_AT_END = re.compile(r"^\s*\d{1,4}\s+\S|\S\s+\d{1,4}\s*$")
_BULLET = re.compile(r"^\s*(?:[-•·*▪●◦–—]\s+|\(?[a-zA-Z0-9]{1,2}\)\s+)")
_LOWER_START = re.compile(r"^[a-z(\[,;:\u2013\u2014-]")
_CJK = re.compile("[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_ARABIC = re.compile(f"[{_ARABIC_LETTER}]")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")

# A wrapped line ended where it did because the next line's first word did not fit: the
# line and that word reach the wrap width (the 90th percentile of line widths, so a few
# over-long lines do not set it) to within this share. Measured on the two wrapped seeds:
# lines inside a paragraph reach 0.95-1.07 of it, last lines of paragraphs 0.18-0.93 (one
# at 0.99).
FITS = 0.95
# A document is hard-wrapped when at least this share of its lines are full in that sense
# and end mid-sentence (the wrapped seeds: 0.84 and 0.87; the three with a paragraph per
# line: 0.00). A wrap falls wherever the width runs out, so a wrapped line seldom ends a
# sentence (0.04 of the full lines in the wrapped seeds); lines of one paragraph each all
# reach about the same width when the paragraphs are alike (a log, a ledger), but end theirs.
WRAPPED_SHARE = 0.5
# Blank lines after nearly every line (0.95 and 0.99 in the seeds that do it; 0.12 where
# they only mark page ends) carry no paragraph information.
BLANKS_EVERYWHERE = 0.8
# A line that repeats this often (its digits masked) is a running header or footer; twice
# is enough when it carries a page number at one end.
FURNITURE_REPEATS = 3


def display_width(text: str) -> int:
    """Width in columns: a Chinese character is as wide as two Latin ones."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _script(text: str) -> str:
    """arabic, han or latin by which letters the line holds most of (a Han character
    counts twice, as wide as a word of two letters)."""
    counts = {"arabic": len(_ARABIC.findall(text)), "han": 2 * len(_CJK.findall(text)),
              "latin": len(_LATIN.findall(text))}
    best = max(counts, key=counts.get)
    return best if counts[best] else "other"


def ends_sentence(text: str) -> bool:
    return bool(SENTENCE_END.search(_TRAILING_MARKS.sub("", text)))


def _inner_sentence_end(text: str) -> bool:
    """A sentence ends inside the line: it is prose, not a title."""
    body = _TRAILING_MARKS.sub("", text)
    return bool(re.search("[.!?\u061f\u3002\uff01\uff1f][\"'\u201d\u2019\u00bb)\\]\uff09\u300d\u300f]*\\s*\\S", body[:-1]))


@dataclass
class TextLine:
    text: str  # stripped
    blank_before: bool  # one or more blank lines (or a form feed) before it
    script: str
    width: int
    kind: str = "body"  # body | footnote | header | page_number


_FIRST_WORD = re.compile("^[^\\s\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]*"
                         "[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]?")


def _first_word_width(line: TextLine) -> int:
    """Width the next line's start would have needed on this line: its first word and a
    space; Chinese is not spaced, so a word ends at its first Chinese character."""
    word = _FIRST_WORD.match(line.text).group(0)
    return display_width(word) + (0 if _CJK.search(word) else 1)


def _fills(before: TextLine, after: TextLine, wrap: dict[str, float]) -> bool:
    width = wrap.get(before.script) or wrap.get("all", 0)
    return width > 0 and before.width + _first_word_width(after) >= FITS * width


@dataclass
class TextShape:
    """What the file as a whole says about its lines."""

    wrapped: bool
    wrap_width: dict[str, float]  # per script
    # What a blank line means: "paragraphs" (it separates them), "pages" (it marks where a
    # page of the source ended, often mid-sentence), "everywhere" (after every line) or
    # "none" (there are none); only "paragraphs" makes it a break in itself.
    blanks: str

    def full(self, before: TextLine, after: TextLine) -> bool:
        """`before` is a wrapped line that ended because `after`'s first word did not fit."""
        return self.wrapped and _fills(before, after, self.wrap_width)


def text_lines(text: str) -> list[TextLine]:
    lines, blank = [], False
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        stripped = raw.strip()
        if not stripped or stripped == "\f":
            blank = True
            continue
        stripped = stripped.replace("\f", "").strip()
        lines.append(TextLine(stripped, blank, _script(stripped), display_width(stripped)))
        blank = False
    return lines


def _percentile(values: list[int], share: float) -> float:
    ordered = sorted(values)
    return float(ordered[int(share * (len(ordered) - 1))]) if ordered else 0.0


def text_shape(lines: list[TextLine]) -> TextShape:
    body = [l for l in lines if l.kind == "body"]
    widths: dict[str, list[int]] = {"all": [l.width for l in body]}
    for line in body:
        widths.setdefault(line.script, []).append(line.width)
    # the wrap width is what most lines reach: the 90th percentile, so a few over-long
    # lines (a URL) do not set it
    wrap = {script: _percentile(values, 0.9) for script, values in widths.items() if len(values) >= 5}
    wrap.setdefault("all", _percentile(widths["all"], 0.9))
    full = sum(_fills(a, b, wrap) and not ends_sentence(a.text) for a, b in zip(body, body[1:]))
    wrapped = len(body) >= 5 and full >= WRAPPED_SHARE * (len(body) - 1)
    return TextShape(wrapped, wrap, _blank_lines_mean(lines, wrapped, wrap))


def _blank_lines_mean(lines: list[TextLine], wrapped: bool, wrap: dict[str, float]) -> str:
    """Judged on blank lines between two body lines: a footnote or header between them
    marks a page end, whatever blank lines surround it."""
    pairs = [(a, b) for a, b in zip(lines, lines[1:]) if a.kind == b.kind == "body"]
    after_blank = [(a, b) for a, b in pairs if b.blank_before]
    if not after_blank:
        return "none"
    if len(after_blank) >= BLANKS_EVERYWHERE * len(pairs):
        return "everywhere"
    cut = sum(not ends_sentence(a.text) and _fills(a, b, wrap) for a, b in after_blank)
    return "pages" if wrapped and cut >= 0.5 * len(after_blank) else "paragraphs"


def _note_number(text: str) -> int | None:
    match = _NOTE_LINE.match(text)
    if not match:
        return None
    digits = match.group(1) or match.group(2).translate(_SUPERSCRIPT_VALUE)
    return int(digits)


def _marks(text: str) -> set[int]:
    found = {int(m.translate(_SUPERSCRIPT_VALUE)) for m in _SUPERSCRIPT_MARK.findall(text)}
    found |= {int(a or b) for a, b in _GLUED_MARK.findall(text)}
    return found


def mark_furniture(lines: list[TextLine]) -> None:
    """Running headers (a short line repeated, page numbers masked) and bare page numbers."""
    keys = Counter(furniture_key(l.text) for l in lines if l.width <= 120)
    numbers = [l for l in lines if PAGE_NUMBER.match(l.text)]
    for line in lines:
        repeats = keys[furniture_key(line.text)] if line.width <= 120 else 0
        numbered = bool(_PAGE_NUMBER_AT_END.search(line.text))
        if (repeats >= FURNITURE_REPEATS or repeats >= 2 and numbered) \
                and not _inner_sentence_end(line.text):
            line.kind = "header"
        elif len(numbers) >= 2 and PAGE_NUMBER.match(line.text):
            line.kind = "page_number"


def mark_footnotes(lines: list[TextLine]) -> None:
    """Numbered lines whose number the text before them cites as a note mark."""
    cited: set[int] = set()
    for line in lines:
        if line.kind != "body":
            continue
        number = _note_number(line.text)
        if number is not None and number in cited and not _heading_line(line):
            line.kind = "footnote"
        elif number is None:
            cited |= _marks(line.text)


def _heading_line(line: TextLine) -> bool:
    """"2. Method", "۳. روش", "壹、前言": a short numbered line that ends no sentence."""
    return bool(NUMBERED_HEADING.match(line.text)) and not ends_sentence(line.text) and line.width <= 100


def _structural_start(line: TextLine) -> bool:
    """A line that starts something new whatever came before it."""
    text = line.text
    return bool(
        _heading_line(line) or REFERENCE_HEADING.match(text) or NOTES_HEADING.match(text) or _BULLET.match(text)
    )


def _paragraph_line(line: TextLine) -> bool:
    """A line that holds more than a sentence, or a long one: a paragraph in itself when
    the text puts a paragraph on each line."""
    return _inner_sentence_end(line.text) or line.width >= 160


def continues(before: TextLine, after: TextLine, shape: TextShape, page_end: bool = False) -> bool:
    """Whether `after` goes on with the paragraph whose last line is `before`; page_end:
    a page's footnotes or furniture stand between them, so blank lines there say nothing."""
    if _structural_start(after) or _structural_start(before) and not shape.full(before, after):
        return False
    open_end = not ends_sentence(before.text)
    if not open_end and len({before.script, after.script} - {"other"}) > 1:
        return False  # a sentence ends and the next line is in another script
    blank_says_break = after.blank_before and shape.blanks == "paragraphs" and not page_end
    lower = bool(_LOWER_START.match(after.text))
    if shape.wrapped:
        if shape.full(before, after):
            # a full line: the paragraph goes on, unless it ends a sentence where blank
            # lines mark paragraphs
            return open_end or not blank_says_break
        # a short line ending mid-sentence is a heading or a label, unless the next line
        # plainly goes on with a sentence
        return open_end and lower
    if shape.blanks == "paragraphs" and not after.blank_before and not page_end and not open_end:
        # the lines of a blank-delimited paragraph broken at its sentences
        return not _paragraph_line(before)
    if not open_end:
        return False
    if _paragraph_line(before):
        # prose cut mid-sentence: by a page break, a block of footnotes or a header
        return not blank_says_break or lower or after.script in ("han", "arabic")
    return lower


@dataclass
class _Paragraph:
    lines: list[TextLine] = field(default_factory=list)
    asides: list[Block] = field(default_factory=list)  # notes and furniture met inside
    asides_before_last_line: int = 0

    def page_ended(self) -> bool:
        """Notes or furniture came after the paragraph's last line so far."""
        return len(self.asides) > self.asides_before_last_line


def _kind(paragraph: list[TextLine], shape: TextShape) -> str:
    if len(paragraph) > 1:
        return "paragraph"
    line = paragraph[0]
    if REFERENCE_HEADING.match(line.text) or NOTES_HEADING.match(line.text) or _heading_line(line):
        return "heading"
    if line.width <= 100 and not ends_sentence(line.text) and not _inner_sentence_end(line.text):
        return "heading"
    return "paragraph"


def text_blocks(text: str) -> list[Block]:
    """Blocks of a plain-text file in reading order."""
    lines = text_lines(text)
    mark_furniture(lines)
    mark_footnotes(lines)
    shape = text_shape(lines)
    blocks: list[Block] = []
    current: _Paragraph | None = None
    note: list[TextLine] | None = None  # the footnote being read, for its wrapped lines

    def close() -> None:
        nonlocal current
        if current is not None and current.lines:
            blocks.append(Block(page=1, kind=_kind(current.lines, shape),
                                text="\n".join(l.text for l in current.lines)))
            blocks.extend(current.asides)
        current = None

    def aside(block: Block) -> None:
        (current.asides if current is not None else blocks).append(block)

    for line in lines:
        if line.kind in ("header", "page_number"):
            aside(Block(page=1, kind=line.kind, text=line.text))
            continue
        if line.kind == "footnote":
            note = [line]
            aside(Block(page=1, kind="footnote", text=line.text))
            continue
        # a footnote that ends mid-sentence goes on in the next line before the body does
        if note is not None and not ends_sentence(note[-1].text) and continues(note[-1], line, shape):
            note.append(line)
            target = current.asides if current is not None else blocks
            target[-1].text += "\n" + line.text
            continue
        if current is not None and continues(current.lines[-1], line, shape, current.page_ended()):
            current.lines.append(line)
            current.asides_before_last_line = len(current.asides)
            note = None
            continue
        note = None
        close()
        current = _Paragraph([line])
    close()
    return blocks
