"""What a ritual does when it runs: one function per action kind (thin wiring over pure rules).

Every effect is keyed by the occurrence, so running the same occurrence again (it never should,
but a crash between claim and commit rolls everything back) writes nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.core.clock import parse_duration
from bot.core.message import Message
from bot.features.base import Context
from bot.features.engagement.counts import questions_between
from bot.features.rituals.bulk import dm_many, insert_many, timers_many
from bot.features.rituals.digest import digest_lines, render_lines, segment_line
from bot.features.rituals.figures import week_figures
from bot.features.rituals.nudges import Candidate, first_anniversaries, plan_checkins
from bot.features.rituals.pairing import make_groups, pairs_in, seed_of
from bot.features.rituals.reach import (
    Person,
    channel_of,
    managers_on,
    person,
    send_dm,
    send_group,
    when_to_write,
)
from bot.features.rituals.settings import (
    CelebrationAction,
    HealthDigestAction,
    IntroPairingAction,
    PromptAction,
    QuietCheckinAction,
    RitualPlaybook,
    UnansweredDigestAction,
)
from bot.playbooks import templates
from bot.store.db import insert_ignore
from bot.store.models import MemberRecord
from bot.store.rituals import MemberPreference, NudgeRecord, PairingRecord, RitualRun


@dataclass(frozen=True)
class Occurrence:
    key: str
    ritual: str
    playbook: RitualPlaybook
    due: datetime


@dataclass(frozen=True)
class Outcome:
    reason: str = ""
    """Empty when the ritual ran; else why it had nothing to do."""
    detail: dict[str, Any] = field(default_factory=dict)


def run_action(ctx: Context, occ: Occurrence) -> Outcome:
    handler: Callable[[Context, Occurrence], Outcome] = {
        "prompt": _prompt,
        "unanswered_digest": _unanswered,
        "quiet_checkin": _checkin,
        "intro_pairing": _pairing,
        "celebration": _celebration,
        "health_digest": _health,
    }[occ.playbook.action.do]
    return handler(ctx, occ)


def render(
    ctx: Context, text: str | dict[str, str], locale: str, member: Person | None = None
) -> str:
    """A playbook text in `locale`, with `member` and `community` available to the template."""

    def lookup(name: str) -> Any:
        if name == "member":
            return (
                templates.Person(id=member.id, name=member.name) if member else templates.Person()
            )
        if name == "community":
            return {
                "id": ctx.community.id,
                "name": ctx.community.name,
                "main_channel": channel_of(ctx, "main"),
                "intro_channel": channel_of(ctx, "intro"),
            }
        return ""

    return templates.render(templates.pick(text, locale, ctx.community.locale), lookup)


# -- prompt ------------------------------------------------------------------------------------


def _prompt(ctx: Context, occ: Occurrence) -> Outcome:
    action = occ.playbook.action
    assert isinstance(action, PromptAction)
    channel = channel_of(ctx, action.channel)
    ctx.post(
        f"{occ.key}:post", channel, Message(text=render(ctx, action.text, ctx.community.locale))
    )
    return Outcome(detail={"channel": channel})


# -- unanswered questions ----------------------------------------------------------------------


def _unanswered(ctx: Context, occ: Occurrence) -> Outcome:
    action = occ.playbook.action
    assert isinstance(action, UnansweredDigestAction)
    start = occ.due - parse_duration(action.lookback)
    end = occ.due - parse_duration(action.older_than)
    open_ = [
        q
        for q in questions_between(
            ctx.session, platform=ctx.platform, community=ctx.community.id, start=start, end=end
        )
        if q.first_reply_at is None
    ]
    if not open_:
        return Outcome("nothing_unanswered")
    locale = ctx.community.locale
    zone = ZoneInfo(ctx.community.timezone)
    lines = [ctx.text("rituals.unanswered.title", locale, count=len(open_))]
    for q in open_[: action.max_items]:
        when = q.posted_at.astimezone(zone)
        lines.append(
            ctx.text(
                "rituals.unanswered.item",
                locale,
                name=person(ctx, q.author).name,
                channel=q.channel,
                when=f"{when:%a %d %b %H:%M}",
                message=q.message_id,
            )
        )
    if len(open_) > action.max_items:
        lines.append(
            ctx.text("rituals.unanswered.more", locale, count=len(open_) - action.max_items)
        )
    lines.append(ctx.text("rituals.unanswered.footer", locale))
    ctx.post(f"{occ.key}:post", channel_of(ctx, action.channel), Message(text="\n".join(lines)))
    return Outcome(detail={"questions": len(open_)})


# -- quiet check-ins ---------------------------------------------------------------------------


def _checkin(ctx: Context, occ: Occurrence) -> Outcome:
    action = occ.playbook.action
    assert isinstance(action, QuietCheckinAction)
    members = _current_members(ctx)
    cap = parse_duration(action.cap)
    chosen = plan_checkins(
        (Candidate(m.user_id, m.joined_at, m.last_active_at) for m in members.values()),
        now=ctx.now,
        quiet_for=parse_duration(action.quiet_for),
        cap=cap,
        muted=_preferring(ctx, muted=True),
        last_nudged=_last_nudged(ctx, since=ctx.now - cap),
    )
    if not chosen:
        return Outcome("nobody_quiet")
    where = {"community": ctx.community.id, "platform": ctx.platform}
    insert_many(
        ctx,
        NudgeRecord,
        [{"occurrence": occ.key, "member": m, "sent_at": ctx.now, **where} for m in chosen],
    )
    now: list[tuple[str, str, str]] = []
    later: list[dict[str, Any]] = []
    for member in chosen:
        who = person_of(ctx, members[member])
        key, text = f"{occ.key}:dm:{member}", render(ctx, action.text, who.locale, who)
        at = when_to_write(ctx, who.timezone, occ.playbook.respect_working_hours)
        if at <= ctx.now:
            now.append((key, member, text))
        else:
            payload = {"kind": "dm", "text": text}
            later.append({"key": key, "due_at": at, "member": member, "payload": payload})
    dm_many(ctx, now)
    timers_many(ctx, later)
    return Outcome(detail={"nudged": len(chosen), "deferred": len(later)})


def _current_members(ctx: Context) -> dict[str, MemberRecord]:
    stmt = select(MemberRecord).where(
        MemberRecord.platform == ctx.platform,
        MemberRecord.community == ctx.community.id,
        col(MemberRecord.left_at).is_(None),
    )
    return {m.user_id: m for m in ctx.session.exec(stmt)}


def person_of(ctx: Context, record: MemberRecord) -> Person:
    return Person(
        id=record.user_id,
        name=record.display_name or record.user_id,
        locale=record.locale or ctx.community.locale,
        timezone=record.timezone or ctx.community.timezone,
    )


def _preferring(ctx: Context, *, muted: bool = False, pairing: bool = False) -> set[str]:
    stmt = select(MemberPreference.member).where(
        MemberPreference.platform == ctx.platform, MemberPreference.community == ctx.community.id
    )
    if muted:
        stmt = stmt.where(col(MemberPreference.nudges_muted).is_(True))
    if pairing:
        stmt = stmt.where(col(MemberPreference.pairing).is_(True))
    return set(ctx.session.exec(stmt))


def _last_nudged(ctx: Context, *, since: datetime) -> dict[str, datetime]:
    stmt = select(NudgeRecord.member, NudgeRecord.sent_at).where(
        NudgeRecord.platform == ctx.platform,
        NudgeRecord.community == ctx.community.id,
        NudgeRecord.sent_at >= since,
    )
    last: dict[str, datetime] = {}
    for member, at in ctx.session.exec(stmt):
        last[member] = max(at, last.get(member, at))
    return last


# -- intro pairings ----------------------------------------------------------------------------


def _pairing(ctx: Context, occ: Occurrence) -> Outcome:
    action = occ.playbook.action
    assert isinstance(action, IntroPairingAction)
    members = _current_members(ctx)
    opted_in = sorted(_preferring(ctx, pairing=True) & set(members))
    seed = seed_of(occ.key)
    groups = make_groups(
        opted_in,
        _recent_pairs(ctx, occ, action.avoid_repeats_for),
        size=action.group_size,
        seed=seed,
    )
    if not groups:
        return Outcome("too_few_opted_in")
    locale = ctx.community.locale
    for index, group in enumerate(groups):
        for a, b in (sorted(p) for p in pairs_in(group)):
            insert_ignore(
                ctx.session,
                PairingRecord,
                {
                    "occurrence": occ.key,
                    "community": ctx.community.id,
                    "platform": ctx.platform,
                    "ritual": occ.ritual,
                    "member_a": a,
                    "member_b": b,
                    "paired_at": ctx.now,
                },
            )
        icebreaker = action.icebreakers[(seed + index) % len(action.icebreakers)]
        names = ", ".join(person_of(ctx, members[m]).name for m in group)
        text = ctx.text(
            "rituals.pairing.intro",
            locale,
            names=names,
            icebreaker=render(ctx, icebreaker, locale),
        )
        send_group(
            ctx,
            f"{occ.key}:group:{index}",
            group,
            text,
            working_hours=occ.playbook.respect_working_hours,
        )
    return Outcome(detail={"groups": len(groups), "members": len(opted_in)})


def _recent_pairs(ctx: Context, occ: Occurrence, rounds: int) -> set[frozenset[str]]:
    if rounds <= 0:
        return set()
    recent = (
        select(RitualRun.key)
        .where(
            RitualRun.community == ctx.community.id,
            RitualRun.platform == ctx.platform,
            RitualRun.ritual == occ.ritual,
            RitualRun.status == "ran",
        )
        .order_by(col(RitualRun.due_at).desc())
        .limit(rounds)
    )
    keys = list(ctx.session.exec(recent))
    stmt = select(PairingRecord.member_a, PairingRecord.member_b).where(
        col(PairingRecord.occurrence).in_(keys)
    )
    return {frozenset(p) for p in ctx.session.exec(stmt)}


# -- celebrations ------------------------------------------------------------------------------


def _celebration(ctx: Context, occ: Occurrence) -> Outcome:
    action = occ.playbook.action
    assert isinstance(action, CelebrationAction)
    zone = ZoneInfo(ctx.community.timezone)
    until = occ.due.astimezone(zone).date()
    after = _last_ran(ctx, occ) or until - timedelta(days=7)
    members = _current_members(ctx)
    joined: dict[str, date] = {m: r.joined_at.astimezone(zone).date() for m, r in members.items()}
    chosen = first_anniversaries(joined, after=after, until=until)
    if not chosen:
        return Outcome("no_anniversaries")
    channel = channel_of(ctx, action.channel)
    for member in chosen:
        text = render(ctx, action.text, ctx.community.locale, person_of(ctx, members[member]))
        ctx.post(
            f"celebrate:{ctx.community.id}:{ctx.platform}:{member}:1y", channel, Message(text=text)
        )
    return Outcome(detail={"celebrated": len(chosen)})


def _last_ran(ctx: Context, occ: Occurrence) -> date | None:
    stmt = (
        select(RitualRun.due_at)
        .where(
            RitualRun.community == ctx.community.id,
            RitualRun.platform == ctx.platform,
            RitualRun.ritual == occ.ritual,
            RitualRun.status == "ran",
            RitualRun.due_at < occ.due,
        )
        .order_by(col(RitualRun.due_at).desc())
    )
    last = ctx.session.exec(stmt).first()
    return last.astimezone(ZoneInfo(ctx.community.timezone)).date() if last else None


# -- the weekly health digest ------------------------------------------------------------------


def _health(ctx: Context, occ: Occurrence) -> Outcome:
    action = occ.playbook.action
    assert isinstance(action, HealthDigestAction)
    week = timedelta(days=7)
    this = week_figures(ctx, occ.due - week, occ.due)
    last = week_figures(ctx, occ.due - 2 * week, occ.due - week)
    managers = managers_on(ctx)
    zone = ZoneInfo(ctx.community.timezone)
    for manager in managers:
        who = person(ctx, manager)

        def say(key: str, /, **params: Any) -> str:
            return ctx.text(key, who.locale, **params)  # noqa: B023 - used at once

        title = say(
            "rituals.digest.title",
            community=ctx.community.name,
            start=f"{(occ.due - week).astimezone(zone):%d %b}",
            end=f"{occ.due.astimezone(zone):%d %b}",
        )
        body = render_lines(digest_lines(this, last, action.targets, say), say)
        body = "\n".join(x for x in (body, segment_line(this, say)) if x)
        send_dm(
            ctx,
            f"{occ.key}:dm:{manager}",
            who,
            f"{title}\n{body}",
            working_hours=occ.playbook.respect_working_hours,
        )
    if not managers:
        return Outcome("no_managers")
    return Outcome(detail={"managers": len(managers), "members": this.members})
