"""Text layers that pdfminer alone does not read, on our own renders rewritten the way other
producers write them (sixth pass of issue 11, held-out set 4)."""

from __future__ import annotations

import sys
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from pipeline.config import ExtractSettings
from pipeline.extract import extract_file

FIXTURES = Path(__file__).parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
import fixture_texts as T  # noqa: E402

# Identity-H written out as a CMap program of the producer's own name, as Prince embeds it
# (pdf.js's bug1019475_1 carries "Prince-ArialMT-H" with a one-byte range).
_CMAP = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> def
/CMapName /Hamta-Embedded-H def
/CMapType 1 def
/WMode 0 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
1 begincidrange
<0000> <FFFF> 0
endcidrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""


def _with_embedded_encoding(source: Path, out: Path) -> int:
    """The PDF with every Type 0 font's Identity-H encoding replaced by the same CMap
    embedded as a stream under a name no predefined CMap has; returns how many fonts."""
    writer = PdfWriter(clone_from=PdfReader(source))
    done = set()
    for page in writer.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if font.get("/Subtype") != "/Type0" or id(font) in done:
                continue
            stream = DecodedStreamObject()
            stream.set_data(_CMAP)
            stream.update({NameObject("/Type"): NameObject("/CMap"),
                           NameObject("/CMapName"): NameObject("/Hamta-Embedded-H"),
                           NameObject("/CIDSystemInfo"): DictionaryObject({
                               NameObject("/Registry"): TextStringObject("Adobe"),
                               NameObject("/Ordering"): TextStringObject("Identity"),
                               NameObject("/Supplement"): NumberObject(0)})})
            font[NameObject("/Encoding")] = writer._add_object(stream)
            done.add(id(font))
    writer.write(out)
    return len(done)


def test_a_font_whose_encoding_cmap_is_embedded_keeps_its_text(tmp_path):
    """pdfminer looks an embedded encoding CMap up by its name among the predefined ones and
    decodes nothing when it is not there; the embedded program is read instead."""
    source = FIXTURES / "en_two_column.pdf"
    rewritten = tmp_path / "embedded_cmap.pdf"
    assert _with_embedded_encoding(source, rewritten) >= 1
    original = [b.text for b in extract_file(source, ExtractSettings()).blocks]
    embedded = [b.text for b in extract_file(rewritten, ExtractSettings()).blocks]
    assert embedded == original
    assert any(T.EN_COLUMN_PARAGRAPHS[0][:40] in text for text in embedded)
