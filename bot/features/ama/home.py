"""The AMA part of the home page: what is live now and what is coming, in the member's community."""

from __future__ import annotations

from sqlmodel import col, select

from bot.features.ama import repo
from bot.features.ama.timing import local_text
from bot.features.base import Context
from bot.store.ama import AmaSession


def home_section(ctx: Context, member: str) -> str | None:
    stmt = (
        select(AmaSession)
        .where(
            AmaSession.community == ctx.community.id,
            AmaSession.platform == ctx.platform,
            col(AmaSession.status).in_((repo.SCHEDULED, repo.LIVE)),
        )
        .order_by(col(AmaSession.starts_at))
    )
    sessions = list(ctx.session.exec(stmt))
    if not sessions:
        return None
    locale = ctx.locale_for(member)
    lines = [ctx.text("home.ama_title", locale)]
    for ama in sessions:
        if ama.status == repo.LIVE:
            lines.append(ctx.text("home.ama_live", locale, topic=ama.topic, channel=ama.channel))
        else:
            when = local_text(ama.starts_at, ctx.community.timezone)
            lines.append(
                ctx.text(
                    "home.ama_upcoming", locale, topic=ama.topic, channel=ama.channel, when=when
                )
            )
    return "\n".join(lines)
