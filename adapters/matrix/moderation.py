"""Moderation actions on Matrix: mute and unmute through power levels, unpin through pins.

Matrix has no mute. A member can be kept from writing by setting their power level below the
room's `events_default` in `m.room.power_levels`. Porch writes, in the same state event, what
the member's level was before (under `org.porch.muted`, a namespaced key the homeserver keeps),
so `Unmute` restores exactly that, after a restart too, and only if nobody changed the level in
the meantime. If a client dropped that record, `Unmute` still lets a member at the level a mute
sets write again. The decisions are pure functions over the event's content; `carry_out` reads the
room's current state, checks Porch's own power first (naming the level it needs, as Redact and
Kick do) and writes once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import nio

from adapters.matrix import power
from adapters.matrix.errors import call
from bot.core.actions import Delivered, MessageRef, Mute, Unmute, Unpin
from bot.core.errors import PlatformError

POWER_LEVELS = "m.room.power_levels"
PINNED = "m.room.pinned_events"
MUTED_KEY = "org.porch.muted"
"""Per member Porch muted: `{"previous": level or null (no entry of their own), "level": n}`."""

_SPEC_DEFAULTS = {
    "ban": 50,
    "invite": 0,
    "kick": 50,
    "redact": 50,
    "state_default": 50,
    "events_default": 0,
    "users_default": 0,
}
"""The spec's values for keys a power-levels event leaves out."""

ModerationAction = Mute | Unmute | Unpin


def levels_of(content: Mapping[str, Any]) -> nio.PowerLevels:
    """nio's view of a power-levels event's content, with the spec's defaults filled in."""
    defaults = {k: int(content.get(k, v)) for k, v in _SPEC_DEFAULTS.items()}
    notifications = dict(content.get("notifications") or {"room": 50})
    return nio.PowerLevels(
        defaults=nio.DefaultLevels(**defaults, notifications=notifications),
        users={str(u): int(level) for u, level in (content.get("users") or {}).items()},
        events={str(e): int(level) for e, level in (content.get("events") or {}).items()},
    )


def to_change_level_of(member: str) -> power.Requirement:
    """Changing a member's level needs the level to send `m.room.power_levels` and more power
    than the member has now (the auth rules refuse to touch an equal or higher entry)."""
    return lambda levels: max(
        int(levels.get_state_event_required_level(POWER_LEVELS)),
        int(levels.get_user_level(member)) + 1,
    )


def muted(content: Mapping[str, Any], member: str) -> dict[str, Any] | None:
    """The content with `member` below `events_default`, remembering their level before;
    None when there is nothing to write (they cannot write already, and not by Porch's mute)."""
    levels = levels_of(content)
    below = levels.defaults.events_default - 1
    users = dict(content.get("users") or {})
    marks = dict(content.get(MUTED_KEY) or {})
    if member in marks:  # a retry, or muted again: keep the level from before the first mute
        if users.get(member) == below:
            return None
        marks[member] = {**marks[member], "level": below}
    elif int(levels.get_user_level(member)) <= below:
        return None
    else:
        marks[member] = {"previous": users.get(member), "level": below}
    users[member] = below
    return {**content, "users": users, MUTED_KEY: marks}


def unmuted(content: Mapping[str, Any], member: str) -> dict[str, Any] | None:
    """The content with `member`'s level as before Porch muted them; None when there is
    nothing to restore. A level someone changed since is left as it is.

    Without Porch's record (a client that rewrote `m.room.power_levels` may drop keys it does
    not know), a member at exactly the level a mute sets, `events_default - 1`, is taken for
    muted by Porch and gets the room's default back: their entry goes, or, where the default
    cannot write, they get `events_default` (they could write before, or Porch would not have
    muted them). Any other level is someone else's doing and stays."""
    marks = dict(content.get(MUTED_KEY) or {})
    mark = marks.pop(member, None)
    if not isinstance(mark, Mapping):
        return _unmuted_without_record(content, member)
    users = dict(content.get("users") or {})
    if users.get(member) == mark.get("level"):
        previous = mark.get("previous")
        if previous is None:
            users.pop(member, None)
        else:
            users[member] = int(previous)
    updated = {**content, "users": users, MUTED_KEY: marks}
    if not marks:
        del updated[MUTED_KEY]
    return updated


def _unmuted_without_record(content: Mapping[str, Any], member: str) -> dict[str, Any] | None:
    defaults = levels_of(content).defaults
    users = dict(content.get("users") or {})
    if member not in users or int(users[member]) != defaults.events_default - 1:
        return None
    if defaults.users_default >= defaults.events_default:
        del users[member]
    else:
        users[member] = defaults.events_default
    return {**content, "users": users}


def unpinned(content: Mapping[str, Any], event_id: str) -> dict[str, Any] | None:
    """The pinned-events content without `event_id`; None when it was not pinned."""
    pinned = [p for p in content.get("pinned") or [] if isinstance(p, str)]
    if event_id not in pinned:
        return None
    return {**content, "pinned": [p for p in pinned if p != event_id]}


async def carry_out(
    client: nio.AsyncClient, own: str, action: ModerationAction, synced: nio.PowerLevels | None
) -> Delivered:
    """Mute, unmute or unpin in `action.channel`; `synced` are the room's levels as last synced
    (for the unpin's power check; mutes check against the state they read fresh)."""
    room = action.channel
    if isinstance(action, Unpin):
        target = _event_id(action.target)
        needed = power.shortfall(synced, own, power.to_set_state(PINNED))
        if needed is not None:
            raise power.insufficient(needed, room, "unpin messages")
        content = await _state(client, room, PINNED)
        await _put(client, room, PINNED, unpinned(content, target), f"unpin {target}")
        return Delivered(message_id=target, channel=room)
    content = await _state(client, room, POWER_LEVELS)
    change = muted if isinstance(action, Mute) else unmuted
    updated = change(content, action.member)
    if updated is not None:
        requirement = (
            to_change_level_of(action.member)
            if updated.get("users") != content.get("users")
            else power.to_set_state(POWER_LEVELS)
        )
        needed = power.shortfall(levels_of(content), own, requirement)
        if needed is not None:
            raise power.insufficient(needed, room, f"{action.kind} {action.member}")
        await _put(client, room, POWER_LEVELS, updated, f"{action.kind} {action.member}")
    return Delivered(channel=room)


async def _state(client: nio.AsyncClient, room: str, kind: str) -> dict[str, Any]:
    """The room's current `kind` state content ({} when the room has none)."""
    try:
        response = await call(
            client.room_get_state_event(room, kind),
            nio.RoomGetStateEventResponse,
            f"read {kind} of {room}",
        )
    except PlatformError as exc:
        if exc.code == "M_NOT_FOUND":
            return {}
        raise
    return dict(response.content)


async def _put(
    client: nio.AsyncClient, room: str, kind: str, content: dict[str, Any] | None, what: str
) -> None:
    if content is not None:
        await call(
            client.room_put_state(room, kind, content),
            nio.RoomPutStateResponse,
            f"{what} in {room}",
        )


def _event_id(ref: MessageRef) -> str:
    if ref.message_id is None:
        raise PlatformError("unresolved_reference", f"no event id for {ref.effect_key}")
    return ref.message_id
