"""Type 1 fonts whose codes are read through the font program's own encoding.

A symbolic Type 1 font (TeX's Computer Modern, as most TeX-made PDFs embed it) with an
Encoding dictionary that names no BaseEncoding takes its base from the font program's
built-in encoding (PDF 32000-1, 9.6.6.1), and the Differences only change some codes.
pdfminer takes StandardEncoding as the base instead, where TeX's ligatures (OT1 codes 11
to 15: "ff", "fi", "fl", "ffi", "ffl") are nothing and a few codes are other characters
(123, the en dash, is "{" there): pdf.js's issue6132 read "Efficient" as "E cient" and
"finite field" as "nite eld". pdfminer also reads the built-in encoding only of a
Type 1 program (FontFile), never of a compact one (FontFile3, Type1C), as when a font
dictionary has no Encoding at all. Here the glyph names of the program's encoding are
read (fontTools parses the compact format) and mapped through Adobe's glyph list; the
Differences are applied on top, and a ToUnicode map, when there is one, still wins.
"""

from __future__ import annotations

from io import BytesIO

from pdfminer.pdffont import PDFType1Font, Type1FontHeaderParser
from pdfminer.pdftypes import dict_value, int_value, list_value, resolve1, stream_value
from pdfminer.psparser import literal_name

from pipeline.extractors.glyph_names import characters, differences_names

_SYMBOLIC = 4  # FontDescriptor Flags bit 3


def builtin_encoding(descriptor: dict) -> dict[int, str]:
    """code -> character of the embedded program's own encoding, or {} when there is none
    to read (no program, a program that names the standard encoding, or one we cannot parse)."""
    names: dict[int, str] = {}
    try:
        if "FontFile3" in descriptor:
            stream = stream_value(descriptor["FontFile3"])
            if literal_name(stream.get("Subtype")) != "Type1C":
                return {}
            from fontTools.cffLib import CFFFontSet

            fonts = CFFFontSet()
            fonts.decompile(BytesIO(stream.get_data()), None)
            encoding = fonts[fonts.fontNames[0]].Encoding
            if isinstance(encoding, str):  # StandardEncoding or ExpertEncoding by name
                return {}
            names = {code: name for code, name in enumerate(encoding) if name and name != ".notdef"}
        elif "FontFile" in descriptor:
            stream = stream_value(descriptor["FontFile"])
            data = stream.get_data()[:int_value(stream["Length1"])]
            return dict(Type1FontHeaderParser(BytesIO(data)).get_encoding())
    except Exception:  # a damaged font program: keep what pdfminer read
        return {}
    return characters(names)


_type1_init = PDFType1Font.__init__


def _init(self, rsrcmgr, spec) -> None:
    _type1_init(self, rsrcmgr, spec)
    if "ToUnicode" in spec or literal_name(spec.get("Subtype")) not in ("Type1", "MMType1"):
        return
    descriptor = dict_value(spec.get("FontDescriptor", {}))
    encoding = resolve1(spec.get("Encoding"))
    if encoding is None:
        if "FontFile3" not in descriptor:
            return  # pdfminer reads a Type 1 program's own encoding itself
        differences: dict[int, str] = {}
    elif isinstance(encoding, dict) and "BaseEncoding" not in encoding \
            and int_value(resolve1(descriptor.get("Flags", 0))) & _SYMBOLIC:
        differences = characters(differences_names(list_value(encoding.get("Differences", []))))
    else:
        return
    builtin = builtin_encoding(descriptor)
    if not builtin:
        return
    self.cid2unicode = {**self.cid2unicode, **builtin, **differences}


def install() -> None:
    PDFType1Font.__init__ = _init
