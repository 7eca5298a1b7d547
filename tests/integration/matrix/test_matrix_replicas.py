"""Two Porch replicas on one PostgreSQL and one Matrix account: only the replica that holds the
Matrix lease syncs and sends, and the other takes over when the holder dies.

Needs `PORCH_TEST_POSTGRES_URL` (skipped without it, like every PostgreSQL test; CI sets it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from adapters.matrix.adapter import MatrixAdapter
from adapters.matrix.lease import AdvisoryLease
from tests.conftest import _postgres_database
from tests.integration.matrix.conftest import MatrixUserFactory
from tests.integration.matrix.test_matrix_porch import (
    World,
    eventually,
    member,
    outbox_quiet,
    pongs,
    say,
    world,
)

pytestmark = pytest.mark.slow

__all__ = ["world"]  # the fixture, from test_matrix_porch: a room, a bot account, Porch's state

TRY_EVERY = 0.3
"""A waiting replica's pace in these tests (5 s in production)."""


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from _postgres_database()


def lease(url: str, name: str = "porch:matrix:@test") -> AdvisoryLease:
    return AdvisoryLease(url, name, try_every=TRY_EVERY)


async def test_one_lease_is_held_at_a_time_and_a_dead_holders_is_taken_over(
    postgres_url: str,
) -> None:
    first, second, other = lease(postgres_url), lease(postgres_url), lease(postgres_url, "x")
    assert await first.try_acquire()
    assert not await second.try_acquire()
    assert await other.try_acquire(), "each Matrix account has a lease of its own"
    assert await first.still_held() and not await second.still_held()

    assert first._conn is not None
    await first._conn.close()  # the holder's session dies without a word
    assert not await first.still_held()
    await eventually(second.try_acquire, within=5.0)  # once PostgreSQL has ended that session
    assert not await first.try_acquire()
    for each in (first, second, other):
        await each.release()


def replica(world: World, url: str) -> World:
    """Another Porch on the same database, account and (shared) data directory."""
    return dataclasses.replace(world, database_url=url, lease=lease(url), porch=None, store=None)


def adapter_of(world: World) -> MatrixAdapter:
    assert world.porch is not None
    adapter = world.porch.adapters["matrix"]
    assert isinstance(adapter, MatrixAdapter)
    return adapter


async def test_only_the_lease_holder_runs_matrix_and_a_standby_takes_over_when_it_dies(
    world: World, matrix_user: MatrixUserFactory, postgres_url: str
) -> None:
    one, two = replica(world, postgres_url), replica(world, postgres_url)
    try:
        await one.start()
        await two.start()  # returns at once: it waits for the lease in the background
        assert adapter_of(one)._client is not None and adapter_of(two)._client is None
        carol = await member(one, matrix_user, "carol")
        await say(carol, world.room_id, "!porch ping")
        assert len(await eventually(lambda: pongs(one, carol))) == 1

        # The leader dies: its lease session ends, and the standby takes over Matrix.
        lease_of_one = adapter_of(one)._lease
        assert isinstance(lease_of_one, AdvisoryLease) and lease_of_one._conn is not None
        await lease_of_one._conn.close()

        async def two_leads() -> bool:
            return adapter_of(two)._client is not None

        await eventually(two_leads)
        await say(carol, world.room_id, "!porch ping")

        async def two_pongs() -> list[str]:
            found = await pongs(two, carol)
            return found if len(found) >= 2 else []

        await eventually(two_pongs)
        await eventually(lambda: outbox_quiet(two))
        assert len(await pongs(two, carol)) == 2, "each ping answered once, by one replica"

        async def one_stopped() -> bool:
            return adapter_of(one)._client is None

        await eventually(one_stopped)  # at its next sync, the replica without the lease stops
    finally:
        await one.stop()
        await two.stop()
