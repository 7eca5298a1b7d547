"""Who may run Matrix: one replica at a time holds a lease, the others wait to take it over.

Several Porch replicas on one PostgreSQL share the work of everything else, but a Matrix bot is
one device: one sync position, one crypto store, one stream of sends. So only the replica that
holds the lease syncs and sends; the others wait and take over when the holder stops or dies.

The lease is a PostgreSQL session-level advisory lock, held by a connection of its own. When the
holder's process dies or loses its connection, PostgreSQL ends the session and frees the lock,
so a waiting replica gets it at its next try, without any expiry to tune. The holder checks its
connection before each send and each sync, so it notices a lost lease and stops.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from typing import Protocol

import psycopg

log = logging.getLogger(__name__)

TRY_EVERY = 5.0
"""Seconds between a waiting replica's tries, and how long a standby holds back a send."""


class Lease(Protocol):
    """The right to run the Matrix adapter; `None` in its place means a single replica."""

    try_every: float

    async def try_acquire(self) -> bool:
        """Take the lease if nobody holds it; True if this replica holds it now."""
        ...

    async def still_held(self) -> bool:
        """Whether this replica still holds the lease (False once its session is gone)."""
        ...

    async def release(self) -> None:
        """Give the lease up (at a clean stop), so a waiting replica takes over at once."""
        ...


def lock_key(name: str) -> int:
    """The advisory lock's 64-bit key for a lease name (one per Matrix account)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class AdvisoryLease:
    """A `Lease` held as `pg_advisory_lock(key)` by a dedicated PostgreSQL session."""

    def __init__(self, database_url: str, name: str, *, try_every: float = TRY_EVERY) -> None:
        self._url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        self._key = lock_key(name)
        self._name = name
        self.try_every = try_every
        self._conn: psycopg.AsyncConnection[tuple[object, ...]] | None = None
        self._held = False

    async def try_acquire(self) -> bool:
        if self._held and await self.still_held():
            return True
        try:
            if self._conn is None or self._conn.closed:
                self._conn = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
            cursor = await self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key,))
            row = await cursor.fetchone()
        except psycopg.Error as exc:
            log.warning("could not ask PostgreSQL for the Matrix lease %s: %s", self._name, exc)
            await self._drop()
            return False
        self._held = bool(row and row[0])
        return self._held

    async def still_held(self) -> bool:
        if not self._held or self._conn is None or self._conn.closed:
            return False
        try:
            await self._conn.execute("SELECT 1")
        except psycopg.Error as exc:
            log.error("lost the Matrix lease %s with its PostgreSQL session: %s", self._name, exc)
            await self._drop()
            return False
        return True

    async def release(self) -> None:
        if self._held and self._conn is not None and not self._conn.closed:
            with contextlib.suppress(psycopg.Error):
                await self._conn.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
        await self._drop()

    async def _drop(self) -> None:
        self._held = False
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                await self._conn.close()
            self._conn = None
