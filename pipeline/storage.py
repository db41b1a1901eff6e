"""Parquet in and out, written atomically so an interrupted run never leaves half a file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import SCHEMA_VERSION


def write_table(table: pa.Table, path: Path, metadata: dict[str, str] | None = None) -> None:
    """Write a table to a temp file beside `path`, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = dict(table.schema.metadata or {})
    meta[b"hamta.schema_version"] = SCHEMA_VERSION.encode()
    for key, value in (metadata or {}).items():
        meta[f"hamta.{key}".encode()] = str(value).encode()
    table = table.replace_schema_metadata(meta)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp, compression="zstd")
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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(obj, path: Path) -> None:
    write_text(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n", path)
