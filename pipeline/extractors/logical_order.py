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

from bidi import algorithm as mirroring_bidi
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
_ZWNJ_STAND_IN = "\U00010800"  # Cypriot syllable A: bidi class R, never in our texts
# Chromium maps the guillemets of an Arabic font back to the characters typed, not to the
# mirrored shapes drawn (it does so for brackets taken from a Latin fallback font), so they
# must not be mirrored again: stand-ins that are neutral (ON) and not mirrored hold them.
_GUILLEMET_STAND_INS = {"«": "\u2e3a", "»": "\u2e3b"}
_GUILLEMETS_BACK = {v: k for k, v in _GUILLEMET_STAND_INS.items()}
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


def logical_line(visual: str, shaped: bool = False, base: str | None = None) -> str:
    """The logical text of one line given as drawn from left to right.

    base is the paragraph's direction ("R" or "L"); by default the line's own strong
    characters decide. A Latin-only line inside a Persian paragraph needs "R" so that
    punctuation drawn at its left end goes back to the end.
    """
    if base == "R" or (not visual.isascii() and has_rtl(visual)):
        visual = visual.replace(TATWEEL, "")  # kashida only stretches justified lines
        base = base or ("R" if is_rtl_line(visual) else "L")
        if shaped:
            # the mirroring implementation drops ZWNJ (a boundary-neutral); a strong
            # right-to-left stand-in between the two letters keeps its place
            protected = visual.replace(ZWNJ, _ZWNJ_STAND_IN).translate(
                str.maketrans(_GUILLEMET_STAND_INS))
            logical = mirroring_bidi.get_display(protected, base_dir=base).replace(
                _ZWNJ_STAND_IN, ZWNJ).translate(str.maketrans(_GUILLEMETS_BACK))
            if _ARABIC_INDIC_SIX in logical and not _OTHER_ARABIC_INDIC.search(logical):
                logical = logical.replace(_ARABIC_INDIC_SIX, "\u06f6")
        else:
            logical = get_display(visual, base_dir=base)
        logical = _MISSING_ZWNJ.sub(lambda m: m.group(1) + ZWNJ, logical)
        if not shaped:
            logical = _KASHIDA_STAND_IN.sub("", logical)
    else:
        logical = visual
    return fold_compatibility_forms(logical)
