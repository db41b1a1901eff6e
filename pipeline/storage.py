"""Parquet in and out, written atomically so an interrupted run never leaves half a file.

Files are created as temp files (mode 0600) and renamed into place; they get the mode the
umask gives a new file (0644 under umask 022), so others can read what Hamta writes.
A write that fails because of the folder (full, read-only) raises FolderNotWritable, which
the drivers report once, with what to do, instead of once per document.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import SCHEMA_VERSION


_FOLDER_ERRORS = {
    errno.ENOSPC: "no space left on the device", errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system", errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
}


class FolderNotWritable(OSError):
    """A write failed because of where it goes (disk full, read-only), not what it holds."""

    def __init__(self, folder: Path, reason: str, full: bool):
        super().__init__(f"cannot write to {folder}/ ({reason})")
        self.folder, self.reason, self.full = Path(folder), reason, full

    def __reduce__(self):  # raised in a worker process, re-raised in the driver
        return FolderNotWritable, (self.folder, self.reason, self.full)


@contextmanager
def _folder_errors(folder: Path):
    try:
        yield
    except FolderNotWritable:
        raise
    except OSError as err:
        if err.errno in _FOLDER_ERRORS:
            raise FolderNotWritable(folder, _FOLDER_ERRORS[err.errno],
                                    err.errno in (errno.ENOSPC, errno.EDQUOT)) from None
        raise


def _file_mode() -> int:
    """The mode open() would give a new file under this process's umask."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_table(table: pa.Table, path: Path, metadata: dict[str, str] | None = None) -> None:
    """Write a table to a temp file beside `path`, then rename it into place."""
    path = Path(path)
    meta = dict(table.schema.metadata or {})
    meta[b"hamta.schema_version"] = SCHEMA_VERSION.encode()
    for key, value in (metadata or {}).items():
        meta[f"hamta.{key}".encode()] = str(value).encode()
    table = table.replace_schema_metadata(meta)
    with _folder_errors(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            pq.write_table(table, tmp, compression="zstd")
            os.chmod(tmp, _file_mode())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Delete the temp files a killed run left in folder, and return them.

    A finished write renames its temp file away, so any left are from a write that never
    completed. Call it only when no write into folder is in flight (at a stage's start).
    """
    folder = Path(folder)
    stale = sorted(folder.glob(".*.tmp")) if folder.is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def write_rows(rows: list[dict], path: Path, schema: pa.Schema | None = None,
               metadata: dict[str, str] | None = None) -> None:
    if schema is not None:
        table = pa.Table.from_pylist(rows, schema=schema)
    else:
        table = pa.Table.from_pylist(rows)
    write_table(table, path, metadata)


def read_rows(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def read_metadata(path: Path) -> dict[str, str]:
    """The hamta.* keys of a parquet file's metadata, without the prefix."""
    meta = pq.read_schema(path).metadata or {}
    return {k.decode()[6:]: v.decode() for k, v in meta.items() if k.startswith(b"hamta.")}


def write_text(text: str, path: Path) -> None:
    path = Path(path)
    with _folder_errors(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(tmp, _file_mode())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def write_json(obj, path: Path) -> None:
    write_text(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n", path)


# --- The published table set --------------------------------------------------------------
#
# aligned/<name>.parquet are links to tables/<name>.parquet, and tables is a link to one
# folder of .tables/ holding a whole set. A run writes its set into a new folder there and
# then replaces the tables link with one rename: a reader (or a run killed half-way) never
# sees documents.parquet of one run beside alignments.parquet of another, and every reader
# keeps its paths. A reader that opens several tables over a long time and wants them from
# one run reads through aligned/tables/ resolved once (os.path.realpath).

TABLE_SETS = ".tables"
CURRENT_SET = "tables"


@contextmanager
def _publishing(folder: Path):
    """One publisher at a time per folder (two concurrent runs queue here)."""
    sets = folder / TABLE_SETS
    sets.mkdir(parents=True, exist_ok=True)
    with open(sets / "lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield sets
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _replace_link(link: Path, target: str) -> None:
    if link.is_symlink() and os.readlink(link) == target:
        return
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, link)


def current_table_set(folder: Path) -> Path | None:
    link = Path(folder) / CURRENT_SET
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def publish_tables(folder: Path, tables: dict[str, pa.Table], metadata: dict[str, str]) -> Path:
    """Write every table into a new set under folder/.tables and make it the current set."""
    folder = Path(folder)
    with _folder_errors(folder):
        folder.mkdir(parents=True, exist_ok=True)
        with _publishing(folder) as sets:
            remove_stale_temp_files(folder)
            previous = current_table_set(folder)
            # Sets left by killed runs, and those older than the one being replaced (a reader
            # may still be reading that one).
            for old in sets.iterdir():
                if old.is_dir() and old != previous:
                    shutil.rmtree(old, ignore_errors=True)
            staging = Path(tempfile.mkdtemp(prefix="set-", dir=sets))
            try:
                os.chmod(staging, 0o777 & (_file_mode() | 0o111))
                for name, table in tables.items():
                    write_table(table, staging / f"{name}.parquet", metadata)
                _replace_link(folder / CURRENT_SET, f"{TABLE_SETS}/{staging.name}")
            except BaseException:
                if current_table_set(folder) != staging:
                    shutil.rmtree(staging, ignore_errors=True)
                raise
            for name in tables:
                _replace_link(folder / f"{name}.parquet", f"{CURRENT_SET}/{name}.parquet")
            _sync(folder)
    return staging


def _sync(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
