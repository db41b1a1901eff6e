"""Simple fonts whose glyph names are only their codes written as numbers ("232" at 232),
as ReportMill writes the Type 3 fonts of its PDFs.

pdfminer maps a glyph through its name; a name that is only a number is no glyph name, so
the code keeps the base encoding's character: Adobe's StandardEncoding, where 232 is "Ł"
and 224 is nothing (PyMuPDF's test_3186: "è" read as "Ł", "à" dropped). Poppler reads such
a name as the character's number. When every glyph of a font is named after its own code
in digits alone, each printable code is read as that character of Windows-1252 (Latin-1 but
for 128 to 159, where Latin-1 has only control characters). Codes below the space keep
what pdfminer read; fonts with a ToUnicode map keep it. (TeX's bitmap fonts name glyphs
with a letter before the code, "a225": see tex_glyph_names.)
"""

from __future__ import annotations

from pdfminer.pdffont import PDFSimpleFont
from pdfminer.pdftypes import list_value, resolve1
from pdfminer.psparser import PSLiteral


def number_named(differences: list) -> list[int] | None:
    """The codes of a Differences array whose every glyph is named by its own code in
    digits ("232" at 232), or None."""
    codes, code = [], 0
    for item in differences:
        if isinstance(item, int):
            code = item
            continue
        if not isinstance(item, PSLiteral):
            return None
        name = str(item.name)
        if name != ".notdef":
            if not name.isascii() or not name.isdigit() or int(name) != code:
                return None
            codes.append(code)
        code += 1
    return codes or None


def windows_1252(code: int) -> str | None:
    if code < 0x20 or code > 0xFF:
        return None
    try:
        return bytes([code]).decode("cp1252")
    except UnicodeDecodeError:  # 129, 141, 143, 144, 157: no character
        return None


_previous_init = None  # PDFSimpleFont's initialiser as installed before this one


def _init(self, descriptor, widths, spec) -> None:
    _previous_init(self, descriptor, widths, spec)
    if "ToUnicode" in spec:
        return
    encoding = resolve1(spec.get("Encoding"))
    if not isinstance(encoding, dict):
        return
    for code in number_named(list_value(encoding.get("Differences", []))) or ():
        if (char := windows_1252(code)) is not None:
            self.cid2unicode[code] = char


def install() -> None:
    # chained at install time: tex_glyph_names replaces the same initialiser before this
    global _previous_init
    if PDFSimpleFont.__init__ is not _init:
        _previous_init = PDFSimpleFont.__init__
        PDFSimpleFont.__init__ = _init
