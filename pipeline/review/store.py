"""The reviews store: translators' decisions on aligned pairs, in aligned/reviews.sqlite.

Decisions are keyed by the stable pair_id and outlive re-runs of the pipeline, which
rewrite the parquet tables but never this file. Each decision keeps a hash of the pair's
source and target text as the translator saw it, so a pair whose text changed since is
reported "stale" (to be reviewed again) instead of keeping a verdict on other words.

Every change is one SQLite transaction; the journal is WAL so the review server can write
while `make all` reads.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

REVIEWS_FILE = "reviews.sqlite"
DECISIONS = ("accepted", "rejected", "edited")
STATUSES = ("unreviewed", "accepted", "rejected", "edited", "stale")

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
-- Every change, with the row it replaced, so `undo` can put the previous state back.
create table if not exists history (
    seq        integer primary key autoincrement,
    pair_id    text not null,
    after      text not null,
    before     text,
    undone     integer not null default 0
);
"""


@dataclass(frozen=True)
class Decision:
    pair_id: str
    decision: str  # accepted | rejected | edited
    src_edit: str | None  # the translator's corrected text (edited pairs), else None
    tgt_edit: str | None
    text_hash: str  # pair_text_hash of the pair when the decision was taken
    level: str
    decided_at: str  # ISO 8601, UTC


class ReviewStoreError(ValueError):
    """A decision the store refuses; the message says why."""


def pair_text_hash(src_text: str, tgt_text: str) -> str:
    return hashlib.sha256(f"{src_text}\0{tgt_text}".encode("utf-8")).hexdigest()[:16]


def review_status(decision: Decision | None, current_hash: str) -> str:
    if decision is None:
        return "unreviewed"
    if decision.text_hash != current_hash:
        return "stale"
    return decision.decision


def match_decisions(pairs: list[dict], decisions: dict[str, Decision]) -> list[Decision | None]:
    """The decision that applies to each pair (rows with pair_id, level, src_text, tgt_text).

    A decision is found by pair_id. When a document edit shifts passage or sentence numbers
    the ids change although the text does not, so a decision whose pair is gone is also
    found by its text hash (same level): it is the same pair of texts, under a new id.
    """
    present = {p["pair_id"] for p in pairs}
    orphans = {}
    for decision in sorted(decisions.values(), key=lambda d: (d.decided_at, d.pair_id)):
        if decision.pair_id not in present:
            orphans[(decision.level, decision.text_hash)] = decision
    found = []
    for pair in pairs:
        decision = decisions.get(pair["pair_id"])
        if decision is None:
            decision = orphans.get((pair["level"], pair_text_hash(pair["src_text"], pair["tgt_text"])))
        found.append(decision)
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


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class ReviewStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        # One connection shared by the server's worker threads; the lock keeps their
        # statements from interleaving inside a transaction.
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                                       check_same_thread=False)
            self._db.execute("pragma journal_mode=wal")
            self._db.execute("pragma synchronous=full")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as err:
            raise ReviewStoreError(f"{self.path}: not a usable reviews store: {err}") from None

    def close(self) -> None:
        self._db.close()

    def _row(self, pair_id: str) -> Decision | None:
        row = self._db.execute(
            "select pair_id, decision, src_edit, tgt_edit, text_hash, level, decided_at "
            "from decisions where pair_id = ?", (pair_id,)).fetchone()
        return Decision(*row) if row else None

    def decisions(self) -> dict[str, Decision]:
        with self._lock:
            rows = self._db.execute(
                "select pair_id, decision, src_edit, tgt_edit, text_hash, level, decided_at "
                "from decisions order by pair_id").fetchall()
        return {row[0]: Decision(*row) for row in rows}

    def decide(self, pair_id: str, decision: str, text_hash: str, level: str = "",
               src_edit: str | None = None, tgt_edit: str | None = None,
               decided_at: str | None = None) -> Decision:
        """Record a decision (replacing any earlier one for the pair) in one transaction."""
        if decision not in DECISIONS:
            raise ReviewStoreError(f"unknown decision {decision!r} (expected one of {', '.join(DECISIONS)})")
        if decision == "edited" and src_edit is None and tgt_edit is None:
            raise ReviewStoreError(f"pair {pair_id}: an edit needs the corrected source or target text")
        if decision != "edited":
            src_edit = tgt_edit = None
        new = Decision(pair_id, decision, src_edit, tgt_edit, text_hash, level, decided_at or _now())
        with self._transaction():
            old = self._row(pair_id)
            self._put(new)
            self._db.execute("insert into history (pair_id, after, before) values (?, ?, ?)",
                             (pair_id, json.dumps(asdict(new), ensure_ascii=False),
                              json.dumps(asdict(old), ensure_ascii=False) if old else None))
        return new

    def undo(self) -> tuple[str, Decision | None] | None:
        """Take back the latest change not yet undone; returns the pair id and its state now."""
        with self._transaction():
            last = self._db.execute(
                "select seq, pair_id, before from history where undone = 0 "
                "order by seq desc limit 1").fetchone()
            if last is None:
                return None
            seq, pair_id, before = last
            restored = Decision(**json.loads(before)) if before else None
            if restored:
                self._put(restored)
            else:
                self._db.execute("delete from decisions where pair_id = ?", (pair_id,))
            self._db.execute("update history set undone = 1 where seq = ?", (seq,))
        return pair_id, restored

    def _put(self, decision: Decision) -> None:
        self._db.execute(
            "insert or replace into decisions (pair_id, decision, src_edit, tgt_edit, text_hash, "
            "level, decided_at) values (?, ?, ?, ?, ?, ?, ?)",
            (decision.pair_id, decision.decision, decision.src_edit, decision.tgt_edit,
             decision.text_hash, decision.level, decision.decided_at))

    def _transaction(self):
        return _Transaction(self._db, self._lock)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error, so a change is whole or absent."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock):
        self._db, self._lock = db, lock

    def __enter__(self):
        self._lock.acquire()
        try:
            self._db.execute("begin immediate")
        except BaseException:
            self._lock.release()
            raise

    def __exit__(self, kind, value, trace):
        try:
            self._db.execute("rollback" if kind else "commit")
        finally:
            self._lock.release()
        return False
