"""Lay out a composed document as a flat ODT (.fodt) for LibreOffice.

Running headers and page numbers are real ODF page-style header/footer content, footnotes
are real text:note elements, and paragraphs in Persian have right-to-left writing mode, so
the PDF carries the structures an extractor meets in journal papers made with a word
processor.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from corpus_spec import ComposedBlock, ComposedDocument, is_chinese

FONTS = {
    "latin": "Noto Serif",
    "arabic": "Noto Naskh Arabic",
    "cjk-hant": "Noto Serif CJK TC",
    "cjk-hans": "Noto Serif CJK SC",
}

NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"'
)

HEADER_SIZE_PT = 9

# role -> (font size pt, bold, alignment, space above cm, space below cm)
ROLE_LOOK = {
    "title": (16, True, "center", 0.0, 0.4),
    "subheading": (13, True, "center", 0.2, 0.3),
    "byline": (11, False, "center", 0.0, 0.1),
    "affiliation": (9.5, False, "center", 0.0, 0.5),
    "heading": (12.5, True, "start", 0.45, 0.2),
    "paragraph": (11.5, False, "justify", 0.0, 0.2),
    "keywords": (10.5, False, "start", 0.1, 0.4),
    "references": (10, False, "start", 0.0, 0.12),
    "meta": (9.5, False, "start", 0.0, 0.2),
}


def _style_name(role: str, lang: str) -> str:
    return f"{role}_{lang.replace('-', '_')}"


def _paragraph_style(role: str, lang: str, kashida: bool) -> str:
    size, bold, align, above, below = ROLE_LOOK[role]
    rtl = lang == "fa"
    if rtl and align == "justify" and not kashida:
        # LibreOffice justifies Arabic script by stretching words with kashida glyphs, and
        # its PDF maps those glyphs to "<" in the text layer; ragged lines avoid that damage
        # unless a document asks for it.
        align = "start"
    weight = ' fo:font-weight="bold" style:font-weight-complex="bold" style:font-weight-asian="bold"' if bold else ""
    indent = ' fo:text-indent="0.6cm"' if role == "paragraph" else ""
    if role == "references":
        indent = ' fo:margin-right="0cm" fo:margin-left="0cm" fo:text-indent="0cm"'
    keep = ' fo:keep-with-next="always"' if role in ("heading", "title", "subheading") else ""
    return (
        f'<style:style style:name="{_style_name(role, lang)}" style:family="paragraph">'
        f'<style:paragraph-properties fo:text-align="{align}" style:justify-single-word="false"'
        f' fo:margin-top="{above}cm" fo:margin-bottom="{below}cm" fo:line-height="135%"'
        f' style:writing-mode="{"rl-tb" if rtl else "lr-tb"}"{indent}{keep}/>'
        f'<style:text-properties fo:font-size="{size}pt" style:font-size-complex="{size}pt"'
        f' style:font-size-asian="{size}pt"{weight}/>'
        "</style:style>"
    )


def _default_style(doc: ComposedDocument) -> str:
    asian = FONTS["cjk-hans"] if doc.lang == "zh-Hans" else FONTS["cjk-hant"]
    return (
        '<style:default-style style:family="paragraph">'
        '<style:paragraph-properties style:writing-mode="page"/>'
        f'<style:text-properties style:font-name="{FONTS["latin"]}"'
        f' style:font-name-complex="{FONTS["arabic"]}" style:font-name-asian="{asian}"'
        ' fo:language="en" fo:country="GB" style:language-complex="fa" style:country-complex="IR"'
        ' style:language-asian="zh" style:country-asian="TW" fo:font-size="11pt"/>'
        "</style:default-style>"
    )


def _font_decls() -> str:
    return "".join(
        f'<style:font-face style:name="{name}" svg:font-family="&apos;{name}&apos;"/>'
        for name in FONTS.values()
    )


def _page_layout(doc: ComposedDocument) -> str:
    rtl = doc.lang == "fa"
    header_footer = (
        '<style:header-style><style:header-footer-properties fo:min-height="0.6cm"'
        ' fo:margin-bottom="0.4cm" fo:border-bottom="0.5pt solid #000000" fo:padding-bottom="0.1cm"/>'
        "</style:header-style>"
        '<style:footer-style><style:header-footer-properties fo:min-height="0.6cm"'
        ' fo:margin-top="0.4cm"/></style:footer-style>'
    )
    writing = "rl-tb" if rtl else "lr-tb"
    return (
        '<style:page-layout style:name="pm1">'
        '<style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm"'
        ' fo:margin-top="1.6cm" fo:margin-bottom="1.5cm" fo:margin-left="2.3cm"'
        f' fo:margin-right="2.3cm" style:writing-mode="{writing}">'
        '<style:footnote-sep style:width="0.018cm" style:distance-before-sep="0.1cm"'
        ' style:distance-after-sep="0.1cm" style:line-style="solid" style:adjustment="left"'
        ' style:rel-width="25%" style:color="#000000"/>'
        "</style:page-layout-properties>"
        f"{header_footer}</style:page-layout>"
    )


def _styles(doc: ComposedDocument, langs: set[str]) -> str:
    page_layout, size = _page_layout(doc), HEADER_SIZE_PT
    writing = "rl-tb" if doc.lang == "fa" else "lr-tb"
    paragraph_styles = "".join(
        _paragraph_style(role, lang, doc.kashida) for role in ROLE_LOOK for lang in sorted(langs))
    return (
        f"<office:font-face-decls>{_font_decls()}</office:font-face-decls>"
        "<office:styles>"
        f"{_default_style(doc)}"
        f'<style:style style:name="Header" style:family="paragraph"><style:paragraph-properties'
        f' fo:text-align="center" style:writing-mode="{writing}"/><style:text-properties'
        f' fo:font-size="{size}pt" style:font-size-complex="{size}pt" style:font-size-asian="{size}pt"'
        ' fo:font-style="italic"/></style:style>'
        f'<style:style style:name="Footer" style:family="paragraph"><style:paragraph-properties'
        f' fo:text-align="center"/><style:text-properties fo:font-size="{size}pt"'
        f' style:font-size-complex="{size}pt"/></style:style>'
        '<style:style style:name="Footnote" style:family="paragraph"><style:paragraph-properties'
        f' style:writing-mode="{writing}" fo:text-align="start"/><style:text-properties fo:font-size="9pt"'
        ' style:font-size-complex="9pt" style:font-size-asian="9pt"/></style:style>'
        '<style:style style:name="Label" style:family="text"><style:text-properties'
        ' fo:font-weight="bold" style:font-weight-complex="bold" style:font-weight-asian="bold"/></style:style>'
        f"{paragraph_styles}"
        '<text:notes-configuration text:note-class="footnote" style:num-format="1"'
        ' text:start-value="0" text:footnotes-position="page" text:start-numbering-at="document"/>'
        "</office:styles>"
        f"<office:automatic-styles>{page_layout}"
        '<style:style style:name="PageBreak" style:family="paragraph">'
        '<style:paragraph-properties fo:break-before="page"/></style:style>'
        "</office:automatic-styles>"
        "<office:master-styles>"
        '<style:master-page style:name="Standard" style:page-layout-name="pm1">'
        f'<style:header><text:p text:style-name="Header">{escape(doc.running_header)}</text:p></style:header>'
        + (
            '<style:footer><text:p text:style-name="Footer"><text:page-number text:select-page="current">1'
            "</text:page-number></text:p></style:footer>" if doc.page_numbers else ""
        )
        + "</style:master-page></office:master-styles>"
    )


def _block_xml(block: ComposedBlock, note_counter: list[int]) -> str:
    style = _style_name(block.role, block.lang)
    if block.role == "references":
        return "".join(f'<text:p text:style-name="{style}">{escape(item)}</text:p>' for item in block.items)
    parts = []
    if block.number:
        parts.append(escape(block.number))
    if block.label:
        parts.append(f'<text:span text:style-name="Label">{escape(block.label)}</text:span>')
    separator = "" if is_chinese(block.lang) else " "
    for index, piece in enumerate(block.pieces):
        parts.append((separator if index else "") + escape(piece.text))
        if piece.footnote:
            note_counter[0] += 1
            n = note_counter[0]
            parts.append(
                f'<text:note text:id="ftn{n}" text:note-class="footnote">'
                f"<text:note-citation>{n}</text:note-citation><text:note-body>"
                f'<text:p text:style-name="Footnote">{escape(piece.footnote)}</text:p>'
                "</text:note-body></text:note>"
            )
    if block.items:
        parts.append(escape(" · ".join(block.items)))
    tag = "text:h" if block.role == "heading" else "text:p"
    level = ' text:outline-level="1"' if block.role == "heading" else ""
    return f'<{tag} text:style-name="{style}"{level}>{"".join(parts)}</{tag}>'


def fodt_document(doc: ComposedDocument) -> str:
    """The complete flat-ODT XML text for one composed document."""
    langs = {b.lang for b in doc.blocks} | {doc.lang}
    body, notes = [], [0]
    for block in doc.blocks:
        if block.role == "page_break":
            # An empty paragraph whose style breaks the page before it.
            body.append('<text:p text:style-name="PageBreak"/>')
            continue
        if block.role not in ROLE_LOOK:
            raise ValueError(f"{doc.file}: role {block.role!r} has no look in the ODT layout")
        body.append(_block_xml(block, notes))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<office:document {NAMESPACES} office:version="1.3"'
        ' office:mimetype="application/vnd.oasis.opendocument.text">'
        f"<office:meta><dc:title>{escape(doc.stem)}</dc:title></office:meta>"
        f"{_styles(doc, langs)}"
        f'<office:body><office:text>{"".join(body)}</office:text></office:body>'
        "</office:document>\n"
    )
