"""A question's public life: its post with the upvote button, its review post in moderated
AMAs, and the edits that follow each decision. Rendered from the question row, which names
nobody for an anonymous question."""

from __future__ import annotations

from bot.core.actions import Edit, MessageRef
from bot.core.message import Choice, Message
from bot.features.ama.board import render_question
from bot.features.ama.common import (
    FEATURE,
    channel_texts,
    community_of,
    question_key,
    touch_board,
)
from bot.features.ama.ranking import OPEN, PENDING, SKIPPED, QuestionView
from bot.features.base import Context
from bot.store.ama import AmaQuestion, AmaSession


def view_of(q: AmaQuestion) -> QuestionView:
    return QuestionView(
        number=q.number,
        text=q.text or "",
        status=q.status,
        votes=0,
        created_at=q.created_at,
        asker_name=q.asker_name,
        answer=q.answer,
    )


def publish(ctx: Context, ama: AmaSession, q: AmaQuestion) -> None:
    key = question_key(ama, q.number)
    message = render_question(view_of(q), channel_texts(ctx, ama), prompt_id=key)
    ctx.offer(key, ama.channel, message, feature=FEATURE)
    touch_board(ctx, ama)


def queue_for_review(ctx: Context, ama: AmaSession, q: AmaQuestion) -> None:
    """Post the question where moderators work, with a one-click approve (decline needs words)."""
    key = f"{question_key(ama, q.number)}:review"
    ctx.offer(key, _review_channel(ctx, ama), review_message(ctx, ama, q), feature=FEATURE)
    touch_board(ctx, ama)


def _review_channel(ctx: Context, ama: AmaSession) -> str:
    """The community's moderators channel on this platform, else the AMA's own channel."""
    community = community_of(ctx, ama)
    channels = {str(k): v for k, v in community.channels.items()}.get(ama.platform)
    return (channels.moderators if channels else None) or ama.channel


def review_message(ctx: Context, ama: AmaSession, q: AmaQuestion) -> Message:
    t = channel_texts(ctx, ama)
    text = t("ama.review", number=q.number, topic=ama.topic, text=q.text, channel=ama.channel)
    choices = (Choice(id="approve", label=t("ama.approve"), style="primary"),)
    return Message(text=text, choices=choices)


def edit_review(ctx: Context, ama: AmaSession, q: AmaQuestion, step: str, message: Message) -> None:
    """The review post follows the question: new text while it waits, the decision after."""
    key = f"{question_key(ama, q.number)}:review"
    target = MessageRef(effect_key=key)
    channel = _review_channel(ctx, ama)
    ctx.emit(
        f"{key}:{step}",
        Edit(platform=ama.platform, channel=channel, target=target, message=message),
    )


def settle_review(ctx: Context, ama: AmaSession, q: AmaQuestion, by: str) -> None:
    t = channel_texts(ctx, ama)
    text = t(f"ama.review_{q.status}", number=q.number, by=ctx.name_of(by))
    edit_review(ctx, ama, q, q.status, Message(text=text))


def edit_post(ctx: Context, ama: AmaSession, q: AmaQuestion, step: str, message: Message) -> None:
    key = question_key(ama, q.number)
    ctx.emit(
        f"{key}:{step}",
        Edit(
            platform=ama.platform,
            channel=ama.channel,
            target=MessageRef(effect_key=key),
            message=message,
        ),
    )


def close_question(
    ctx: Context,
    ama: AmaSession,
    q: AmaQuestion,
    status: str,
    note: str,
    *,
    by: str,
    **params: object,
) -> None:
    """End a question's open life: no more votes, its post (or review post) says why, the board
    follows. `by` is who decided; for a withdrawal that is the asker, who is never named."""
    previous = q.status
    q.status = status
    ctx.session.add(q)
    ctx.close_prompt(question_key(ama, q.number))
    ctx.close_prompt(f"{question_key(ama, q.number)}:review")
    if previous in (OPEN, SKIPPED):
        t = channel_texts(ctx, ama)
        edit_post(ctx, ama, q, status, Message(text=t(note, number=q.number, **params)))
    elif previous == PENDING:
        settle_review(ctx, ama, q, by)
    touch_board(ctx, ama)
