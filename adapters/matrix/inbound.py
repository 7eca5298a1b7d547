"""Matrix events in, Porch events out: a pure function of one raw event and what we know of its room.

`to_event` reads the event as the homeserver sent it (nio keeps it in `event.source`; for an
encrypted event nio puts the decrypted payload there), so it is tested with recorded payloads and
never needs a socket. Whatever Porch must not handle (its own events, history from before start,
a display-name change, a notice) becomes `None` here, before the Inbox sees it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from adapters.matrix.power import roles_at
from bot.core.events import (
    CommandInvoked,
    Event,
    MemberJoined,
    MemberLeft,
    MemberRolesChanged,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)

PLATFORM = "matrix"
PRIVILEGED_CREATORS_SINCE = 12
"""The room version from which creators outrank every power level (MSC4289)."""
TEXT_TYPES = ("m.text", "m.notice", "m.emote")
_KEYCAP = "\u20e3"
_VS16 = "\ufe0f"
_MENTION = re.compile(r"@[a-z0-9._=/+-]+:[A-Za-z0-9.-]+(?::\d+)?")


@dataclass(frozen=True)
class InboundRules:
    """What decides whether an event is Porch's business; the same for every room."""

    own_user_id: str
    command_prefix: str = "!"
    command_roots: tuple[str, ...] = ("porch", "ama")
    not_before_ms: int = 0
    """Events stamped earlier are history: a fresh start must not answer them."""


@dataclass(frozen=True)
class RoomView:
    """The facts about one room that normalizing needs, taken from the client's room state."""

    room_id: str
    is_direct: bool = False
    display_names: Mapping[str, str] = field(default_factory=dict)
    reactions: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Reaction event id -> (reacted-to event id, key): lets a redaction become ReactionRemoved."""


def to_event(raw: Mapping[str, Any], room: RoomView, rules: InboundRules) -> Event | None:
    """The Porch event for one Matrix timeline event, or None when Porch must not handle it."""
    sender = raw.get("sender")
    event_id = raw.get("event_id")
    if not isinstance(sender, str) or not isinstance(event_id, str):
        return None
    content = raw.get("content")
    if not isinstance(content, Mapping) or _timestamp_ms(raw) < rules.not_before_ms:
        return None
    kind = raw.get("type")
    if kind == "m.room.member":
        # A kick or ban Porch carried out is still news about the member: only Porch's own
        # membership is dropped, whoever sent it.
        return _membership(raw, content, room, rules)
    if sender == rules.own_user_id:
        return None
    if kind == "m.room.message":
        return _message(raw, content, room, rules)
    if kind == "m.reaction":
        return _reaction(raw, content, room)
    if kind == "m.room.redaction":
        return _redaction(raw, content, room)
    return None


def occurred_at(raw: Mapping[str, Any]) -> datetime:
    """The server's timestamp of an event, as an aware UTC datetime."""
    return datetime.fromtimestamp(_timestamp_ms(raw) / 1000, tz=UTC)


def _timestamp_ms(raw: Mapping[str, Any]) -> int:
    value = raw.get("origin_server_ts")
    return value if isinstance(value, int) else 0


def _base(raw: Mapping[str, Any], member: str) -> dict[str, Any]:
    return {
        "platform": PLATFORM,
        "dedupe_key": raw["event_id"],
        "occurred_at": occurred_at(raw),
        "member": member,
    }


# -- memberships ---------------------------------------------------------------------------


def previous_membership(raw: Mapping[str, Any]) -> str | None:
    """The target's membership before this event (servers put it in `unsigned.prev_content`)."""
    unsigned = raw.get("unsigned")
    prev = unsigned.get("prev_content") if isinstance(unsigned, Mapping) else None
    prev = prev if isinstance(prev, Mapping) else raw.get("prev_content")
    value = prev.get("membership") if isinstance(prev, Mapping) else None
    return value if isinstance(value, str) else None


def _membership(
    raw: Mapping[str, Any], content: Mapping[str, Any], room: RoomView, rules: InboundRules
) -> Event | None:
    target = raw.get("state_key")
    if not isinstance(target, str) or target == rules.own_user_id:
        return None
    membership = content.get("membership")
    before = previous_membership(raw)
    if membership == "join":
        if before == "join":
            return None  # a display-name or avatar change, not a join
        name = content.get("displayname")
        return MemberJoined(
            **_base(raw, target),
            channel=room.room_id,
            display_name=name if isinstance(name, str) else "",
        )
    if membership in ("leave", "ban") and before == "join":
        reason = "banned" if membership == "ban" else "left"
        if membership == "leave" and raw.get("sender") != target:
            reason = "kicked"
        return MemberLeft(**_base(raw, target), channel=room.room_id, reason=reason)
    return None


# -- messages ------------------------------------------------------------------------------


def _message(
    raw: Mapping[str, Any], content: Mapping[str, Any], room: RoomView, rules: InboundRules
) -> Event | None:
    relation = content.get("m.relates_to")
    relation = relation if isinstance(relation, Mapping) else {}
    sender = raw["sender"]
    if relation.get("rel_type") == "m.replace":
        return _edit(raw, content, relation, room)
    msgtype = content.get("msgtype")
    body = content.get("body")
    if msgtype not in TEXT_TYPES or not isinstance(body, str):
        return None
    reply_to = _reply_target(relation)
    text = strip_reply_fallback(body) if reply_to else body
    name = room.display_names.get(sender, "")
    if msgtype == "m.text":
        command = parse_command(text, rules)
        if command is not None:
            root, rest = command
            return CommandInvoked(
                **_base(raw, sender),
                root=root,
                text=rest,
                channel=room.room_id,
                is_direct=room.is_direct,
                display_name=name,
            )
    thread_id = relation.get("event_id") if relation.get("rel_type") == "m.thread" else None
    return MessagePosted(
        **_base(raw, sender),
        channel=room.room_id,
        text=f"* {name or sender} {text}" if msgtype == "m.emote" else text,
        message_id=raw["event_id"],
        is_direct=room.is_direct,
        thread_id=thread_id if isinstance(thread_id, str) else None,
        reply_to=reply_to,
        mentions=_mentions(content, text),
        display_name=name,
        permalink=permalink(room.room_id, raw["event_id"]),
    )


def permalink(room_id: str, event_id: str) -> str:
    """A matrix.to link to an event, ids escaped as matrix.to wants, routed via the room's server."""
    server = room_id.partition(":")[2]
    via = f"?via={server}" if server else ""
    return f"https://matrix.to/#/{quote(room_id, safe='')}/{quote(event_id, safe='')}{via}"


def _edit(
    raw: Mapping[str, Any],
    content: Mapping[str, Any],
    relation: Mapping[str, Any],
    room: RoomView,
) -> Event | None:
    target = relation.get("event_id")
    new = content.get("m.new_content")
    text = new.get("body") if isinstance(new, Mapping) else None
    if not isinstance(target, str) or not isinstance(text, str):
        return None
    return MessageEdited(
        **_base(raw, raw["sender"]), channel=room.room_id, message_id=target, text=text
    )


def _reply_target(relation: Mapping[str, Any]) -> str | None:
    """The event a message answers; a thread's fallback reply to its latest event is no answer."""
    if relation.get("rel_type") == "m.thread" and relation.get("is_falling_back") is True:
        return None
    reply = relation.get("m.in_reply_to")
    target = reply.get("event_id") if isinstance(reply, Mapping) else None
    return target if isinstance(target, str) else None


def strip_reply_fallback(body: str) -> str:
    """Drop the `> <@someone> quoted` lines older clients put before a reply's own text."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith("> "):
        return body
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    if index < len(lines) and lines[index] == "":
        index += 1
    return "\n".join(lines[index:])


def parse_command(text: str, rules: InboundRules) -> tuple[str, str] | None:
    """`!porch help whoami` -> (`porch`, `help whoami`) for the configured prefix and roots."""
    stripped = text.strip()
    if not rules.command_prefix or not stripped.startswith(rules.command_prefix):
        return None
    word, _, rest = stripped[len(rules.command_prefix) :].partition(" ")
    if word.lower() not in rules.command_roots:
        return None
    return word.lower(), rest.strip()


def _mentions(content: Mapping[str, Any], text: str) -> tuple[str, ...]:
    """Mentioned user ids: the `m.mentions` list if the client sent one, else ids in the text."""
    declared = content.get("m.mentions")
    users = declared.get("user_ids") if isinstance(declared, Mapping) else None
    if isinstance(users, list):
        return tuple(u for u in users if isinstance(u, str))
    return tuple(dict.fromkeys(_MENTION.findall(text)))


# -- reactions and redactions ----------------------------------------------------------


def normalize_emoji(key: str) -> str:
    """`1⃣` (keycap without the emoji selector, as some clients send it) becomes `1️⃣`."""
    if len(key) == 2 and key[1] == _KEYCAP:
        return key[0] + _VS16 + _KEYCAP
    return key


def reaction_of(content: Mapping[str, Any]) -> tuple[str, str] | None:
    """(reacted-to event id, emoji) of an `m.annotation`, or None for anything else."""
    relation = content.get("m.relates_to")
    if not isinstance(relation, Mapping) or relation.get("rel_type") != "m.annotation":
        return None
    target, key = relation.get("event_id"), relation.get("key")
    if not isinstance(target, str) or not isinstance(key, str):
        return None
    return target, normalize_emoji(key)


def _reaction(raw: Mapping[str, Any], content: Mapping[str, Any], room: RoomView) -> Event | None:
    found = reaction_of(content)
    if found is None:
        return None
    target, emoji = found
    return ReactionAdded(
        **_base(raw, raw["sender"]), channel=room.room_id, message_id=target, emoji=emoji
    )


def _redaction(raw: Mapping[str, Any], content: Mapping[str, Any], room: RoomView) -> Event | None:
    redacts = content.get("redacts", raw.get("redacts"))  # room v11 moved it into content
    if not isinstance(redacts, str):
        return None
    reaction = room.reactions.get(redacts)
    if reaction is not None:
        target, emoji = reaction
        return ReactionRemoved(
            **_base(raw, raw["sender"]), channel=room.room_id, message_id=target, emoji=emoji
        )
    return MessageDeleted(**_base(raw, raw["sender"]), channel=room.room_id, message_id=redacts)


# -- power levels as roles -----------------------------------------------------------------


def roles_from_power_levels(
    raw: Mapping[str, Any],
    room_id: str,
    thresholds: Mapping[str, int],
    own_user_id: str,
    creators: Collection[str] = (),
) -> list[MemberRolesChanged]:
    """The roles of every member a power-levels event names, now or before it (so a member
    dropped from the list loses their role), and of the room's `creators`, who outrank every
    level. Keyed by the event and member, so reading the same state again (every start) is
    dropped by the Inbox, and only a new event changes roles."""
    if raw.get("type") != "m.room.power_levels" or raw.get("state_key") != "":
        return []
    event_id, content = raw.get("event_id"), raw.get("content")
    if not isinstance(event_id, str) or not isinstance(content, Mapping):
        return []
    unsigned = raw.get("unsigned")
    before = unsigned.get("prev_content") if isinstance(unsigned, Mapping) else None
    levels = _user_levels(content)
    named = [*creators, *levels, *_user_levels(before if isinstance(before, Mapping) else {})]
    levels.update(dict.fromkeys(creators, max([0, *thresholds.values()])))
    default = _int(content.get("users_default"), 0)
    return [
        MemberRolesChanged(
            platform=PLATFORM,
            dedupe_key=f"{PLATFORM}:roles:{event_id}:{user}",
            occurred_at=occurred_at(raw),
            member=user,
            channel=room_id,
            roles=roles_at(levels.get(user, default), thresholds),
        )
        for user in dict.fromkeys(named)
        if user != own_user_id
    ]


def creators_of(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """The users a room's `m.room.create` event makes its creators, when the room version gives
    creators more power than any level (version 12 on): they are not in the power levels' list.
    Empty for older rooms, where the creator is listed with 100 like anybody else."""
    content = raw.get("content")
    sender = raw.get("sender")
    if raw.get("type") != "m.room.create" or not isinstance(content, Mapping):
        return ()
    version = content.get("room_version", "1")
    if not isinstance(sender, str) or not (isinstance(version, str) and version.isdigit()):
        return ()
    if int(version) < PRIVILEGED_CREATORS_SINCE:
        return ()
    more = content.get("additional_creators")
    extra = [u for u in more if isinstance(u, str)] if isinstance(more, list) else []
    return tuple(dict.fromkeys([sender, *extra]))


def _user_levels(content: Mapping[str, Any]) -> dict[str, int]:
    users = content.get("users")
    if not isinstance(users, Mapping):
        return {}
    return {u: _int(level, 0) for u, level in users.items() if isinstance(u, str)}


def _int(value: object, default: int) -> int:
    """Power levels are integers, but older rooms may carry them as strings."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return default
