"""Prove the Synapse harness works: real server, real users, real rate limits.

Each test asserts on what Synapse actually answered, so a broken config, a wrong
HMAC or a rate limit that never fires makes it fail.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import secrets
import subprocess
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import nio
import pytest

from tests.integration.matrix.conftest import MatrixUserFactory
from tests.integration.matrix.synapse_harness import (
    SynapseApiError,
    SynapseInstallError,
    SynapseServer,
    SynapseStartError,
    _exclusive_lock,
    ensure_synapse_installed,
    http_json,
    registration_mac,
    start_synapse,
)

pytestmark = pytest.mark.slow

T = TypeVar("T")


async def sync_until(
    client: nio.AsyncClient,
    found: Callable[[nio.SyncResponse], T | None],
    within: float = 20.0,
) -> T:
    """Long-poll ``/sync`` until ``found`` returns something, for at most ``within`` s."""
    try:
        async with asyncio.timeout(within):
            while True:
                response = await client.sync(timeout=5_000)
                assert isinstance(response, nio.SyncResponse), response
                result = found(response)
                if result is not None:
                    return result
    except TimeoutError:
        raise AssertionError(f"{client.user_id}: condition not seen within {within}s") from None


async def create_room(owner: nio.AsyncClient) -> str:
    """Create a private room and return its id."""
    created = await owner.room_create(name="harness")
    assert isinstance(created, nio.RoomCreateResponse), created
    return str(created.room_id)


def text_from(sender: str, room_id: str) -> Callable[[nio.SyncResponse], str | None]:
    """Sync predicate: the body of the first text message ``sender`` sent in ``room_id``."""

    def found(response: nio.SyncResponse) -> str | None:
        room = response.rooms.join.get(room_id)
        events = room.timeline.events if room else []
        for event in events:
            if isinstance(event, nio.RoomMessageText) and event.sender == sender:
                return str(event.body)
        return None

    return found


async def send_text(client: nio.AsyncClient, room_id: str, body: str) -> nio.Response:
    """Send one ``m.text`` message and return nio's response *value* (errors included)."""
    content = {"msgtype": "m.text", "body": body}
    return await client.room_send(room_id, "m.room.message", content)


# ------------------------------------------------------------------------ server


def test_client_api_answers(synapse: SynapseServer) -> None:
    versions = http_json("GET", synapse.url("/_matrix/client/versions"))
    assert "v1.11" in versions["versions"]
    assert synapse.server_name == f"localhost:{synapse.port}"
    assert synapse.running


def listening_addresses(port: int) -> set[str]:
    """Hex local addresses (as in /proc/net/tcp*) with a socket listening on ``port``."""
    found = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        for line in table.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A = LISTEN
                found.add(address)
    return found


def test_server_listens_on_loopback_only(synapse: SynapseServer) -> None:
    """The test server must never be reachable from outside this machine."""
    assert listening_addresses(synapse.port) == {"0100007F"}  # 127.0.0.1, nothing else
    config = json.loads((synapse.workdir / "homeserver.yaml").read_text())
    resources = [
        name for lst in config["listeners"] for r in lst["resources"] for name in r["names"]
    ]
    assert resources == ["client"], "no federation listener"


def test_install_is_cached(synapse: SynapseServer) -> None:
    """After the first install, later runs must reuse the venv, not reinstall."""
    install = ensure_synapse_installed()
    assert install.install_seconds is None, "second call must reuse the marker"
    assert (install.venv_dir.parent / "install-complete.json").is_file()
    version = subprocess.run(
        [str(install.python), "-c", "import synapse; print(synapse.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version == install.version


def test_install_lock_times_out_while_held(tmp_path: Path) -> None:
    """A stuck concurrent installer yields a clear error instead of hanging CI."""
    lock = tmp_path / "install.lock"
    with lock.open("a+") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        with pytest.raises(SynapseInstallError, match="held"), _exclusive_lock(lock, 0.3):
            pass


def test_start_and_stop_own_server() -> None:
    """stop() must leave no process, no port and no directory behind."""
    server = start_synapse()
    versions = server.url("/_matrix/client/versions")
    assert server.startup_seconds < 60
    server.stop()
    assert server.process.returncode is not None
    assert not server.workdir.exists()
    with pytest.raises(OSError):
        urllib.request.urlopen(versions, timeout=2)


def test_broken_config_fails_with_log_tail() -> None:
    """A Synapse that cannot start must say why (the fixtures turn this into a failure)."""
    with pytest.raises(
        SynapseStartError, match=r"(?s)exited with status 1.*Unsupported database type"
    ):
        start_synapse(extra_config={"database": {"name": "no-such-engine"}})


# ------------------------------------------------------------------ registration


def test_register_returns_usable_session(synapse: SynapseServer) -> None:
    localpart = f"carol-{secrets.token_hex(4)}"
    user = synapse.register(localpart)
    assert user.user_id == f"@{localpart}:{synapse.server_name}"
    assert user.device_id and not user.admin
    whoami = http_json(
        "GET", synapse.url("/_matrix/client/v3/account/whoami"), access_token=user.access_token
    )
    assert whoami["user_id"] == user.user_id
    assert whoami["device_id"] == user.device_id
    login = http_json(
        "POST",
        synapse.url("/_matrix/client/v3/login"),
        {"type": "m.login.password", "user": user.user_id, "password": user.password},
    )
    assert login["user_id"] == user.user_id


def test_register_rejects_wrong_shared_secret(synapse: SynapseServer) -> None:
    """Guards the HMAC: registration only works because the MAC is computed correctly."""
    endpoint = synapse.url("/_synapse/admin/v1/register")
    nonce = http_json("GET", endpoint)["nonce"]
    mac = registration_mac("not-the-secret", nonce, "mallory", "pw", admin=True)
    body = {"nonce": nonce, "username": "mallory", "password": "pw", "admin": True, "mac": mac}
    with pytest.raises(SynapseApiError) as raised:
        http_json("POST", endpoint, body)
    assert raised.value.status == 403


async def test_matrix_user_is_logged_in(matrix_user: MatrixUserFactory) -> None:
    client = await matrix_user("dora")
    assert client.logged_in
    whoami = await client.whoami()
    assert isinstance(whoami, nio.WhoamiResponse), whoami
    assert whoami.user_id == client.user_id
    assert client.user_id.startswith("@dora-")


# ------------------------------------------------------------------------ rooms


async def test_invited_user_receives_message(matrix_user: MatrixUserFactory) -> None:
    alice = await matrix_user("alice")
    bob = await matrix_user("bob")
    room_id = await create_room(alice)

    invited = await alice.room_invite(room_id, bob.user_id)
    assert isinstance(invited, nio.RoomInviteResponse), invited
    await sync_until(bob, lambda sync: room_id if room_id in sync.rooms.invite else None)
    joined = await bob.join(room_id)
    assert isinstance(joined, nio.JoinResponse), joined

    sent = await send_text(alice, room_id, "hello bob")
    assert isinstance(sent, nio.RoomSendResponse), sent
    assert await sync_until(bob, text_from(alice.user_id, room_id)) == "hello bob"


# ------------------------------------------------------------------------ admin


async def test_admin_user_can_call_admin_api(
    synapse: SynapseServer, matrix_user: MatrixUserFactory
) -> None:
    admin = await matrix_user("admin", admin=True)
    path = f"/_synapse/admin/v2/users/{admin.user_id}"
    details = synapse.admin_request("GET", path, access_token=admin.access_token)
    assert details["admin"] is True

    plain = await matrix_user("plain")
    with pytest.raises(SynapseApiError) as raised:
        synapse.admin_request("GET", path, access_token=plain.access_token)
    assert raised.value.status == 403
    assert raised.value.errcode == "M_FORBIDDEN"


# ------------------------------------------------------------------- rate limits


async def send_burst(client: nio.AsyncClient, room_id: str, count: int) -> list[nio.Response]:
    """Send up to ``count`` messages back to back, stopping at the first error."""
    responses: list[nio.Response] = []
    for number in range(count):
        response = await send_text(client, room_id, f"burst {number}")
        responses.append(response)
        if isinstance(response, nio.ErrorResponse):
            break
    return responses


async def test_default_rate_limits_throttle_a_burst(
    synapse_limited: SynapseServer, matrix_user: MatrixUserFactory
) -> None:
    """nio returns the 429 as a RoomSendError value (with max_limit_exceeded=0)."""
    sender = await matrix_user("chatty", server=synapse_limited)
    room_id = await create_room(sender)

    responses = await send_burst(sender, room_id, 30)

    *accepted, refused = responses
    assert all(isinstance(r, nio.RoomSendResponse) for r in accepted), accepted
    # Synapse's default rc_message burst is 10 (room creation itself may use one).
    assert 5 <= len(accepted) <= 10, f"{len(accepted)} sent before being throttled"
    assert isinstance(refused, nio.RoomSendError), refused
    assert refused.status_code == "M_LIMIT_EXCEEDED"
    assert refused.retry_after_ms is not None and refused.retry_after_ms > 0


async def test_override_ratelimit_exempts_a_user(
    synapse_limited: SynapseServer, matrix_user: MatrixUserFactory
) -> None:
    """The remedy operators will be told to apply to the bot account works."""
    bot = await matrix_user("bot", server=synapse_limited)
    applied = synapse_limited.admin_override_ratelimit(bot.user_id)
    assert applied == {"messages_per_second": 0, "burst_count": 0}
    room_id = await create_room(bot)

    responses = await send_burst(bot, room_id, 30)

    assert len(responses) == 30
    assert all(isinstance(r, nio.RoomSendResponse) for r in responses), responses[-1]


async def test_relaxed_server_does_not_throttle(matrix_user: MatrixUserFactory) -> None:
    sender = await matrix_user("fast")
    room_id = await create_room(sender)

    responses = await send_burst(sender, room_id, 30)

    assert all(isinstance(r, nio.RoomSendResponse) for r in responses), responses[-1]
