"""200 members voting at the same moment: every vote counts once, on SQLite and PostgreSQL,
from one Porch and (on PostgreSQL) from two Porch replicas racing in parallel threads."""

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.app import Porch
from bot.core.events import Event
from bot.features.ama import repo
from bot.store.db import Store
from bot.testing.builders import command
from bot.testing.harness import Harness
from bot.testing.memory import MemoryAdapter
from tests.conftest import _postgres_database
from tests.unit.features.ama.kit import board, features, harness

VOTERS = 200


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from _postgres_database()


def _votes(prefix: str = "voter") -> list[Event]:
    return [command(f"{prefix}{i:03d}", "/ama vote 1") for i in range(VOTERS)]


def _count(h: Harness) -> int:
    with h.store.transaction() as s:
        ama = repo.live_in_channel(s, platform="memory", channel="#general")
        assert ama is not None and ama.id is not None
        return repo.vote_counts(s, ama_id=ama.id).get(1, 0)


async def test_200_members_voting_at_the_same_moment_are_counted_exactly(
    database_url: str,
) -> None:
    async with harness(database_url) as h:
        await h.send(command("dana", '/ama start "Roadmap"'), command("alice", "/ama ask Why?"))
        results = await asyncio.gather(*(h.porch.handle(e) for e in _votes()))
        assert results == [True] * VOTERS
        assert _count(h) == VOTERS
        await h.advance(timedelta(seconds=5))
        assert f"- **#1** · {VOTERS} 👍 · Why? (anonymous)" in board(h)


async def test_two_replicas_racing_200_votes_in_parallel_count_each_once(
    postgres_url: str,
) -> None:
    async with harness(postgres_url) as h:
        await h.send(command("dana", '/ama start "Roadmap"'), command("alice", "/ama ask Why?"))
        other_store = Store(postgres_url)
        other = Porch(
            config=h.porch.config,
            store=other_store,
            clock=h.clock,
            adapters=[MemoryAdapter(clock=h.clock)],
            features=features(),
        )
        porches = (h.porch, other)
        votes = _votes()
        try:
            await asyncio.gather(
                *(
                    asyncio.to_thread(asyncio.run, porches[i % 2].handle(e))
                    for i, e in enumerate(votes)
                )
            )
            redelivered = await asyncio.gather(
                *(asyncio.to_thread(asyncio.run, other.handle(e)) for e in votes[:50])
            )
        finally:
            other_store.dispose()
        assert redelivered == [False] * 50
        assert _count(h) == VOTERS
