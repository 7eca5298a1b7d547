"""What every AMA handler shares: finding the AMA, texts in the right locale, the board timer,
and the per-AMA part of the role check (the core checks the role; a host's role is per AMA)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from bot.config.schema import CommunityConfig
from bot.core.errors import PermissionDenied, UserError
from bot.core.events import CommandInvoked
from bot.core.message import Message
from bot.core.roles import Role, allows
from bot.features.ama import repo
from bot.features.ama.board import BoardView, Texts, render_board
from bot.features.ama.settings import BOARD_EVERY
from bot.features.base import Context
from bot.store.ama import AmaSession

FEATURE = "ama"
QUESTION_KEY = re.compile(r"^ama:(\d+):q:(\d+)$")


def ama_id(ama: AmaSession) -> int:
    assert ama.id is not None
    return ama.id


def question_key(ama: AmaSession, number: int) -> str:
    """The Outbox key of a question's post: its prompt id, its thread, its 👍 target."""
    return f"ama:{ama_id(ama)}:q:{number}"


def board_key(ama: AmaSession) -> str:
    return f"ama:{ama_id(ama)}:board"


def community_of(ctx: Context, ama: AmaSession) -> CommunityConfig:
    return ctx.services.directory.community(ama.community) or ctx.community


def _bound(ctx: Context, locale: str) -> Texts:
    def t(key: str, /, **params: Any) -> str:
        return ctx.text(key, locale, **params)

    return t


def member_texts(ctx: Context, member: str) -> Texts:
    return _bound(ctx, ctx.locale_for(member))


def channel_texts(ctx: Context, ama: AmaSession) -> Texts:
    """Channel posts speak the community's language; members' own locales are for DMs."""
    return _bound(ctx, community_of(ctx, ama).locale)


def say(ctx: Context, event: CommandInvoked, key: str, /, **params: Any) -> None:
    ctx.reply(event, Message(text=member_texts(ctx, event.member)(key, **params)))


def host_names(ctx: Context, ama: AmaSession) -> str:
    return ", ".join(ctx.name_of(h) for h in ama.hosts)


def board_message(ctx: Context, ama: AmaSession) -> Message:
    view = BoardView(
        topic=ama.topic,
        hosts=host_names(ctx, ama),
        live=ama.status == repo.LIVE,
        moderated=ama.moderated,
        questions=repo.views(ctx.session, ama=ama),
    )
    return render_board(view, channel_texts(ctx, ama))


def touch_board(ctx: Context, ama: AmaSession) -> None:
    """Ask for a board edit at the end of the current time bucket; every change in the same
    bucket lands on the same durable timer, so a burst of votes becomes one edit."""
    every_s = BOARD_EVERY.total_seconds()
    bucket = int(ctx.now.timestamp() // every_s) + 1
    ctx.start_timer(
        f"{board_key(ama)}:{bucket}",
        datetime.fromtimestamp(bucket * every_s, UTC),
        feature=FEATURE,
        subject=f"ama:{ama_id(ama)}",
        payload={"do": "board", "ama": str(ama_id(ama)), "bucket": str(bucket)},
    )


def may_moderate(ctx: Context, ama: AmaSession, member: str) -> bool:
    """Hosts of *this* AMA, and the community's moderators (and those above them)."""
    if member in ama.hosts:
        return True
    if ama.community != ctx.community.id:
        return False
    return allows(ctx.roles_of(member) - {Role.HOST}, frozenset({Role.MODERATOR}))


def require_moderation(ctx: Context, ama: AmaSession, member: str) -> None:
    """A refusal names who may: this AMA's hosts by name, and the community's moderators."""
    if not may_moderate(ctx, ama, member):
        raise PermissionDenied("ama.only_hosts", hosts=host_names(ctx, ama), topic=ama.topic)


def live_ama(ctx: Context, event: CommandInvoked, channel: str | None) -> AmaSession:
    """The live AMA a command is about: this channel's, `--channel`'s, or the member's only one."""
    where = channel or (None if event.is_direct else event.channel)
    if where is not None:
        found = repo.live_in_channel(ctx.session, platform=ctx.platform, channel=where)
        if found is None:
            raise UserError("ama.none_live", channel=where)
        return found
    candidates = repo.live_for_member(ctx.session, platform=ctx.platform, member=event.member)
    if not candidates:
        raise UserError("ama.none_live_anywhere")
    if len(candidates) > 1:
        raise UserError("ama.which", channels=", ".join(a.channel for a in candidates))
    return candidates[0]
