"""The extract stage's entry point: read one file into blocks, whatever its format.

The format is decided by the file's first bytes, not only its name, so a PNG renamed to
.pdf or a PDF saved as .html is reported instead of producing garbage.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.config import ExtractSettings
from pipeline.errors import ExtractionError
from pipeline.records import Extraction

__all__ = ["ExtractionError", "extract_file", "sniff_format"]


_BINARY_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a ZIP archive (e.g. DOCX/ODT/EPUB)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"%!PS", "a PostScript file"),
)
_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
                         re.IGNORECASE | re.DOTALL)
_EXTENSIONS = {".pdf": "pdf", ".html": "html", ".htm": "html", ".xhtml": "html",
               ".txt": "txt", ".text": "txt", ".md": "txt"}
_DESCRIPTIONS = {"pdf": "a PDF", "html": "an HTML page", "txt": "a text file"}


def sniff_format(head: bytes) -> str:
    """pdf | html | txt, or a description of a binary format Hamta does not read."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    for signature, description in _BINARY_SIGNATURES:
        if head.startswith(signature):
            return description
    body = head.lstrip(b"\xef\xbb\xbf")
    if _HTML_START.match(body) or (body[:2] in (b"\xff\xfe", b"\xfe\xff")
                                   and b"<\x00h\x00t\x00m\x00l" in body.lower()):
        return "html"
    return "txt"


def extract_file(path: Path, settings: ExtractSettings) -> Extraction:
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(4096)
    except FileNotFoundError:
        raise ExtractionError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ExtractionError(f"{path}: is a directory, not a file") from None
    except OSError as err:
        raise ExtractionError(f"{path}: cannot be read ({err.strerror})") from None
    if size == 0:
        raise ExtractionError(f"{path}: empty file (0 bytes)")

    found = sniff_format(head)
    expected = _EXTENSIONS.get(path.suffix.lower())
    if found not in ("pdf", "html", "txt"):
        raise ExtractionError(f"{path}: is {found}, not a PDF, HTML or text file")
    if expected == "pdf" and found != "pdf":
        raise ExtractionError(f"{path}: not a PDF (no %PDF header; looks like {_DESCRIPTIONS[found]})")
    if expected in ("html", "txt") and found == "pdf":
        raise ExtractionError(f"{path}: named {path.suffix} but is a PDF")
    # An .html name with no markup at the start is still read as HTML (fragments exist);
    # a .txt file that starts like HTML is text about HTML as far as we know.
    kind = expected if expected in ("html", "txt") else found

    if kind == "pdf":
        from pipeline.extractors.pdf import extract_pdf

        return extract_pdf(path, settings)
    if kind == "html":
        from pipeline.extractors.html import extract_html

        return extract_html(path, path.read_bytes())
    from pipeline.extractors.text import extract_text

    return extract_text(path, path.read_bytes())
