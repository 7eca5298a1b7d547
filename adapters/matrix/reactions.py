"""The reactions Porch has seen, kept in the data directory so a restart still recognizes them.

A Matrix redaction names only the event it removes. When that event was a reaction, its target
and key are gone from the homeserver too (redaction strips the content, and Synapse drops the
relation), so the only way to report "carol took back her 2️⃣" is to remember the reaction from
when it arrived. A small SQLite file holds the most recent ones; the sync token is saved after
a batch, so a crash re-reads the batch and `remember` simply writes the same row again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path

REACTIONS_FILE = "reactions.sqlite3"
KEPT = 20_000
"""How many recent reactions are remembered; older ones are forgotten in batches."""
_PRUNE_EVERY = 500


class ReactionLog(Mapping[str, tuple[str, str]]):
    """Reaction event id -> (reacted-to event id, key), persisted in `directory`."""

    def __init__(self, directory: Path, kept: int = KEPT) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(directory / REACTIONS_FILE)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS reactions ("
            " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " event_id TEXT NOT NULL UNIQUE, target TEXT NOT NULL, key TEXT NOT NULL)"
        )
        self._db.commit()
        self._kept = kept
        self._since_prune = 0

    def remember(self, event_id: str, target: str, key: str) -> None:
        with self._db:
            self._db.execute(
                "INSERT OR IGNORE INTO reactions (event_id, target, key) VALUES (?, ?, ?)",
                (event_id, target, key),
            )
        self._since_prune += 1
        if self._since_prune >= _PRUNE_EVERY:
            self._prune()

    def _prune(self) -> None:
        self._since_prune = 0
        with self._db:
            self._db.execute(
                "DELETE FROM reactions WHERE seq <= (SELECT MAX(seq) FROM reactions) - ?",
                (self._kept,),
            )

    def close(self) -> None:
        self._db.close()

    def __getitem__(self, event_id: str) -> tuple[str, str]:
        row = self._db.execute(
            "SELECT target, key FROM reactions WHERE event_id = ?", (event_id,)
        ).fetchone()
        if row is None:
            raise KeyError(event_id)
        return str(row[0]), str(row[1])

    def __iter__(self) -> Iterator[str]:
        return (str(r[0]) for r in self._db.execute("SELECT event_id FROM reactions ORDER BY seq"))

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM reactions").fetchone()[0])
