"""What hosts and moderators do during an AMA: approve, decline (the reason goes privately to
the asker), answer into the question's thread, skip, merge, list and see what is next."""

from __future__ import annotations

from bot.core.actions import MessageRef
from bot.core.commands import ParsedCommand
from bot.core.errors import UserError
from bot.core.events import CommandInvoked
from bot.core.message import Message
from bot.features.ama import repo
from bot.features.ama.board import excerpt, question_line, render_answer, render_list
from bot.features.ama.common import (
    ama_id,
    channel_texts,
    live_ama,
    may_moderate,
    member_texts,
    question_key,
    require_moderation,
    say,
    touch_board,
)
from bot.features.ama.posts import close_question, publish, settle_review
from bot.features.ama.ranking import (
    ANSWERED,
    DECLINED,
    MERGED,
    OPEN,
    PENDING,
    SKIPPED,
    UNANSWERED,
    open_ranked,
)
from bot.features.base import Context
from bot.store.ama import AmaSession


def _moderated(ctx: Context, command: ParsedCommand, event: CommandInvoked) -> AmaSession:
    ama = live_ama(ctx, event, command.get("channel"))
    require_moderation(ctx, ama, event.member)
    return ama


def approve_command(ctx: Context, command: ParsedCommand, event: CommandInvoked) -> None:
    ama = _moderated(ctx, command, event)
    approve(ctx, ama, command.get("n"), event.member)
    say(ctx, event, "ama.approved", number=command.get("n"))


def approve(ctx: Context, ama: AmaSession, number: int, actor: str) -> None:
    q = repo.question(ctx.session, ama_id=ama_id(ama), number=number)
    if q.status != PENDING:
        raise UserError("ama.not_pending", number=number)
    q.status = OPEN
    ctx.session.add(q)
    ctx.close_prompt(f"{question_key(ama, number)}:review")
    settle_review(ctx, ama, q, actor)
    publish(ctx, ama, q)
    ctx.audit(actor=actor, action="ama.approve", subject=question_key(ama, number))


def decline(ctx: Context, command: ParsedCommand, event: CommandInvoked) -> None:
    ama = _moderated(ctx, command, event)
    q = repo.question(ctx.session, ama_id=ama_id(ama), number=command.get("n"))
    if q.status not in (PENDING, OPEN, SKIPPED):
        raise UserError("ama.too_late", number=q.number)
    reason = (command.get("reason") or "").strip()
    close_question(ctx, ama, q, DECLINED, "ama.post_declined", by=event.member)
    asker = repo.asker_of(ctx.session, question_id=q.id or 0)
    if asker is not None:
        t = member_texts(ctx, asker)
        text = t(
            "ama.declined_to_asker",
            number=q.number,
            topic=ama.topic,
            text=excerpt(q.text or "", 200),
            reason=reason or t("ama.no_reason"),
        )
        ctx.dm(f"{question_key(ama, q.number)}:declined", asker, Message(text=text))
    ctx.audit(actor=event.member, action="ama.decline", subject=question_key(ama, q.number))
    say(ctx, event, "ama.declined", number=q.number)


def answer_command(ctx: Context, command: ParsedCommand, event: CommandInvoked) -> None:
    ama = _moderated(ctx, command, event)
    text = (command.get("answer") or "").strip()
    if not text:
        raise UserError("ama.empty_answer")
    answer(ctx, ama, command.get("n"), event.member, text)


def answer(ctx: Context, ama: AmaSession, number: int, host: str, text: str) -> None:
    """The answer goes into the question's thread and onto the board (or the archive)."""
    q = repo.question(ctx.session, ama_id=ama_id(ama), number=number)
    if q.status not in UNANSWERED:
        raise UserError("ama.not_open", number=number)
    q.answer = text
    q.answered_by = host
    q.answered_at = ctx.now
    key = question_key(ama, number)
    t = channel_texts(ctx, ama)
    ctx.post(
        f"{key}:answer",
        ama.channel,
        render_answer(number, ctx.name_of(host), text, t),
        thread=MessageRef(effect_key=key),
    )
    close_question(
        ctx, ama, q, ANSWERED, "ama.post_answered", by=host, text=excerpt(q.text or "", 200)
    )
    ctx.audit(actor=host, action="ama.answer", subject=key)


def skip(ctx: Context, command: ParsedCommand, event: CommandInvoked) -> None:
    ama = _moderated(ctx, command, event)
    q = repo.question(ctx.session, ama_id=ama_id(ama), number=command.get("n"))
    if q.status != OPEN:
        raise UserError("ama.not_open", number=q.number)
    q.status = SKIPPED
    ctx.session.add(q)
    ctx.close_prompt(question_key(ama, q.number))
    touch_board(ctx, ama)
    say(ctx, event, "ama.skipped", number=q.number)


def merge(ctx: Context, command: ParsedCommand, event: CommandInvoked) -> None:
    ama = _moderated(ctx, command, event)
    into = repo.question(ctx.session, ama_id=ama_id(ama), number=command.get("into"))
    source = repo.question(ctx.session, ama_id=ama_id(ama), number=command.get("from"))
    if into.number == source.number or into.status != OPEN or source.status != OPEN:
        raise UserError("ama.bad_merge", into=into.number, source=source.number)
    repo.move_votes(ctx.session, source=source.id or 0, target=into.id or 0, now=ctx.now)
    source.merged_into = into.number
    close_question(ctx, ama, source, MERGED, "ama.post_merged", by=event.member, into=into.number)
    say(ctx, event, "ama.merged", into=into.number, source=source.number)


def list_questions(ctx: Context, command: ParsedCommand, event: CommandInvoked) -> None:
    ama = live_ama(ctx, event, command.get("channel"))
    views = repo.views(ctx.session, ama=ama)
    t = member_texts(ctx, event.member)
    text = render_list(views, t, with_pending=may_moderate(ctx, ama, event.member))
    ctx.reply(event, Message(text=text))


def next_question(ctx: Context, command: ParsedCommand, event: CommandInvoked) -> None:
    ama = _moderated(ctx, command, event)
    ranked = open_ranked(repo.views(ctx.session, ama=ama))
    if not ranked:
        say(ctx, event, "ama.next_none")
        return
    t = member_texts(ctx, event.member)
    say(ctx, event, "ama.next", line=question_line(ranked[0], t), number=ranked[0].number)
