"""Power levels in a community's main room become Porch roles (`roles_from_power_levels`)."""

from __future__ import annotations

from typing import Any

from adapters.matrix.adapter import DEFAULT_POWER_ROLES
from adapters.matrix.inbound import creators_of, roles_from_power_levels
from adapters.matrix.power import roles_at

BOT = "@porch:x"
ROOM = "!main:x"


def power_levels(users: dict[str, Any], before: dict[str, Any] | None = None) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "type": "m.room.power_levels",
        "state_key": "",
        "event_id": "$pl2",
        "sender": "@owner:x",
        "origin_server_ts": 1_700_000_000_000,
        "content": {"users": users, "users_default": 0},
    }
    if before is not None:
        raw["unsigned"] = {"prev_content": {"users": before}}
    return raw


def roles(raw: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    found = roles_from_power_levels(raw, ROOM, DEFAULT_POWER_ROLES, BOT)
    return {changed.member: changed.roles for changed in found}


def test_levels_50_and_100_are_moderator_and_manager_by_default() -> None:
    assert roles_at(49, DEFAULT_POWER_ROLES) == ()
    assert roles_at(50, DEFAULT_POWER_ROLES) == ("moderator",)
    assert roles_at(100, DEFAULT_POWER_ROLES) == ("manager", "moderator")
    assert roles_at(10, {"moderator": 10}) == ("moderator",)


def test_every_named_member_gets_their_roles_and_porch_itself_none() -> None:
    raw = power_levels({"@owner:x": 100, "@mo:x": 50, "@carol:x": 0, BOT: 50})
    assert roles(raw) == {
        "@owner:x": ("manager", "moderator"),
        "@mo:x": ("moderator",),
        "@carol:x": (),
    }


def test_a_member_dropped_from_the_list_loses_their_role() -> None:
    raw = power_levels({"@owner:x": 100}, before={"@owner:x": 100, "@mo:x": 50})
    assert roles(raw)["@mo:x"] == ()


def test_the_same_event_read_again_has_the_same_keys_so_the_inbox_drops_it() -> None:
    first = roles_from_power_levels(power_levels({"@mo:x": 50}), ROOM, DEFAULT_POWER_ROLES, BOT)
    again = roles_from_power_levels(power_levels({"@mo:x": 50}), ROOM, DEFAULT_POWER_ROLES, BOT)
    assert (
        [e.dedupe_key for e in first]
        == [e.dedupe_key for e in again]
        == ["matrix:roles:$pl2:@mo:x"]
    )
    assert first[0].channel == ROOM and first[0].platform == "matrix"


def test_other_events_and_malformed_levels_give_no_roles() -> None:
    message = {**power_levels({}), "type": "m.room.message"}
    assert roles(message) == {}
    odd = power_levels({"@mo:x": "50", "@x:x": None, "@y:x": True})
    assert roles(odd) == {"@mo:x": ("moderator",), "@x:x": (), "@y:x": ()}


def create(version: str, **content: Any) -> dict[str, Any]:
    return {
        "type": "m.room.create",
        "state_key": "",
        "sender": "@owner:x",
        "content": {"room_version": version, **content},
    }


def test_creators_of_version_12_rooms_outrank_every_level_and_are_managers() -> None:
    assert creators_of(create("12", additional_creators=["@co:x"])) == ("@owner:x", "@co:x")
    assert creators_of(create("11")) == ()
    assert creators_of(create("org.example.custom")) == ()
    found = roles_from_power_levels(
        power_levels({"@mo:x": 50}), ROOM, DEFAULT_POWER_ROLES, BOT, creators=("@owner:x",)
    )
    assert {e.member: e.roles for e in found} == {
        "@owner:x": ("manager", "moderator"),
        "@mo:x": ("moderator",),
    }
