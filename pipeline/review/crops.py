"""Images of the PDF page region a passage came from, so a translator can check extraction.

Crops are rendered with pypdfium2 and cached as PNG files under aligned/.review-crops/,
named by a hash of the PDF's bytes, the page, the box and the scale: a changed document
never shows an old crop.
"""

from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path

import pypdfium2 as pdfium


CROP_CACHE = ".review-crops"
PADDING = 6.0  # points around the box, so glyphs at the edge are not cut
SCALE = 2.0  # 144 dpi: sharp enough to judge a diacritic or a radical

# pdfium is not thread-safe; the server renders one crop at a time.
_pdfium_lock = threading.Lock()


class PathRefused(PermissionError):
    """A file outside the folders the review server may read."""


def inside(folder: Path, relpath: str) -> Path:
    """`folder/relpath`, refused unless it resolves inside `folder` (no .., no symlink out)."""
    root = Path(folder).resolve()
    target = (root / relpath).resolve()
    if not target.is_relative_to(root) or target == root:
        raise PathRefused(f"{relpath}: outside {folder}, refused")
    return target


def crop_key(sha256: str, page: int, box: tuple[float, float, float, float], scale: float = SCALE) -> str:
    text = f"{sha256}|{page}|{','.join(f'{v:.2f}' for v in box)}|{scale}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def render_crop(pdf_path: Path, page: int, box: tuple[float, float, float, float], scale: float = SCALE) -> bytes:
    """PNG of `box` (x0, top, x1, bottom in points, top-left origin) on 1-based `page`."""
    x0, top, x1, bottom = box
    with _pdfium_lock:
        document = pdfium.PdfDocument(str(pdf_path))
        try:
            if not 1 <= page <= len(document):
                raise ValueError(f"{pdf_path}: page {page} not in 1..{len(document)}")
            pdf_page = document[page - 1]
            width, height = pdf_page.get_size()
            # pdfium's crop is the margin to cut on each side: left, bottom, right, top.
            crop = (max(0.0, x0 - PADDING), max(0.0, height - bottom - PADDING),
                    max(0.0, width - x1 - PADDING), max(0.0, top - PADDING))
            image = pdf_page.render(scale=scale, crop=crop).to_pil()
        finally:
            document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def cached_crop(cache_dir: Path, pdf_path: Path, sha256: str, page: int,
                box: tuple[float, float, float, float]) -> bytes:
    path = Path(cache_dir) / f"{crop_key(sha256, page, box)}.png"
    if path.exists():
        return path.read_bytes()
    png = render_crop(pdf_path, page, box)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{threading.get_ident()}.tmp")
    tmp.write_bytes(png)
    tmp.replace(path)  # atomic: a reader never sees half a PNG
    return png
