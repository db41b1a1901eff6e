"""Turn a PDF line, read left to right as it is drawn, into text in logical (typed) order.

PDF text has no reading direction: glyphs sit at x positions, and a Persian line read by x
comes out mirrored. python-bidi's reordering is its own inverse for ordinary lines, so
running it over the drawn (visual) string with the line's base direction gives back the
logical string, with embedded Latin words and numbers kept left to right.

Some producers (Chromium) map glyphs back to Arabic presentation forms, which also drops
the ZWNJ: the shape of the letters is all that records it. A dual-joining letter drawn in
its final or isolated form and followed by a letter was not joined, so a ZWNJ was there.
"""

from __future__ import annotations

import re
import unicodedata

from bidi import get_display

from pipeline.extractors.cjk_radicals import SUPPLEMENT_TO_IDEOGRAPH

# Arabic presentation forms, plus the Latin ligatures (ﬁ ﬂ ﬀ) at U+FB00-FB06 that PDFs
# produce the same way
_PRESENTATION_FORMS = "\ufb00-\ufb06\ufb50-\ufdff\ufe70-\ufeff"
_PRESENTATION_RUN = re.compile(f"[{_PRESENTATION_FORMS}]+")
# Kangxi radicals and the CJK radicals supplement: some CJK fonts' cmaps list the radical
# code points first, so PDFs map ordinary ideographs (文, 方) to them.
_RADICAL_RUN = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]+")

RTL_CHARS = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc"
_RTL = re.compile(f"[{RTL_CHARS}]")
# Strong left-to-right: Latin, Greek, Cyrillic letters and CJK. Digits are weak and do not
# decide a line's direction.
_LTR = re.compile(
    "[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]"
)
TATWEEL = "\u0640"
ZWNJ = "\u200c"
# Noto Naskh draws Persian six (U+06F6) and Arabic-Indic six (U+0666) with one glyph, and
# Chromium's ToUnicode names the Arabic one; the other Persian digits have glyphs of their own.
_ARABIC_INDIC_SIX = "\u0666"
_OTHER_ARABIC_INDIC = re.compile("[\u0660-\u0665\u0667-\u0669]")


def _joining_tables() -> tuple[str, str]:
    """Presentation forms that end a joined group although their letter could join on,
    and all Arabic letters (base and presentation forms) that may follow them."""
    dual_joining, unjoined = set(), {}
    for code in (*range(0xFB50, 0xFE00), *range(0xFE70, 0xFEFF)):
        char = chr(code)
        name = unicodedata.name(char, "")
        base = unicodedata.normalize("NFKC", char)
        if not name.startswith("ARABIC LETTER") or len(base) != 1:
            continue
        if name.endswith(("INITIAL FORM", "MEDIAL FORM")):
            dual_joining.add(base)
        elif name.endswith(("FINAL FORM", "ISOLATED FORM")):
            unjoined[char] = base
    ends = "".join(sorted(c for c, base in unjoined.items() if base in dual_joining))
    return ends, "".join(sorted(unjoined))


_UNJOINED_ENDS, _LETTER_FORMS = _joining_tables()
# A marker-free way to say "an Arabic letter": base letters plus every letter form.
_MISSING_ZWNJ = re.compile(
    f"([{re.escape(_UNJOINED_ENDS)}])(?=[\u0620-\u063f\u0641-\u064a\u066e-\u06d3"
    f"{re.escape(_LETTER_FORMS)}\ufe80-\ufefc])"
)


# LibreOffice stretches justified Arabic-script lines with kashida glyphs and its text layer
# maps them to "/" (or "<"). A kashida can only follow a letter that joins on to the next,
# so a slash after a right-joining letter (و/یا) is a real one and stays.
_KASHIDA_STAND_IN = re.compile(
    f"(?<=[\u0626\u0628\u062a-\u062e\u0633-\u063a\u0641-\u0647\u0649-\u064a\u067e\u0686\u06a9\u06af\u06cc])"
    f"[/<]+(?=[\u0620-\u064a\u067e-\u06d3])"
)


def _unify_radicals(match: re.Match) -> str:
    return "".join(SUPPLEMENT_TO_IDEOGRAPH.get(c) or unicodedata.normalize("NFKC", c)
                    for c in match.group())


def fold_compatibility_forms(text: str) -> str:
    """NFKC only on Arabic presentation forms and CJK radicals; everything else (full-width
    punctuation, ZWNJ) is left as it is."""
    if not text.isascii():
        text = _PRESENTATION_RUN.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
        text = _RADICAL_RUN.sub(_unify_radicals, text)
    return text


def is_rtl_line(text: str) -> bool:
    """Right-to-left when right-to-left letters are at least as many as left-to-right ones."""
    rtl = len(_RTL.findall(text))
    return rtl > 0 and rtl >= len(_LTR.findall(text))


def has_rtl(text: str) -> bool:
    return _RTL.search(text) is not None


def strong_counts(text: str) -> tuple[int, int]:
    """(right-to-left, left-to-right) letters in text."""
    return len(_RTL.findall(text)), len(_LTR.findall(text))


_FIRST_STRONG = re.compile(f"[{RTL_CHARS}]|{_LTR.pattern}")


def first_strong(text: str) -> str | None:
    """R or L for the first letter of text that has a direction (bidi rule P2), else None."""
    found = _FIRST_STRONG.search(text)
    if found is None:
        return None
    return "R" if _RTL.match(found.group()) else "L"


_ARABIC_BASE_LETTER = re.compile("[\u0620-\u064a\u067e-\u06d3]")
_ARABIC_FORM = re.compile("[\ufb50-\ufdff\ufe70-\ufefc]")


def shaped_glyphs(text: str) -> bool:
    """Whether a producer mapped glyphs back by their shape (presentation forms), as
    Chromium does, rather than to the characters that were typed, as LibreOffice does.

    Shape-mapped PDFs also give a bracket drawn mirrored in right-to-left text as the
    bracket it looks like, so reordering must mirror brackets back; typed-character PDFs
    must not be mirrored again.
    """
    forms = len(_ARABIC_FORM.findall(text))
    return forms > 0 and forms >= 0.3 * (forms + len(_ARABIC_BASE_LETTER.findall(text)))


_OPENING = {"(": ")", "[": "]", "{": "}"}
_CLOSING = {v: k for k, v in _OPENING.items()}


def _mirror_reversed_brackets(text: str) -> str:
    """Mirror the brackets of pairs that reordering turned around: a shape-mapped PDF names
    a bracket by the shape drawn, so a pair in right-to-left text, read back, comes out as
    ")...(". A closing bracket with no opening one before it starts such a pair; the
    opening bracket that matches it ends it."""
    chars = list(text)
    normal: list[str] = []  # opening brackets waiting for their closing one
    reversed_open: list[tuple[int, str]] = []  # reversed pairs: (index, opening expected)
    for i, char in enumerate(chars):
        if char in _OPENING:
            if reversed_open and reversed_open[-1][1] == char:
                start, _ = reversed_open.pop()
                chars[start], chars[i] = _CLOSING[chars[start]], _OPENING[char]
            else:
                normal.append(char)
        elif char in _CLOSING:
            if normal and normal[-1] == _CLOSING[char]:
                normal.pop()
            else:
                reversed_open.append((i, _CLOSING[char]))
    return "".join(chars)


RLM = "\u200f"
# A number in Persian or Arabic-Indic digits belongs to the right-to-left text around it.
# In a left-to-right paragraph such a number at the end of a Persian phrase is drawn on the
# phrase's left, next to the English before it, where read on its own it would join the
# English; right-to-left marks around it keep it with the Persian.
_EASTERN_NUMBER = re.compile(
    "[\u06f0-\u06f9\u0660-\u0669]+(?:[\u066b\u066c,.][\u06f0-\u06f9\u0660-\u0669]+)*")


LRM = "\u200e"
# Punctuation drawn glued to the right end of a Latin word or number, before a space or the
# line's end, was resolved left-to-right by the producer, who saw the whole paragraph ("(Rahimi,
# 2021: 14)" wrapped after the colon: it sits between 2021 and 14). In a right-to-left line
# read alone it would sit between Latin and the line's end and turn right-to-left, moving to
# the far side of the Latin words; a left-to-right mark after it keeps it where it was drawn.
_LATIN_TRAILING_PUNCTUATION = re.compile(r"(?<=[A-Za-z0-9])([:;,.!?%]+)(?=\s|$)")


def logical_line(visual: str, shaped: bool = False, base: str | None = None) -> str:
    """The logical text of one line given as drawn from left to right.

    base is the paragraph's direction ("R" or "L"); by default the line's own strong
    characters decide. A Latin-only line inside a Persian paragraph needs "R" so that
    punctuation drawn at its left end goes back to the end.
    """
    if base == "R" or (not visual.isascii() and has_rtl(visual)):
        visual = visual.replace(TATWEEL, "")  # kashida only stretches justified lines
        base = base or ("R" if is_rtl_line(visual) else "L")
        if base == "L":
            visual = _EASTERN_NUMBER.sub(lambda m: RLM + m.group() + RLM, visual)
        else:
            visual = _LATIN_TRAILING_PUNCTUATION.sub(lambda m: m.group() + LRM, visual)
        if shaped:
            # brackets are resolved as pairs (rule N0: "(Karimi, 2019: 57)." at the end of
            # a Persian paragraph keeps its brackets round the English), which only the
            # non-mirroring implementation does; the pairs it turned around are mirrored
            logical = _mirror_reversed_brackets(get_display(visual, base_dir=base))
            if _ARABIC_INDIC_SIX in logical and not _OTHER_ARABIC_INDIC.search(logical):
                logical = logical.replace(_ARABIC_INDIC_SIX, "\u06f6")
        else:
            logical = get_display(visual, base_dir=base)
        logical = _MISSING_ZWNJ.sub(lambda m: m.group(1) + ZWNJ, logical.replace(RLM, "").replace(LRM, ""))
        if not shaped:
            logical = _KASHIDA_STAND_IN.sub("", logical)
    else:
        logical = visual
    # Noto CJK draws the en dash and the figure dash with one glyph and Chromium's ToUnicode
    # names the figure dash, which is hardly ever typed ("1650‒1900")
    return fold_compatibility_forms(logical).replace(_FIGURE_DASH, "\u2013")


_FIGURE_DASH = "\u2012"
