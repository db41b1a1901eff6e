"""The reviews store: translators' decisions and manual links, in aligned/reviews.sqlite.

Decisions are keyed by the stable pair_id (pipeline/identity.py) and outlive re-runs of the
pipeline, which rewrite the parquet tables but never this file. Each decision keeps the
pair's source and target text as the translator saw it, so a pair whose text changed since
is reported "stale" (to be reviewed again, with the old text shown) instead of keeping a
verdict on other words.

Manual links are the translator's corrections of the alignment: a link joins sentences the
aligner did not join (method "manual"), an unlink takes an aligner's link away. The align
stage applies them on every run (pipeline/manual_links.py).

Every user action (one key press, one bulk accept, one link edit) is one SQLite
transaction and one entry in the change log, tagged with the browser tab (session) that made
it, so `undo` takes back that tab's last action as a whole. Every decision carries a
version; a change made on a version another tab has since replaced is refused, not lost.
The journal is WAL so the review server can write while `make all` reads; after each
change the file's time is set to now, because WAL writes leave it untouched and `make`
decides by it whether alignments.parquet must be rewritten with the new statuses.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pipeline.identity import text_hash

REVIEWS_FILE = "reviews.sqlite"
DECISIONS = ("accepted", "rejected", "edited")
STATUSES = ("unreviewed", "accepted", "rejected", "edited", "stale")
LINK_KINDS = ("link", "unlink")

_SCHEMA = """
create table if not exists decisions (
    pair_id    text primary key,
    decision   text not null check (decision in ('accepted', 'rejected', 'edited')),
    src_edit   text,
    tgt_edit   text,
    text_hash  text not null,
    level      text not null default '',
    decided_at text not null
);
-- The translator's corrections of the alignment, by the stable pair id of the link.
create table if not exists links (
    pair_id    text primary key,
    kind       text not null check (kind in ('link', 'unlink')),
    method     text not null,
    src_doc_id text not null,
    src_lang   text not null,
    tgt_doc_id text not null,
    tgt_lang   text not null,
    src_keys   text not null,
    tgt_keys   text not null,
    similarity real,
    margin     real,
    made_at    text not null
);
-- Every change, with the row it replaced, grouped by action, so `undo` can put back
-- the state before a tab's last action.
create table if not exists changes (
    seq        integer primary key autoincrement,
    action     text not null,
    session    text not null,
    tbl        text not null,
    key        text not null,
    before     text,
    after      text,
    undone     integer not null default 0
);
create index if not exists changes_by_session on changes (session, undone, seq);
create table if not exists versions (
    tbl        text not null,
    key        text not null,
    version    integer not null,
    primary key (tbl, key)
);
"""
# Columns added to decisions after the first release; older stores gain them on opening.
_DECISION_CONTEXT = ("src_text", "tgt_text", "src_doc_id", "tgt_doc_id")


@dataclass(frozen=True)
class Decision:
    pair_id: str
    decision: str  # accepted | rejected | edited
    src_edit: str | None  # the translator's corrected text (edited pairs), else None
    tgt_edit: str | None
    text_hash: str  # pair_text_hash of the pair when the decision was taken
    level: str
    decided_at: str  # ISO 8601, UTC
    # The pair as the translator saw it (None in decisions from stores before these columns).
    src_text: str | None = None
    tgt_text: str | None = None
    src_doc_id: str | None = None
    tgt_doc_id: str | None = None


@dataclass(frozen=True)
class ManualLink:
    pair_id: str  # pipeline.identity.pair_id("sentence", src_keys, tgt_keys)
    kind: str  # link | unlink
    method: str  # manual, or realigned-<s>-<t> for links the aligner re-made between anchors
    src_doc_id: str
    src_lang: str
    tgt_doc_id: str
    tgt_lang: str
    src_keys: tuple[str, ...]  # stable sentence keys (pipeline.identity.unit_keys)
    tgt_keys: tuple[str, ...]
    similarity: float | None = None
    margin: float | None = None
    made_at: str = field(default="")


@dataclass(frozen=True)
class Change:
    """One row of the store set to a new value (None: removed), within one action."""

    table: str  # decisions | links
    key: str  # pair_id
    row: Decision | ManualLink | None


class ReviewStoreError(ValueError):
    """A decision the store refuses; the message says why."""


class VersionConflict(ReviewStoreError):
    """A change made on a version of a decision that another tab has replaced since."""

    def __init__(self, pair_id: str, current: Decision | None, version: int):
        self.pair_id, self.current, self.version = pair_id, current, version
        now = f"now {current.decision} (since {current.decided_at})" if current else "now undecided"
        super().__init__(f"pair {pair_id} was changed in another tab or window: {now}; "
                         "the card shows it now, press the key again to replace it")


class UndoConflict(ReviewStoreError):
    """An undo that would take back a change another tab has built on since."""


def pair_text_hash(src_text: str, tgt_text: str) -> str:
    return text_hash(f"{src_text}\0{tgt_text}")


def review_status(decision: Decision | None, current_hash: str) -> str:
    if decision is None:
        return "unreviewed"
    if decision.text_hash != current_hash:
        return "stale"
    return decision.decision


def match_decisions(pairs: list[dict], decisions: dict[str, Decision]) -> list[Decision | None]:
    """The decision that applies to each pair (rows with pair_id, level, src_text, tgt_text and,
    when known, src_doc_id and tgt_doc_id).

    A decision is found by pair_id. A decision whose pair is gone (no pair has its id) is
    found again, at most once, by the pair with the same texts at the same level (its id
    came from an older way of numbering), or else by a pair of the same documents and level
    that kept one side's text while the other changed: the same sentence, edited, and
    (review_status) stale.
    """
    found: list[Decision | None] = [decisions.get(p["pair_id"]) for p in pairs]
    present = {p["pair_id"] for p in pairs}
    orphans = sorted((d for d in decisions.values() if d.pair_id not in present),
                     key=lambda d: (d.decided_at, d.pair_id), reverse=True)  # latest first
    if not orphans:
        return found
    by_text, by_side = {}, {}
    for decision in orphans:
        by_text.setdefault((decision.level, decision.text_hash), decision)
        for side in ("src", "tgt"):
            text = getattr(decision, f"{side}_text")
            if text is not None:
                key = (decision.level, decision.src_doc_id, decision.tgt_doc_id, side, text_hash(text))
                by_side.setdefault(key, decision)
    claimed = set()
    for n, pair in enumerate(pairs):
        if found[n] is None:
            decision = by_text.get((pair["level"], pair.get("text_hash") or pair_text_hash(pair["src_text"],
                                                                                         pair["tgt_text"])))
            if decision is not None and decision.pair_id not in claimed:
                found[n] = decision
                claimed.add(decision.pair_id)
    for n, pair in enumerate(pairs):
        if found[n] is None and by_side:
            for side in ("src", "tgt"):
                key = (pair["level"], pair.get("src_doc_id"), pair.get("tgt_doc_id"), side,
                       text_hash(pair[f"{side}_text"]))
                decision = by_side.get(key)
                if decision is not None and decision.pair_id not in claimed:
                    found[n] = decision
                    claimed.add(decision.pair_id)
                    break
    return found


def review_statuses(pairs: list[dict], decisions: dict[str, Decision]) -> list[str]:
    return [review_status(d, pair_text_hash(p["src_text"], p["tgt_text"]))
            for p, d in zip(pairs, match_decisions(pairs, decisions))]


def read_decisions(path: Path) -> dict[str, Decision]:
    """Every decision in the store at `path`; none if the file does not exist yet."""
    path = Path(path)
    if not path.exists():
        return {}
    with closing(ReviewStore(path)) as store:
        return store.decisions()


def read_links(path: Path) -> dict[str, ManualLink]:
    """Every manual link and unlink in the store at `path`; none if there is no store."""
    path = Path(path)
    if not path.exists():
        return {}
    with closing(ReviewStore(path)) as store:
        return store.links()


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _to_json(row) -> str | None:
    return None if row is None else json.dumps(asdict(row), ensure_ascii=False)


def _from_json(table: str, text: str | None):
    if text is None:
        return None
    values = json.loads(text)
    if table == "links":
        values["src_keys"], values["tgt_keys"] = tuple(values["src_keys"]), tuple(values["tgt_keys"])
        return ManualLink(**values)
    return Decision(**values)


_DECISION_COLUMNS = "pair_id, decision, src_edit, tgt_edit, text_hash, level, decided_at, " + ", ".join(_DECISION_CONTEXT)
_LINK_COLUMNS = ("pair_id, kind, method, src_doc_id, src_lang, tgt_doc_id, tgt_lang, src_keys, tgt_keys, "
                 "similarity, margin, made_at")


def _link(row) -> ManualLink:
    values = list(row)
    values[7], values[8] = tuple(json.loads(values[7])), tuple(json.loads(values[8]))
    return ManualLink(*values)


class ReviewStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        # One connection shared by the server's worker threads; the lock keeps their
        # statements from interleaving inside a transaction.
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                                       check_same_thread=False)
            if self._db.execute("pragma journal_mode").fetchone()[0] != "wal":
                self._db.execute("pragma journal_mode=wal")
            self._db.execute("pragma synchronous=full")
            if not self._has_current_schema():
                self._db.executescript(_SCHEMA)
                columns = {row[1] for row in self._db.execute("pragma table_info(decisions)")}
                for column in _DECISION_CONTEXT:
                    if column not in columns:
                        self._db.execute(f"alter table decisions add column {column} text")
        except sqlite3.DatabaseError as err:
            raise ReviewStoreError(f"{self.path}: not a usable reviews store: {err}") from None

    def _has_current_schema(self) -> bool:
        # Opening a store must not write to it when nothing is missing: a write would make
        # the file newer than alignments.parquet, and `make` would re-run the align stage.
        tables = {row[0] for row in self._db.execute("select name from sqlite_master where type = 'table'")}
        if not {"decisions", "links", "changes", "versions"} <= tables:
            return False
        columns = {row[1] for row in self._db.execute("pragma table_info(decisions)")}
        return set(_DECISION_CONTEXT) <= columns

    def close(self) -> None:
        self._db.close()

    # --- reading ---------------------------------------------------------------------

    def decisions(self) -> dict[str, Decision]:
        with self._lock:
            rows = self._db.execute(f"select {_DECISION_COLUMNS} from decisions order by pair_id").fetchall()
        return {row[0]: Decision(*row) for row in rows}

    def links(self) -> dict[str, ManualLink]:
        with self._lock:
            rows = self._db.execute(f"select {_LINK_COLUMNS} from links order by pair_id").fetchall()
        return {row[0]: _link(row) for row in rows}

    def versions(self) -> dict[str, int]:
        """The version of each pair's decision: how many times it changed (undo included)."""
        with self._lock:
            rows = self._db.execute("select key, version from versions where tbl = 'decisions'").fetchall()
        return dict(rows)

    def _get(self, table: str, key: str):
        if table == "decisions":
            row = self._db.execute(f"select {_DECISION_COLUMNS} from decisions where pair_id = ?", (key,)).fetchone()
            return Decision(*row) if row else None
        row = self._db.execute(f"select {_LINK_COLUMNS} from links where pair_id = ?", (key,)).fetchone()
        return _link(row) if row else None

    def _version(self, table: str, key: str) -> int:
        row = self._db.execute("select version from versions where tbl = ? and key = ?", (table, key)).fetchone()
        return row[0] if row else 0

    # --- writing ---------------------------------------------------------------------

    def decide(self, pair_id: str, decision: str, text_hash: str, level: str = "",
               src_edit: str | None = None, tgt_edit: str | None = None,
               decided_at: str | None = None, *, session: str = "", seen: dict | None = None,
               expected_version: int | None = None) -> Decision:
        """Record a decision (replacing any earlier one for the pair) as one action.

        seen: the pair as the translator saw it (src_text, tgt_text, src_doc_id, tgt_doc_id).
        expected_version: the version the translator's page showed; another is a conflict."""
        new = make_decision(pair_id, decision, text_hash, level, src_edit, tgt_edit, decided_at, seen)
        expected = None if expected_version is None else {pair_id: expected_version}
        self.apply([Change("decisions", pair_id, new)], session=session, expected_versions=expected)
        return new

    def apply(self, changes: list[Change], session: str = "",
              expected_versions: dict[str, int] | None = None) -> str:
        """Make `changes` as one action of one tab, in one transaction; returns the action id.

        expected_versions: {pair_id: version} of decisions as the tab last saw them; if one
        has changed since, nothing is written and VersionConflict names it."""
        action = uuid.uuid4().hex
        with self._transaction():
            for pair_id, version in (expected_versions or {}).items():
                current = self._version("decisions", pair_id)
                if current != version:
                    raise VersionConflict(pair_id, self._get("decisions", pair_id), current)
            for change in changes:
                before = self._get(change.table, change.key)
                if before == change.row:
                    continue
                self._put(change.table, change.key, change.row)
                self._db.execute(
                    "insert into changes (action, session, tbl, key, before, after) values (?, ?, ?, ?, ?, ?)",
                    (action, session, change.table, change.key, _to_json(before), _to_json(change.row)))
        return action

    def undo(self, session: str | None = None) -> list[Change] | None:
        """Take back the last action of `session` (of anyone, with None) not yet undone.

        Returns the changes made (each row as it is now), or None if there is nothing to
        undo. If another tab has changed one of the rows since, nothing is undone and
        UndoConflict says which pair."""
        with self._transaction():
            where, args = ("session = ? and ", (session,)) if session is not None else ("", ())
            last = self._db.execute(f"select action from changes where {where}undone = 0 "
                                    "order by seq desc limit 1", args).fetchone()
            if last is None:
                return None
            rows = self._db.execute("select seq, tbl, key, before, after from changes where action = ? "
                                    "order by seq desc", (last[0],)).fetchall()
            restored = []
            for seq, table, key, before, after in rows:
                if _to_json(self._get(table, key)) != after:
                    raise UndoConflict(f"pair {key} was changed again in another tab or window since; "
                                       "nothing was undone (reload to see it)")
                row = _from_json(table, before)
                self._put(table, key, row)
                restored.append(Change(table, key, row))
            self._db.execute("update changes set undone = 1 where action = ?", (last[0],))
        return restored

    def _put(self, table: str, key: str, row) -> None:
        if row is None:
            self._db.execute(f"delete from {table} where pair_id = ?", (key,))
        elif table == "decisions":
            values = asdict(row)
            self._db.execute(f"insert or replace into decisions ({_DECISION_COLUMNS}) values "
                             f"({', '.join('?' * len(values))})", tuple(values.values()))
        else:
            values = asdict(row)
            values["src_keys"], values["tgt_keys"] = json.dumps(list(row.src_keys)), json.dumps(list(row.tgt_keys))
            self._db.execute(f"insert or replace into links ({_LINK_COLUMNS}) values "
                             f"({', '.join('?' * len(values))})", tuple(values.values()))
        self._db.execute("insert into versions (tbl, key, version) values (?, ?, 1) "
                         "on conflict (tbl, key) do update set version = version + 1", (table, key))

    def _transaction(self):
        return _Transaction(self._db, self._lock, self.path)


def make_decision(pair_id: str, decision: str, text_hash: str, level: str = "", src_edit: str | None = None,
                  tgt_edit: str | None = None, decided_at: str | None = None, seen: dict | None = None) -> Decision:
    """A checked Decision (ReviewStoreError says what is wrong with it)."""
    if decision not in DECISIONS:
        raise ReviewStoreError(f"unknown decision {decision!r} (expected one of {', '.join(DECISIONS)})")
    if decision == "edited" and src_edit is None and tgt_edit is None:
        raise ReviewStoreError(f"pair {pair_id}: an edit needs the corrected source or target text")
    if decision != "edited":
        src_edit = tgt_edit = None
    seen = seen or {}
    return Decision(pair_id, decision, src_edit, tgt_edit, text_hash, level, decided_at or now(),
                    *(seen.get(name) for name in _DECISION_CONTEXT))


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error, so a change is whole or absent.
    After a commit the file's time is set to now (see the module's docstring)."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock, path: Path):
        self._db, self._lock, self._path = db, lock, path

    def __enter__(self):
        self._lock.acquire()
        try:
            self._db.execute("begin immediate")
            self._changes_before = self._db.total_changes
        except BaseException:
            self._lock.release()
            raise

    def __exit__(self, kind, value, trace):
        try:
            self._db.execute("rollback" if kind else "commit")
            if not kind and self._db.total_changes != self._changes_before:
                os.utime(self._path)
        finally:
            self._lock.release()
        return False
