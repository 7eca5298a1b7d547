"""Power levels: whether Porch may do something in a room, decided before asking the homeserver.

Pure functions over nio's `PowerLevels` of a room, so the rules are unit-tested without a
server. A refusal names the level and the room, because the person who reads it (a community
manager looking at a dead-lettered action) has to change exactly that.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import nio

from bot.core.errors import PlatformError

Requirement = Callable[[nio.PowerLevels], int]
"""The power level an action needs in a room, given that room's power levels."""


def to_send(kind: str) -> Requirement:
    return lambda levels: int(levels.get_message_event_required_level(kind))


def to_set_state(kind: str) -> Requirement:
    return lambda levels: int(levels.get_state_event_required_level(kind))


def to_redact_others(levels: nio.PowerLevels) -> int:
    return int(levels.defaults.redact)


def to_invite(levels: nio.PowerLevels) -> int:
    return int(levels.defaults.invite)


def to_kick(member: str) -> Requirement:
    """Kicking needs the room's kick level and more power than the member has."""
    return lambda levels: max(int(levels.defaults.kick), int(levels.get_user_level(member)) + 1)


def to_ban(member: str) -> Requirement:
    """Banning needs the room's ban level and more power than the member has."""
    return lambda levels: max(int(levels.defaults.ban), int(levels.get_user_level(member)) + 1)


def shortfall(levels: nio.PowerLevels | None, own: str, requirement: Requirement) -> int | None:
    """The level needed if `own` lacks it; None if it has it or the room is not known yet
    (then the homeserver decides, and its refusal is explained with `refusal`)."""
    if levels is None:
        return None
    needed = requirement(levels)
    return needed if int(levels.get_user_level(own)) < needed else None


def insufficient(needed: int, room_id: str, what: str) -> PlatformError:
    return PlatformError(
        "insufficient_power", f"Porch needs power level {needed} in {room_id} to {what}"
    )


def roles_at(level: int, thresholds: Mapping[str, int]) -> tuple[str, ...]:
    """The Porch roles (sorted) whose threshold `level` reaches, e.g. 50 -> ("moderator",)."""
    return tuple(sorted(role for role, needed in thresholds.items() if level >= needed))
