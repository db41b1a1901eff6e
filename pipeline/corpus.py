"""Which files make up a corpus, and the stable ids Hamta gives them.

The corpus is listed here, in Python, and never by Make: a file name may hold anything the
file system allows (spaces, newlines, tabs, colons, bytes that are not UTF-8), and a broken
symbolic link or a link loop is one problem row, not a stop of the whole run. Make depends
on one file instead, the corpus listing written by `python -m pipeline.corpus`, which is
rewritten only when a file was added, removed or changed.

Only the standard library is imported: the Makefile runs this module on every `make all`.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

# Files we try to read. Anything else in the folder is reported, not silently skipped.
SUPPORTED_SUFFIXES = {".pdf", ".html", ".htm", ".txt", ".text", ".md"}


@dataclass(frozen=True)
class CorpusFile:
    doc_id: str
    path: Path  # absolute
    relpath: str  # relative to the corpus folder, as the user sees it (see display_name)


class LeftOut(NamedTuple):
    """An entry of the corpus folder that is not read: why, and whether it is an error (a
    document the user meant to give that cannot be read) or a warning (not a document)."""

    relpath: str
    reason: str
    severity: str = "warning"


def display_name(name: str) -> str:
    """A name as one printable line: control characters (a newline in a file name) as
    backslash escapes, bytes that are not UTF-8 as \\xNN. Ids and messages use this form,
    so every message stays one line and every table cell is valid UTF-8."""
    raw = os.fsencode(name)
    text = raw.decode("utf-8", errors="backslashreplace")
    return "".join(ch.encode("unicode_escape").decode("ascii")
                   if unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\u200c\u200d" else ch
                   for ch in text)


def doc_id_for(relpath: str) -> str:
    """A readable id that stays the same as long as the file keeps its name.

    The slug keeps ids legible for translators; the short hash of the full relative path
    keeps two files that slug alike (or whose names are not Latin) apart.
    """
    stem = unicodedata.normalize("NFKD", Path(relpath).stem)
    slug = re.sub(r"[^a-z0-9]+", "-", stem.encode("ascii", "ignore").decode().lower()).strip("-")
    digest = hashlib.sha1(relpath.encode("utf-8", errors="surrogateescape")).hexdigest()[:6]
    return f"{slug[:40]}-{digest}" if slug else f"doc-{digest}"


class CorpusNotFound(ValueError):
    """The corpus folder a command was given does not exist."""


def corpus_folder(folder: str | Path) -> Path:
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusNotFound(f"{folder}: corpus folder not found (pass CORPUS=path/to/folder)")
    return folder


def build_folder(corpus: str | Path) -> Path:
    """build/<folder name>-<hash of its resolved path>: two corpora whose folders share a
    name (papers/corpus, eval/corpus) never write into each other's stage files."""
    resolved = Path(corpus).resolve()
    name = re.sub(r"[^\w.-]+", "_", resolved.name) or "corpus"
    digest = hashlib.sha1(os.fsencode(str(resolved))).hexdigest()[:8]
    return Path("build") / f"{name}-{digest}"


def _kind_of(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return kind
    return "not a regular file"


def _walk(folder: Path):
    """(relpath parts, path, lstat, stat or the OSError of following it) for every entry under
    folder, hidden ones left out, in a stable order. Links to folders are followed once; a
    link back into a folder being walked is reported as a loop instead."""
    seen: set[tuple[int, int]] = set()

    def visit(directory: Path, parts: tuple[str, ...]):
        info = directory.stat()
        seen.add((info.st_dev, info.st_ino))
        try:
            names = sorted(os.listdir(directory), key=os.fsencode)
        except OSError as err:
            yield parts, directory, None, err
            return
        for name in names:
            if name.startswith("."):
                continue
            path = directory / name
            try:
                link = path.lstat()
            except OSError as err:  # removed while we looked
                yield (*parts, name), path, None, err
                continue
            try:
                target = path.stat()
            except OSError as err:
                yield (*parts, name), path, link, err
                continue
            if stat.S_ISDIR(target.st_mode):
                if (target.st_dev, target.st_ino) in seen:
                    yield (*parts, name), path, link, RecursionError("symbolic link loop")
                    continue
                yield from visit(path, (*parts, name))
            else:
                yield (*parts, name), path, link, target
        seen.discard((info.st_dev, info.st_ino))

    yield from visit(folder, ())


def list_corpus(folder: str | Path) -> tuple[list[CorpusFile], list[LeftOut]]:
    """The corpus files in a stable order, and the entries left out with the reason."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: corpus folder not found (pass CORPUS=path/to/folder)")
    files, left_out = [], []
    for parts, path, link, found in _walk(folder):
        relpath = display_name("/".join(parts)) if parts else display_name(folder.name)
        if isinstance(found, RecursionError):
            left_out.append(LeftOut(relpath, "symbolic link loop (it points back into a folder it is in); "
                                             "remove the link", "error"))
            continue
        if isinstance(found, OSError):
            if link is not None and stat.S_ISLNK(link.st_mode):
                left_out.append(LeftOut(relpath, _link_problem(path, found), "error"))
            else:
                left_out.append(LeftOut(relpath, f"cannot be read ({found.strerror or found}); "
                                                 "check its permissions", "error"))
            continue
        if not stat.S_ISREG(found.st_mode):
            left_out.append(LeftOut(relpath, f"{_kind_of(found.st_mode)}, not a file; left out"))
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            left_out.append(LeftOut(relpath, f"unsupported file type '{display_name(path.suffix) or '(none)'}'; "
                                             f"Hamta reads {', '.join(sorted(SUPPORTED_SUFFIXES))}"))
            continue
        files.append(CorpusFile(doc_id_for(relpath), path.resolve(), relpath))
    return files, left_out


def _link_problem(path: Path, err: OSError) -> str:
    try:
        target = display_name(os.readlink(path))
    except OSError:
        target = "?"
    if err.errno == 40:  # ELOOP
        return f"symbolic link loop (-> {target}); remove or fix the link"
    return f"broken symbolic link (-> {target}, which does not exist); remove or fix the link"


def corpus_listing(folder: str | Path) -> str:
    """One line per entry (name, size, modification time, or why it is left out): it changes
    whenever a file is added, removed, renamed or rewritten, and only then."""
    folder = Path(folder)
    if not folder.is_dir():
        return f"missing {display_name(str(folder))}\n"
    lines = []
    for parts, path, link, found in _walk(folder):
        name = display_name("/".join(parts))
        if isinstance(found, BaseException):
            lines.append(f"{name}\tproblem\t{type(found).__name__}")
        else:
            lines.append(f"{name}\t{found.st_size}\t{found.st_mtime_ns}\t{stat.S_IFMT(found.st_mode)}")
    return "\n".join(lines) + "\n"


def write_listing(folder: str | Path, out: str | Path) -> bool:
    """Write the corpus listing to out if it changed (True); leave out untouched otherwise, so
    Make sees a new modification time only when the corpus changed."""
    out = Path(out)
    listing = corpus_listing(folder)
    try:
        if out.read_text(encoding="utf-8") == listing:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(listing, encoding="utf-8")
    os.replace(tmp, out)
    return True


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def main(argv: list[str]) -> int:
    """For the Makefile: `build-folder CORPUS` prints the default build folder;
    `listing CORPUS FILE` rewrites FILE when the corpus changed."""
    if len(argv) == 2 and argv[0] == "build-folder":
        print(build_folder(argv[1]))
        return 0
    if len(argv) == 3 and argv[0] == "listing":
        write_listing(argv[1], argv[2])
        return 0
    print(main.__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
