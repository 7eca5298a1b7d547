"""The adapter's pure parts: construction without I/O, state, transaction ids, history cut-off."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from adapters.matrix.adapter import (
    CAPABILITIES,
    SYNAPSE_DEFAULT_BUDGET,
    MatrixAdapter,
    MatrixLogin,
    _after_own_join,
    _invitation,
    _txn,
)
from adapters.matrix.factory import build_matrix_adapter
from adapters.matrix.state import MatrixState
from bot.config.schema import PorchConfig
from bot.config.settings import Settings
from bot.core.actions import Capability, Post
from bot.core.adapter import DeliveryContext, RateBudget
from bot.core.clock import FakeClock
from bot.core.errors import ConfigError, RateLimited
from bot.core.message import Message
from bot.testing import builders
from bot.testing.contract import Sink

BOT = "@porch:example.org"


def config() -> PorchConfig:
    community = builders.community(
        platform="matrix", main="!main:example.org", intro="!intro:example.org"
    )
    return builders.config(
        community,
        platforms={"matrix": {"homeserver": "https://matrix.example.org", "user_id": BOT}},
    )


def test_the_factory_builds_without_io_and_knows_the_community_rooms(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, matrix_access_token=SecretStr("syt_token"))
    adapter = build_matrix_adapter(settings, config(), FakeClock())
    assert adapter.platform == "matrix" and adapter.user_id == BOT
    assert {"!main:example.org", "!intro:example.org"} <= adapter.rooms
    assert adapter.data_dir == tmp_path / "matrix"
    assert not (tmp_path / "matrix").exists()


def test_the_factory_refuses_to_run_without_credentials(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PORCH_MATRIX_ACCESS_TOKEN"):
        build_matrix_adapter(Settings(data_dir=tmp_path), config(), FakeClock())


def test_capabilities_are_what_matrix_has() -> None:
    assert {Capability.EPHEMERAL, Capability.MODAL, Capability.HOME}.isdisjoint(CAPABILITIES)
    assert {Capability.DM, Capability.THREAD, Capability.REDACT, Capability.PIN} <= CAPABILITIES
    assert SYNAPSE_DEFAULT_BUDGET.per_second <= 0.2


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = MatrixState(user_id=BOT, device_id="DEV", next_batch="s72_1", not_before_ms=5)
    state.direct["@carol:x"] = "!dm:x"
    state.save(tmp_path)
    assert MatrixState.load(tmp_path) == state
    assert MatrixState.load(tmp_path / "empty") == MatrixState()


def test_txn_ids_are_stable_per_outbox_item_and_distinct_between_databases() -> None:
    first = DeliveryContext(key="welcome:carol", outbox_id=7)
    assert _txn(first) == _txn(DeliveryContext(key="welcome:carol", outbox_id=7))
    assert _txn(first) != _txn(DeliveryContext(key="welcome:dave", outbox_id=7))
    assert _txn(first, "k1") != _txn(first)


def event(**source: object) -> SimpleNamespace:
    return SimpleNamespace(source=source)


def test_history_before_its_own_join_is_skipped() -> None:
    old = event(type="m.room.message", content={"body": "old"})
    joined = event(type="m.room.member", state_key=BOT, content={"membership": "join"}, unsigned={})
    new = event(type="m.room.message", content={"body": "new"})
    assert _after_own_join([old, joined, new], BOT) == [new]
    assert _after_own_join([old, new], BOT) == [old, new]


def test_an_invitation_names_the_inviter_and_whether_it_is_direct() -> None:
    invite = SimpleNamespace(
        source={"type": "m.room.member", "state_key": BOT, "sender": "@mo:x"},
        content={"membership": "invite", "is_direct": True},
    )
    assert _invitation([invite], BOT) == ("@mo:x", True)
    assert _invitation([], BOT) == (None, False)


def bare_adapter(tmp_path: Path, **options: Any) -> MatrixAdapter:
    """An adapter that is never started (tests put a stand-in client in `_client`)."""
    return MatrixAdapter(
        homeserver="https://matrix.example.org",
        user_id=BOT,
        login=MatrixLogin(access_token="syt_token"),
        data_dir=tmp_path,
        clock=FakeClock(),
        rooms=(),
        **options,
    )


async def test_a_new_room_is_ready_only_once_the_sync_shows_the_invited_member(
    tmp_path: Path,
) -> None:
    """A sync overlapping `createRoom` can show the room before the invite: encrypting then
    would share the room key with nobody (the cause of a rare unreadable welcome)."""
    adapter = bare_adapter(tmp_path)
    room = SimpleNamespace(users={BOT: object()})
    adapter._client = SimpleNamespace(rooms={"!dm:x": room})  # type: ignore[assignment]

    async def synced() -> None:
        adapter._synced.set()
        adapter._synced.clear()
        await asyncio.sleep(0)

    waiting = asyncio.create_task(adapter._wait_for_room("!dm:x", ["@erin:x"]))
    await asyncio.sleep(0)
    await synced()
    assert not waiting.done(), "the room without its invitee is not ready"
    room.users["@erin:x"] = object()
    await synced()
    await asyncio.wait_for(waiting, 1)


def test_the_factory_takes_the_main_rooms_and_power_roles_from_the_config(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, matrix_access_token=SecretStr("syt_token"))
    community = builders.community(platform="matrix", main="!main:x", intro="!intro:x")
    matrix = {
        "homeserver": "https://matrix.example.org",
        "user_id": BOT,
        "power_roles": {"moderator": 20, "admin": 100},
    }
    adapter = build_matrix_adapter(
        settings, builders.config(community, platforms={"matrix": matrix}), FakeClock()
    )
    assert adapter.role_rooms == {"!main:x"}
    assert adapter.power_roles == {"moderator": 20, "manager": 100, "admin": 100}


def test_a_negative_power_role_level_is_refused_by_its_field() -> None:
    matrix = {"homeserver": "https://m.x", "user_id": BOT, "power_roles": {"moderator": -1}}
    with pytest.raises(ValidationError, match=r"power_roles\.moderator"):
        PorchConfig.model_validate({"communities": [], "platforms": {"matrix": matrix}})


def matrix_config(**matrix: object) -> PorchConfig:
    community = builders.community(platform="matrix", main="!main:x")
    settings = {"homeserver": "https://matrix.example.org", "user_id": BOT, **matrix}
    return builders.config(community, platforms={"matrix": settings})


def test_the_rate_limit_and_encryption_come_from_the_config(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, matrix_access_token=SecretStr("syt_token"))
    default = build_matrix_adapter(settings, matrix_config(), FakeClock())
    assert default.rate_budget == SYNAPSE_DEFAULT_BUDGET
    configured = build_matrix_adapter(
        settings,
        matrix_config(
            rate_limit={"per_second": 20, "burst": 50, "per_room_per_second": 5},
            encryption={"require_encrypted_dms": True},
        ),
        FakeClock(),
    )
    assert configured.rate_budget == RateBudget(20, 50, 5, 50)
    assert configured._require_encrypted_dms and configured._encrypt_new_dms
    plain = build_matrix_adapter(
        settings, matrix_config(encryption={"enabled": False}), FakeClock()
    )
    assert not plain._encryption


@pytest.mark.parametrize(
    ("matrix", "field", "says"),
    [
        ({"rate_limit": {"per_second": 0}}, "platforms.matrix.rate_limit.per_second", "greater"),
        ({"rate_limit": {"burst": 0}}, "platforms.matrix.rate_limit.burst", "greater"),
        ({"rate_limit": {"per_minute": 3}}, "platforms.matrix.rate_limit.per_minute", "Extra"),
        (
            {"encryption": {"enabled": False, "require_encrypted_dms": True}},
            "platforms.matrix.encryption",
            "require_encrypted_dms: true needs enabled: true",
        ),
        (
            {"encryption": {"encrypt_new_dms": False, "require_encrypted_dms": True}},
            "platforms.matrix.encryption",
            "require_encrypted_dms: true needs encrypt_new_dms: true",
        ),
    ],
)
def test_a_wrong_matrix_setting_is_reported_with_its_field(
    matrix: dict[str, object], field: str, says: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        matrix_config(**matrix)
    errors = raised.value.errors()
    assert len(errors) == 1
    assert ".".join(str(part) for part in errors[0]["loc"]).endswith(field)
    assert says in errors[0]["msg"]


def test_with_require_encrypted_dms_an_unencrypted_dm_room_is_not_reused(tmp_path: Path) -> None:
    adapter = bare_adapter(tmp_path, require_encrypted_dms=True)
    pair = {BOT: object(), "@erin:x": object()}
    adapter._client = SimpleNamespace(  # type: ignore[assignment]
        rooms={
            "!plain:x": SimpleNamespace(users=pair, invited_users={}, encrypted=False),
            "!secret:x": SimpleNamespace(users=pair, invited_users={}, encrypted=True),
        }
    )
    assert adapter._dm_candidates("@erin:x") == ["!secret:x"]
    assert adapter._refuses_unencrypted("!plain:x") and not adapter._refuses_unencrypted(
        "!secret:x"
    )


@dataclass
class HeldElsewhere:
    """A lease another replica holds (the real one is tested on PostgreSQL)."""

    try_every: float = 60.0
    released: bool = False

    async def try_acquire(self) -> bool:
        return False

    async def still_held(self) -> bool:
        return False

    async def release(self) -> None:
        self.released = True


async def test_a_replica_without_the_lease_starts_without_matrix_and_hands_sends_back(
    tmp_path: Path,
) -> None:
    lease = HeldElsewhere()
    adapter = bare_adapter(tmp_path, lease=lease)
    await adapter.start(Sink())
    assert adapter._client is None, "it neither logged in nor synced"
    post = Post(platform="matrix", channel="!main:x", message=Message(text="hi"))
    with pytest.raises(RateLimited) as raised:
        await adapter.execute(post, DeliveryContext(key="k", outbox_id=1))
    assert (raised.value.retry_after, raised.value.scope) == (60.0, "global")
    await adapter.stop()
    assert lease.released
