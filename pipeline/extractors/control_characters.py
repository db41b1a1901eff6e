"""Glyphs whose ToUnicode entry is a control character read as glyphs with no character.

A ToUnicode map may send a code to U+0000 (or another C0/C1 control) when the producer
knew no character for the glyph: a web page printed to PDF through Type 3 fonts sends its
brackets there (PyMuPDF's test_4599: "China \\x00Tibet\\x00"). A control character is no
text a reader sees; pdfminer passes it on, and it sticks to the word beside it ("\\x00tibet"
matches no word). Poppler takes a mapping to 0 for no mapping. Here such a glyph is read as
unmapped, as a glyph without any ToUnicode entry or encoding name is ("(cid:N)"), which the
line builder leaves out while the gap it takes still parts the words around it.
"""

from __future__ import annotations

import unicodedata

from pdfminer.pdffont import PDFCIDFont, PDFSimpleFont, PDFUnicodeNotDefined


def control_only(text: str) -> bool:
    return bool(text) and all(unicodedata.category(c) == "Cc" for c in text)


def _simple_to_unichr(self, cid: int) -> str:
    if self.unicode_map:
        try:
            text = self.unicode_map.get_unichr(cid)
        except KeyError:
            text = None
        if text is not None:
            return " " if control_only(text) else text
    try:
        return self.cid2unicode[cid]
    except KeyError as err:
        raise PDFUnicodeNotDefined(None, cid) from err


_cid_to_unichr = PDFCIDFont.to_unichr


def _cid_font_to_unichr(self, cid: int) -> str:
    text = _cid_to_unichr(self, cid)
    return " " if control_only(text) else text


def install() -> None:
    PDFSimpleFont.to_unichr = _simple_to_unichr
    PDFCIDFont.to_unichr = _cid_font_to_unichr
