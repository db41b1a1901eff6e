"""Plain text as other tools write it: our own parallel text (the bank) written out in the
shapes of the seeds in ../shared/seeds, read back with pipeline.extract.extract_file, and
compared with the paragraphs it was written from.

Shapes (what text extracted from a PDF by other tools looks like):
  blank_after_every_line   hard-wrapped, a blank line after every line (seed 000)
  page_breaks              hard-wrapped, no blank line between paragraphs; at every page end a
                           blank line, the page's footnotes, a running header with the page
                           number (seed 001, with the apparatus of 000)
  no_blank_lines           hard-wrapped, no blank line anywhere
  blank_between_paragraphs hard-wrapped, paragraphs separated by a blank line (the classic)
  paragraph_per_line       a paragraph a line, no blank lines (seed 004)
  notes_between_pages      a paragraph a line, a blank line after each; a page's footnotes
                           set where the page ended, which may be mid-sentence (seed 003)

Latin and Persian wrap at 72 columns, Chinese at 36 characters. Footnote marks are
superscript digits at the end of the paragraph they belong to.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from bench import extract_fidelity as F
from bench.paragraph_recovery import recovery

SHAPES = ("blank_after_every_line", "page_breaks", "no_blank_lines", "blank_between_paragraphs",
          "paragraph_per_line", "notes_between_pages")
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_PAGE_LINES = 18  # lines of a page in the wrapped shapes
_PAGE_CHARS = {"fa": 900, "en": 900, "zh-Hant": 330, "zh-Hans": 330}  # notes_between_pages
# Notes: the bench's footnote texts, numbered through the document.
_NOTE_TEXTS = F._NOTES


def _wrap(text: str, lang: str) -> list[str]:
    if lang.startswith("zh"):
        # by width, as a typesetter fills a line: a Latin letter or digit is half as wide
        from pipeline.extractors.text_layout import display_width

        lines, line = [], ""
        for char in text:
            if display_width(line + char) > 72:
                lines.append(line)
                line = ""
            line += char
        return lines + [line] if line else lines
    return textwrap.wrap(text, 72, break_long_words=False, break_on_hyphens=False)


@dataclass
class TextDoc:
    lang: str
    shape: str
    text: str
    paragraphs: list[str]  # title, headings and paragraphs, in order
    notes: list[str]


def _document(lang: str) -> tuple[list[str], list[str], dict[int, int]]:
    """Body paragraphs (title and headings too), the notes, and which paragraph each note
    mark ends (paragraph index -> note number)."""
    source = next(d for d in F.bench_documents() if d.lang == lang and d.layout == "running_header")
    body = [b.text for b in source.blocks]
    notes = list(_NOTE_TEXTS[lang])
    # marks on the second and fourth body paragraphs (not on titles or headings)
    paragraphs = [i for i, b in enumerate(source.blocks) if b.kind == "paragraph"]
    marks = {paragraphs[1]: 1, paragraphs[3]: 2}
    return body, notes, marks


def _with_mark(text: str, number: int | None) -> str:
    return text + str(number).translate(_SUPERSCRIPT) if number else text


def text_document(lang: str, shape: str) -> TextDoc:
    body, notes, marks = _document(lang)
    header = F._HEADERS[lang]
    marked = [_with_mark(t, marks.get(i)) for i, t in enumerate(body)]
    note_lines = [f"{n}. {text}" for n, text in enumerate(notes, 1)]
    if shape == "paragraph_per_line":
        text = "\n".join(marked) + "\n"
    elif shape == "notes_between_pages":
        text = _notes_between_pages(marked, note_lines, _PAGE_CHARS[lang], lang)
    else:
        wrapped = [_wrap(t, lang) for t in marked]
        if shape == "blank_after_every_line":
            text = "\n\n".join(line for lines in wrapped for line in lines) + "\n"
        elif shape == "no_blank_lines":
            text = "\n".join(line for lines in wrapped for line in lines) + "\n"
        elif shape == "blank_between_paragraphs":
            text = "\n\n".join("\n".join(lines) for lines in wrapped) + "\n"
        elif shape == "page_breaks":
            text = _pages(wrapped, note_lines, header)
        else:
            raise ValueError(shape)
    with_notes = shape in ("page_breaks", "notes_between_pages")
    return TextDoc(lang, shape, text, body, notes if with_notes else [])


def _pages(wrapped: list[list[str]], note_lines: list[str], header: str) -> str:
    """Lines in pages of _PAGE_LINES; each page ends with a blank line, the notes whose
    marks it holds, and the next page's running header."""
    out: list[str] = []
    count, page, pending = 0, 1, []
    for lines in wrapped:
        for line in lines:
            out.append(line)
            count += 1
            for n, note in enumerate(note_lines, 1):
                if str(n).translate(_SUPERSCRIPT) in line and note not in pending:
                    pending.append(note)
            if count == _PAGE_LINES:
                page += 1
                out += [""] + pending + ["", f"{header}    {page}", ""]
                pending, count = [], 0
    out += [""] + pending
    return "\n".join(out) + "\n"


def _notes_between_pages(marked: list[str], note_lines: list[str], page_chars: int, lang: str) -> str:
    """A paragraph a line, blank lines between; when a page is full (page_chars) the line
    is cut there, mid-sentence, and the page's notes come before the rest of it."""
    out: list[str] = []
    used, pending = 0, []
    for text in marked:
        if used + len(text) > page_chars and len(text) < 80:
            out += pending  # a heading is not cut: the page ends before it
            pending, used = [], 0
        while used + len(text) > page_chars:
            cut = page_chars - used
            if not lang.startswith("zh"):
                cut = max(text.rfind(" ", 0, cut), 1)
            head, text = text[:cut].rstrip(), text[cut:].lstrip()
            out.append(head)
            pending += [n for k, n in enumerate(note_lines, 1) if str(k).translate(_SUPERSCRIPT) in head]
            out += pending
            pending, used = [], 0
        out.append(text)
        used += len(text)
        pending += [n for k, n in enumerate(note_lines, 1) if str(k).translate(_SUPERSCRIPT) in text]
    out += pending
    return "\n\n".join(out) + "\n"


@dataclass
class TextResult:
    lang: str
    shape: str
    paragraphs: int
    whole_in_order: int
    passages: int
    cer: float
    notes_found: int  # footnote passages holding a note's text
    notes: int
    note_text_in_body: int  # notes whose text leaked into body passages


def evaluate_text(doc: TextDoc, tmp_dir) -> TextResult:
    from pipeline.config import ExtractSettings
    from pipeline.extract import extract_file

    path = tmp_dir / f"{doc.lang}-{doc.shape}.txt"
    path.write_text(doc.text, encoding="utf-8")
    extraction = extract_file(path, ExtractSettings())
    body = [b.text for b in extraction.blocks if b.kind in F.BODY_KINDS]
    notes = [F.normalize(b.text) for b in extraction.blocks if b.kind == "footnote"]
    found = recovery(doc.paragraphs, body)
    source = " ".join(F.normalize(p) for p in doc.paragraphs)
    extracted = " ".join(F.normalize(_without_marks(p)) for p in body)
    cer = F.edit_distance(extracted, source) / len(source)
    flat_body = " ".join(F.normalize(p) for p in body)
    return TextResult(
        doc.lang, doc.shape, found.paragraphs, found.whole_in_order, found.passages, cer,
        sum(any(F.normalize(n) in note for note in notes) for n in doc.notes), len(doc.notes),
        sum(F.normalize(n) in flat_body for n in doc.notes),
    )


def _without_marks(text: str) -> str:
    return text.rstrip("⁰¹²³⁴⁵⁶⁷⁸⁹")


def text_documents() -> list[TextDoc]:
    return [text_document(lang, shape) for shape in SHAPES for lang in F.LANGS]


def markdown_table(results: list[TextResult]) -> str:
    lines = ["| shape | language | paragraphs | whole and in order | passages | CER % | footnotes found | note text in body |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        lines.append(f"| {r.shape} | {r.lang} | {r.paragraphs} | {r.whole_in_order} | {r.passages} | "
                     f"{100 * r.cer:.2f} | {r.notes_found}/{r.notes} | {r.note_text_in_body} |")
    total = sum(r.paragraphs for r in results)
    whole = sum(r.whole_in_order for r in results)
    lines.append(f"| all | all | {total} | {whole} ({100 * whole / total:.1f} %) | "
                 f"{sum(r.passages for r in results)} | | | |")
    return "\n".join(lines) + "\n"
