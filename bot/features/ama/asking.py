"""Asking: in the channel, by DM (with a pick when several AMAs are live), and the asker's own
edit and withdraw. The asker is written only to the private link (`repo.add_question`); replies
about the question go to the asker alone."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.commands import ParsedCommand
from bot.core.errors import UserError
from bot.core.events import CommandInvoked
from bot.core.message import Choice, Message
from bot.features.ama import repo
from bot.features.ama.anonymity import ANON, NAMED, is_anonymous, visibility_flag
from bot.features.ama.board import render_question
from bot.features.ama.common import (
    FEATURE,
    ama_id,
    channel_texts,
    live_ama,
    member_texts,
    question_key,
    say,
    touch_board,
)
from bot.features.ama.posts import (
    close_question,
    edit_post,
    edit_review,
    publish,
    queue_for_review,
    review_message,
    view_of,
)
from bot.features.ama.ranking import OPEN, PENDING, WITHDRAWN
from bot.features.ama.settings import DRAFT_KEPT, MAX_QUESTION_LENGTH
from bot.features.base import Context
from bot.store.ama import AmaDraft, AmaQuestion, AmaSession


def _clean(text: str | None) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise UserError("ama.empty_question")
    if len(cleaned) > MAX_QUESTION_LENGTH:
        raise UserError("ama.too_long", limit=MAX_QUESTION_LENGTH)
    return cleaned


def ask_command(ctx: Context, command: ParsedCommand, event: CommandInvoked) -> None:
    text = _clean(command.get("question"))
    anon, named = bool(command.get("anon", False)), bool(command.get("named", False))
    if anon and named:
        raise UserError("ama.anon_or_named")
    where = command.get("channel") or (None if event.is_direct else event.channel)
    if where is None:
        candidates = repo.live_for_member(ctx.session, platform=ctx.platform, member=event.member)
        if len(candidates) > 1:
            _ask_which(ctx, event, candidates, text, visibility_flag(anon=anon, named=named))
            return
    ama = live_ama(ctx, event, where)
    question = ask(ctx, ama, event.member, text, anon=anon, named=named)
    _confirm(ctx, event.member, ama, question, lambda key, **p: say(ctx, event, key, **p))


def _ask_which(
    ctx: Context, event: CommandInvoked, candidates: list[AmaSession], text: str, flag: str
) -> None:
    """Several live AMAs and a DM question: keep it as a draft and let the member pick."""
    draft_id = repo.save_draft(
        ctx.session,
        draft=AmaDraft(
            platform=ctx.platform,
            member=event.member,
            text=text,
            visibility=flag,
            created_at=ctx.now,
        ),
    )
    ctx.start_timer(
        f"ama:draft:{draft_id}:expire",
        ctx.now + DRAFT_KEPT,
        feature=FEATURE,
        payload={"do": "forget_draft", "draft": str(draft_id)},
    )
    t = member_texts(ctx, event.member)
    choices = tuple(
        Choice(id=f"ama{ama_id(a)}", label=t("ama.which_choice", topic=a.topic, channel=a.channel))
        for a in candidates[:10]
    )
    ctx.ask(
        f"ama:draft:{draft_id}",
        event.member,
        Message(text=t("ama.which_prompt"), choices=choices),
        feature=FEATURE,
    )


def ask_from_draft(ctx: Context, member: str, draft_id: int, choice: str) -> None:
    draft = repo.take_draft(ctx.session, draft_id=draft_id)
    if draft is None or draft.member != member:
        return
    ama = repo.get(ctx.session, ama_id=int(choice.removeprefix("ama")))
    t = member_texts(ctx, member)
    if ama is None or ama.status != repo.LIVE:
        ctx.dm(f"ama:draft:{draft_id}:gone", member, Message(text=t("ama.draft_gone")))
        return
    question = ask(
        ctx, ama, member, draft.text, anon=draft.visibility == ANON, named=draft.visibility == NAMED
    )
    _confirm(
        ctx,
        member,
        ama,
        question,
        lambda key, **p: ctx.dm(f"ama:draft:{draft_id}:done", member, Message(text=t(key, **p))),
    )


def _confirm(
    ctx: Context, member: str, ama: AmaSession, q: AmaQuestion, tell: Callable[..., object]
) -> None:
    """Tell the asker alone where their question stands and whether it shows their name."""
    key = "ama.asked_pending" if q.status == PENDING else "ama.asked"
    who = "ama.asked_anonymously" if q.asker_name is None else "ama.asked_named"
    tell(key, number=q.number, topic=ama.topic, how=member_texts(ctx, member)(who))


def ask(
    ctx: Context, ama: AmaSession, member: str, text: str, *, anon: bool, named: bool
) -> AmaQuestion:
    """Record a question and publish it (or queue it for review)."""
    if repo.asked_by(ctx.session, ama_id=ama_id(ama), member=member) >= ama.question_limit:
        raise UserError("ama.limit", limit=ama.question_limit)
    anonymous = is_anonymous(session_named=ama.named, anon=anon, named=named)
    number = repo.next_number(ctx.session, ama_id=ama_id(ama))
    q = repo.add_question(
        ctx.session,
        question=AmaQuestion(
            ama_id=ama_id(ama),
            number=number,
            text=text,
            asker_name=None if anonymous else ctx.name_of(member),
            status=PENDING if ama.moderated else OPEN,
            created_at=ctx.now,
        ),
        asker=member,
    )
    if ama.moderated:
        queue_for_review(ctx, ama, q)
    else:
        publish(ctx, ama, q)
    return q


def _own_question(ctx: Context, ama: AmaSession, number: int, member: str) -> AmaQuestion:
    q = repo.question(ctx.session, ama_id=ama_id(ama), number=number)
    if repo.asker_of(ctx.session, question_id=q.id or 0) != member:
        raise UserError("ama.not_yours", number=number)
    if q.status not in (OPEN, PENDING):
        raise UserError("ama.too_late", number=number)
    return q


def edit(ctx: Context, command: ParsedCommand, event: CommandInvoked) -> None:
    ama = live_ama(ctx, event, command.get("channel"))
    q = _own_question(ctx, ama, command.get("n"), event.member)
    if ama.moderated and q.status == OPEN:
        raise UserError("ama.edit_reviewed", number=q.number)
    q.text = _clean(command.get("question"))
    ctx.session.add(q)
    step = f"edit:{event.dedupe_key}"
    if q.status == PENDING:
        edit_review(ctx, ama, q, step, review_message(ctx, ama, q))
    else:
        key = question_key(ama, q.number)
        message = render_question(view_of(q), channel_texts(ctx, ama), prompt_id=key)
        edit_post(ctx, ama, q, step, message)
        touch_board(ctx, ama)
    say(ctx, event, "ama.edited", number=q.number)


def withdraw(ctx: Context, command: ParsedCommand, event: CommandInvoked) -> None:
    ama = live_ama(ctx, event, command.get("channel"))
    q = _own_question(ctx, ama, command.get("n"), event.member)
    close_question(ctx, ama, q, WITHDRAWN, "ama.post_withdrawn", by="")
    say(ctx, event, "ama.withdrawn", number=q.number)
