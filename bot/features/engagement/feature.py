"""The engagement feature: counts what members do, per member, community and local day.

It reads a message's text only to tell whether it asks something; nothing of the text is kept.
Replies are attributed through the message facts (`reply_to`, or the thread a message is in),
which is how a question counts as answered and how the unanswered-question digest finds the rest.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlmodel import col

from bot.core.events import Event, MessagePosted, ReactionAdded, TimerFired
from bot.features.base import Context, Feature
from bot.features.engagement.counts import bump, message_fact
from bot.features.engagement.questions import is_question
from bot.store.db import insert_ignore
from bot.store.engagement import MessageFact

KEEP_FACTS = timedelta(days=35)
"""Message facts older than this are forgotten: the digests look back two weeks at most."""
PRUNE_AT = time(3, 0)


class Engagement(Feature):
    name: ClassVar[str] = "engagement"
    events: ClassVar[tuple[type[Event], ...]] = (MessagePosted, ReactionAdded)

    def on_start(self, ctx: Context) -> None:
        _plan_prune(ctx)

    def on_timer(self, event: TimerFired, ctx: Context) -> None:
        ctx.session.execute(
            delete(MessageFact).where(
                col(MessageFact.platform) == ctx.platform,
                col(MessageFact.community) == ctx.community.id,
                col(MessageFact.posted_at) < ctx.now - KEEP_FACTS,
            )
        )
        _plan_prune(ctx)

    def on_event(self, event: Event, ctx: Context) -> None:
        if isinstance(event, MessagePosted) and not event.is_direct:
            self._message(event, ctx)
        elif isinstance(event, ReactionAdded):
            self._reaction(event, ctx)

    def _message(self, event: MessagePosted, ctx: Context) -> None:
        if event.text.lstrip().startswith(("/", "!")):
            return
        count = _counter(ctx, local_day(ctx))
        counters = ["messages"]
        asks = is_question(event.text)
        if asks:
            counters.append("questions_asked")
        target_id = event.reply_to or event.thread_id
        if target_id and target_id != event.message_id:
            counters.append("replies")
            if self._answers_question(ctx, event, target_id):
                counters.append("questions_answered")
        count(event.member, *counters)
        insert_ignore(
            ctx.session,
            MessageFact,
            {
                "platform": ctx.platform,
                "community": ctx.community.id,
                "channel": event.channel,
                "message_id": event.message_id,
                "author": event.member,
                "posted_at": ctx.now,
                "is_question": asks,
            },
        )

    def _answers_question(self, ctx: Context, event: MessagePosted, target_id: str) -> bool:
        """The first reply by someone else answers a message; True if that message asked."""
        target = message_fact(
            ctx.session, platform=ctx.platform, channel=event.channel, message_id=target_id
        )
        if target is None or target.author == event.member or target.first_reply_at is not None:
            return False
        target.first_reply_at = ctx.now
        target.first_replier = event.member
        ctx.session.add(target)
        return target.is_question

    def _reaction(self, event: ReactionAdded, ctx: Context) -> None:
        count = _counter(ctx, local_day(ctx))
        count(event.member, "reactions_given")
        target = message_fact(
            ctx.session, platform=ctx.platform, channel=event.channel, message_id=event.message_id
        )
        if target is not None and target.author != event.member:
            count(target.author, "reactions_received")
        record = ctx.member(event.member)
        if record is not None:
            record.last_active_at = ctx.now
            ctx.session.add(record)


class _Count:
    def __init__(self, ctx: Context, day: date) -> None:
        self._ctx = ctx
        self._day = day

    def __call__(self, member: str, *counters: str) -> None:
        bump(
            self._ctx.session,
            platform=self._ctx.platform,
            community=self._ctx.community.id,
            member=member,
            day=self._day,
            counters=counters,
        )


def _counter(ctx: Context, day: date) -> _Count:
    return _Count(ctx, day)


def _plan_prune(ctx: Context) -> None:
    """Forget old message facts once a night (03:00 community time); the key makes it once."""
    zone = ZoneInfo(ctx.community.timezone)
    local = ctx.now.astimezone(zone)
    day = local.date() if local.time() < PRUNE_AT else local.date() + timedelta(days=1)
    due = datetime.combine(day, PRUNE_AT, tzinfo=zone)
    key = f"engagement:prune:{ctx.community.id}:{ctx.platform}:{day.isoformat()}"
    ctx.start_timer(key, due, feature=Engagement.name)


def local_day(ctx: Context) -> date:
    """Days are the community's days: a Berlin community's Monday ends at midnight in Berlin."""
    return ctx.now.astimezone(ZoneInfo(ctx.community.timezone)).date()
