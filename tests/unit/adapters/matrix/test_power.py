"""Power-level rules: what Porch needs, and the refusal that names it."""

from __future__ import annotations

import nio

from adapters.matrix import power

PORCH = "@porch:example.org"
MOD = "@mo:example.org"


def levels(porch: int, events: dict[str, int] | None = None) -> nio.PowerLevels:
    """Synapse's defaults (kick, ban, redact 50; state 50; messages 0) with Porch at `porch`."""
    return nio.PowerLevels(
        defaults=nio.DefaultLevels(state_default=50),
        users={PORCH: porch, MOD: 50},
        events=events or {},
    )


def test_a_member_at_zero_lacks_the_fifty_needed_to_kick() -> None:
    assert power.shortfall(levels(0), PORCH, power.to_kick("@carol:example.org")) == 50
    assert power.shortfall(levels(50), PORCH, power.to_kick("@carol:example.org")) is None


def test_kicking_a_moderator_needs_more_power_than_they_have() -> None:
    assert power.shortfall(levels(50), PORCH, power.to_kick(MOD)) == 51
    assert power.shortfall(levels(50), PORCH, power.to_ban(MOD)) == 51


def test_pinning_needs_the_state_level_of_pinned_events() -> None:
    pin = power.to_set_state("m.room.pinned_events")
    assert power.shortfall(levels(0), PORCH, pin) == 50
    assert power.shortfall(levels(0, {"m.room.pinned_events": 0}), PORCH, pin) is None


def test_sending_needs_events_default_unless_the_type_says_otherwise() -> None:
    assert power.shortfall(levels(0), PORCH, power.to_send("m.room.message")) is None
    assert power.shortfall(levels(0, {"m.reaction": 10}), PORCH, power.to_send("m.reaction")) == 10


def test_an_unknown_room_is_left_to_the_homeserver() -> None:
    assert power.shortfall(None, PORCH, power.to_redact_others) is None


def test_the_refusal_names_the_level_and_the_room() -> None:
    error = power.insufficient(50, "!room:example.org", "redact messages")
    assert error.code == "insufficient_power"
    assert error.detail == "Porch needs power level 50 in !room:example.org to redact messages"
