"""Text layers that pdfminer alone does not read, on our own renders rewritten the way other
producers write them (sixth pass of issue 11, held-out set 4)."""

from __future__ import annotations

import sys
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from pipeline.config import ExtractSettings
from pipeline.extract import extract_file
from conftest import write_pdf

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


def _type3_pdf(out: Path, words: list[bytes], prefix: str = "a", to_unicode: dict[int, int] | None = None) -> None:
    """A one-page PDF whose text is set in a Type 3 font as dvips writes TeX's bitmap fonts:
    every glyph named after its own code ("a97"; with prefix "" in digits alone, "97"), no
    ToUnicode map unless one is given (code -> character number), each glyph a box."""
    codes = sorted({c for word in words for c in word} | {0xE1})
    differences = " ".join(f"{c} /{prefix}{c}" for c in codes)
    procs = " ".join(f"/{prefix}{c} 9 0 R" for c in codes)
    lines = "".join(f"BT /T3 10 Tf 72 {700 - 14 * k} Td ({w.decode('latin-1')}) Tj ET\n"
                    for k, w in enumerate(words)).encode("latin-1")
    cmap = _to_unicode_cmap(sorted(to_unicode.items())) if to_unicode is not None else None
    write_pdf(out, _type3_page(lines, "T3", (600, 700), codes[0], codes[-1], [600] * (codes[-1] - codes[0] + 1), procs,
                               differences, b"600 0 0 0 500 700 d1 0 0 500 700 re f", cmap))


def _to_unicode_cmap(pairs) -> bytes:
    """A ToUnicode CMap of one-byte codes: (code, character number) pairs."""
    return ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            "/CMapName /Hamta-UCS def /CMapType 2 def\n1 begincodespacerange <00> <FF> endcodespacerange\n"
            f"{len(pairs)} beginbfchar\n" + "".join(f"<{c:02X}> <{u:04X}>\n" for c, u in pairs)
            + "endbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end\n").encode()


def _type3_page(content: bytes, font: str, box: tuple[int, int], first: int, last: int, widths: list[int],
                procs: str, differences: str, glyph: bytes, cmap: bytes | None = None) -> list[bytes]:
    """The objects of a one-page PDF whose content is set in one Type 3 font: every glyph the
    same box (CharProcs object 9), an optional ToUnicode map (object 10)."""
    stream = lambda body: b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream"
    unicode = " /ToUnicode 10 0 R" if cmap is not None else ""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        + f" /Resources << /Font << /{font} 5 0 R >> >> >>".encode(),
        stream(content),
        (f"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 {box[0]} {box[1]}] /FontMatrix [0.001 0 0 0.001 0 0]"
         f" /CharProcs 6 0 R /Encoding 7 0 R /FirstChar {first} /LastChar {last}"
         f" /Widths 8 0 R{unicode} >>").encode(),
        f"<< {procs} >>".encode(),
        f"<< /Type /Encoding /Differences [{differences}] >>".encode(),
        ("[" + " ".join(str(w) for w in widths) + "]").encode(),
        stream(glyph),
    ]
    return objects + ([stream(cmap)] if cmap is not None else [])


def test_a_type3_font_named_by_its_codes_reads_as_tex_cork_encoding(tmp_path):
    """pdf.js's issue918: "Václav" came out "VÆclav" (StandardEncoding's 225) and "signifier"
    as "signi er" (28, Cork's fi ligature, is nothing there)."""
    path = tmp_path / "type3.pdf"
    _type3_pdf(path, [b"V\xe1clav Havel", b"the signi\x1cer \x10quoted\x11"])
    text = " ".join(b.text for b in extract_file(path, ExtractSettings()).blocks)
    assert "Václav Havel" in text
    assert "signi\ufb01er" in text or "signifier" in text
    assert "\u201cquoted\u201d" in text


def test_a_type3_font_named_by_its_codes_in_digits_reads_them_as_characters(tmp_path):
    """PyMuPDF's test_3186 (ReportMill) names each glyph by its code in digits ("232"):
    pdfminer kept StandardEncoding's character there, "Ł" for "è", nothing for "à"."""
    path = tmp_path / "type3_digits.pdf"
    _type3_pdf(path, [b"Il prodotto \xe8 gi\xe0 pronto", b"per la societ\xe0 di Ren\xe9"], prefix="")
    text = " ".join(b.text for b in extract_file(path, ExtractSettings()).blocks)
    assert "Il prodotto è già pronto" in text
    assert "per la società di René" in text


def test_a_tounicode_entry_that_is_a_control_character_is_no_text(tmp_path):
    """PyMuPDF's test_4599 maps its bracket glyphs to U+0000 in the ToUnicode map; the NUL
    stuck to the word inside ("\x00Tibet\x00"). The glyph reads as a space instead."""
    path = tmp_path / "type3_nul.pdf"
    words = [b"the border of China (Tibet) and Nepal", b"about 8,849 meters (29,032 feet) high"]
    to_unicode = {c: c for word in words for c in word}
    to_unicode.update({ord("("): 0, ord(")"): 0})
    _type3_pdf(path, words, to_unicode=to_unicode)
    text = " ".join(b.text for b in extract_file(path, ExtractSettings()).blocks)
    assert "\x00" not in text
    assert "China Tibet and Nepal" in " ".join(text.split())
    assert "meters 29,032 feet high" in " ".join(text.split())


def _cff_program(codes: dict[int, str]) -> bytes:
    """A compact (Type1C) font program of boxes whose own encoding puts each glyph name at
    its code, as TeX's Computer Modern fonts carry OT1 ("fi" at 12, "endash" at 123)."""
    from io import BytesIO

    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen

    def glyph(width: int, drawn: bool):
        pen = T2CharStringPen(width, None)
        if drawn:
            pen.moveTo((50, 0))
            pen.lineTo((width - 50, 0))
            pen.lineTo((width - 50, 700))
            pen.lineTo((50, 700))
            pen.closePath()
        return pen.getCharString()

    names = [".notdef", *sorted(set(codes.values()))]
    builder = FontBuilder(1000, isTTF=False)
    builder.setupGlyphOrder(names)
    builder.setupCFF("HamtaOT", {"FullName": "HamtaOT"},
                     {n: glyph(250 if n == "space" else 500, n != "space") for n in names}, {})
    builder.setupHorizontalMetrics({n: (250 if n == "space" else 500, 0) for n in names})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    encoding = [".notdef"] * 256
    for code, name in codes.items():
        encoding[code] = name
    cff = builder.font["CFF "].cff
    cff.topDictIndex[0].Encoding = encoding
    out = BytesIO()
    cff.compile(out, builder.font)
    return out.getvalue()


def _type1c_pdf(out: Path, lines: list[bytes]) -> None:
    """A one-page PDF in a symbolic Type 1 font with an embedded Type1C program, no
    ToUnicode map and an Encoding dictionary of Differences without a BaseEncoding (as
    TeX's dvips/pdfTeX write Computer Modern): the base is the program's own encoding."""
    codes = {32: "space", 12: "fi", 123: "endash", 0: "Gamma"}
    codes.update({c: chr(c) for line in lines for c in line if chr(c).isalpha() and c < 128})
    codes.update({c: ("zero one two three four five six seven eight nine".split())[c - 48]
                  for line in lines for c in line if 48 <= c <= 57})
    program = _cff_program(codes)
    text = "".join(f"BT /F1 11 Tf 72 {700 - 15 * k} Td ({w.decode('latin-1')}) Tj ET\n"
                   for k, w in enumerate(lines)).encode("latin-1")
    widths = " ".join("250" if c == 32 else "500" for c in range(0, 256))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /HamtaOT /FirstChar 0 /LastChar 255"
        b" /Widths 6 0 R /FontDescriptor 7 0 R /Encoding 8 0 R >>",
        f"[{widths}]".encode(),
        b"<< /Type /FontDescriptor /FontName /HamtaOT /Flags 4 /FontBBox [0 -200 1000 800]"
        b" /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 /FontFile3 9 0 R >>",
        b"<< /Type /Encoding /Differences [0 /Gamma] >>",
        b"<< /Subtype /Type1C /Length %d >>\nstream\n" % len(program) + program + b"\nendstream",
    ]
    write_pdf(out, objects)


def test_a_symbolic_type1c_font_reads_its_ligatures_from_its_own_encoding(tmp_path):
    """Set 7's issue6132 (Computer Modern in Type1C, no ToUnicode): "Efficient" came out
    "E cient" because the ligature's code was looked up in StandardEncoding, where it is
    nothing; the font program's own encoding names it "fi"."""
    import unicodedata

    path = tmp_path / "type1c.pdf"
    _type1c_pdf(path, [b"The \x0crst \x0cnding of the \x0celd study", b"on pages 3{4 of the report"])
    text = unicodedata.normalize("NFKC", " ".join(b.text for b in extract_file(path, ExtractSettings()).blocks))
    assert "The first finding of the field study" in text
    assert "pages 3\u20134" in text


def _xetex_persian_pdf(out: Path, lines: list[str], word_gap: int = 300) -> None:
    """A page of Persian lines set as XeTeX (xdvipdfmx) sets them: glyphs drawn right to left
    with no space glyph between words, only a gap of word_gap thousandths of an em; a ZWNJ drawn
    as the font's ZWNJ glyph, which the ToUnicode map gives as a space, its advance taken
    back at once so the next letter starts where it does (set 11's XePersian report)."""
    chars = sorted({c for line in lines for c in line if c not in " \u200c"})
    codes = {c: 0x21 + k for k, c in enumerate(chars)}
    zwnj, width = 0x20, 500

    def shown(line: str) -> str:
        parts = []
        for char in reversed(line):  # drawn order: the line's last letter leftmost
            if char == " ":
                parts.append(f"> {-word_gap} <")
            elif char == "\u200c":
                parts.append(f"{zwnj:02X}> {width} <")
            else:
                parts.append(f"{codes[char]:02X}")
        return "[<" + "".join(parts) + ">] TJ"

    content = "".join(f"BT /F1 12 Tf 72 {700 - 18 * k} Td {shown(line)} ET\n"
                      for k, line in enumerate(lines)).encode()
    last = max(codes.values())
    cmap = _to_unicode_cmap([(zwnj, 0x20)] + [(code, ord(c)) for c, code in codes.items()])
    procs = " ".join(f"/g{code} 9 0 R" for code in range(zwnj, last + 1))
    differences = f"{zwnj} " + " ".join(f"/g{code}" for code in range(zwnj, last + 1))
    write_pdf(out, _type3_page(content, "F1", (500, 600), zwnj, last, [width] * (last - zwnj + 1), procs,
                               differences, b"500 0 0 0 450 600 d1 0 0 450 600 re f", cmap))


def test_xetex_persian_word_gaps_are_spaces_and_its_zwnj_glyphs_stay_zwnj(tmp_path):
    """Set 11's XePersian report ran its words together ("تکامل‌تفاضلییکی‌از"): the ZWNJ
    glyphs it draws (mapped to a space, no advance) made every line look as if it had space
    glyphs, and word gaps of a third of an em were then asked to be as wide as a font size."""
    lines = ["کتاب‌ها را در خانه می‌خوانیم",
             "و با دوستان از آن‌ها سخن می‌گوییم"]
    path = tmp_path / "xetex_persian.pdf"
    _xetex_persian_pdf(path, lines)
    text = " ".join(b.text for b in extract_file(path, ExtractSettings()).blocks)
    assert text.split() == " ".join(lines).split()
