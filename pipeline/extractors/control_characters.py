"""Glyphs whose ToUnicode entry is a control character read as spaces, not text.

A ToUnicode map may send a code to U+0000 (or another C0 control) when the producer
knew no character for the glyph: a web page printed to PDF through Type 3 fonts sends its
brackets there (PyMuPDF's test_4599: "China \\x00Tibet\\x00"). A control character is no
text a reader sees; pdfminer passes it on, and it sticks to the word beside it ("\\x00tibet"
matches no word). Poppler takes a mapping to 0 for no mapping. Here such a glyph reads as a
space: it parts the words around it, as the room it takes on the page does.
"""

from __future__ import annotations

from pdfminer.pdffont import PDFCIDFont, PDFSimpleFont, PDFUnicodeNotDefined


def control_only(text: str) -> bool:
    """C0 controls and DEL only: a C1 control (U+0080 to U+009F) is most often a byte
    code passed through as it is, which a symbol font's bullet can be (docling's
    table_mislabeled_as_picture, a Wingdings bullet at U+0084, read as a list marker)."""
    return bool(text) and all(ord(c) < 0x20 or ord(c) == 0x7F for c in text)


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
