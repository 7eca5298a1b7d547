"""pytest fixtures that give Matrix tests a real Synapse and logged-in nio clients.

A failure to install or start Synapse FAILS the requesting test (it never skips), so
CI goes red whenever Matrix testing has silently become impossible.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import Protocol

import nio
import pytest

from tests.integration.matrix.synapse_harness import (
    SynapseHarnessError,
    SynapseServer,
    start_synapse,
)


class MatrixUserFactory(Protocol):
    """Signature of the ``matrix_user`` fixture's value."""

    def __call__(
        self,
        prefix: str = "user",
        *,
        admin: bool = False,
        server: SynapseServer | None = None,
    ) -> Awaitable[nio.AsyncClient]: ...


def _start_or_fail(*, default_rate_limits: bool) -> SynapseServer:
    """Start a homeserver or fail the test with the harness's reason."""
    try:
        return start_synapse(default_rate_limits=default_rate_limits)
    except SynapseHarnessError as error:
        pytest.fail(f"Matrix integration tests need a Synapse homeserver: {error}", pytrace=False)


@pytest.fixture(scope="session")
def synapse() -> Iterator[SynapseServer]:
    """One homeserver for the whole session, rate limits effectively disabled."""
    server = _start_or_fail(default_rate_limits=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def synapse_limited() -> Iterator[SynapseServer]:
    """A second homeserver, started only when requested, with Synapse's default
    ``rc_message`` (0.2 msg/s, burst 10) so tests can provoke ``M_LIMIT_EXCEEDED``."""
    server = _start_or_fail(default_rate_limits=True)
    yield server
    server.stop()


def logged_in_client(
    server: SynapseServer, user_id: str, device_id: str, access_token: str
) -> nio.AsyncClient:
    """An ``AsyncClient`` using the session that registration already issued.

    Encryption is off (the project venv has no ``matrix-nio[e2e]``), and
    ``max_limit_exceeded=0`` makes nio *return* a 429 as an error response instead
    of its default of sleeping and retrying forever, so tests see rate limiting.
    """
    config = nio.AsyncClientConfig(encryption_enabled=False, max_limit_exceeded=0)
    client = nio.AsyncClient(server.base_url, user_id, device_id=device_id, config=config)
    client.restore_login(user_id, device_id, access_token)
    return client


@pytest.fixture
async def matrix_user(synapse: SynapseServer) -> AsyncIterator[MatrixUserFactory]:
    """Factory: ``await matrix_user("alice")`` registers ``alice-<random>`` and returns
    a logged-in ``nio.AsyncClient`` on ``synapse`` (or on ``server=``); every client
    is closed at teardown."""
    clients: list[nio.AsyncClient] = []

    async def make(
        prefix: str = "user", *, admin: bool = False, server: SynapseServer | None = None
    ) -> nio.AsyncClient:
        target = server or synapse
        localpart = f"{prefix}-{secrets.token_hex(4)}"
        user = await asyncio.to_thread(target.register, localpart, admin=admin)
        client = logged_in_client(target, user.user_id, user.device_id, user.access_token)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()
