"""pytest fixtures that give Matrix tests a real Synapse and logged-in nio clients.

A failure to install or start Synapse FAILS the requesting test (it never skips), so
CI goes red whenever Matrix testing has silently become impossible.

A homeserver's directory lives in the run's temporary directory (``--basetemp``), so
parallel runs never share one. When a test fails, its report carries the tail of every
running homeserver's log, and a homeserver that served a failed test keeps its directory
(config, SQLite database, full log) after the run. ``PORCH_SYNAPSE_LOG_LEVEL=INFO`` makes
that log record every request.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import Any, Protocol

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


_RUNNING: list[SynapseServer] = []
"""The homeservers of this session, for the log tails of failure reports."""
_WITNESSED_FAILURE: set[int] = set()
"""Ports of homeservers that were running when a test failed: their directories are kept."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Attach the end of each running homeserver's log to a failed test's report."""
    report = yield
    if report.failed:
        for server in _RUNNING:
            _WITNESSED_FAILURE.add(server.port)
            report.sections.append(
                (f"synapse {server.base_url} ({server.workdir})", server.log_tail(80))
            )
    return report


def _serve(
    tmp_path_factory: pytest.TempPathFactory, *, default_rate_limits: bool
) -> Iterator[SynapseServer]:
    """Start a homeserver in the run's temporary directory (or fail the test with the harness's
    reason), and stop it at the end, keeping its directory if a test failed meanwhile."""
    parent = tmp_path_factory.mktemp("synapse")
    try:
        server = start_synapse(default_rate_limits=default_rate_limits, parent_dir=parent)
    except SynapseHarnessError as error:
        pytest.fail(f"Matrix integration tests need a Synapse homeserver: {error}", pytrace=False)
    _RUNNING.append(server)
    yield server
    _RUNNING.remove(server)
    server.stop(keep_workdir=server.port in _WITNESSED_FAILURE)


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    """One homeserver for the whole session, rate limits effectively disabled."""
    yield from _serve(tmp_path_factory, default_rate_limits=False)


@pytest.fixture(scope="session")
def synapse_limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    """A second homeserver, started only when requested, with Synapse's default
    ``rc_message`` (0.2 msg/s, burst 10) so tests can provoke ``M_LIMIT_EXCEEDED``."""
    yield from _serve(tmp_path_factory, default_rate_limits=True)


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
