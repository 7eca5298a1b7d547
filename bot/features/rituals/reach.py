"""Reaching people from a ritual: channels by purpose, managers, and DMs that keep working hours.

A DM planned outside the member's working hours (in their own time zone, else the community's)
becomes a durable timer that fires at the next start of working hours; the text is rendered now,
in the member's language, and carried in the timer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.actions import GroupMessage
from bot.core.message import Message
from bot.features.base import Context
from bot.features.rituals.decisions import next_working_moment

FEATURE = "rituals"
PLATFORM_PREFIXES = ("slack", "matrix", "shell", "memory")


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    locale: str
    timezone: str


def channel_of(ctx: Context, purpose: str) -> str:
    channels = ctx.community.channels[ctx.platform]  # type: ignore[index]
    return getattr(channels, purpose, None) or channels.main


def managers_on(ctx: Context) -> list[str]:
    """The community's managers as member ids on the context's platform."""
    found = []
    for entry in ctx.community.managers:
        prefix, sep, rest = entry.partition(":")
        if sep and prefix in PLATFORM_PREFIXES:
            if prefix == ctx.platform:
                found.append(rest)
        else:
            found.append(entry)
    return found


def person(ctx: Context, member: str) -> Person:
    record = ctx.member(member)
    return Person(
        id=member,
        name=record.display_name if record and record.display_name else member,
        locale=(record.locale if record and record.locale else None) or ctx.community.locale,
        timezone=(record.timezone if record and record.timezone else None)
        or ctx.community.timezone,
    )


def send_dm(
    ctx: Context, key: str, who: Person, text: str, *, working_hours: bool = True
) -> datetime:
    """DM `who` now, or at the next start of their working hours; returns when."""
    at = when_to_write(ctx, who.timezone, working_hours)
    if at <= ctx.now:
        ctx.dm(key, who.id, Message(text=text))
    else:
        ctx.start_timer(
            key, at, feature=FEATURE, member=who.id, payload={"kind": "dm", "text": text}
        )
    return at


def send_group(
    ctx: Context, key: str, members: tuple[str, ...], text: str, *, working_hours: bool = True
) -> datetime:
    """A group DM waits for the community's working hours (members' own zones may not overlap)."""
    at = when_to_write(ctx, ctx.community.timezone, working_hours)
    if at <= ctx.now:
        ctx.emit(
            key, GroupMessage(platform=ctx.platform, members=members, message=Message(text=text))
        )
    else:
        payload = {"kind": "group", "text": text, "members": ",".join(members)}
        ctx.start_timer(key, at, feature=FEATURE, payload=payload)
    return at


def deliver_deferred(ctx: Context, key: str, member: str, payload: dict[str, str]) -> None:
    """A deferred DM or group DM came due: send it, keyed as it was planned."""
    message = Message(text=payload["text"])
    if payload["kind"] == "group":
        members = tuple(payload["members"].split(","))
        ctx.emit(key, GroupMessage(platform=ctx.platform, members=members, message=message))
    else:
        ctx.dm(key, member, message)


def when_to_write(ctx: Context, zone: str, working_hours: bool) -> datetime:
    """Now, or the next start of working hours in `zone` when they are kept and it is outside."""
    if not working_hours:
        return ctx.now
    return next_working_moment(ctx.now, zone, ctx.community.working_hours)
