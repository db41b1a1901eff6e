"""Which files make up a corpus, and the stable ids Hamta gives them."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# Files we try to read. Anything else in the folder is reported, not silently skipped.
SUPPORTED_SUFFIXES = {".pdf", ".html", ".htm", ".txt", ".text", ".md"}


@dataclass(frozen=True)
class CorpusFile:
    doc_id: str
    path: Path  # absolute
    relpath: str  # relative to the corpus folder, as the user sees it


def doc_id_for(relpath: str) -> str:
    """A readable id that stays the same as long as the file keeps its name.

    The slug keeps ids legible for translators; the short hash of the full relative path
    keeps two files that slug alike (or whose names are not Latin) apart.
    """
    stem = unicodedata.normalize("NFKD", Path(relpath).stem)
    slug = re.sub(r"[^a-z0-9]+", "-", stem.encode("ascii", "ignore").decode().lower()).strip("-")
    digest = hashlib.sha1(relpath.encode("utf-8")).hexdigest()[:6]
    return f"{slug[:40]}-{digest}" if slug else f"doc-{digest}"


class CorpusNotFound(ValueError):
    """The corpus folder a command was given does not exist."""


def corpus_folder(folder: str | Path) -> Path:
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusNotFound(f"{folder}: corpus folder not found (pass CORPUS=path/to/folder)")
    return folder


def list_corpus(folder: str | Path) -> tuple[list[CorpusFile], list[tuple[str, str]]]:
    """The corpus files in a stable order, and (relpath, reason) for files left out."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: corpus folder not found (pass CORPUS=path/to/folder)")
    files, skipped = [], []
    for path in sorted(folder.rglob("*")):
        relpath = path.relative_to(folder).as_posix()
        if not path.is_file() or any(part.startswith(".") for part in Path(relpath).parts):
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            skipped.append((relpath, f"unsupported file type '{path.suffix or '(none)'}'; "
                                     f"Hamta reads {', '.join(sorted(SUPPORTED_SUFFIXES))}"))
            continue
        files.append(CorpusFile(doc_id_for(relpath), path.resolve(), relpath))
    return files, skipped


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
