"""Fixtures every test may use: databases (SQLite and PostgreSQL), a fake clock, a harness.

PostgreSQL tests read `PORCH_TEST_POSTGRES_URL` (for example `postgresql://postgres@127.0.0.1:5432/postgres`),
create a database of their own and drop it afterwards. Without the variable they are skipped
with the reason shown; `.ci/run` sets it, so CI fails when PostgreSQL is missing.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.store.db import Store, normalize_url
from bot.store.migrate import upgrade
from bot.testing.builders import T0
from bot.testing.harness import Harness

PG_ENV = "PORCH_TEST_POSTGRES_URL"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


def _postgres_database() -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL tests skipped (CI sets it)")
    import psycopg

    name = f"porch_test_{uuid.uuid4().hex[:12]}"
    admin_url = normalize_url(base).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: SQLite in a temporary file, and PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'porch.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'porch.db'}"


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated store, on both databases."""
    s = Store(database_url)
    upgrade(s)
    yield s
    s.dispose()


@pytest.fixture
async def harness(sqlite_url: str) -> AsyncIterator[Harness]:
    async with Harness.create(sqlite_url) as h:
        yield h
