"""Turn generated HTML or flat-ODT text into PDF files with the renderers real papers come from.

Two public functions, kept stable because test fixtures elsewhere build PDFs with them:

    render_chromium(html, out_pdf)       headless Chromium print-to-PDF
    render_libreoffice(fodt, out_pdf)    LibreOffice (soffice) conversion of a flat ODT

Each run uses a fresh, throw-away browser profile / LibreOffice user installation, so runs
neither share state nor depend on the machine's own profile. The PDF dates both tools write
are overwritten with a fixed date of the same length (offsets in the xref table stay valid),
so the same input gives the same text and, usually, the same bytes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
SOFFICE_CANDIDATES = ("soffice", "libreoffice")
TIMEOUT_SECONDS = 180

# PDF date strings look like (D:20250101120000+01'00') or (D:20250101120000Z); both tools
# also write XMP dates such as 2025-01-01T12:00:00+01:00 in LibreOffice's metadata stream.
_PDF_DATE = re.compile(rb"\(D:(\d{14})([^)]*)\)")
_XMP_DATE = re.compile(rb"(Date>)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
# LibreOffice derives the document /ID and /DocChecksum from the time of the run.
_PDF_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_DOC_CHECKSUM = re.compile(rb"(/DocChecksum\s*/)([0-9A-Fa-f]+)")
_FIXED_PDF_DATE = b"20240101000000"
_FIXED_XMP_DATE = b"2024-01-01T00:00:00"


class RenderError(RuntimeError):
    """A renderer failed or produced no PDF; the message names the output file."""


def _find_program(candidates: tuple[str, ...], what: str) -> str:
    for name in candidates:
        path = shutil.which(name)
        if path:
            return path
    raise RenderError(f"{what} not found on PATH (tried: {', '.join(candidates)})")


def _run(command: list[str], out_pdf: Path, env: dict[str, str] | None = None) -> None:
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, env=env,
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"{out_pdf}: {command[0]} did not finish in {TIMEOUT_SECONDS}s") from exc
    if done.returncode != 0:
        raise RenderError(
            f"{out_pdf}: {Path(command[0]).name} exited with {done.returncode}: "
            f"{(done.stderr or done.stdout).strip()[-2000:]}"
        )


def fix_pdf_dates(pdf: bytes) -> bytes:
    """Replace dates and the document /ID by fixed values without changing byte lengths."""
    def pdf_date(match: re.Match) -> bytes:
        tail = match.group(2)
        return b"(D:" + _FIXED_PDF_DATE + (b"Z" + b" " * (len(tail) - 1) if tail else b"") + b")"

    def pdf_id(match: re.Match) -> bytes:
        whole = match.group(0)
        for part in (match.group(1), match.group(2)):
            whole = whole.replace(part, b"0" * len(part))
        return whole

    pdf = _PDF_DATE.sub(pdf_date, pdf)
    pdf = _PDF_ID.sub(pdf_id, pdf)
    pdf = _DOC_CHECKSUM.sub(lambda m: m.group(1) + b"0" * len(m.group(2)), pdf)
    return _XMP_DATE.sub(lambda m: m.group(1) + _FIXED_XMP_DATE, pdf)


def _finish(produced: Path, out_pdf: Path) -> None:
    if not produced.is_file() or produced.stat().st_size == 0:
        raise RenderError(f"{out_pdf}: renderer reported success but wrote no PDF")
    data = produced.read_bytes()
    if not data.startswith(b"%PDF"):
        raise RenderError(f"{out_pdf}: renderer output is not a PDF")
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    out_pdf.write_bytes(fix_pdf_dates(data))


@contextmanager
def _scratch(prefix: str, source_name: str, text: str):
    """A private folder holding the source file, and an environment whose HOME (the
    renderers' profiles) and time zone are that folder and UTC, so runs do not interfere."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        folder = Path(tmp)
        (folder / source_name).write_text(text, encoding="utf-8")
        yield folder, folder / source_name, dict(os.environ, HOME=str(folder), TZ="UTC")


def render_chromium(html: str, out_pdf: Path) -> Path:
    """Print an HTML document (a complete page, with its own @page CSS) to out_pdf.

    Chromium's own header and footer (date, URL, page count) are switched off: a document
    that wants running headers draws them itself.
    """
    out_pdf = Path(out_pdf)
    chromium = _find_program(CHROMIUM_CANDIDATES, "Chromium")
    with _scratch("hamta-chromium-", "page.html", html) as (folder, page, env):
        produced = folder / "out.pdf"
        (folder / "profile").mkdir()
        _run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
              "--no-first-run", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--disable-extensions", "--disable-default-apps",
              "--mute-audio", f"--user-data-dir={folder / 'profile'}", "--no-pdf-header-footer",
              f"--print-to-pdf={produced}", page.as_uri()], out_pdf, env)
        _finish(produced, out_pdf)
    return out_pdf


def render_libreoffice(fodt: str, out_pdf: Path) -> Path:
    """Convert a flat ODT document (the XML text of a .fodt file) to out_pdf."""
    out_pdf = Path(out_pdf)
    soffice = _find_program(SOFFICE_CANDIDATES, "LibreOffice (soffice)")
    with _scratch("hamta-soffice-", "document.fodt", fodt) as (folder, source, env):
        _run([soffice, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
              "--norestore", "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export",
              "--outdir", str(folder / "out"), str(source)], out_pdf, env)
        _finish(folder / "out" / "document.pdf", out_pdf)
    return out_pdf
