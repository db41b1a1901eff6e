"""Composite fonts whose encoding is a CMap embedded in the file.

A Type 0 font maps the bytes of a string to character ids through its Encoding: a
predefined CMap named there (Identity-H, the Adobe CJK CMaps), or a CMap stream embedded in
the file (PDF 32000-1, 9.7.5.3). pdfminer only looks the stream's CMapName up among the
predefined ones; a name of the producer's own ("Prince-ArialMT-H") is not found, the font
decodes every string to nothing and the page's text is lost, though its ToUnicode map is
sound (pdf.js's bug1019475_1: 14 glyphs of 1,662). The embedded stream is an ordinary CMap
program; pdfminer's CMap parser reads its ranges, though as a ToUnicode map would be read
(code and id the other way round), so they are turned back here.
"""

from __future__ import annotations

from io import BytesIO

from pdfminer.cmapdb import CMap, CMapDB, CMapParser, FileCMap
from pdfminer.pdffont import PDFCIDFont
from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.psparser import PSLiteral
from pdfminer.utils import choplist

_predefined = PDFCIDFont.get_cmap_from_spec


class _EncodingCMap(FileCMap):
    """Receives cidrange entries as the ToUnicode reading passes them: (id, code)."""

    def add_cid2unichr(self, cid, code) -> None:
        if isinstance(cid, int) and isinstance(code, bytes):
            self.add_code2cid(code.decode("latin-1"), cid)


class _EncodingParser(CMapParser):
    def do_keyword(self, pos, token) -> None:
        if token is self.KEYWORD_ENDCIDCHAR:
            # "<code> id" pairs (the ToUnicode reading expects them the other way round)
            for code, cid in choplist(2, [obj for _, obj in self.popall()]):
                if isinstance(code, bytes) and isinstance(cid, int):
                    self.cmap.add_code2cid(code.decode("latin-1"), cid)
            return
        if token in (self.KEYWORD_ENDBFRANGE, self.KEYWORD_ENDBFCHAR):
            self.popall()  # no place in an encoding
            return
        super().do_keyword(pos, token)


def embedded_cmap(encoding: PDFStream) -> CMap | None:
    """The CMap an Encoding stream defines (on top of the CMap it names in UseCMap), or
    None when it maps no code."""
    cmap = _EncodingCMap()
    parent = resolve1(encoding.get("UseCMap"))
    if isinstance(parent, PSLiteral):
        try:
            cmap.use_cmap(CMapDB.get_cmap(parent.name))
        except (CMapDB.CMapNotFound, AssertionError):
            pass
    elif isinstance(parent, PDFStream):
        inner = embedded_cmap(parent)
        if inner is not None:
            cmap.use_cmap(inner)
    try:
        _EncodingParser(cmap, BytesIO(encoding.get_data())).run()
    except Exception:  # a damaged program: keep what pdfminer would have had
        return None
    return cmap if cmap.code2cid else None


def _get_cmap_from_spec(self, spec, strict):
    cmap = _predefined(self, spec, strict)
    encoding = resolve1(spec.get("Encoding")) if hasattr(spec, "get") else None
    # only where the name lookup found nothing: a predefined CMap stays what it is
    if isinstance(encoding, PDFStream) and type(cmap) is CMap and not cmap.code2cid:
        return embedded_cmap(encoding) or cmap
    return cmap


def install() -> None:
    PDFCIDFont.get_cmap_from_spec = _get_cmap_from_spec
