"""Extraction fidelity: our own parallel texts rendered to PDF in several layouts by two
producers, extracted by Hamta, and compared with the text that was rendered.

    python -m bench.extract_fidelity            # measure the committed PDFs
    python -m bench.extract_fidelity --render   # re-render them first (needs chromium, soffice)

Sources are the parallel text bank (scripts/corpus_sources/bank, our own writing), so every
language renders the same content. Layouts: single column, two columns, running header with
page numbers, footnotes, and mixed Persian/English lines (Persian paragraphs with English
sentences in them, and English paragraphs with Persian ones). Producers: headless Chromium
(HTML print) and LibreOffice (flat ODT). The PDFs are small and committed in
bench/extract_pdfs/ so the benchmark and its test run where LibreOffice is not installed.

Measures, per document:
  cer            character error rate of the body text (title, headings, paragraphs) against
                 the source body: Levenshtein distance / source length, after normalisation
                 (NFC; every whitespace run is one space; Chinese line joins removed; ZWNJ is
                 kept, so a lost or spurious ZWNJ counts as an error)
  para_p/r/f1    paragraph boundaries: where each body passage starts, located in the source
                 text; a boundary counts when it falls on a source block start
  furniture      body passages' lines that are the running header or a page number
"""

from __future__ import annotations

import argparse
import csv
import html
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PDF_DIR = ROOT / "bench" / "extract_pdfs"
OUT_DIR = ROOT / "build" / "bench-extract"
DOC_TABLE = ROOT / "docs" / "extraction-fidelity.md"
BANK = ROOT / "scripts" / "corpus_sources" / "bank"

LANGS = ("fa", "en", "zh-Hant", "zh-Hans")
LAYOUTS = ("single", "two_column", "running_header", "footnotes", "mixed",
           "columns_mid_page", "three_columns", "figure_between")
PRODUCERS = ("chromium", "libreoffice")
# Layouts added for general reading order (issue 11), rendered by Chromium's CSS columns
# only: LibreOffice was not installed where they were made.
CHROMIUM_ONLY = ("columns_mid_page", "three_columns", "figure_between")


def producers(layout: str) -> tuple[str, ...]:
    return ("chromium",) if layout in CHROMIUM_ONLY else PRODUCERS
BODY_KINDS = ("title", "heading", "paragraph")
TARGET_CER = {"fa": 0.01, "en": 0.005, "zh-Hant": 0.005, "zh-Hans": 0.005}

_NUMERALS = {
    "en": ["1. ", "2. ", "3. ", "4. ", "5. "],
    "fa": ["۱. ", "۲. ", "۳. ", "۴. ", "۵. "],
    "zh-Hant": ["壹、", "貳、", "參、", "肆、", "伍、"],
    "zh-Hans": ["壹、", "贰、", "叁、", "肆、", "伍、"],
}
_HEADERS = {
    "en": "Hamta Fidelity Review · Issue 3",
    "fa": "مجلهٔ آزمون استخراج، شمارهٔ ۳",
    "zh-Hant": "擷取測試學報　第三期",
    "zh-Hans": "提取测试学报　第三期",
}
_NOTES = {
    "en": ["The registers are kept in a provincial archive.", "Figures are rounded to the nearest whole number."],
    "fa": ["این دفاتر در بایگانی استان نگهداری می‌شوند.", "ارقام به نزدیک‌ترین عدد صحیح گرد شده‌اند."],
    "zh-Hant": ["這些冊籍現藏於省級檔案館。", "數字均已四捨五入至整數。"],
    "zh-Hans": ["这些册籍现藏于省级档案馆。", "数字均已四舍五入至整数。"],
}


@dataclass
class Block:
    kind: str  # title | heading | paragraph
    text: str
    lang: str
    note: str = ""  # footnote anchored at the end of this paragraph


@dataclass
class BenchDoc:
    lang: str
    layout: str
    blocks: list[Block]
    header: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.lang}-{self.layout}"


# ------------------------------------------------------------------------------- sources

def _bank() -> dict[str, dict]:
    import yaml

    units = {}
    for path in sorted(BANK.glob("*.yaml")):
        for unit in yaml.safe_load(path.read_text(encoding="utf-8"))["units"]:
            units[unit["id"]] = unit
    return units


def _in(texts: dict, lang: str) -> str:
    if lang == "zh-Hans" and "zh-Hans" not in texts:
        import opencc

        return opencc.OpenCC("t2s").convert(texts["zh-Hant"])
    return texts[lang]


def _paragraph(unit: dict, lang: str, other: str | None = None) -> str:
    """A bank paragraph in one language; with other, every third sentence in that one."""
    parts = [_in(s, other if other and i % 3 == 1 else lang) for i, s in enumerate(unit["sentences"])]
    return ("" if lang.startswith("zh") else " ").join(parts)


def bench_documents() -> list[BenchDoc]:
    """Every language x layout the benchmark renders (mixed: Persian and English only)."""
    bank = _bank()
    topics = {
        "single": ["tea.title", "tea.h.intro", "tea.p.intro", "tea.h.route", "tea.p.route"],
        "two_column": ["water.title", "water.p.abstract", "water.h.intro", "water.p.intro1",
                       "water.p.intro2", "water.h.qanat", "water.p.qanat"],
        "running_header": ["water.title", "water.h.intro", "water.p.intro1", "water.p.intro2",
                           "water.h.qanat", "water.p.qanat", "water.h.method", "water.p.method",
                           "water.h.results", "water.p.results1", "water.p.results2",
                           "water.h.discussion", "water.p.discussion"],
        "footnotes": ["tea.title", "tea.h.credit", "tea.p.credit", "tea.h.decline", "tea.p.decline"],
        "mixed": ["water.title", "water.h.method", "water.p.method", "water.h.results",
                  "water.p.results1"],
        # full-width abstract, two columns that end mid-page, full-width text after them
        "columns_mid_page": ["water.title", "water.p.abstract", "water.h.intro", "water.p.intro1",
                             "water.p.intro2", "water.h.qanat", "water.p.qanat"],
        # three columns over two pages: paragraphs break across columns and the page
        "three_columns": ["water.title", "water.h.intro", "water.p.intro1", "water.p.intro2",
                          "water.h.qanat", "water.p.qanat", "water.h.method", "water.p.method",
                          "water.h.results", "water.p.results1", "water.p.results2",
                          "water.h.discussion", "water.p.discussion"],
        # two-column sections with a full-width figure (a drawing with labels) between them
        "figure_between": ["water.title", "water.h.intro", "water.p.intro1", "water.p.intro2",
                           "water.h.qanat", "water.p.qanat", "water.h.method", "water.p.method"],
    }
    documents = []
    for layout, unit_ids in topics.items():
        for lang in LANGS:
            if layout == "mixed" and lang not in ("fa", "en"):
                continue
            other = {"fa": "en", "en": "fa"}[lang] if layout == "mixed" else None
            blocks, numbered = [], 0
            for unit_id in unit_ids:
                unit = bank[unit_id]
                if unit["kind"] == "title":
                    blocks.append(Block("title", _in(unit, lang), lang))
                elif unit["kind"] == "heading":
                    blocks.append(Block("heading", _NUMERALS[lang][numbered] + _in(unit, lang), lang))
                    numbered += 1
                else:
                    blocks.append(Block("paragraph", _paragraph(unit, lang, other), lang))
            notes = []
            if layout == "footnotes":
                paragraphs = [b for b in blocks if b.kind == "paragraph"]
                for block, note in zip(paragraphs, _NOTES[lang]):
                    block.note = note
                    notes.append(note)
            header = _HEADERS[lang] if layout == "running_header" else ""
            documents.append(BenchDoc(lang, layout, blocks, header, notes))
    return documents


# ------------------------------------------------------------------------------ rendering

_FONTS = {
    "fa": "'Noto Naskh Arabic', 'Noto Serif', serif",
    "en": "'Liberation Serif', 'Noto Naskh Arabic', serif",
    "zh-Hant": "'Noto Serif CJK TC', serif",
    "zh-Hans": "'Noto Serif CJK SC', serif",
}


def chromium_html(doc: BenchDoc) -> str:
    e = lambda t: html.escape(t, quote=False)  # noqa: E731
    rtl = doc.lang == "fa"
    margin_boxes = ""
    if doc.header:
        margin_boxes = (f'@top-center {{ content: "{doc.header}"; font-size: 8.5pt; }}'
                        "@bottom-center { content: counter(page); font-size: 9pt; }")
    parts, note_number = [], 0
    for block in doc.blocks:
        if block.kind == "title":
            parts.append(f"<h1>{e(block.text)}</h1>")
        elif block.kind == "heading":
            parts.append(f"<h2>{e(block.text)}</h2>")
        else:
            mark = ""
            if block.note:
                note_number += 1
                mark = f"<sup>{note_number}</sup>"
            parts.append(f"<p>{e(block.text)}{mark}</p>")
    body = "".join(parts)
    if doc.layout == "two_column":
        title, rest = parts[0], "".join(parts[1:])
        body = f'{title}<div class="cols">{rest}</div>'
    elif doc.layout == "columns_mid_page":
        body = f'{parts[0]}{parts[1]}<div class="cols">{"".join(parts[2:5])}</div>{"".join(parts[5:])}'
    elif doc.layout == "three_columns":
        body = f'{parts[0]}<div class="cols3">{"".join(parts[1:])}</div>'
    elif doc.layout == "figure_between":
        body = (f'{parts[0]}<div class="cols">{"".join(parts[1:4])}</div>{_figure(doc.lang)}'
                f'<div class="cols">{"".join(parts[4:])}</div>')
    notes = ""
    if doc.notes:
        items = "".join(f"<div>{i}. {e(n)}</div>" for i, n in enumerate(doc.notes, 1))
        notes = f'<div class="notes"><hr>{items}</div>'
    return (
        f'<!doctype html><html lang="{doc.lang}" dir="{"rtl" if rtl else "ltr"}"><head>'
        '<meta charset="utf-8"><style>'
        f"@page {{ size: A4; margin: 22mm 20mm; {margin_boxes} }}"
        f"html {{ font-family: {_FONTS[doc.lang]}; font-size: 11pt; line-height: 1.55; }}"
        "body { margin: 0; } h1 { font-size: 17pt; text-align: center; margin: 0 0 5mm; }"
        "h2 { font-size: 12.5pt; margin: 4mm 0 2mm; break-after: avoid; }"
        "p { text-align: justify; text-indent: 1.5em; margin: 0 0 2mm; }"
        ".cols { column-count: 2; column-gap: 8mm; }"
        ".cols3 { column-count: 3; column-gap: 6mm; }"
        "figure { margin: 4mm 0; text-align: center; } figcaption { font-size: 9pt; margin-top: 1mm; }"
        ".notes { position: absolute; top: 232mm; left: 0; right: 0; font-size: 8.5pt; }"
        ".notes hr { width: 30%; margin: 0 0 1mm 0; border: 0; border-top: 0.5pt solid #000; }"
        "sup { font-size: 7pt; line-height: 0; }"
        f"</style></head><body>{body}{notes}</body></html>"
    )


_FIGURE = {
    "en": ("Figure 1. Where Yazd's drinking water came from in 2022.", ("Pipeline", "Wells", "Qanats")),
    "fa": ("شکل ۱. منابع آب آشامیدنی یزد در سال ۱۴۰۱.", ("خط لوله", "چاه‌ها", "قنات‌ها")),
    "zh-Hant": ("圖1. 2022年亞茲德飲用水的來源。", ("管線", "水井", "坎兒井")),
    "zh-Hans": ("图1. 2022年亚兹德饮用水的来源。", ("管线", "水井", "坎儿井")),
}


def _figure(lang: str) -> str:
    """A full-width bar chart drawn in SVG (vector strokes and text labels) with a caption."""
    caption, labels = _FIGURE[lang]
    bars = "".join(
        f'<rect x="{40 + 150 * k}" y="{110 - h}" width="90" height="{h}" fill="#7a9cc6" stroke="#234"/>'
        f'<text x="{85 + 150 * k}" y="128" font-size="11" text-anchor="middle">{html.escape(label)}</text>'
        for k, (label, h) in enumerate(zip(labels, (90, 50, 12))))
    return (f'<figure><svg width="480" height="135" viewBox="0 0 480 135" xmlns="http://www.w3.org/2000/svg">'
            f'<line x1="20" y1="110" x2="470" y2="110" stroke="#000"/>{bars}</svg>'
            f'<figcaption>{html.escape(caption)}</figcaption></figure>')


def libreoffice_fodt(doc: BenchDoc) -> str:
    e = lambda t: html.escape(t, quote=False)  # noqa: E731
    rtl = doc.lang == "fa"
    mode = "rl-tb" if rtl else "lr-tb"
    align = "end" if rtl else "start"  # LibreOffice resolves "start" by the page, not the paragraph
    columns = ('<style:columns fo:column-count="2" fo:column-gap="0.7cm"/>'
               if doc.layout == "two_column" else "")
    header = footer = ""
    if doc.header:
        header = f'<style:header><text:p text:style-name="Furniture">{e(doc.header)}</text:p></style:header>'
        footer = ('<style:footer><text:p text:style-name="Furniture"><text:page-number '
                  'text:select-page="current">1</text:page-number></text:p></style:footer>')
    body, note_number = [], 0
    for block in doc.blocks:
        style = {"title": "Title", "heading": "Heading", "paragraph": "Body"}[block.kind]
        note = ""
        if block.note:
            note_number += 1
            note = (f'<text:note text:id="n{note_number}" text:note-class="footnote">'
                    f"<text:note-citation>{note_number}</text:note-citation><text:note-body>"
                    f'<text:p text:style-name="Note">{e(block.note)}</text:p></text:note-body></text:note>')
        body.append(f'<text:p text:style-name="{style}">{e(block.text)}{note}</text:p>')
    western, asian, complex_font = {
        "fa": ("Liberation Serif", "Noto Serif CJK TC", "Noto Naskh Arabic"),
        "en": ("Liberation Serif", "Noto Serif CJK TC", "Noto Naskh Arabic"),
        "zh-Hant": ("Liberation Serif", "Noto Serif CJK TC", "Noto Naskh Arabic"),
        "zh-Hans": ("Liberation Serif", "Noto Serif CJK SC", "Noto Naskh Arabic"),
    }[doc.lang]

    def style(name: str, size: float, extra: str = "", bold: bool = False, text_align: str = align) -> str:
        weight = (' fo:font-weight="bold" style:font-weight-asian="bold" style:font-weight-complex="bold"'
                  if bold else "")
        return (f'<style:style style:name="{name}" style:family="paragraph"><style:paragraph-properties '
                f'fo:text-align="{text_align}" style:writing-mode="{mode}" fo:line-height="135%"{extra}/>'
                f'<style:text-properties fo:font-size="{size}pt" style:font-size-asian="{size}pt" '
                f'style:font-size-complex="{size}pt"{weight}/></style:style>')

    fonts = "".join(f'<style:font-face style:name="{f}" svg:font-family="\'{f}\'"/>'
                    for f in (western, asian, complex_font))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
        'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
        'office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">'
        f"<office:font-face-decls>{fonts}</office:font-face-decls><office:styles>"
        '<style:default-style style:family="paragraph"><style:text-properties '
        f'style:font-name="{western}" style:font-name-asian="{asian}" style:font-name-complex="{complex_font}" '
        'fo:language="en" fo:country="US" style:language-asian="zh" style:country-asian="TW" '
        'style:language-complex="fa" style:country-complex="IR"/></style:default-style>'
        + style("Title", 17, ' fo:margin-bottom="0.5cm"', bold=True, text_align="center")
        + style("Heading", 12.5, ' fo:margin-top="0.4cm" fo:margin-bottom="0.2cm" fo:keep-with-next="always"', bold=True)
        + style("Body", 11, ' fo:margin-bottom="0.2cm" fo:text-indent="0.6cm"', text_align="justify")
        + style("Note", 9)
        + style("Furniture", 9, text_align="center")
        + "</office:styles><office:automatic-styles>"
        '<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" '
        'fo:page-height="29.7cm" fo:margin-top="1.5cm" fo:margin-bottom="1.5cm" fo:margin-left="2cm" '
        f'fo:margin-right="2cm" style:writing-mode="{mode}">{columns}</style:page-layout-properties>'
        '<style:header-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-bottom="0.5cm"/>'
        '</style:header-style><style:footer-style><style:header-footer-properties fo:min-height="0.6cm" '
        'fo:margin-top="0.5cm"/></style:footer-style></style:page-layout></office:automatic-styles>'
        f'<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1">'
        f"{header}{footer}</style:master-page></office:master-styles>"
        f'<office:body><office:text>{"".join(body)}</office:text></office:body></office:document>\n'
    )


def pdf_path(doc: BenchDoc, producer: str, pdf_dir: Path = PDF_DIR) -> Path:
    return pdf_dir / f"{doc.name}-{producer}.pdf"


def render_all(documents: list[BenchDoc], pdf_dir: Path = PDF_DIR) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from render import render_chromium, render_libreoffice

    for doc in documents:
        render_chromium(chromium_html(doc), pdf_path(doc, "chromium", pdf_dir))
        if "libreoffice" in producers(doc.layout):
            render_libreoffice(libreoffice_fodt(doc), pdf_path(doc, "libreoffice", pdf_dir))
        print(f"rendered {doc.name}", file=sys.stderr)


# -------------------------------------------------------------------------------- metrics

_CJK = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_CJK_LINE_JOIN = re.compile(f"(?<=[{_CJK}])\\s*\\n\\s*(?=[{_CJK}])")


def normalize(text: str) -> str:
    """NFC, line breaks joined as the normalize stage joins them (none beside a Chinese
    character, a word broken at a hyphen made whole: pipeline.normalize.reflow), every
    other whitespace run one space; ZWNJ kept."""
    from pipeline.normalize import reflow

    text = unicodedata.normalize("NFC", text)
    text = _CJK_LINE_JOIN.sub("", reflow(text))
    return " ".join(text.split())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one numpy row per character of a; insertions along the row
    are a running minimum of (cost - j) + j, so each row is a few vector operations."""
    if not a or not b:
        return max(len(a), len(b))
    codes_b = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    steps = np.arange(len(b) + 1, dtype=np.int64)
    row = steps.copy()
    for i, char in enumerate(a.encode("utf-32-le").decode("utf-32-le"), 1):
        substitute = row[:-1] + (codes_b != ord(char))
        delete = row[1:] + 1
        best = np.empty_like(row)
        best[0] = i
        best[1:] = np.minimum(substitute, delete)
        row = np.minimum.accumulate(best - steps) + steps
    return int(row[-1])


def _starts(texts: list[str]) -> list[int]:
    starts, offset = [], 0
    for text in texts:
        starts.append(offset)
        offset += len(text) + 1
    return starts


def boundary_scores(source_blocks: list[str], found_blocks: list[str]) -> tuple[float, float, float]:
    """Paragraph boundary precision, recall and F1. A found block's start is located in the
    source by its first characters (searched near where it should be); it is a hit when it
    lands on a source block start."""
    source = " ".join(source_blocks)
    truth = set(_starts(source_blocks)[1:])
    located, cursor = set(), 0
    for text in found_blocks[1:]:
        for probe_len in (16, 10, 6):
            probe = text[:probe_len]
            where = source.find(probe, max(0, cursor - 50)) if probe else -1
            if where >= 0:
                located.add(where)
                cursor = where + 1
                break
        else:
            located.add(-1)  # a boundary we cannot place is a wrong one
    hits = len(located & truth)
    precision = hits / len(located) if located else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


_PAGE_NUMBER_LINE = re.compile(r"^\s*[0-9\u06f0-\u06f9]{1,3}\s*$")


def furniture_lines(doc: BenchDoc, passages: list[str]) -> int:
    """Lines of body passages that are the running header or a bare page number."""
    header = normalize(doc.header) if doc.header else None
    count = 0
    for passage in passages:
        for line in passage.split("\n"):
            flat = normalize(line)
            if (header and header in flat) or _PAGE_NUMBER_LINE.match(line):
                count += 1
    return count


@dataclass
class Result:
    lang: str
    layout: str
    producer: str
    chars: int
    cer: float
    para_p: float
    para_r: float
    para_f1: float
    furniture: int


def evaluate(doc: BenchDoc, producer: str, pdf_dir: Path = PDF_DIR) -> Result:
    from pipeline.config import ExtractSettings
    from pipeline.extract import extract_file

    extraction = extract_file(pdf_path(doc, producer, pdf_dir), ExtractSettings())
    passages = [b.text for b in extraction.blocks if b.kind in BODY_KINDS]
    source_blocks = [normalize(b.text) for b in doc.blocks]
    found_blocks = [normalize(p) for p in passages]
    source, found = " ".join(source_blocks), " ".join(found_blocks)
    distance = edit_distance(found, source)
    p, r, f1 = boundary_scores(source_blocks, found_blocks)
    return Result(doc.lang, doc.layout, producer, len(source), distance / len(source), p, r, f1,
                  furniture_lines(doc, passages))


# ---------------------------------------------------------------------------------- report

def markdown_table(results: list[Result]) -> str:
    lines = ["| language | layout | producer | chars | CER % | para P | para R | para F1 | header/footer lines in body |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        lines.append(f"| {r.lang} | {r.layout} | {r.producer} | {r.chars} | {100 * r.cer:.2f} | "
                     f"{r.para_p:.2f} | {r.para_r:.2f} | {r.para_f1:.2f} | {r.furniture} |")
    lines.append("")
    lines.append("| language | CER % (all layouts, both producers) | target | para F1 (mean) | header/footer lines |")
    lines.append("| --- | ---: | ---: | ---: | ---: |")
    for lang in LANGS:
        own = [r for r in results if r.lang == lang]
        if not own:
            continue
        cer = sum(r.cer * r.chars for r in own) / sum(r.chars for r in own)
        f1 = sum(r.para_f1 for r in own) / len(own)
        lines.append(f"| {lang} | {100 * cer:.2f} | < {100 * TARGET_CER[lang]:.1f} | {f1:.2f} | "
                     f"{sum(r.furniture for r in own)} |")
    return "\n".join(lines) + "\n"


def write_results(results: list[Result], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "results.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["lang", "layout", "producer", "chars", "cer", "para_p", "para_r", "para_f1",
                         "furniture_lines"])
        for r in results:
            writer.writerow([r.lang, r.layout, r.producer, r.chars, f"{r.cer:.5f}", f"{r.para_p:.3f}",
                             f"{r.para_r:.3f}", f"{r.para_f1:.3f}", r.furniture])
    return path


_DOC_HEAD = """# Extraction fidelity

`make bench-extract` (`python -m bench.extract_fidelity`) measures extraction four ways:
our own PDFs against the text they were rendered from (below), plain text as other tools
write it, public test PDFs nobody here wrote (with `PUBLIC_PDFS=folder`), and the repair of
Persian lines in visual order. The CSV of the first part goes to
`build/bench-extract/results.csv`.

## Our own renders

The committed benchmark PDFs in `bench/extract_pdfs/` are extracted with
`pipeline.extract.extract_file` and compared with the source text they were rendered from
(our own parallel text bank, `scripts/corpus_sources/bank`). `--render` re-renders them
(needs `chromium` and `soffice`), `--render-missing` only those not there yet.

- **CER**: Levenshtein distance between extracted and source body text (title, headings,
  paragraphs, in reading order) divided by the source length. Both sides are normalised:
  NFC, line breaks joined as the normalize stage joins them (`pipeline.normalize.reflow`:
  none beside a Chinese character, a word broken at a hyphen made whole), every other
  whitespace run one space. ZWNJ is kept, so a missing or extra ZWNJ is an error.
  Footnotes, header, footer and figure labels are not body text: if they leak into it they
  count as insertions.
- **para P/R/F1**: paragraph boundaries. Each body passage's start is located in the
  source by its first characters; it is correct when it is the start of a source block.
- **header/footer lines in body**: lines of body passages that are the running header or a
  bare page number.

Layouts: `single` (one column), `two_column`, `running_header` (header and page numbers,
several pages), `footnotes` (two footnotes), `mixed` (every third sentence in the other
language: English inside Persian paragraphs and Persian inside English ones), and for the
general reading order of issue 11: `columns_mid_page` (a full-width abstract, two columns
that end mid-page, full-width text below them), `three_columns` (three columns over two
pages, so paragraphs continue in the next column and on the next page), `figure_between` (a
full-width figure, a drawing with labels and a caption, between two two-column sections).
Producers: Chromium print-to-PDF from HTML and LibreOffice from flat ODT; the three new
layouts Chromium only (LibreOffice was not installed where they were made). Targets: CER
under 1% for Persian, under 0.5% for English and Chinese, under 1% on every new layout; no
header/footer lines in body text.

"""


_DOC_TAIL = """
`tests/test_extract_fidelity.py` holds every document and producer to the targets (and to
paragraph F1 >= 0.95, 1.0 on the new layouts), and each language's CER to half its target,
so a regression fails CI. Before issue 11 the one-gutter column finder read the new layouts
with a CER of 34-42 % (`columns_mid_page`), 46-62 % (`three_columns`) and 69-72 %
(`figure_between`, Persian and English; 1.2 % Chinese), measured on these same PDFs.

What the extractor does for the layouts above (`pipeline/extractors/`):

- **Reading order** (`reading_order.py`): a recursive XY-cut over line segments (a row of
  glyphs cut where a gap could be a gutter, 0.8 em). The page is cut across into slabs at
  every empty horizontal strip; neighbouring slabs that keep one strip empty along a
  candidate gutter (where rows on both sides leave room, two at least) form a band of
  columns, the others full-width bands; each band of columns is cut along its gutters into
  columns, read right to left on a right-to-left page, and each column cut again. Slabs on
  one side of a gutter at the border of two bands (the first line of a column that starts
  higher than its neighbour, a heading set in the room after the columns) go where the
  widest vertical space says. A gutter must separate text columns (6 em wide at least, and
  set mostly in full lines or eight rows long; a column of fewer rows 10 of its own ems
  wide at least), so a list's numbers, a form's labels and a table's narrow columns stay
  with the text beside them and are read across; where nothing on the two sides of a gap
  shares a row, the sides are read one after the other whatever they hold. Images and
  drawings take part in the cut: a full-width figure ends the columns above it; a figure
  box that overhangs a gutter by less than 30% of its width is clipped to its column; text
  inside or just beside a figure (short, or set smaller than the page under a small drawing,
  no larger than the body font) is the figure's labels (kind caption); drawings with running
  text inside, or a frame of few strokes round a heading, are no figure.
- **Tables** (`tables.py`): one block of kind `table` per table, at its place in the reading
  order, its text read cell by cell (a cell's lines joined as the normalize stage joins
  lines, a row's cells in the direction of its script separated by a tab, rows by line
  breaks; a header set on its side read up the page). Ruled tables come from pdfplumber's
  table finder over the page's rules; where vertical rules inside a table meet horizontal
  rules of one width that no outer rule closes (a first column of labels or a last column
  of values drawn open at the side), the rules' common ends are taken as its sides. A grid
  is a table when two rows and two columns at least hold text and its cells tile its box
  (boxes drawn in boxes are a figure), no cell holding more than 12 rows of text (a frame
  round a column); a grid of two columns whose one column is set apart row by row (bold or
  shaded) is a form of labels beside values (docling's key_value_region) and stays text,
  each row read as a line. Tables without rules are found in the text: three rows or more
  whose pieces stand in three columns or more along the same empty strips, one of them
  narrow (a table's numbers or marks; prose columns read across are none). A table's rules
  are no drawing, its lines no footnotes or furniture, and a paragraph broken by a column
  break goes on past a table or a figure's labels and caption set between its parts.
- **Lines**: glyphs are chained into rows by baseline; a chain whose baselines spread over
  more than 0.8 of its glyphs' size is several lines (columns set a little lower in each
  column than in the one before, as the Federal Register's three; a formula's indices
  between two lines) and is cut again into rows from each row's first baseline, its smaller
  glyphs joining the line beside them on their own baseline; small glyphs (sub- and
  superscripts) join the row of full-size text beside them, so two lines never chain into one;
  a blank's box does not narrow a gutter (the space a justified line ends with reaches into
  it); small capitals do not set a line's size (a run-in "FOR FURTHER INFORMATION CONTACT:"
  is the size of the text after it); a line opening "p.m.," is no lettered list item; a raised run of digits is a footnote mark only
  against a word (a form's value set smaller than its label stays); a blank's advance is
  judged by its own size; text set on its side outside tables (a margin's slug, an archive
  stamp) is read apart as furniture. A line is bold when set in bold throughout, so a
  paragraph that opens with a bold run-in on a full line is no heading; lines in a fixed-width
  font (told by glyph widths) at ordinary leading are one block of code; a paragraph set
  narrower than its column (an abstract, a quotation) is measured against its own full
  lines; a column's edge is where a quarter of its lines end at least, so a line set past
  the margin (TeX's overfull list line) does not make the other lines look short; "Table 2
  shows ..." is a sentence, not a caption, and "Listing 1." and "Algorithm 1." open captions.
  A right-to-left heading line over a left-to-right one (an example and its translation,
  centred) are two blocks, each read in its own direction.
- **Paragraphs across breaks**: a paragraph whose part before a column or page break ends
  mid-sentence on a full line, and whose part after starts its column unindented in the same
  font size and is no heading, is one passage, with a region per part (`Passage.regions`);
  footnotes, furniture and figures between the parts follow it, and so does a listing of
  code (fixed-width lines; a closing brace too short to tell goes with the listing above it)
  set at the head of the next column. Where the document indents its paragraphs (four in
  five of its prose paragraphs, not counting the first after a heading, list items,
  reference entries and listings, which are set flush anyway), a break can also fall
  between two sentences: a part after the break that starts its column unindented, after a
  part that fills its last line, is the same paragraph.
- **Mixed paragraphs**: each line is reordered with its paragraph's base direction (the bidi
  paragraph level), not its own. The direction comes from the layout (the side of the
  first-line indent and of a short last line), else from the paragraph's first letter
  where the first line tells it (rule P2), else from the majority of words. A line of the
  other script only, running on into that script, keeps its own direction; numbers in
  Persian digits stay with the Persian phrase they end. Brackets are resolved as pairs,
  also when a right-to-left paragraph wraps a bracketed English citation across lines.
- **LibreOffice kashida**: its text layer maps the kashida glyph to "/", "(", a space, a
  ZWNJ or nothing, whatever the document; the glyph is told by how it is drawn (copies that
  overlap, between two Arabic letters) and dropped with every glyph of the same font, text
  and width between Arabic letters. A glyph drawn again over itself is one character.
- **Columns**: full-width closing punctuation hung into the gutter does not count as
  crossing it.
- **What set 2 showed** (fourth pass of issue 11, each with a test on our own render,
  `tests/test_extract_notices.py`, `tests/fixtures/notices_chromium.pdf`): text set larger
  than the body with leading over twice its size (a Chinese report's opening page) runs on
  as a paragraph where a line is full and mid-sentence, and lines set large whose first is
  indented an em or a few are a paragraph, not headings; a line that leaves a bracket it
  opened open runs on (a Japanese line stops short before an opening bracket it may not
  end with); a sentence set in bold at the end of a paragraph stays in it when the line
  before runs on into it; a symbol font's glyph opening a line, set apart from the text
  after it, is a bullet whatever its code (WordPerfect's symbols map it to "!", which was
  read as a right-to-left full stop); where a line's letters abut (most glyph gaps within
  3 % of an em), a gap of 0.12 em is a word space (TeX moves the pen between words of a
  tight justified line, a fifth of an em or less); a small line just under a running head
  is furniture too (a volume line whose page range changes from page to page); notes
  under a column of a three-column page may reach above the page's middle when their
  lines close up on the note below; a part that ends on a hyphenated word, or mid-sentence
  on a ragged column's line (short of the edge by less than six ems), runs on into the
  next column or page where that opens unindented (and, for the ragged line, in lower case).

Fixed since the first run, in the normalize stage: a line break beside a Chinese character
("至\\n2022") or just inside a bracket ("(\\n۱۶۵۰") is dropped instead of becoming a space.
"""


_TEXT_HEAD = """
## Plain text as other tools write it

`bench/text_shapes.py` writes the same bank text (the `running_header` documents' title,
headings and eight paragraphs, four languages) as text files in the shapes of the texts in
`../shared/seeds` (papers extracted by other tools): hard-wrapped with a blank line after every
line; hard-wrapped with blank lines only at page ends, each page's footnotes and the next
page's running header there; hard-wrapped without blank lines; the classic blank line between
paragraphs; a paragraph a line; a paragraph a line with blank lines between and a page's
footnotes set where the page ended, mid-sentence. Latin and Persian wrap at 72 columns,
Chinese at 72 columns of width (a Chinese character two). `whole and in order`: source
paragraphs recovered in one passage each, in order (`bench/paragraph_recovery.py`). The
thresholds of `pipeline/extractors/text_layout.py` were set on the seeds (see its comments:
which share of lines fill the wrap width, where blank lines mean nothing); this text was not
used to set them. Before issue 11 (blank lines alone made paragraphs) the same texts gave 369 passages for
312 paragraphs: one per line where a blank line follows every line, the whole text as one
passage where there are none. The one paragraph that stays cut in `notes_between_pages` (English) is cut
where a page ended exactly at a sentence end in a file with a paragraph a line: nothing in
the text tells that from a paragraph end.

"""


_PUBLIC_HEAD = """
## Public test PDFs nobody here wrote

`make bench-extract PUBLIC_PDFS=folder` (`python -m bench.public_pdfs --pdfs folder`) reads
the files listed in `bench/public_pdfs.yaml` (source repository, commit, path, licence) from
`folder/<repo>/<path>`; `python -m bench.public_pdfs --export-from <git checkout> --to folder`
copies them there from a clone of the repository. They are not in this repository. The
ground truth is the suite's own: docling's test DoclingDocument JSON, whose body texts
(title, section headers, text, list items; not furniture, footnotes, captions, the text in
pictures and tables, formulas or code) are the paragraphs. `whole and in order` as above
(one unmatched token is allowed in a paragraph of three or more: the truth keeps a bullet
glyph's letter or a private glyph's name); words are compared with one spelling of the
apostrophe and the dash, a slash or square bracket separating words and no word boundary
before a combining mark, because the truth and the text layer write these differently.

CER compares Hamta's body passages with the truth's body text. Both sides leave tables
out: the truth its table items, Hamta its blocks of kind `table`, so a table either side
misses counts against Hamta (its cells inserted, or the truth's text deleted). Tables of
contents (the truth's `document_index`), code and the text inside pictures are out of the
truth's body too, and Hamta keeps them as body text: they count as insertions.
`tables found`: the truth's tables (its `table` items) held whole by one table block (80 %
of their cells' words), or for our own expectations a table's first and last cell in one
table block; `table blocks`: all of Hamta's.

The two docling sets were looked at while the layout analysis and the table detection were
built and their thresholds set (tune). The other sets hold our own checked expectations
(the opening and closing words of each paragraph, read off the pages rendered with
pdftoppm; short anchors only): `pdfminer-samples` (an 8-page two-column ACL paper, held
out by the first pass of issue 11 and measured once then; this pass looked at its abstract,
which the issue named) and the three sets of the second pass (pdfplumber's, pdf.js's and
PyMuPDF's tests: three columns with footnotes under each, two-column papers with code,
figures and a list, a Wikipedia page with an infobox, a magazine page with text wrapped
round a drawing, English with Arabic examples, a Chinese paper page, Chinese pages with
ruled tables), chosen and written before Hamta's output on them was seen. The third pass
of issue 11 fixed what those ten files showed, so they are tuning data now (`tune (set 1)`),
and it held out a new set first (`held out`, set 2): eight files of the same suites not
used before (pdfminer.six's contributed IEEE paper and a U.S. Copyright Office summary,
PyMuPDF's Acta Acustica article, book review and cppyy paper, pdfplumber's Chinese
quarterly report, pdf.js's Hebrew and Japanese pages: two columns, paragraphs across
columns and pages, a list with symbol bullets, right-to-left text with a statute
reference, CJK headings and lettered items), their expectations written from the rendered
pages before any code was changed and before Hamta's output on them was seen. Set 2 was
measured twice: with the code before the pass, and at its end. The fourth pass fixed what
set 2 showed, so it is tuning data now (`tune (set 2)`; two of its anchors were corrected
to the printed text: "Index Terms—Data" is one word on the page, "Moureau’s" carries its
possessive), and it held out set 3 first (`held out (set 3)`): eight files of the same four
suites never used before (pdfminer.six's IRS instructions in three columns; PyMuPDF's
notes on MuPDF 1.10; pdfplumber's Google Docs page in English, Japanese and Spanish, a
French textbook chapter with symbol-font bullets, an arXiv preprint in two columns, a
journal article with margin notes and a paragraph across a footnote and a page, a plot
summary and a textbook page), expectations written from the rendered pages before any
code of the pass was changed and before Hamta's output on them was seen, and measured
twice: before the pass and at its end (the table above). No right-to-left file of these
suites has prose with a usable text layer, so set 3 has none. The fifth pass fixed part of
what set 3 showed, so it is tuning data now (`tune (set 3)`), and it held out set 4 first
(`held out (set 4)`): eight files never used before (pdf.js's Ecma-426 introduction page, an
essay in Type 3 fonts with a block quote, an amsart page whose paragraphs are set apart only
by an indent, with margin notes, an Irish Supreme Court judgment with numbered paragraphs, a
lorem-ipsum page under annotations and redactions; pdfplumber's LibreOffice page with nested
lists; PyMuPDF's fund report page; pdfminer.six's Federal Register proposed rule in three
columns), expectations written from the rendered pages before any code of the pass was
changed and before Hamta's output on them was seen, measured before the pass and at its end.
None of the candidate CJK or right-to-left files of these suites has prose. The sixth pass
fixed what set 4 showed, so it is tuning data now (`tune (set 4)`), and it held out set 5
first (`held out (set 5)`): eight files never used before (PyMuPDF's A1 conference poster
of boxed columns with figures and formulas, a JSTOR scan of a French book review whose OCR
text layer lost its accents and runs words together, a page of a Chinese bond prospectus
with two ruled tables, a two-column Scientific Reports article with a metadata sidebar, a
drop cap and displayed formulas; pdfminer.six's web article printed by mPDF; pdfplumber's
Chinese CV with a sidebar and dated entries; pdf.js's working-paper cover page and a wiki
page printed by Ghostscript whose paragraphs are set apart only by a short last line),
expectations written from the pages rendered with pdftoppm (their spelling checked against
pdftotext's text layer) and committed (8f0444d) before
Hamta's output on them was seen and before any code of the pass was changed, measured
before the pass and at its end. Set 5 has CJK (simplified Chinese, two files) but no
right-to-left file: the only right-to-left prose among the candidates (pdf.js's
`issue5874`, Urdu) maps its glyphs to isolated letters. The seventh pass fixed part of what
set 5 showed (its losses were read at the end of the sixth), so it is tuning data now
(`tune (set 5)`; 56 of 78 was its held-out figure). The seventh pass held out no new set:
no held-out figure was measured in it. The eighth pass held out set 6 (`held out (set 6)`): eight files never
used before (PyMuPDF's two-page opening of a Current Oncology article set by pdfTeX with a
margin column and paragraphs set apart only by an indent, a wiki page printed by Chrome with
an infobox beside its first paragraphs, a letter of an SEC filing printed by Chrome, a page
of an ISO standard with a ruled table, numbered clauses and dash lists; pdf.js's landscape
research note in two columns with a sidebar of key figures; pdfplumber's French minutes in
letter-spaced type and a filled U.S. state report form; pdfminer.six's magazine appendix, a
list of accidents each a line of facts over a prose description), expectations written
from the pages rendered with pdftoppm (their spelling checked against pdftotext's text
layer) and committed (ce88212) before Hamta's output on them was seen; measured once, no
code changed. None of the suites' unused CJK or right-to-left files has prose (shipping
forms, tables, a lab report; `test_3072`'s Hebrew maps its glyphs to Latin-1 letters).
The ninth pass tuned on set 6 (`tune (set 6)`) and held out set 7 (`held out (set 7)`): see
its section below the table. The tenth pass tuned on set 7 (`tune (set 7)`) and held out
set 8 (`held out (set 8)`): see its section at the end. The eleventh pass tuned on set 8
(`tune (set 8)`) and held out set 9 (`held out (set 9)`); the twelfth tuned on set 9
(`tune (set 9)`) and held out set 10 (`held out (set 10)`), nine files from two
repositories no earlier set drew on; the thirteenth tuned on set 10 (`tune (set 10)`) and
held out set 11 (`held out (set 11)`), eight files from five more repositories, Chinese
and Persian prose among them, and set 12 (`held out (set 12)`), ten files from six more
repositories, chosen and written by a helper who never saw Hamta's output on them; after
its last measure of set 11 the pass tuned on it too (`tune (set 11)`): see the last sections.

"""


_PUBLIC_TAIL = """
Earlier extractors on the same files, measured with this measure: before issue 11 (main
at d862663, the one-gutter column finder) docling-pdf 286 of 352 (81.2 %, CER 35.98 %),
docling-odf 26 of 26, the ACL paper 7 of 18, the second pass's held-out sets 68 of 110;
after the first pass of issue 11 (main at 2ce7722, tables read as rows of text) docling-pdf
320 of 352 (90.9 %, CER 24.67 %), docling-odf 25 of 26 (CER 18.16 %), the ACL paper 16 of
18, the held-out sets 72 of 110. The measure's spelling folds (apostrophe, dash, slash,
square bracket, combining mark) are new in this pass: with the first pass's measure this
extractor recovers 327 of 352 on docling-pdf (92.9 %; the first pass reported 313) and the
95 % of the table above depends on them. Since the first pass, with tables out of the body
text, the CER of `text_document_03` went from 110.25 % to 0.00 %, of `2305.03393v1-pg9` from 25.15 % to 0.00 % and of
`normal_4pages` from 12.20 % to 6.13 %.

The held-out sets of the second pass were measured once, at commit a7c01da, before anything
was changed for them: 72 of 110 paragraphs (65.5 %; pdfplumber-tests 11 of 34, pdfjs-tests
29 of 36, pymupdf-tests 32 of 40), tables 5 of 5. What that run showed was then fixed, so
the table above, 76 of 110, is no longer a held-out number for these fixes: sub- and
superscripts that chained two lines into one (one paragraph of `2201.00069`), text set on
its side in the margin that tied the rows of the Federal Register's columns together, prose
columns read across taken for a table (two false tables on the Federal Register's first
page), and, in the measure, citation marks set against their word (`Firefox[4]`, three
Wikipedia paragraphs whose anchors never matched).

Held-out set 2 (third pass): 81 of 93 paragraphs (87.1 %) with the code before the pass
(main at 3e84383, measured at c280443), 81 of 93 (87.1 %) at its end, the same count in every file: the
layouts the pass fixed do not occur in these eight files, and nothing was changed for what
they show. What they lose (read after the last measurement): `dmca`'s list items, whose
symbol-font bullets (mapped to "!") are read at the end of the line before, and a paragraph
cut at its page's foot; `test_4435`'s paragraph across the page break (a hyphenated word
ends the page; the next page opens with a figure in the other column) and its first
paragraph; `issue-67-example`'s Chinese paragraphs set with a blank line's leading between
their lines, cut after their first line; `issue16063`'s lettered item whose third line opens
with a bracket; `test_2861`'s bibliographic line, whose words are read without spaces and
run into the title; and two anchors of ours that cannot match the text layer as written
(`issue-1061`'s "Index Terms" runs into "—Data" without a space; `test_2861`'s "Moureau"
ends in "’s" there), which the measure counts as lost. Set 1, tuned on in this pass: 93 of 128 (72.7 %) before it, 120 of 128 (93.8 %) after; docling-pdf
335 of 352 before, 335 of 352 (95.2 %) after. What the pass fixed, each with a test on our own render of the
layout (`tests/test_extract_layouts.py`, `tests/fixtures/layouts_chromium.pdf`) that fails on
the code before it: the Federal Register's three columns (7 of 30 before: its columns' lines
step down from column to column and chained into one row of the whole stretch; a justified
line's last blank filled the one-em gutter); inline mathematics interleaving two lines of
`2201.00069` (the same chain); `tracemonkey`'s paragraph cut after its first line by an
overfull list line that moved its column's edge, the one running past a listing and two
figures into the next column, and the one crossing a page at a sentence end; `test-E+A`'s
English translation lines run into the Arabic example above them and read right to left.
The pass's two new thresholds (`LINE_SPREAD` 0.8 in `lines.py`, `EDGE_SHARE` 0.25 in
`layout.py`) were set on set 1 and checked on the docling set; set 2 was not looked at.

Held-out set 3 (fourth pass): 121 of 133 paragraphs (91.0 %) with the code before the pass
(main at 1898345), 121 of 133 (91.0 %) at its end; nothing was changed for these files. Set 2, tuned on
in this pass: 81 of 93 before it (with its anchors as they were), 93 of 93 (100 %) after; set 1: 120 of 128
before, 124 of 128 (96.9 %) after; docling-pdf 335 of 352 (95.2 %) after. What the pass fixed (see the list of what the
extractor does above): `dmca`'s symbol-font bullets and the paragraph whose last sentence
is bold, `issue-67-example`'s large Chinese paragraphs, `issue16063`'s item cut before a
bracket, `test_2861`'s and `test_4435`'s words read without spaces, `test_4435`'s paragraph
across the page under a two-line running head, and on set 1 `tracemonkey`'s list line
without spaces and three of the Federal Register's paragraphs (notes under its first
column reaching above the page's middle; parts ending on a hyphen or mid-sentence on a
ragged line). The pass's new thresholds (0.12 em between abutting letters, a gap of 3 % of
an em for abutting, six ems of a ragged line's slack, notes closing up within a line of the
note below above 40 % of the page's height) were set on sets 1 and 2 and checked on the
docling set; set 3 was not looked at. One of docling's tables (`table_mislabeled_as_picture`)
no longer counts as found (6 of 8, 7 before): its truth writes the symbol font's bullet
before each row as the letter "y", which Hamta now reads as a bullet (its CER 2.83 % before,
3.77 % after).

What is left on set 1: the Federal Register's paragraph that runs past the masthead at the
head of its third column and its run-in "FOR FURTHER INFORMATION CONTACT" heading (both
fixed by the sixth pass); one paragraph of `2201.00069` and one of the ACL paper.

What set 3 loses (read after its last measurement, nothing changed for it): in `i1040nr`
run-in headings set in bold with a full stop ("Exception for children under age 18.") are
cut from the text they open, and a caution box's text beside its icon is split; in
`issue-71-duplicate-chars-2` two objectives read with a space after the "fi" ligature
("défi nir", before and after the pass), a boxed note and one item's last line (its symbol
bullets "y" and "Ê" read as bullets since the pass); `issue-982`'s block quote, cut before its last
line; `issue-316`'s paragraph across a footnote and the page break; `issue-848`'s first two
lines, taken for a running head because later pages print the same text (mirrored or
rotated).

Held-out set 4 (fifth pass): 77 of 90 paragraphs (85.6 %) with the code before the pass (main at 2b085c9),
77 of 90 (85.6 %) at its end; nothing was changed for these files. Set 3, tuned on in this pass:
121 of 133 before it, 125 of 133 (94.0 %) after; set 1 124 of 128 (96.9 %, unchanged), set 2 93 of 93 (unchanged), docling-pdf 335 of 352 (95.2 %, unchanged) after. The
pass fixed three of set 3's losses, each with a test on our own Chromium render
(`tests/fixtures/notices_chromium.pdf`, pages 6 to 8) or on glyphs, failing on the code
before it: a space glyph that InDesign draws inside an "fi" ligature, between glyphs that
touch (twice, in a file that draws every glyph twice), is no word break ("défi nir" is
"définir" again; `test_a_blank_drawn_inside_a_ligature_is_no_word_break`); top lines that
repeat on later pages but run straight on into body-size text at its leading, same left
edge and measure, are no running head (`issue-848`'s opening lines;
`test_a_page_printed_twice_keeps_its_opening_lines`); a paragraph's own measure counts line
ends within a quarter of an em of its farthest, since TeX's microtype hangs a final hyphen
past the edge (`issue-982`'s block quote kept its last line;
`test_a_quotation_whose_hyphen_hangs_past_its_edge_keeps_its_last_line`). The quarter em
and the running-head test's thresholds (under half a line's gap, sizes within a tenth of
the body's, measure 80 %) were set on set 3 and checked on sets 1 and 2, the docling sets
and our renders; set 4 was not looked at. Still lost on set 3: `i1040nr`'s bold run-in
headings ("Exception for children under age 18.") cut from their text and its caution box
split; `issue-71-duplicate-chars-2`'s boxed note and one item's last line; `issue-316`'s
paragraph across a footnote and the page break.

What set 4 lost (read after its last measurement in the fifth pass; fixed by the sixth but the author and date heading): nine of
`bug1019475_1`'s ten paragraphs, whose text pdfminer (under pdfplumber) does not see at all
(14 glyphs on the page; pdftotext reads them); in `issue918` the author and date lines read
as one heading, and the Type 3 font's "á" read as "Æ"; in `bug1873345` a paragraph opening
beside a margin note runs into the one before; two paragraphs of the Federal Register page
(`pr-00530-ml-lines`).

Held-out set 5 (sixth pass): 56 of 78 paragraphs (71.8 %) with the code before the pass
(main at 75feec7, measured at 8f0444d), 56 of 78 (71.8 %) at its end (97bb70d), the same
count in every file; nothing was changed for these files. Set 4, tuned on in this pass: 77
of 90 before it, 90 of 90 after (one anchor corrected to the printed text: "Václav Havel’s
greengrocer", the possessive being part of the word on the page; with the old anchor 89);
set 3 125 of 133 before, 131 of 133 (98.5 %) after (one anchor of `i1040nr` made longer:
page 2 opens a paragraph with the same words "Former U.S. citizens and former U.S.", which
the measure found first; both corrected anchors are lost with the code before the pass
too, so the counts before it stand); set 1 124 of 128 before, 126 of 128
(98.4 %) after; set 2 93 of 93 and docling-pdf 335 of 352 (95.2 %, CER 18.98 %) unchanged. What
the pass fixed, each with a test that fails on the code before it (`tests/test_extract_fonts.py`
on our own render rewritten and on a Type 3 font built in the test;
`tests/test_extract_runin.py` on `tests/fixtures/runin_chromium.pdf`, our own Chromium render,
pages 1 to 4):

- **Encodings embedded in the file** (`embedded_cmap.py`): a Type 0 font whose Encoding is
  a CMap stream of the producer's own name (Prince's "Prince-ArialMT-H") decoded nothing,
  because pdfminer looks the name up among the predefined CMaps only; the embedded program
  is read now (`bug1019475_1`: 14 glyphs of 1,662 before, nine paragraphs back). Before
  writing this, the idea of falling back to pypdfium2's text layer where pdfminer's is far
  poorer was measured: on the first three pages of every PDF of the five suites' test
  folders not in set 5 (500 pages where PDFium sees more than 50 glyphs), pdfminer saw
  under 80 % of PDFium's glyphs on 6 pages before this fix and on 3 after it (two
  adversarial files, `issue-1113-evil-xobjects` and pdf.js's `issue19800`, and a fuzzed
  one), and on none of the manifest's files; a second text layer is not worth its cost
  for now.
- **TeX's bitmap fonts** (`pipeline/extractors/glyph_names.py`): Type 3 fonts from dvips name each glyph
  after its code ("a225"), which names no character, so pdfminer fell back to
  StandardEncoding ("á" read as "Æ", the "fi" ligature and curly quotes lost). Where every
  glyph of a font is named so and a code is 128 or more (TeX's 8-bit Cork encoding; the
  7-bit OT1 has none), codes are read in Cork (`issue918`).
- **Run-in headings that fill their line** (`layout.py`, `_run_in_heading`): a line all in
  bold at the text's size, full (the next line's first word would not have fitted on it),
  with a line not all in bold under it at the text's leading, is a paragraph's run-in
  heading whatever punctuation ends it, also over two bold lines (`i1040nr`'s "Exception
  for children under age 18.", "Former U.S. citizens and former U.S."; the Federal
  Register's "FOR FURTHER INFORMATION CONTACT: Ian" on sets 1 and 4).
- **Mastheads in a paragraph's way** (`layout.py`, `_interposed`): a paragraph that ends
  its column mid-sentence goes on past one to three one-line blocks set at the head of the
  next column (headings, or another size: a journal's title, volume and date) where its
  next words open the column mid-sentence; the lines keep their place after it (the Federal
  Register's first page, sets 1 and 4).
- **Two hands** (`reading_order.py`, `_other_hand`): a candidate gutter between text that
  shares no font and no fill colour with the text beside it, both sides three ems wide at
  least, is a gutter whatever the sides' width and rows: notes in the margin, a reviewer's
  annotations (`bug1873345`, a note 0.8 em from the text); a list's coloured symbol
  bullets are narrower and stay with their items.
- **Icons** (`pdf.py`, `_icon`; `lines.py`): a small drawing (four text sizes across at
  most) round a glyph set far larger than the text, with nothing inside at the text's size
  (a warning triangle round a large "!" over "CAUTION" in 5-point capitals), is a figure
  whose text is its label, taken out of the lines it stands beside (`i1040nr`'s two
  cautions). On `i1040nr`'s tax table (page 34, not in the expectations) the caution
  drawn there moves the reading of the sample table below it: one table block fewer (46).
- **A paragraph's last line by a drawing** (`layout.py`, `_runs_into`): a line taken for a
  figure's label (short, just beside a drawing) that the paragraph above runs on into
  (full, mid-sentence, the same size, at the text's leading) is that paragraph's last line
  (`issue-71-duplicate-chars-2`: an objective's last word over the band closing its shaded
  box).

The thresholds of the pass (`HAND_EMS` 3, `_ICON_EMS` 4 with glyphs over 1.4 and none within
0.7 to 1.4 of the page's text size, `_INTERPOSED_LINES` 3, the run-in heading's 1.25 of the
leading taken from the existing paragraph rules) were set on sets 3 and 4 and checked on
sets 1 and 2, the docling sets and our renders; set 5 was not looked at.

Still lost on the tuning sets after the sixth pass: on set 3 `issue-71-duplicate-chars-2`'s
boxed note (read as the box's label) and `issue-316`'s paragraph across a footnote and the
page break (a margin's running title is read into its first line); on set 1 one paragraph
of `2201.00069` and one of the ACL paper; on set 4 nothing the measure counts, though
`issue918`'s author and date lines are still one heading.

What set 5 loses (read after its last measurement, nothing changed for it): `test_5001`'s
poster (6 of 13) sets each section in a drawn box with a coloured heading band: the boxes
are taken for figures and the two columns' first lines for their labels, read across;
`test_3357`'s scanned review (3 of 13) has an OCR text layer whose lines carry no indent
that Hamta sees, so the whole review is one paragraph; `test_3780` (9 of 12) loses its
first paragraph to the drop cap "S" read into its first two lines, and the paragraph
opening "Fig. 1(a) shows ..." is taken for a caption (so it does not join its second part
in the next column), and one paragraph among displayed formulas; the web article
(`issue-00352-hash-twos-complement`, 7 of 9) runs a quotation paragraph into the one
before it, whose last line ends without a full stop ("... necessary to make a difference").
The Chinese pages, the working paper and the wiki page come out whole.

Seventh pass of issue 11 (tuned on set 5; no new set was held out, so this pass has no
held-out figure): set 5 56 of 78 (71.8 %, its held-out measurement) before the pass, 68 of
78 (87.2 %) after it; sets 1 to 4 and the docling sets unchanged (126 of 128, 93 of 93, 131
of 133, 90 of 90; docling-pdf 335 of 352, CER 18.98 %; docling-odf 26 of 26). What the pass
fixed, each with a test that fails on the code before it (`tests/test_extract_textlayer.py`,
PDFs written in the test with the standard Times fonts, in our own words):

- **Bold that marks nothing** (`layout.py`, `_bold_text_face`): where 80 % of a page's
  text at the body size (by characters, over 8 lines at least) is in a bold font, the
  running text itself is bold and bold says nothing there: the page's lines are read as
  not bold. `test_3357`'s OCR text layer names Times-Bold for nearly every word, so every
  line looked like a heading, the headings joined and the review came out as one
  paragraph; its paragraphs are told apart now by their indents and short last lines
  (3 -> 11 of 13; the two left: the review's heading, whose "Cameroun.Par" the OCR layer
  runs together (pdftotext reads it so too) and whose first words the measure meets first
  on JSTOR's cover page, and the last item, whose run-in title "la reunification" is set
  below its line beside the text and is read into that line).
- **A word drawn over the space before it** (`lines.py`, `_latin_word_space`): an OCR
  layer places each word where the scan has it, and the space glyph that ends the word
  before can run under it; such a blank, with an advance of its own (a fifth of its size)
  between two glyphs of Latin text, is a space, not the zero-width blank (a ZWNJ mapped to
  the space glyph) the rule was written for ("correspondante a", not "correspondantea").
- **Drop caps** (`lines.py`, `_drop_caps`): a letter twice the page's text size or more,
  with lines at two baselines or more just right of it within its height, is set as the
  first letter of the top one of those lines at that line's size; it was read into the
  row of its own baseline, the third line, and the paragraph was cut round it
  (`test_3780`'s "S", "Scalable quantum computation ...").
- **A sentence about a figure's panel** (`layout.py`, `_SENTENCE_ABOUT`): "Fig. 1(a)
  shows ..." and "Figure 2b is ..." open a sentence, not a caption; the paragraph now
  joins its second part in the next column (`test_3780`, 9 -> 11 of 12 with the drop cap).
- **Space between paragraphs over a line that seems to run on** (`layout.py`,
  `PARAGRAPH_SPACE` 1.6): a line more than 1.6 leadings below the one above starts a
  paragraph even where the line above is full and stops mid-sentence (a web article's
  paragraph whose last sentence has no stop, 1.84 leadings above a quotation:
  `issue-00352-hash-twos-complement`, 7 -> 9 of 9). Across all the manifest's files the
  rule changes no anchored paragraph; it adds blocks (116 -> 117 on the ACL paper, 285 ->
  289 on `tracemonkey`, whose affiliations are now one block each, 224 -> 257 on
  `TAMReview`, whose pages after the first have no Unicode map, 258 -> 308 on the
  adversarial `issue-848`).

The thresholds of the pass (`BOLD_TEXT_FACE_SHARE` 0.8 over `BOLD_TEXT_FACE_LINES` 8,
`DROP_CAP_SIZE` 2, `PARAGRAPH_SPACE` 1.6) were set on set 5 and checked on sets 1 to 4, the
docling sets and our renders. Still lost on set 5: `test_5001`'s poster (6 of 13, boxed
columns taken for figures, their first lines read across as labels), two paragraphs of
`test_3357` (above), one paragraph of `test_3780` among displayed formulas ("Neglecting
micromotion, ..."). No new set was held out in this pass, so the figures above are tuning
figures; the last held-out measurement is set 5's 56 of 78 (71.8 %).

Eighth pass of issue 11: held-out set 6, measured once at ce88212 (the code of main at
914a883; no code was changed in the pass): **98 of 104 paragraphs (94.2 %)**, short of
the issue's 95 %; by file `test_4026` 7 of 7, `test_4245` 12 of 15, `test_4180` 6 of 6,
`test_2979` 13 of 14 (its table found, 1 of 1), the research note 9 of 10, the French
minutes 24 of 24, the report form 16 of 16, the magazine appendix 11 of 12. The
expectations (opening and closing words of each paragraph, short anchors only) were
written from the pdftoppm renders of the pages named in each note, their spelling checked
against pdftotext, and committed before Hamta was run on the files; paragraphs whose opening
words repeat an earlier passage word for word were left out then (`test_4026`'s title,
repeated by the citation in its margin, and its third paragraph, which opens like a
sentence of the abstract). What set 6 loses (read after the measurement, nothing changed
for it):

- **A narrow column beside a floated box** (`test_4245`, 2 paragraphs): the two paragraphs
  set beside the wiki's infobox come out one passage per line, and the first line, which
  opens with the bold name "Bartholomew JoJo "Bart" Simpson", is read as a heading.
- **A paragraph's last line taken for the page's foot** (`test_2979`, 1): the clause
  6.4.4.3's short last line "Clause 6.", just above the footer rule, is read as a footer.
  (The file draws the page twice; on the first copy clause 6.4.3.11 is drawn a second time
  at the page's end and runs into 6.4.4.3 as well.)
- **A box of small type read as a footnote** (research note, 1): the guidance box under the
  sidebar's table ("Kreate estimates that its revenue in 2025 ...") is small type at the
  foot of the page and is read as a footnote, so it leaves the body text.
- **Two anchors of ours** (2): the one-word heading "Behavior" (`test_4245`) also occurs
  in an earlier paragraph ("his behavior"), and "The flight crew conducted an emergency
  landing" (the magazine appendix) also ends the paragraph before ("... landing at Belo
  Horizonte"); the measure meets the earlier passage first and counts the paragraph lost,
  though Hamta's passages for both are whole. With these two anchors made unambiguous the
  count would be 100 of 104 (96.2 %); the held-out figure stays 98 of 104, as the
  anchors were committed.

The other sets are unchanged by the pass (sets 1 to 5: 126 of 128, 93 of 93, 131 of 133,
90 of 90, 68 of 78; docling-pdf 335 of 352, CER 18.98 %; docling-odf 26 of 26), so set 6's
98 of 104 (94.2 %) is the last held-out figure.

Ninth pass of issue 11: held-out set 7 (`held out (set 7)`), nine files of the suites never
used before, chosen for varied layouts before anything of the pass was changed: PyMuPDF's
Italian textbook pages (`test_2635`: text wrapped round a cut-out photograph, margin boxes,
a paragraph across two columns, part of its second page in a shifted encoding, whose
paragraphs were left out), an HSBC research page (`battery-file-22`: bullet points, a pull
quote in the margin, a chart), a church study sheet (`test_3727`: forced line breaks,
questions over ruled lines, a centred prayer) and a consent form (`test_4614`: thirteen
list items in small type, a ruled table of signatures); pdf.js's first page of the Bitcoin
paper (`issue13201`), the LaTeX Project's two-column tagging example (`bug1997343`: a table
of contents, lists, a float, a margin note, a paragraph across the columns), a preprint's
first page in Computer Modern (`issue6132`) and a French support page printed by Firefox
(`bug1868759`: link lists, bold run-in labels, two hidden items in the text layer);
pdfplumber's school board agenda (`cupertino_usd_4-6-16`: a boxed notice in small type,
numbered items with prose). The expectations were written from the pages rendered with
pdftoppm, their spelling checked against pdftotext, and committed (e628884) before Hamta was
run on the files; headings that a table of contents, a running head or a hidden line of the
text layer prints earlier word for word were left out. None of the suites' unused files has
CJK or right-to-left prose, and pdfminer.six has no unused file with prose, so set 7 has
neither.

Set 7, measured with the code before the pass (main at 5bf1ecf, measured at e628884):
**93 of 114 paragraphs (81.6 %)**; at the pass's end (7c9a357): **93 of 114 (81.6 %)**, the
same count in every file (`test_2635` 10 of 13, `battery-file-22` 8 of 8, `test_3727` 13 of
18, `test_4614` 12 of 17, `issue13201` 5 of 5, `bug1997343` 15 of 18, `issue6132` 3 of 7,
`bug1868759` 14 of 15, the agenda 13 of 13): far short of the issue's 95 %, and the lowest
held-out figure since set 5's 71.8 %. Nothing of the pass was made for these files; what it
fixed does not occur in them. What set 7 loses (read after its last measurement, nothing
changed for it; tuning data for the next pass):

- **Lines broken by hand short of the measure** (10 paragraphs): the study sheet's italic
  paragraphs of two or three lines, each ended by a line break well before the page's
  widest line, and the consent form's paragraphs and list items whose first line stops
  short of the widest line: each short line ends a passage.
- **TeX's ligatures read as nothing** (`issue6132`, 4): the Type 1 Computer Modern font's
  "fi" and "ffi" come out empty ("E cient", "nite eld"), where pdftotext maps them.
- **Two columns read across under a title block** (`bug1997343`, 3): the abstract's lines
  run into the right column's first lines, and the paragraph across the columns is cut.
- **Text wrapped round a cut-out photograph** (`test_2635`, 3): the photograph's box
  overlaps the lines beside it, so they are not seen as wrapped round a float and come out
  one line per passage; a paragraph is cut where a line opens with a bold phrase.
- **A link list's item over two lines** (`bug1868759`, 1).

What the pass fixed, tuned on set 6 (its losses, read at the end of the eighth pass) and on
what was left of sets 5, 3 and 1, each with a test in `tests/test_extract_pagefoot.py` that
fails on the code before it (PDFs written in the test with the standard Times fonts, in our
own words):

- **A paragraph's last line on a page printed twice** (`layout.py`,
  `_ends_paragraph_above`): a bottom line that repeats on other pages but finishes the
  sentence of the line above it (that line stops mid-sentence; this one follows at its
  leading, at the body's size, from the same edge) is that paragraph's last line, not a
  running foot (`test_2979`'s "Clause 6.", which also let the clause join the next page's
  first paragraph).
- **Small type closing up under a table** (`layout.py`, `_notes_at_foot`): a table counts
  as what a footnote area must be set off from, so the research note's guidance box under
  its sidebar's table stays body text; a table's "Notes:" line under it is a paragraph now
  (`issue-316`, one passage more), not a footnote.
- **Text wrapped round a float** (`layout.py`, `_wrapped_round_floats`; `PageLayout` now
  carries the page's figure boxes): lines beside a figure inside their column (three lines
  of three words at least, `WRAPPED_LINES`) end where the lines beside it end, not at the
  column's edge, and the figure's title just over it is its label, read at the end of its
  stretch (`test_4245`'s first two paragraphs beside the wiki's infobox, 12 -> 14 of 15).
- **A page's background in stripes** (`pdf.py`, `_BACKGROUND_WIDTH` 0.9): a drawing or image
  at least 0.9 of the page wide with a row of running text over it is background, not a
  figure (set 5's poster, `test_5001`, 6 -> 13 of 13: its stripes had cut the boxed sections
  into figure labels read across both columns).
- **A shaded note** (`pdf.py`, `_FILLED_BOX` 0.5): two rows of running text covering half a
  drawn box's height or more make it a text box, not a figure with its caption
  (`issue-71-duplicate-chars-2`'s note; its anchor was corrected to the printed "H+", the
  superscript being part of the word on the page: with the old anchor the paragraph is lost
  with any code).
- **A numbered heading turned over** (`layout.py`, `_hangs_under_number`): a line opening
  with a section number, ending without a stop, whose next line at the leading is set under
  its text after the number, goes on in that line (`2201.00069`'s "3.1.2 e-MERLIN detection
  of compact emission towards" / "FRB 20190714"; `i1040nr`'s worksheet items turned over
  the same way, two passages fewer).

Thresholds of the pass: `WRAPPED_LINES` 3 was set on set 6 (`test_4245`) and checked on set
2 (`test_open2`'s chart, whose tick labels beside its plot are not text, hence the three
words); `_BACKGROUND_WIDTH` 0.9 on set 5; `_FILLED_BOX` 0.5 on set 3; the half-line gap of
the last line and the 0.6 em of the turned-over heading come from the existing paragraph
rules. All were checked on sets 1 to 6, the docling sets and our renders; set 7 was not
looked at before its last measurement. Tuning figures before -> after the pass: set 6 98 ->
102 of 104 (98.1 %; the two left are the anchors of ours named above), set 5 68 -> 75 of 78
(96.2 %), set 3 131 -> 132 of 133 (99.2 %, with the corrected anchor), set 1 126 -> 127 of
128 (99.2 %), set 2 93 of 93 and set 4 90 of 90 unchanged, docling-pdf 335 of 352 (CER
18.98 %) and docling-odf 26 of 26 unchanged; our own renders unchanged (CER 0.00 % on every
layout). The held-out figure of the pass is set 7's 93 of 114 (81.6 %).

Still lost on the tuning sets: set 6's two ambiguous anchors; set 5's `test_3357` heading
and last item (an OCR layer that interleaves two words' letters) and `test_3780`'s
paragraph among displayed formulas; set 3's `issue-316` paragraph across a footnote and
the page break (the margin's running title is read into its first line, and the note
under the first page's text is set at 0.9 of the text's size, too large for a footnote;
taking text in the margin off a text line's row at the right edge of the column's
justified lines was tried in this pass and left out: it cost docling-pdf 3 paragraphs and
set 6 one); set 1's ACL paragraph that runs on past a figure whose labels are read as text.

On the tuning set what is left is mostly where Hamta and the truth read a page
differently: `normal_4pages`'s truth runs a colophon's four lines together and reads the
cover's masthead after them (Hamta reads them row by row: a banner drawing spans both), and
counts a running header and a boxed note at the foot of a page as body text; `redp5110`'s
truth reads a sidebar, an author page and a cover in another order, splits "Chapter 1." from
the title on its baseline and runs a side heading into its paragraph, and Hamta splits a
cover heading set in two sizes; `right_to_left_02`'s text layer maps kashida to the letter
waw. `redp5110`'s CER is mostly its table of contents (26 of its 50 points), code and a
figure's callouts; single-column ruled grids (`text_document_03`'s lists in cells) are no
table here, though the truth's.

Tenth pass of issue 11: held-out set 8 (`held out (set 8)`), nine files of the suites never
used before (none in any earlier set), chosen for prose before anything of the pass was
changed: PyMuPDF's Qwen2 technical report (`test_4751`, pdfTeX: a small-caps title, an
author block, a three-paragraph abstract, footnotes; pages 1 and 3 of 26), an Italian
insurer's information document (`test_3186`: a title block on a coloured band, boxed
paragraphs broken by hand, a text layer that writes its apostrophes as the digit 0), a
French magazine article (`test_2791_content`, InDesign: most of its text layer in a shifted
encoding, so only page 3's plain parts carry anchors), a page of an annual report
(`test_4412`: ragged-right paragraphs, a pull quote in capitals, small type) and an answer
of a web site printed to PDF (`test_4599`: bold runs, boxed citation numbers, bullet items
with run-in labels); pdf.js's one-paragraph InDesign page (`issue1002`), the documentation
of a LaTeX font package (`issue10640`: a title block, a table of contents, an indented
paragraph) and Antenna House's links sample (`issue17730`: a boxed paragraph, headings over
one-line link items); pdfplumber's French municipal transport plan (`chelsea_pdta`, 65
pages: justified paragraphs and a numbered list on page 5). The expectations were written
from the pages rendered with pdftoppm, checked only against poppler's pdftotext (for words
the text layer spells otherwise, which the anchors then avoid, and for openings an earlier
paragraph also holds) and committed (15b0fb8) before Hamta was run on the files; headings a
table of contents prints earlier word for word were left out, and the small-caps title
and "Abstract" of `test_4751` were written as printed. None of the suites' unused files has
CJK or right-to-left prose (the candidates are shipping forms, tables and a Thuluth glyph
chart), and pdfminer.six has no unused file with prose, so set 8 has neither.

Set 8, measured once with the code before the pass (main at 06d237e, measured at 15b0fb8):
**63 of 76 paragraphs (82.9 %)** (PyMuPDF's five files 33 of 46, pdf.js's three 17 of 17,
pdfplumber's 13 of 13); at the pass's end (code at 1430b98, measured at befdb1a): **63 of
76 (82.9 %)**, the same count in every file (`test_4751` 14 of 14, `test_3186` 11 of 16,
`test_2791_content` 1 of 3, `test_4412` 5 of 6, `test_4599` 2 of 7, `issue1002` 2 of 2,
`issue10640` 6 of 6, `issue17730` 9 of 9, `chelsea_pdta` 13 of 13): **short of the issue's
95 %**. Nothing of the pass was made for these files; what the pass fixed does not occur in
them. What set 8 loses
(read after its last measurement, nothing changed for it; tuning data for the next pass):

- **Characters the text layer maps otherwise than poppler does** (12 paragraphs):
  `test_4599`'s Type 3 fonts (PyMuPDF's own output) give NUL characters for its
  parentheses and square brackets ("China ␀Tibet␀␀1␀", U+0000 shown as ␀), which glue to the
  anchors' words (5; its paragraphs themselves are whole); `test_3186`'s Type 3 fonts read
  "è" as "Ł" and drop "à", "ù" and the apostrophe ("societ", "piø", "d investimento"),
  where pdftotext reads them (4 of its 5: "società", "solvibilità"; the fifth is its
  centred subtitle, cut before its last line "(DIP aggiuntivo IBIP)");
  `test_2791_content`'s page 3 reads its italic titles (in the shifted encoding) as
  nothing and cuts its paragraphs where they stood (2).
- **A line broken by hand before a figure** (`test_4412`, 1): "…and corporates. We
  administer" / "£46.9 billion of investments…": the next line opens with a currency sign,
  not a lower-case letter, so the new rule does not join it.

The small-caps title of `test_4751` and its "Abstract" were read whole, and the pdf.js and
pdfplumber files lose nothing.

What the pass fixed, tuned on set 7 (its losses, read at the end of the ninth pass), each
with a test that fails on the code before it (`tests/test_extract_handbreaks.py`, PDFs
written in the test with the standard Times fonts in our own words; the ligatures in
`tests/test_extract_fonts.py`, a compact font program built in the test with fontTools):

- **TeX's ligatures read as nothing** (`pipeline/extractors/builtin_encoding.py`): a
  symbolic Type 1 font whose Encoding names no BaseEncoding takes its base from the font
  program's own encoding (PDF 32000-1, 9.6.6.1), not StandardEncoding, where OT1's "ff",
  "fi", "fl", "ffi", "ffl" (codes 11 to 15) are nothing and the en dash (123) is "{"; a
  compact (Type1C) program's encoding is read with fontTools (now a direct dependency; it was
  already installed with matplotlib), and a font dictionary without any Encoding gets it too.
  A ToUnicode map still wins (`issue6132` 3 -> 7 of 7: "E cient", "nite eld").
- **A line broken by hand inside a sentence** (`layout.py`, `_broken_mid_sentence`): a line
  that stops short of the column by choice ends a paragraph, unless it does not end its
  sentence (no stop, colon or semicolon) and the next line, at the leading and not left of
  it, goes on in lower case, or the short line ends on a comma (`test_4614`'s paragraphs and
  items turned over by hand, 12 -> 16 of 17; `test_3727`'s "…in scripture," / "we should…";
  `bug1868759`'s link item "…autres qu’Amazon," / "Best Buy et Walmart ?").
- **Emphasis beside a cut-out photograph** (`layout.py`, `_emphasis_broken_mid_sentence`):
  a change between bold and roman inside a sentence of a paragraph that is not all bold,
  under the same rule, is emphasis, not a heading: the lines beside `test_2635`'s photograph
  stop short of the column, so the existing test (the line above full and mid-sentence)
  did not see it (10 -> 13 of 13).
- **A column's line level with the next column's heading** (`lines.py`, `SIZE_STEP` 1.25):
  glyphs of one size and glyphs at least 1.25 times larger or smaller on one baseline, more
  than half an em of the smaller apart, are two segments; the gap had been weighed only
  against the gutter width in ems of the larger (`bug1997343`'s abstract, read across both
  columns because its line of 10 pt shared a baseline with the right column's 14 pt heading
  0.66 em away).
- **A column's footnote a little under a line of space below its text** (`layout.py`,
  `FOOTNOTE_SPACE` 0.9, was 1.0): LaTeX set `bug1997343`'s note 0.9996 em under its column,
  so the note was body text and the paragraph running on into the next column was cut at it.

Thresholds of the pass: `SIZE_STEP` 1.25 and the half em were set on set 7's `bug1997343`
(1.43 times, 0.66 em); `FOOTNOTE_SPACE` 0.9 on the same file; the lower-case and comma tests
of a hand-broken line on `test_4614`, `test_3727` and `bug1868759`. All were checked on sets
1 to 7, the docling sets and our renders; set 8 was not looked at before its last
measurement. Tuning figures before -> after the pass: set 7 93 -> 108 of 114 (94.7 %), set 6
102 of 104, set 5 75 of 78, set 3 132 of 133, set 1 127 of 128, set 2 93 of 93 and set 4 90
of 90 unchanged, docling-pdf 335 of 352 (CER 18.98 %) and docling-odf 26 of 26 unchanged;
our own renders unchanged (CER 0.00 % on every layout, 311 of 312 text-shape paragraphs).
The held-out figure of the pass is set 8's 63 of 76 (82.9 %), before and after. The new
joins leave fewer passages in files whose paragraphs were already whole (a treaty's quoted
article set narrower in `dmca`, 175 -> 160 passages; code and displayed formulas in
`tracemonkey`, `test_4435` and `redp5110` read as one block each): all were looked at, none
runs two paragraphs of a truth together.

Still lost on set 7: `test_3727`'s three paragraphs whose lines were broken by hand after a
sentence (a short line ending a sentence, the next opening one: nothing on the page tells
them from separate paragraphs but the truth's reading) and its prayer, which the text
layer ends with a stray "we"; `test_4614`'s item turned over after "…day care, and" onto
a line opening "I/ we"; `bug1997343`'s margin note, read into the lines beside it (its
column of three short lines is too narrow to be cut off as a column).

Eleventh pass of issue 11: held-out set 9 (`held out (set 9)`), eight files of the suites
never used before, chosen for prose before anything of the pass was changed: pdf.js's
public-domain fairy tale in an OpenOffice booklet (`pdkids`, page 1 of 55, its last
paragraph running onto page 2), a lorem-ipsum page printed by Ghostscript with a
highlighted run (`issue13242`), a QA page with a banner picture and a font table
(`issue19971`) and a German membership form (`bug1669099`, Scribus: check-box lines,
fields, two two-line paragraphs); PyMuPDF's three-column charity leaflet (`test_2645_1`,
Canva: headings on a band, a quote in a box, a list of items opening with a middle dot), a
page of a legislative bill with a number beside every line (`test_4503`), a scanned page
with the scanner's OCR text layer (`test_4224`) and lorem ipsum on pleading paper with
numbered lines (`test_4139`). Expectations were written from pdftoppm renders (spellings
checked against pdftotext only; where lorem ipsum repeats, an opening runs on until it is
unique in the file, and one paragraph of `issue13242` that an earlier one holds word for
word is left out) and committed (b2c6160) before Hamta was run on them. None of the suites'
unused files has CJK or right-to-left prose (their CJK files are forms, tables and bills of
lading), so set 9 has neither.

Set 9, measured once with the code before the pass (main at ca65080, measured at b2c6160):
**44 of 50 paragraphs (88.0 %)** (pdf.js's four files 24 of 24, PyMuPDF's four 20 of 26);
at the pass's end (code at db1d729, measured at 0add031): **44 of 50 (88.0 %)**, the same
in every file (`pdkids` 10 of 10, `issue13242` 5 of 5, `issue19971` 3 of 3, `bug1669099`
6 of 6, `test_2645_1` 7 of 12, `test_4503` 7 of 7, `test_4224` 4 of 4, `test_4139` 2 of 3):
**short of the issue's 95 %**. Nothing of the pass was made for these files, and what it
fixed does not occur in them. What set 9 loses (read after its last measurement; tuning
data for the next pass):

- **A leaflet's columns broken by a boxed quote** (`test_2645_1`, 5): the quote in a box
  that stands across the foot of the first column and under the second is read before the
  second column, the second column is cut where the box stands beside it ("Our Children and
  Young People Team" is read with the third column's heading, its rest after the third
  column's last item), and items opening with a middle dot ("·Developing coping
  strategies") are no list items, so several run together.
- **Numbered lines** (`test_4139`, 1; `test_4503` holds its 7 only by accident): the line
  numbers of pleading paper and of a bill are read into the text between the lines ("1
  Lorem ipsum … 2 efficitur"), and `test_4503`'s page is one passage: its anchors are whole
  because everything is. A margin column of bare numbers at the leading of the text is
  furniture to take out.

What the pass fixed, tuned on set 8 (its losses, read at the end of the tenth pass), each
with a test that fails on the code before it (`tests/test_extract_fonts.py`, Type 3 fonts
built in the test; `tests/test_extract_handbreaks.py`, standard Times fonts; our own
words):

- **Glyph names that are only their code in digits** (`pipeline/extractors/glyph_names.py`):
  a simple font whose every Differences name is its own code in digits ("232" at 232, as
  ReportMill writes its Type 3 fonts) names no glyph pdfminer knows, so the code kept
  StandardEncoding's character ("Ł" for "è"; nothing for "à"). Poppler reads such a name
  as the character's number; each printable code of such a font is now read as that
  character of Windows-1252 (Latin-1 but for 128 to 159). A ToUnicode map still wins;
  codes below the space keep what pdfminer read (`test_3186` 11 -> 15 of 16: "società",
  "solvibilità").
- **Control characters from a ToUnicode map** (`pipeline/extractors/control_characters.py`):
  a map that sends a glyph to U+0000 or another C0 control (PyMuPDF's own Type 3 output
  does this for brackets) gave a NUL glued to the word beside it ("␀Tibet␀"); such a glyph
  now reads as a space, which parts the words as the room it takes does. C1 controls
  (U+0080 to U+009F) are left alone: they are byte codes passed through, as a Wingdings
  bullet at U+0084 in docling's `table_mislabeled_as_picture`, which the list-marker rule
  reads (a first version that took them too cost that file 7 passages and 0.8 CER points)
  (`test_4599` 2 -> 7 of 7).
- **A centred subtitle turned over** (`layout.py`, `_centred_run_on`): lines centred on one
  axis (middles within `CENTRED_AXIS` 0.5 em, starts more than `CENTRED_STARTS_APART` 1 em
  apart) at the leading, the line above without a sentence's end, in a paragraph of two
  lines or more whose line above is at least `CENTRED_FULL` 0.7 of its widest: the
  paragraph runs on (`test_3186`'s "…per i prodotti d investimento assicurativi" / "(DIP
  aggiuntivo IBIP)", 15 -> 16 of 16). Where every line is centred, where a line stops says
  nothing of where the paragraph ends.
- **A line broken by hand before an amount of money** (`layout.py`, `_CONTINUES`): a line
  opening with a currency sign and a figure goes on with the sentence of a short line above
  that does not end it, as a line opening in lower case does (`test_4412`'s "…We
  administer" / "£46.9 billion of investments…", 5 -> 6 of 6).

Thresholds of the pass: `CENTRED_AXIS` 0.5 and `CENTRED_STARTS_APART` 1.0 were set on
`test_3186`'s subtitle (middles 0.1 em apart, starts 2.3 em); the two-line minimum and
`CENTRED_FULL` 0.7 on sets 1 to 7, where the rule's first version joined a heading over a
name (`test_2861`'s "Reviewed by" / "Gabriele Ferrario", `issue-982-example`'s author over
an e-mail line, "APPENDIX A" over its title), an address over a note (`test_4180`) and two
affiliations (`issue6132`); the middle line of `test_3186`'s subtitle is 0.8 of its first.
All were checked on sets 1 to 8, the docling sets and our renders; set 9 was not looked at
before its last measurement. Tuning figures before -> after the pass: set 8 63 -> 74 of 76
(97.4 %); set 7 108 of 114, set 6 102 of 104, set 5 75 of 78, set 4 90 of 90, set 3 132 of
133, set 2 93 of 93, set 1 127 of 128 unchanged, docling-pdf 335 of 352 (CER 18.98 %) and
docling-odf 26 of 26 (0.92 %) unchanged; our own renders unchanged (CER 0.00 % in every
language, 311 of 312 text-shape paragraphs); passages unchanged but in `i1040nr` (1848 ->
1847) and set 8's files. The held-out figure of the pass is set 9's 44 of 50 (88.0 %),
before and after.

Still lost on set 8: `test_2791_content`'s two paragraphs cut where its italic titles
stood; those words are in a shifted encoding (glyph codes 29 below the letters, no
ToUnicode map) that pdftotext cannot read either, and Hamta reads them as nothing.

Twelfth pass of issue 11: tuned on set 9 (`tune (set 9)`), held out set 10 (`held out (set
10)`). Set 10 is nine files from two repositories no earlier set drew on, chosen for prose
in varied layouts before anything of the pass was changed: from Unstructured's
`example-docs` (Apache-2.0; commit 3e5482b) the first two pages of the DPR paper (a
two-column ACL paper, paragraphs running from column to column and onto page 2), a French
paper (`fr_olap`, one column, a paragraph across a page break under a figure), a page of
Backus's Turing lecture scanned with an OCR text layer (two columns, displayed formulas,
letter-spaced OCR words), two pages of the LayoutParser paper (LNCS, a numbered list), a
page of Chevron's sustainability report (three captions side by side over a photograph), a
game manual page (an indented quotation of four paragraphs, run-in entry titles) and a
short memo; from py-pdf's `sample-files` (CC-BY-SA-4.0; commit 6921079) a LaTeX two-column
article of lipsum filler (a right column with a gap where a float stood) and Apple's "Crazy
Ones" text as a PDF/A (paragraphs with hanging indents). Neither repository holds
right-to-left or CJK prose that is not a table or a single word, so set 10 is English and
French. Expectations were written from pdftoppm renders (spellings checked against
pdftotext only) and committed (7eb7487) before Hamta was run on them.

Set 10, measured once with the code before the pass (at 7eb7487): **89 of 90 paragraphs
(98.9 %)**; at the pass's end (code at 14bb21b): **89 of 90 (98.9 %)**, the same in every
file (`multi-column-2p` 14 of 14, `fr_olap` 9 of 9, `a1977-backus-p21` 13 of 13,
`layout-parser-paper-fast` 13 of 13, `chevron-page` 5 of 5, `DA-1p` 12 of 13, `fake-memo`
5 of 5, `multicolumn` 9 of 9, `crazyones-pdfa` 9 of 9). Nothing of the pass changed what
Hamta reads on these files: the held-out figure says the layouts set 10 has were already
read, not that the pass's fixes carry over (none of set 10's files has numbered lines, a
typewriter face, middle-dot items or a one-pixel image). What set 10 loses (read after its
last measurement; tuning data for the next pass): `DA-1p`'s last quotation, at the foot of
the page under the heading "Arcane Horror", is cut after its first line, which ends in a
colon.

What the pass fixed, tuned on set 9 (its losses, read at the end of the eleventh pass),
each with a test in `tests/test_extract_margins.py` that fails on the code before it
(standard Times and Courier fonts, our own words):

- **Printed line numbers in a margin** (`pipeline/extractors/line_numbers.py`, new): a
  vertical run of bare numerals whose right (or left) edges line up, at least 8, counting
  up in one step (1, 2, 5 or 10) from the top of the page down at an even pitch, with no
  other text between them and the page's edge and a gap of 0.8 of their size to the text
  beside them, is page furniture: its glyphs are dropped before tables and lines are made.
  Text within two lines above or below the run that starts further out than the numbers
  (other than the page's first two or last two rows near its edge, where a bill's heading
  stands) shows a column of the text, such as a list numbered without punctuation, which
  is kept (a test). Pleading paper (`test_4139`, 2 -> 3 of 3) and the bill (`test_4503`,
  whose 7 anchors were whole only because the page was one passage) no longer read "1
  Lorem ipsum … 2 efficitur".
- **A justified typewriter face is prose** (`layout.py`, `_typewritten_prose`): lines in a
  fixed-width font were all taken for code, whose blocks are never split at an indent. Where
  at least 5 of them share a column and 60 % of those (with three words or more) end within
  half an em of one right edge, they are justified prose and paragraphs are found as in
  any text (`test_4503`: 2 passages -> 6). A code listing's lines end where their
  statements do (the layouts fixture's listing: 3 of 8 on one edge).
- **A stretched word space is no gutter** (`lines.py`, `_word_space`): a row is cut where a
  gap could be a gutter (0.8 em); a justified Courier line stretches every space past an
  em, and two such spaces lined up on consecutive double-spaced lines cut `test_4503`'s
  lines 15 and 16 into two columns. Where a row has at least four word spaces, all within
  1.3 times of each other, and its glyphs are mostly letters, a gap no wider than 1.25 of
  its spaces is one of them. A first version without the evenness and letter conditions
  merged the cells of unruled tables (`i1040nr`'s table blocks 46 -> 7, `test_4751`'s 18 ->
  6) and, through the scattered letters of `issue-848`'s turned pages, moved that file's
  body size so its first lines became a header (set 3: 132 -> 131): both conditions are
  there for that.
- **Items opened with a middle dot** (`layout.py`, `_middle_dot_item`, `_GLUED_MARKER`): a
  line opening with "·" opens a list item unless that line or the one above holds a middle
  dot inside it (keywords separated by dots and turned over onto a line opening "· …");
  a marker set against the item's first word is parted from it ("·Advocacy" -> "· Advocacy"),
  so the first word is a word (`test_2645_1`).
- **A one-pixel image is a fill** (`pdf.py`, `_flat_fill`): an image whose source is at
  most 2 by 2 pixels, stretched over an area, has no picture in it; it is treated as a
  drawn rectangle (a frame when text is inside), not as a figure. `test_2645_1`'s blank
  panel under its third column, reaching over that column's last line, had cut the page
  across, so the middle column was read in two pieces (what the eleventh pass's notes put
  down to the boxed quote). `test_2645_1` 7 -> 11 of 12.

Set 9 44 -> 49 of 50 (98.0 %). The one left is `test_2645_1`'s boxed quote: it stands at
the foot of the first column, and Hamta reads it there; our expectation (written for the
eleventh pass) puts it after the second column. All other sets unchanged in every file,
passages included: set 1 127 of 128, set 2 93 of 93, set 3 132 of 133, set 4 90 of 90,
set 5 75 of 78, set 6 102 of 104, set 7 108 of 114, set 8 74 of 76, docling-pdf 335 of 352
(CER 18.98 %), docling-odf 26 of 26 (0.92 %); our own renders unchanged (CER 0.00 % in
every language, 311 of 312 text-shape paragraphs). Thresholds (`_MIN_RUN` 8,
`JUSTIFIED_SHARE` 0.6, `STRETCHED_SPACE` 1.25, `_EVEN_SPACES` 1.3) were set on set 9's
two pages and checked on sets 1 to 8, the docling sets and our renders; set 10 was not
looked at before its last measurement, except that its pages were read to write the
expectations: the keyword rule of the middle-dot item was written knowing LNCS papers
(one of them in set 10) separate keywords with middle dots.

Left alone: `test_4503`'s items "(i) Complete such review; and" and "(ii) Notify …" stay
one passage (both anchors whole); its heading "LB704 … 2025", set at both top corners, is
read into the first paragraph. `test_3357`'s and `test_3780`'s losses (set 5) are OCR
text-layer damage; `test_3727`'s (set 7) lines broken by hand.

Thirteenth pass of issue 11: tuned on set 10 (`tune (set 10)`) and the losses left on sets
1 to 9, held out set 11 (`held out (set 11)`). Set 11 is eight files from five
repositories no earlier set drew on, chosen before any code of the pass was changed: from
opendatalab/MinerU's demo papers (commit 79d6d8d) an Elsevier journal article (two
columns, a paragraph across a figure), an IEEE two-column paper and an ACL two-column
paper whose right column opens with a figure of two tables; from kermitt2/grobid's test
papers (commit b8d6bec) a REVTeX two-column preprint and a one-column workshop paper
(Word, Distiller); from microsoft/markitdown's test files (commit a51f725) a page of the
AutoGen paper; the Project Gutenberg Dao De Jing printed by LibreOffice, Traditional
Chinese chapters under numbered headings (pdf2htmlEX/pdf2htmlEX, commit 4478be7); and a
Persian XeLaTeX course report (absinfinite/XePersian-ReportSamples, commit a304afa; no
licence stated): 90 paragraphs. Expectations were written from pdftoppm renders
(spellings checked against pdftotext only) and committed (f8e5503) before Hamta was run
on them.

Set 11, measured once with the code before the pass (at f8e5503): **81 of 90 (90.0 %)**;
at the pass's end: **82 of 90 (91.1 %)**, short of the issue's 95 %. By file at the end:
`demo1` 7 of 8 (6 before), `demo2` 12 of 12, `demo3` 5 of 6, `0908.0054` 12 of 12,
`Wang-paperAVE2008` 8 of 9, markitdown's `test` 6 of 6, the Dao De Jing 26 of 26, the
Persian report 6 of 11. What it loses (read after the last code change, for the next
pass): the Persian report's words run together, its word spaces read as nothing or as
zero-width non-joiners (pdftotext reads them as spaces), so five anchors cannot be found,
and the last item of its bulleted list, whose text runs onto the next page, is cut at the
page; the ACL paper's paragraph that runs from the foot of the left column, past its
footnotes, into the right column under the figure is cut there; the journal article's
keywords line, over the page's footnotes, is read as a footnote; the workshop paper's
abstract, which opens with a bold run-in label, is cut after its first line.

What the pass changed, tuned on sets 1 to 10, each with a test that fails on the code
before it:

- **A colon introduces what follows** (`layout.py`, `_broken_mid_sentence`): a line
  broken by hand after a colon, the next line going on in lower case at the leading, is the
  same sentence (`DA-1p`'s quotation "…a gruesome sight:" / "a ragged collection…"); a
  capital after the colon still starts a paragraph. Set 10 89 -> 90 of 90.
- **Curly quotes beside Latin text keep their space** (`normalize.py`, `reflow`): a line
  break next to a curly quote or an ellipsis was joined without a space, as Chinese is set
  ("say“imitate", "Christ.”Amen"); it is now joined so only where the far side is Chinese.
  `test_3727`'s prayer (set 7).
- **A paragraph goes on past a figure's labels** (`layout.py`, `_interposed`,
  `_under_interposed`): between a paragraph that ends its column mid-sentence and a block
  of its size that opens the next column unindented in lower case, up to 16 blocks may
  stand: captions, tables, notes, and blocks of up to three lines set smaller than the text
  (a figure's labels), besides the masthead's one-line blocks. `naacl06` (set 1) 17 -> 18
  of 18; `i1040nr`'s paragraphs across its caution icons are whole (1847 -> 1829
  passages).
- **A line under a bulleted line's text goes on with the item** (`layout.py`,
  `_hangs_under_bullet`): `test_4614`'s item "• Any Local Authority … day care, and" / "I/
  we consent …" was cut because a wider line elsewhere set the column's edge past the
  item's full line. A sub-item there (a dash, a capital letter with a stop, a bullet) stays
  an item of its own (`issue-71-duplicate-chars-2`'s dash lists, `issue19971`'s "A. First
  item.").

Set 1 127 -> 128 of 128, set 7 108 -> 110 of 114, set 10 89 -> 90 of 90; every other set
unchanged: set 2 93 of 93, set 3 132 of 133, set 4 90 of 90, set 5 75 of 78, set 6 102 of
104, set 8 74 of 76, set 9 49 of 50, docling-pdf 335 of 352 (CER 18.98 -> 18.97 %),
docling-odf 26 of 26 (0.92 %); our own renders unchanged (CER 0.00 % in every language).
Not changed: `redp5110`'s back-cover title, set in two sizes (33 and 30 points), stays two
headings; `test_2645_1`'s boxed quote (set 9) is read where it stands.

**Set 11 tuned on, at the end of the pass: XeTeX's Persian word spaces**
(`extractors/lines.py`, `_zero_advance_blanks`). XeTeX draws no glyph for a word space, only
a gap, but draws each zero-width non-joiner as a glyph the text layer reads as a blank,
then takes the pen back. Those blanks were rightly read as ZWNJ, but they also made the
line count as one "with space glyphs", where a gap beside Arabic letters is a word space
only from 0.8 of the font size; the report's word gaps are 0.22-0.5, so its words ran
together. Blanks without advance no longer count as space glyphs (the report's gaps inside
words are at most 0.12 of the font size, its word gaps at least 0.22: the existing 0.2
threshold needs no new setting). The measure's tokens now drop the Persian comma,
semicolon and question mark, as they drop Latin punctuation. Set 11 82 -> 86 of 90
(`tune (set 11)` from here; the Persian report 6 -> 10 of 11); every other tuning set and our
renders unchanged. Left on set 11: the report's bulleted label line that ends page 4 is read
as a heading; `demo1`'s keywords line, `demo3`'s paragraph past its footnotes and figure,
`Wang-paperAVE2008`'s abstract.

**Set 12, held out**: ten files from six repositories no set had drawn on, chosen and
their expectations written from pdftoppm renders by a helper who never ran Hamta on them
nor saw its output, committed (c9bba64) before Hamta was run on them: from
allenai/science-parse's test papers an ACL 2007 paper, an AI Magazine article and the
MapReduce paper (two columns, a sidebar abstract, a drop cap, code); from CeON/CERMINE's
examples a psychogeriatrics article and a BMC article; from allenai/papermage's fixtures an
ACL 2020 paper and an ACM two-column preprint page; from VikParuchuri/marker's tests a
police procedure (lettered and numbered items); a Simplified Chinese thesis proposal
(tuna/thuthesis), paragraphs across page breaks; and a Persian XeLaTeX assignment
(XePersianShowcase/aut-assignment-example): 181 paragraphs on the pages named. Measured
with the code before the pass: **171 of 181 (94.5 %)**; with the pass's code before the
XeTeX fix: 173 (95.6 %; the Chinese proposal 17 -> 19 of 19); with the pass's final code:
**175 of 181 (96.7 %)** (the Persian assignment 4 -> 6 of 6, with the measure's old tokens
as well). None of the pass's changes was made for or looked at on these files.
"""


_REPAIR_HEAD = """
## Persian in visual order, repaired

`python -m bench.visual_order_repair`: our own Persian (the bank, and the evaluation set's
text) wrapped into lines and damaged as other tools damage it; lines whose words are simply
reversed should come back in typed order, lines whose word groups were turned around, and
intact lines, should be left alone (`pipeline/extractors/visual_order.py`). The text-file
extractor reports every file with such damage (a warning in `problems.parquet` that says to
give Hamta the PDF) and repairs only lines where the word-pair evidence is clear.

"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--render", action="store_true", help="re-render the PDFs (chromium, soffice)")
    parser.add_argument("--render-missing", action="store_true", help="render only the PDFs not there yet")
    parser.add_argument("--pdfs", type=Path, default=PDF_DIR)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--doc", type=Path, default=DOC_TABLE, help="markdown report to write")
    parser.add_argument("--public", type=Path, default=os.environ.get("HAMTA_PUBLIC_PDFS") or None,
                        help="folder of the public test PDFs of bench/public_pdfs.yaml (optional)")
    args = parser.parse_args(argv)
    documents = bench_documents()
    if args.render:
        render_all(documents, args.pdfs)
    elif args.render_missing:
        render_all([d for d in documents if not pdf_path(d, "chromium", args.pdfs).is_file()], args.pdfs)
    missing = [pdf_path(d, p, args.pdfs) for d in documents for p in producers(d.layout)
               if not pdf_path(d, p, args.pdfs).is_file()]
    if missing:
        print(f"{missing[0]}: benchmark PDF missing ({len(missing)} in all); run with --render",
              file=sys.stderr)
        return 2
    results = [evaluate(d, p, args.pdfs) for d in documents for p in producers(d.layout)]
    table = markdown_table(results)
    print(table)
    print(f"wrote {write_results(results, args.out)}")
    text_table = _text_shapes_table(args.out)
    print(text_table)
    public = _public_table(args.public, args.doc)
    print(public)
    from bench.visual_order_repair import report

    repair = report()
    print(repair)
    if args.doc:
        args.doc.parent.mkdir(parents=True, exist_ok=True)
        args.doc.write_text(_DOC_HEAD + table + _DOC_TAIL + _TEXT_HEAD + text_table + _PUBLIC_HEAD
                            + f"{_PUBLIC_START}\n{public}{_PUBLIC_END}\n" + _PUBLIC_TAIL + _REPAIR_HEAD + repair,
                            encoding="utf-8")
    return 0


def _text_shapes_table(out_dir: Path) -> str:
    from bench.text_shapes import evaluate_text, markdown_table as text_markdown, text_documents

    folder = out_dir / "text-shapes"
    folder.mkdir(parents=True, exist_ok=True)
    return text_markdown([evaluate_text(d, folder) for d in text_documents()])


_PUBLIC_START, _PUBLIC_END = "<!-- public:start -->", "<!-- public:end -->"


def _public_table(folder: Path | None, doc: Path | None) -> str:
    """The public PDFs measured now, or (without their folder) the last measured table kept
    from the report as it was."""
    if folder:
        from bench.public_pdfs import evaluate_all, markdown_table as public_markdown

        return public_markdown(evaluate_all(Path(folder)))
    old = doc.read_text(encoding="utf-8") if doc and doc.is_file() else ""
    if _PUBLIC_START in old and _PUBLIC_END in old:
        return old.split(_PUBLIC_START, 1)[1].split(_PUBLIC_END, 1)[0].lstrip("\n")
    return "(not measured: pass PUBLIC_PDFS=folder, see bench/public_pdfs.yaml)\n"


if __name__ == "__main__":
    sys.exit(main())
