"""After the end: a host picks an unanswered question from a DM list and types the answer,
which goes into the question's thread, the archive, and the export."""

from __future__ import annotations

import re

from bot.core.errors import UserError
from bot.core.message import Choice, Message
from bot.features.ama import repo
from bot.features.ama.board import excerpt
from bot.features.ama.common import FEATURE, ama_id, member_texts
from bot.features.ama.moderation import answer
from bot.features.ama.ranking import ANSWERED, UNANSWERED, by_votes_then_age
from bot.features.ama.settings import LATER_CHOICES
from bot.features.base import Context
from bot.store.ama import AmaSession

_TEXT_PROMPT = re.compile(r"^ama:\d+:later:h(\d+):q(\d+)$")


def pick_later(ctx: Context, ama: AmaSession, host_index: int, host: str, choice: str) -> None:
    number = int(choice.removeprefix("q"))
    t = member_texts(ctx, host)
    ctx.ask(
        f"ama:{ama_id(ama)}:later:h{host_index}:q{number}",
        host,
        Message(text=t("ama.later_write", number=number), expects_text=True),
        feature=FEATURE,
    )


def answer_later(ctx: Context, ama: AmaSession, prompt_id: str, host: str, text: str) -> None:
    match = _TEXT_PROMPT.match(prompt_id)
    if match is None or not text.strip():
        return
    host_index, number = int(match.group(1)), int(match.group(2))
    t = member_texts(ctx, host)
    try:
        answer(ctx, ama, number, host, text.strip())
    except UserError:
        ctx.dm(f"{prompt_id}:late", host, Message(text=t("ama.later_already", number=number)))
    else:
        ctx.dm(f"{prompt_id}:thanks", host, Message(text=t("ama.later_done", number=number)))
    if host_index < len(ama.hosts) and ama.hosts[host_index] == host:
        offer_later(ctx, ama, host_index, host)


def offer_later(ctx: Context, ama: AmaSession, host_index: int, host: str) -> None:
    """DM a host the questions still unanswered, one click each to answer into the thread."""
    views = repo.views(ctx.session, ama=ama)
    unanswered = by_votes_then_age(v for v in views if v.status in UNANSWERED)
    if not unanswered:
        return
    t = member_texts(ctx, host)
    choices = tuple(
        Choice(
            id=f"q{v.number}",
            label=t("ama.later_choice", number=v.number, votes=v.votes, text=excerpt(v.text, 60)),
        )
        for v in unanswered[:LATER_CHOICES]
    )
    answered = sum(1 for v in views if v.status == ANSWERED)
    text = t("ama.later", topic=ama.topic, count=len(unanswered))
    ctx.ask(
        f"ama:{ama_id(ama)}:later:h{host_index}:r{answered}",
        host,
        Message(text=text, choices=choices),
        feature=FEATURE,
    )
