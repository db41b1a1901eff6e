"""Lay out a composed document as HTML: a paged paper for Chromium to print, or a web page.

Printed papers get their running header and page numbers from CSS @page margin boxes, which
Chromium draws on every page (with --no-pdf-header-footer switching off its own date/URL
lines). Multi-column text must sit in a div: Chromium drops everything after the first
page when column-count is set on <body> itself.
"""

from __future__ import annotations

from html import escape

from corpus_spec import ComposedBlock, ComposedDocument, is_chinese

FONT_STACKS = {
    "en": '"Noto Serif", serif',
    "fa": '"Noto Naskh Arabic", "Noto Serif", serif',
    "zh-Hant": '"Noto Serif CJK TC", "Noto Serif", serif',
    "zh-Hans": '"Noto Serif CJK SC", "Noto Serif", serif',
}
NOTES_HEADING = {"en": "Notes", "fa": "یادداشت‌ها", "zh-Hant": "註釋", "zh-Hans": "注释"}

PRINT_CSS = """
@page {{
  size: A4;
  margin: 22mm 18mm 20mm 18mm;
  @top-center {{ content: "{header}"; font-family: {header_font}; font-size: 8.5pt;
                 font-style: italic; vertical-align: bottom; padding-bottom: 3mm;
                 border-bottom: 0.5pt solid #000; }}
  {page_number}
}}
html {{ font-family: {font}; font-size: 10.5pt; line-height: 1.5; }}
body {{ margin: 0; }}
:lang(en) {{ font-family: {font_en}; }}
:lang(fa) {{ font-family: {font_fa}; }}
:lang(zh-Hant) {{ font-family: {font_hant}; }}
:lang(zh-Hans) {{ font-family: {font_hans}; }}
.cols {{ column-count: {columns}; column-gap: 7mm; }}
h1.title {{ font-size: 16pt; text-align: center; margin: 0 0 3mm; line-height: 1.3; }}
h2.subheading {{ font-size: 13pt; text-align: center; margin: 0 0 3mm; }}
p.byline {{ text-align: center; margin: 0 0 1mm; }}
p.affiliation {{ text-align: center; font-size: 9pt; margin: 0 0 5mm; }}
h2.heading {{ font-size: 11.5pt; margin: 4mm 0 1.5mm; break-after: avoid; }}
p.paragraph {{ text-align: justify; text-indent: 1.5em; margin: 0 0 1.5mm; }}
p.keywords {{ font-size: 9.5pt; margin: 1mm 0 4mm; }}
p.meta {{ font-size: 9pt; color: #444; }}
ol.references, ol.notes {{ font-size: 9pt; padding-inline-start: 1.5em; }}
.label {{ font-weight: bold; }}
sup.note {{ font-size: 7pt; }}
.page-break {{ break-before: page; }}
"""


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dir(lang: str) -> str:
    return "rtl" if lang == "fa" else "ltr"


def _block_html(block: ComposedBlock, notes: list[str]) -> str:
    attrs = f'lang="{block.lang}" dir="{_dir(block.lang)}"'
    if block.role == "references":
        items = "".join(f"<li>{escape(i)}</li>" for i in block.items)
        return f'<ol class="references" {attrs}>{items}</ol>'
    parts = []
    if block.number:
        parts.append(escape(block.number))
    if block.label:
        parts.append(f'<span class="label">{escape(block.label)}</span>')
    separator = "" if is_chinese(block.lang) else " "
    for index, piece in enumerate(block.pieces):
        parts.append((separator if index else "") + escape(piece.text))
        if piece.footnote:
            notes.append(piece.footnote)
            parts.append(f'<sup class="note">{len(notes)}</sup>')
    if block.items:
        parts.append(escape(" · ".join(block.items)))
    tag = {"title": "h1", "heading": "h2", "subheading": "h2"}.get(block.role, "p")
    return f'<{tag} class="{block.role}" {attrs}>{"".join(parts)}</{tag}>'


def _notes_html(notes: list[str], lang: str) -> str:
    if not notes:
        return ""
    items = "".join(f"<li>{escape(n)}</li>" for n in notes)
    return (f'<h2 class="heading" lang="{lang}" dir="{_dir(lang)}">{escape(NOTES_HEADING[lang])}</h2>'
            f'<ol class="notes" lang="{lang}" dir="{_dir(lang)}">{items}</ol>')


def print_html(doc: ComposedDocument) -> str:
    """An HTML paper laid out for Chromium's print-to-PDF (A4, running header, page numbers)."""
    css = PRINT_CSS.format(
        header=_css_string(doc.running_header), header_font=FONT_STACKS[doc.lang],
        page_number=("@bottom-center { content: counter(page); font-size: 9pt; }"
                     if doc.page_numbers else ""),
        font=FONT_STACKS[doc.lang], font_en=FONT_STACKS["en"], font_fa=FONT_STACKS["fa"],
        font_hant=FONT_STACKS["zh-Hant"], font_hans=FONT_STACKS["zh-Hans"], columns=doc.columns,
    )
    # Blocks marked full_width span the page; the rest flow through the columns. Notes are
    # printed as endnotes where the flow ends (before a page break or at the end).
    out, flow, notes = [], [], []

    def close_flow() -> None:
        if flow:
            out.append(f'<div class="cols">{"".join(flow)}</div>')
            flow.clear()

    for block in doc.blocks:
        if block.role == "page_break":
            flow.append(_notes_html(notes, doc.lang))
            notes.clear()
            close_flow()
            out.append('<div class="page-break"></div>')
        elif block.full_width:
            close_flow()
            out.append(_block_html(block, notes))
        else:
            flow.append(_block_html(block, notes))
    flow.append(_notes_html(notes, doc.lang))
    close_flow()
    return (
        f'<!DOCTYPE html>\n<html lang="{doc.lang}" dir="{_dir(doc.lang)}"><head><meta charset="utf-8">'
        f"<title>{escape(doc.stem)}</title><style>{css}</style></head>"
        f'<body>{"".join(out)}</body></html>\n'
    )


WEB_CSS = """
body { font-family: "Noto Sans CJK SC", sans-serif; margin: 0; color: #222; }
header.site { background: #7a1f1f; color: #fff; padding: 8px 24px; }
header.site nav ul { list-style: none; margin: 0; padding: 0; display: flex; gap: 18px; }
header.site a { color: #fff; text-decoration: none; }
main { display: flex; gap: 32px; max-width: 1100px; margin: 0 auto; padding: 16px; }
article { flex: 3; line-height: 1.8; }
aside { flex: 1; font-size: 14px; background: #f5f1ea; padding: 12px; }
footer.site { border-top: 1px solid #ccc; font-size: 13px; color: #666; padding: 12px 24px; }
"""

_SITE_ROLES = {"banner", "nav", "aside", "site_footer"}


def web_html(doc: ComposedDocument) -> str:
    """A web page: the article inside site navigation, a subscription box and a footer."""
    header, asides, footer, article = [], [], [], []
    for block in doc.blocks:
        if block.role == "banner":
            header.append(f'<div class="banner">{escape(block.text())}</div>')
        elif block.role == "nav":
            links = "".join(f'<li><a href="/column/{i}.html">{escape(item)}</a></li>'
                            for i, item in enumerate(block.items, 1))
            header.append(f"<nav><ul>{links}</ul></nav>")
        elif block.role == "aside":
            body = (f"<p>{escape(block.text())}</p>" if block.pieces else
                    "<ul>" + "".join(f'<li><a href="/article/{20230 + n}.html">{escape(item)}</a></li>'
                                     for n, item in enumerate(block.items)) + "</ul>")
            asides.append(f'<div class="box">{body}</div>')
        elif block.role == "site_footer":
            footer.extend(f"<p>{escape(item)}</p>" for item in block.items)
        elif block.role == "page_break":
            continue
        else:
            article.append(_block_html(block, []))
    return (
        f'<!DOCTYPE html>\n<html lang="{doc.lang}"><head><meta charset="utf-8">'
        f"<title>{escape(doc.page_title or doc.stem)}</title>"
        f'<meta name="description" content="{escape(doc.description)}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{WEB_CSS}</style></head><body>\n"
        f'<header class="site">{"".join(header)}</header>\n'
        f'<main><article>\n{chr(10).join(article)}\n</article>\n'
        f'<aside>{"".join(asides)}</aside></main>\n'
        f'<footer class="site">{"".join(footer)}</footer>\n</body></html>\n'
    )
