"""Simple fonts whose glyph names are only their codes ("a97", "a225"), as dvips writes the
bitmap fonts of a TeX document into Type 3 fonts.

pdfminer maps a glyph through its name; a name that is only a number names no character,
so the code keeps the base encoding's character: Adobe's StandardEncoding, where 225
(Cork's "á") is "Æ" and 28 (Cork's "fi") is nothing (pdf.js's issue918: "VÆclav",
"signi er"). When every glyph of a font is named after its own code and some code is 128
or more, the font is in TeX's 8-bit text encoding (T1, Cork; the 7-bit OT1 has no such
codes), and each code is read as Cork's character. Fonts with a ToUnicode map keep it.
"""

from __future__ import annotations

import re

from pdfminer.pdffont import PDFSimpleFont
from pdfminer.pdftypes import list_value, resolve1
from pdfminer.psparser import PSLiteral

_CODE_NAME = re.compile(r"^[A-Za-z]{1,2}(\d{1,3})$")
# Cork (T1) below the space: accents as spacing marks, quotes, dashes, ligatures
# (0x17, the compound word mark, draws nothing; 0x18 is the small zero of the per mille)
_CORK_LOW = [*"`´ˆ˜¨˝˚ˇ˘¯˙¸˛‚‹›“”„«»–—", "", *"0ıȷ\ufb00\ufb01\ufb02\ufb03\ufb04"]
# Cork from 0x80 to 0xbf: the letters of Central European languages
_CORK_HIGH = ("ĂĄĆČĎĚĘĞĹĽŁŃŇŊŐŔŘŚŠŞŤŢŰŮŸŹŽŻĲİđ§"
              "ăąćčďěęğĺľłńňŋőŕřśšşťţűůÿźžżĳ¡¿£")
# from 0xc0 Latin-1, but for four codes
_CORK_LATIN1_EXCEPTIONS = {0xD7: "Œ", 0xDF: "SS", 0xF7: "œ", 0xFF: "ß"}


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


def code_named(differences: list) -> list[int] | None:
    """The codes of a Differences array whose every glyph is named after its own code
    ("a225" at 225), or None."""
    codes, code = [], 0
    for item in differences:
        if isinstance(item, int):
            code = item
            continue
        if not isinstance(item, PSLiteral):
            return None
        name = str(item.name)
        if name != ".notdef":
            found = _CODE_NAME.match(name)
            if not found or int(found.group(1)) != code:
                return None
            codes.append(code)
        code += 1
    return codes or None


_simple_init = PDFSimpleFont.__init__


def _init(self, descriptor, widths, spec) -> None:
    _simple_init(self, descriptor, widths, spec)
    if "ToUnicode" in spec:
        return
    encoding = resolve1(spec.get("Encoding"))
    if not isinstance(encoding, dict):
        return
    codes = code_named(list_value(encoding.get("Differences", [])))
    if codes and max(codes) >= 0x80:
        for code in codes:
            if code <= 0xFF:
                self.cid2unicode[code] = cork(code)


def install() -> None:
    PDFSimpleFont.__init__ = _init
