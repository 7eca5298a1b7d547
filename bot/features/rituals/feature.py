"""The rituals feature: wiring between timers, playbooks, member commands and the actions.

`on_start` (every start, per community and platform) computes each enabled ritual's next
occurrence after now and inserts its timer (idempotently: the key is the claim). `on_timer` runs
an occurrence and schedules the following one, or delivers a DM that waited for working hours.
"""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import update
from sqlmodel import col

from bot.core.commands import CommandSpec, Kind, Param, ParsedCommand
from bot.core.events import CommandInvoked, TimerFired
from bot.core.message import Message
from bot.features.base import Context, Feature
from bot.features.rituals import home
from bot.features.rituals.occurrences import handle_occurrence, schedule_next
from bot.features.rituals.playbooks import ritual_playbooks
from bot.features.rituals.reach import FEATURE, deliver_deferred
from bot.store.db import insert_ignore
from bot.store.rituals import MemberPreference


class Rituals(Feature):
    name: ClassVar[str] = FEATURE
    commands: ClassVar[tuple[CommandSpec, ...]] = (
        CommandSpec(
            "porch",
            "mute",
            "rituals.summary_mute",
            args=(Param("what", Kind.CHOICE, values=("nudges",)),),
            example="/porch mute nudges",
        ),
        CommandSpec(
            "porch",
            "unmute",
            "rituals.summary_unmute",
            args=(Param("what", Kind.CHOICE, required=False, values=("nudges",)),),
        ),
        CommandSpec(
            "porch",
            "pairing",
            "rituals.summary_pairing",
            args=(Param("state", Kind.CHOICE, values=("on", "off")),),
            example="/porch pairing on",
        ),
    )

    def on_start(self, ctx: Context) -> None:
        for ritual, playbook in ritual_playbooks(ctx).items():
            schedule_next(ctx, ritual, playbook, ctx.now)

    def on_timer(self, event: TimerFired, ctx: Context) -> None:
        kind = event.payload.get("kind")
        if kind == "occurrence":
            handle_occurrence(event, ctx)
        elif kind in ("dm", "group"):
            deliver_deferred(ctx, event.timer_key, event.member, event.payload)

    def home_section(self, ctx: Context, member: str, *, manages: bool) -> str | None:
        return home.home_section(ctx, member, manages=manages)

    def on_command(self, command: ParsedCommand, event: CommandInvoked, ctx: Context) -> None:
        name = command.spec.name
        if name == "pairing":
            on = command.get("state") == "on"
            set_preference(ctx, event.member, pairing=on)
            key = "rituals.pairing_on" if on else "rituals.pairing_off"
        else:
            set_preference(ctx, event.member, nudges_muted=name == "mute")
            key = "rituals.muted" if name == "mute" else "rituals.unmuted"
        ctx.reply(event, Message(text=ctx.text(key, ctx.locale_for(event.member))))


def set_preference(ctx: Context, member: str, **values: bool) -> None:
    """Create the member's preference row if needed, then change just the given fields."""
    where = {"platform": ctx.platform, "member": member, "community": ctx.community.id}
    insert_ignore(
        ctx.session,
        MemberPreference,
        {**where, "nudges_muted": False, "pairing": False, "updated_at": ctx.now},
    )
    ctx.session.execute(
        update(MemberPreference)
        .where(
            col(MemberPreference.platform) == ctx.platform,
            col(MemberPreference.member) == member,
            col(MemberPreference.community) == ctx.community.id,
        )
        .values(**values, updated_at=ctx.now)
    )
