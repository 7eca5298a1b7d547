"""Occurrences: scheduling the next one, handling a due one, recording what became of it.

The database decides. An occurrence is a durable timer whose unique key is the claim
(`occurrence_key`); the Dispatcher moves it pending -> fired in the transaction that handles it,
so restarts and several replicas run it once. APScheduler's trigger only computes due times.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select

from bot.core.errors import Unsupported
from bot.core.events import TimerFired
from bot.features.base import Context
from bot.features.rituals.actions import Occurrence, run_action
from bot.features.rituals.decisions import SILENT, is_missed, skip_reason
from bot.features.rituals.playbooks import ritual_playbooks
from bot.features.rituals.reach import FEATURE, channel_of, managers_on, person, send_dm
from bot.features.rituals.schedule import next_occurrence, occurrence_key
from bot.features.rituals.settings import RitualPlaybook
from bot.playbooks import templates
from bot.store.db import insert_ignore
from bot.store.engagement import MessageFact
from bot.store.rituals import FAILED, MISSED, RAN, SKIPPED, RitualRun

log = logging.getLogger(__name__)

MAX_CATCH_UP = 1000
"""At most this many missed occurrences are recorded after a long downtime."""


@runtime_checkable
class CrisisSource(Protocol):
    """A feature that knows whether the community is in crisis mode (Moderation)."""

    def crisis_on(self, ctx: Context) -> bool: ...


def schedule_next(ctx: Context, ritual: str, playbook: RitualPlaybook, after: datetime) -> None:
    due = next_occurrence(playbook.schedule, ctx.community.timezone, after)
    if due is not None:
        schedule_at(ctx, ritual, due)


def schedule_at(ctx: Context, ritual: str, due: datetime, *, manual: bool = False) -> str:
    key = occurrence_key(ctx.community.id, ctx.platform, ritual, due)
    payload = {"kind": "occurrence", "ritual": ritual, "due": due.isoformat()}
    if manual:
        payload["manual"] = "1"
    ctx.start_timer(key, due, feature=FEATURE, subject=ritual, payload=payload)
    return key


def handle_occurrence(event: TimerFired, ctx: Context) -> None:
    ritual = event.payload["ritual"]
    due = datetime.fromisoformat(event.payload["due"])
    manual = event.payload.get("manual") == "1"
    playbook = ritual_playbooks(ctx).get(ritual)
    if playbook is None:
        record(ctx, event.timer_key, ritual, due, SKIPPED, "disabled")
        return
    if not manual and not _on_schedule(ctx, playbook, due):
        record(ctx, event.timer_key, ritual, due, SKIPPED, "schedule_changed")
        return
    occ = Occurrence(event.timer_key, ritual, playbook, due)
    if not manual and is_missed(due, ctx.now, playbook.misfire()):
        missed(ctx, occ)
    else:
        _run(ctx, occ)
    if not manual:
        _catch_up(ctx, ritual, playbook, due)


def _run(ctx: Context, occ: Occurrence) -> None:
    reason = skip_reason(
        occ.playbook.skip_if,
        crisis_on=crisis_on(ctx),
        last_run=_last_run_at(ctx, occ.ritual),
        last_message=_last_message_at(ctx, occ.playbook)
        if SILENT in occ.playbook.skip_if
        else None,
    )
    if reason is not None:
        record(ctx, occ.key, occ.ritual, occ.due, SKIPPED, reason)
        return
    try:
        with ctx.session.begin_nested():
            outcome = run_action(ctx, occ)
    except Unsupported as exc:
        record(ctx, occ.key, occ.ritual, occ.due, FAILED, f"unsupported: {exc.capability}")
        return
    except Exception:
        # The action's half-done work is rolled back; the next occurrence is still planned.
        log.exception("ritual %s failed at %s", occ.ritual, occ.key)
        record(ctx, occ.key, occ.ritual, occ.due, FAILED, "error (see the log)")
        return
    status = SKIPPED if outcome.reason else RAN
    record(ctx, occ.key, occ.ritual, occ.due, status, outcome.reason, outcome.detail)


def _catch_up(ctx: Context, ritual: str, playbook: RitualPlaybook, due: datetime) -> None:
    """Schedule the occurrence after `due`; record the ones a downtime swallowed as missed."""
    zone = ctx.community.timezone
    following = next_occurrence(playbook.schedule, zone, due)
    for _ in range(MAX_CATCH_UP):
        if following is None or following > ctx.now:
            break
        if not is_missed(following, ctx.now, playbook.misfire()):
            break
        key = occurrence_key(ctx.community.id, ctx.platform, ritual, following)
        missed(ctx, Occurrence(key, ritual, playbook, following))
        following = next_occurrence(playbook.schedule, zone, following)
    if following is not None:
        schedule_at(ctx, ritual, following)


def missed(ctx: Context, occ: Occurrence) -> None:
    """Record a missed occurrence and tell the managers (once per occurrence and manager)."""
    if not record(ctx, occ.key, occ.ritual, occ.due, MISSED, "downtime"):
        return
    zone = ctx.community.timezone
    for manager in managers_on(ctx):
        who = person(ctx, manager)
        text = ctx.text(
            "rituals.missed",
            who.locale,
            ritual=templates.pick(occ.playbook.title, who.locale, ctx.community.locale),
            when=f"{occ.due.astimezone(ZoneInfo(zone)):%a %d %b %H:%M}",
            window=occ.playbook.misfire_window,
        )
        send_dm(ctx, f"{occ.key}:missed:{manager}", who, text)


def record(
    ctx: Context,
    key: str,
    ritual: str,
    due: datetime,
    status: str,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> bool:
    return insert_ignore(
        ctx.session,
        RitualRun,
        {
            "key": key,
            "community": ctx.community.id,
            "platform": ctx.platform,
            "ritual": ritual,
            "due_at": due,
            "handled_at": ctx.now,
            "status": status,
            "reason": reason,
            "detail": detail or {},
        },
    )


def crisis_on(ctx: Context) -> bool:
    """Crisis mode, as any feature that knows it says (the Moderation feature); else off."""
    return any(f.crisis_on(ctx) for f in ctx.services.features if isinstance(f, CrisisSource))


def _on_schedule(ctx: Context, playbook: RitualPlaybook, due: datetime) -> bool:
    """Was `due` made by the playbook's current schedule? (It may have been edited since.)"""
    expected = next_occurrence(
        playbook.schedule, ctx.community.timezone, due - timedelta(seconds=1)
    )
    return expected == due


def _last_run_at(ctx: Context, ritual: str) -> datetime | None:
    stmt = select(func.max(RitualRun.handled_at)).where(
        RitualRun.community == ctx.community.id,
        RitualRun.platform == ctx.platform,
        RitualRun.ritual == ritual,
        RitualRun.status == RAN,
    )
    found: datetime | None = ctx.session.exec(stmt).one()
    return found


def _last_message_at(ctx: Context, playbook: RitualPlaybook) -> datetime | None:
    channel = channel_of(ctx, getattr(playbook.action, "channel", "main"))
    stmt = select(func.max(MessageFact.posted_at)).where(
        MessageFact.platform == ctx.platform, col(MessageFact.channel) == channel
    )
    found: datetime | None = ctx.session.exec(stmt).one()
    return found
