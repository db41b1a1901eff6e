"""Glyph names of simple fonts: a Differences array read as code -> name, names read as
characters, and fonts whose glyphs are named only by their codes.

pdfminer maps a glyph through its name; a name that is only a number names no character,
so the code keeps the base encoding's character, Adobe's StandardEncoding. Two producers
write such fonts, both as Type 3 fonts with no ToUnicode map:

- dvips, for the bitmap fonts of a TeX document: a letter or two before the code ("a97",
  "a225"). Where some code is 128 or more, the font is in TeX's 8-bit text encoding (T1,
  Cork; the 7-bit OT1 has no such codes), and each code is read as Cork's character
  (pdf.js's issue918 read "Václav" as "VÆclav", since 225 is "Æ" in StandardEncoding, and
  "significant" as "signi cant", since Cork's 28, "fi", is nothing there).
- ReportMill: the code in digits alone ("232" at 232). Poppler reads such a name as the
  character's number; here each printable code is read as that character of Windows-1252
  (Latin-1 but for 128 to 159, where Latin-1 has only control characters). PyMuPDF's
  test_3186 read "è" as "Ł" and dropped "à".

Codes below the space keep what pdfminer read in the second case; a font with a ToUnicode
map keeps it in both.
"""

from __future__ import annotations

import re

from pdfminer.encodingdb import name2unicode
from pdfminer.pdffont import PDFSimpleFont
from pdfminer.pdftypes import list_value, resolve1
from pdfminer.psparser import PSLiteral

_TEX_NAME = re.compile(r"^[A-Za-z]{1,2}(\d{1,3})$")
_DIGITS_NAME = re.compile(r"^(\d{1,3})$")
# Cork (T1) below the space: accents as spacing marks, quotes, dashes, ligatures
# (0x17, the compound word mark, draws nothing; 0x18 is the small zero of the per mille)
_CORK_LOW = [*"`´ˆ˜¨˝˚ˇ˘¯˙¸˛‚‹›“”„«»–—", "", *"0ıȷ\ufb00\ufb01\ufb02\ufb03\ufb04"]
# Cork from 0x80 to 0xbf: the letters of Central European languages
_CORK_HIGH = ("ĂĄĆČĎĚĘĞĹĽŁŃŇŊŐŔŘŚŠŞŤŢŰŮŸŹŽŻĲİđ§"
              "ăąćčďěęğĺľłńňŋőŕřśšşťţűůÿźžżĳ¡¿£")
# from 0xc0 Latin-1, but for four codes
_CORK_LATIN1_EXCEPTIONS = {0xD7: "Œ", 0xDF: "SS", 0xF7: "œ", 0xFF: "ß"}


def differences_names(differences: list) -> dict[int, str]:
    """code -> glyph name of an encoding's Differences array (".notdef" left out)."""
    names, code = {}, 0
    for item in differences:
        if isinstance(item, int):
            code = item
            continue
        if isinstance(item, PSLiteral) and str(item.name) != ".notdef":
            names[code] = str(item.name)
        code += 1
    return names


def characters(names: dict[int, str]) -> dict[int, str]:
    """code -> character of glyph names, through Adobe's glyph list (names it does not
    know left out)."""
    out = {}
    for code, name in names.items():
        try:
            out[code] = name2unicode(name)
        except (KeyError, ValueError):
            continue
    return out


def code_named(names: dict[int, str], pattern: re.Pattern = _TEX_NAME) -> list[int] | None:
    """The codes, where every glyph is named after its own code as `pattern` writes it
    ("a225" at 225 for TeX's names, "232" at 232 with _DIGITS_NAME), or None."""
    for code, name in names.items():
        found = pattern.match(name)
        if not found or int(found.group(1)) != code:
            return None
    return sorted(names) or None


def cork(code: int) -> str | None:
    if code < 0x20:
        return _CORK_LOW[code]
    if code in (0x20, 0x7F):
        return {0x20: " ", 0x7F: "-"}[code]
    if code < 0x80:
        return {0x27: "\u2019", 0x60: "\u2018"}.get(code, chr(code))
    if code < 0xC0:
        return _CORK_HIGH[code - 0x80]
    return _CORK_LATIN1_EXCEPTIONS.get(code, chr(code))


def windows_1252(code: int) -> str | None:
    if code < 0x20 or code > 0xFF:
        return None
    try:
        return bytes([code]).decode("cp1252")
    except UnicodeDecodeError:  # 129, 141, 143, 144, 157: no character
        return None


def code_named_characters(names: dict[int, str]) -> dict[int, str]:
    """code -> character for a font whose glyphs are named only by their codes (TeX's
    8-bit fonts as Cork, digits alone as Windows-1252), or {} for any other font."""
    tex = code_named(names, _TEX_NAME)
    if tex and max(tex) >= 0x80:
        return {code: cork(code) for code in tex if code <= 0xFF}
    digits = code_named(names, _DIGITS_NAME) or ()
    return {code: char for code in digits if (char := windows_1252(code)) is not None}


_simple_init = PDFSimpleFont.__init__


def _init(self, descriptor, widths, spec) -> None:
    _simple_init(self, descriptor, widths, spec)
    if "ToUnicode" in spec:
        return
    encoding = resolve1(spec.get("Encoding"))
    if isinstance(encoding, dict):
        names = differences_names(list_value(encoding.get("Differences", [])))
        self.cid2unicode.update(code_named_characters(names))


def install() -> None:
    PDFSimpleFont.__init__ = _init
