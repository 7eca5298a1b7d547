"""An AMA's life: scheduled (announced, reminded), opened (the board), ended (summary, archive,
the hosts' list of unanswered questions), purged (texts forgotten after the retention period).

Every step that happens later is a durable timer keyed by the AMA's id, so a restart changes
nothing: the timers fire once, from whichever Porch is running then.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.actions import Edit, MessageRef
from bot.core.clock import parse_duration
from bot.core.commands import ParsedCommand
from bot.core.errors import UserError
from bot.core.events import CommandInvoked, TimerFired
from bot.core.message import Message
from bot.features.ama import later, repo
from bot.features.ama.board import render_summary, summarize
from bot.features.ama.common import (
    FEATURE,
    ama_id,
    board_key,
    board_message,
    channel_texts,
    community_of,
    host_names,
    live_ama,
    member_texts,
    question_key,
    require_moderation,
    touch_board,
)
from bot.features.ama.export import ExportHeader, render_export
from bot.features.ama.ranking import OPEN
from bot.features.ama.settings import TOP, AmaSettings
from bot.features.ama.timing import (
    lead_amount,
    lead_text,
    local_text,
    reminders_ahead,
    start_time,
)
from bot.features.base import Context
from bot.store.ama import AmaSession


def _new_session(
    ctx: Context, command: ParsedCommand, event: CommandInvoked, settings: AmaSettings
) -> AmaSession:
    if event.is_direct:
        raise UserError("ama.start_in_channel")
    duration: timedelta | None = command.get("for")
    limit = command.get("limit", settings.question_limit)
    if limit < 1:
        raise UserError("ama.bad_limit")
    return AmaSession(
        community=ctx.community.id,
        platform=ctx.platform,
        channel=event.channel,
        topic=command.get("topic").strip()[:300],
        hosts=list(command.get("host") or (event.member,)),
        status=repo.SCHEDULED,
        moderated=bool(command.get("moderated", False)),
        named=bool(command.get("named", False)),
        question_limit=limit,
        duration_s=int(duration.total_seconds()) if duration else None,
        created_by=event.member,
        created_at=ctx.now,
        starts_at=ctx.now,
    )


def start(
    ctx: Context, command: ParsedCommand, event: CommandInvoked, settings: AmaSettings
) -> None:
    if repo.live_in_channel(ctx.session, platform=ctx.platform, channel=event.channel):
        raise UserError("ama.already_live", channel=event.channel)
    ama = _new_session(ctx, command, event, settings)
    ctx.session.add(ama)
    ctx.session.flush()
    open_now(ctx, ama)


def schedule(
    ctx: Context, command: ParsedCommand, event: CommandInvoked, settings: AmaSettings
) -> None:
    ama = _new_session(ctx, command, event, settings)
    zone = ctx.community.timezone
    ama.starts_at = start_time(
        now=ctx.now, at=command.get("at"), after=command.get("in"), zone=zone
    )
    ctx.session.add(ama)
    ctx.session.flush()
    key = f"ama:{ama_id(ama)}"
    payload = {"ama": str(ama_id(ama))}
    ctx.start_timer(
        f"{key}:open",
        ama.starts_at,
        feature=FEATURE,
        subject=key,
        payload={**payload, "do": "open"},
    )
    for lead, due in reminders_ahead(
        now=ctx.now, starts_at=ama.starts_at, before=settings.reminders
    ):
        lead_s = lead_text(lead)
        ctx.start_timer(
            f"{key}:remind:{lead_s}",
            due,
            feature=FEATURE,
            subject=key,
            payload={**payload, "do": "remind", "lead": lead_s},
        )
    t = channel_texts(ctx, ama)
    text = t(
        "ama.announce",
        topic=ama.topic,
        hosts=host_names(ctx, ama),
        when=local_text(ama.starts_at, zone),
    )
    ctx.post(f"{key}:announce", ama.channel, Message(text=text))
    ctx.audit(actor=event.member, action="ama.schedule", subject=key, topic=ama.topic)


def open_now(ctx: Context, ama: AmaSession) -> None:
    """Go live: take the channel's lock, post the board, and set the closing timer."""
    repo.go_live(ctx.session, ama=ama, now=ctx.now)
    key = f"ama:{ama_id(ama)}"
    t = channel_texts(ctx, ama)
    ctx.post(
        f"{key}:opened",
        ama.channel,
        Message(
            text=t(
                "ama.opened",
                topic=ama.topic,
                hosts=host_names(ctx, ama),
                anonymity=t("ama.default_named" if ama.named else "ama.default_anonymous"),
                moderation=t("ama.moderated_note") if ama.moderated else "",
            )
        ),
    )
    ctx.post(board_key(ama), ama.channel, board_message(ctx, ama))
    if ama.duration_s:
        ctx.start_timer(
            f"{key}:close",
            ctx.now + timedelta(seconds=ama.duration_s),
            feature=FEATURE,
            subject=key,
            payload={"do": "close", "ama": str(ama_id(ama))},
        )
    ctx.audit(actor=ama.created_by, action="ama.open", subject=key, topic=ama.topic)


def on_open_timer(ctx: Context, ama: AmaSession) -> None:
    if ama.status != repo.SCHEDULED:
        return
    try:
        open_now(ctx, ama)
    except UserError:
        t = channel_texts(ctx, ama)
        ctx.post(
            f"ama:{ama_id(ama)}:blocked",
            ama.channel,
            Message(text=t("ama.open_blocked", topic=ama.topic)),
        )
        ama.status = repo.ENDED
        ama.live_lock = None
        ama.ended_at = ctx.now
        ctx.session.add(ama)


def remind(ctx: Context, ama: AmaSession, lead: str) -> None:
    if ama.status != repo.SCHEDULED:
        return
    t = channel_texts(ctx, ama)
    unit, count = lead_amount(parse_duration(lead))
    text = t(
        "ama.reminder",
        topic=ama.topic,
        lead=t(f"ama.lead_{unit}_{'one' if count == 1 else 'other'}", count=count),
        hosts=host_names(ctx, ama),
        when=local_text(ama.starts_at, community_of(ctx, ama).timezone),
    )
    ctx.post(f"ama:{ama_id(ama)}:remind:{lead}", ama.channel, Message(text=text))


def refresh_board(ctx: Context, ama: AmaSession, bucket: str) -> None:
    """Edit the one board message; after the end it keeps showing the archive (late answers)."""
    if ama.status == repo.SCHEDULED or ama.purged_at is not None:
        return
    ctx.emit(
        f"{board_key(ama)}:edit:{bucket}",
        Edit(
            platform=ama.platform,
            channel=ama.channel,
            target=MessageRef(effect_key=board_key(ama)),
            message=board_message(ctx, ama),
        ),
    )


def end_command(
    ctx: Context, command: ParsedCommand, event: CommandInvoked, retention_days: int
) -> None:
    ama = live_ama(ctx, event, command.get("channel"))
    require_moderation(ctx, ama, event.member)
    end(ctx, ama, actor=event.member, retention_days=retention_days)


def end(ctx: Context, ama: AmaSession, *, actor: str, retention_days: int) -> None:
    """Close the AMA: final board, summary, archive kept, unanswered questions to the hosts."""
    if ama.status != repo.LIVE:
        return
    key = f"ama:{ama_id(ama)}"
    ama.participants = repo.participants(ctx.session, ama_id=ama_id(ama))
    repo.freeze_votes(ctx.session, ama_id=ama_id(ama))
    ama.status = repo.ENDED
    ama.live_lock = None
    ama.ended_at = ctx.now
    ctx.session.add(ama)
    ctx.session.flush()
    rows = repo.questions(ctx.session, ama_id=ama_id(ama))
    for row in rows:
        if row.status == OPEN:
            ctx.close_prompt(question_key(ama, row.number))
    touch_board(ctx, ama)
    views = repo.views(ctx.session, ama=ama)
    summary = summarize(ama.topic, views, ama.participants, TOP)
    ctx.post(f"{key}:summary", ama.channel, render_summary(summary, channel_texts(ctx, ama)))
    for index, host in enumerate(ama.hosts):
        later.offer_later(ctx, ama, index, host)
    ctx.start_timer(
        f"{key}:purge",
        ctx.now + timedelta(days=retention_days),
        feature=FEATURE,
        subject=key,
        payload={"do": "purge", "ama": str(ama_id(ama))},
    )
    ctx.audit(
        actor=actor,
        action="ama.end",
        subject=key,
        asked=summary.asked,
        answered=summary.answered,
        participants=summary.participants,
    )


def purge(ctx: Context, ama: AmaSession) -> None:
    if ama.purged_at is not None:
        return
    repo.purge(ctx.session, ama_id=ama_id(ama), now=ctx.now)
    ctx.audit(actor="porch", action="ama.purge", subject=f"ama:{ama_id(ama)}")


def export(ctx: Context, command: ParsedCommand, event: CommandInvoked) -> None:
    channel = command.get("channel") or (None if event.is_direct else event.channel)
    if channel is None:
        raise UserError("ama.export_where")
    ama = repo.latest_in_channel(ctx.session, platform=ctx.platform, channel=channel)
    if ama is None:
        raise UserError("ama.nothing_to_export", channel=channel)
    require_moderation(ctx, ama, event.member)
    if ama.purged_at is not None:
        raise UserError("ama.export_purged", topic=ama.topic)
    community = community_of(ctx, ama)
    header = ExportHeader(
        topic=ama.topic,
        channel=ama.channel,
        hosts=host_names(ctx, ama),
        opened=local_text(ama.opened_at or ama.starts_at, community.timezone),
        ended=local_text(ama.ended_at, community.timezone) if ama.ended_at else "—",
        participants=ama.participants
        if ama.status == repo.ENDED
        else repo.participants(ctx.session, ama_id=ama_id(ama)),
    )
    markdown = render_export(
        header, repo.views(ctx.session, ama=ama), member_texts(ctx, event.member)
    )
    ctx.reply(event, Message(text=markdown))


def on_timer(ctx: Context, event: TimerFired, retention_days: int) -> None:
    if event.payload.get("do") == "forget_draft":
        repo.take_draft(ctx.session, draft_id=int(event.payload["draft"]))
        return
    ama = repo.get(ctx.session, ama_id=int(event.payload["ama"]))
    if ama is None:
        return
    do = event.payload.get("do")
    if do == "board":
        refresh_board(ctx, ama, event.payload["bucket"])
    elif do == "open":
        on_open_timer(ctx, ama)
    elif do == "remind":
        remind(ctx, ama, event.payload["lead"])
    elif do == "close":
        end(ctx, ama, actor="porch", retention_days=retention_days)
    elif do == "purge":
        purge(ctx, ama)
