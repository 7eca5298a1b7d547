"""The home page: when a member opens it, every feature adds its section and Porch publishes it.

Only platforms with `Capability.HOME` (Slack's App Home) ever get a `PublishHome`; elsewhere an
open home is not an event at all. A page is published at most once per member per `THROTTLE`:
opening the tab again and again within seconds shows the page already there.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import func
from sqlmodel import col, select

from bot.core.actions import Capability, PublishHome
from bot.core.events import Event, HomeOpened
from bot.core.roles import Role, allows
from bot.features.base import Context, Feature
from bot.features.home.page import glance, home_page
from bot.store.models import MemberRecord, OutboxItem
from bot.store.moderation import OPEN, ModerationCase

FEATURE = "home"
THROTTLE = timedelta(seconds=30)
_STAFF = frozenset({Role.MANAGER, Role.MODERATOR})


class Home(Feature):
    name: ClassVar[str] = FEATURE
    events: ClassVar[tuple[type[Event], ...]] = (HomeOpened,)

    def on_event(self, event: Event, ctx: Context) -> None:
        if not isinstance(event, HomeOpened) or not ctx.can(Capability.HOME):
            return
        prefix = f"home:{ctx.platform}:{event.member}:"
        if _published_since(ctx, prefix, ctx.now - THROTTLE):
            return
        manages = allows(ctx.roles_of(event.member) - {Role.HOST}, _STAFF)
        sections = [f.home_section(ctx, event.member, manages=manages) for f in _others(ctx)]
        if manages:
            sections.insert(0, _glance(ctx, event.member))
        locale = ctx.locale_for(event.member)
        name = ctx.community.name
        page = home_page(
            ctx.text("home.title", locale, community=name),
            ctx.text("home.intro", locale, community=name),
            sections,
        )
        action = PublishHome(platform=ctx.platform, member=event.member, message=page)
        ctx.emit(f"{prefix}{event.dedupe_key}", action)


def _others(ctx: Context) -> list[Feature]:
    return [f for f in ctx.services.features if f.name != FEATURE]


def _published_since(ctx: Context, prefix: str, since: datetime) -> bool:
    stmt = select(OutboxItem.id).where(
        col(OutboxItem.key).startswith(prefix), col(OutboxItem.created_at) > since
    )
    return ctx.session.exec(stmt).first() is not None


def _glance(ctx: Context, member: str) -> str:
    """What the home feature itself counts for a manager: members, and the moderators' queue."""
    locale = ctx.locale_for(member)
    members = ctx.session.exec(
        select(func.count())
        .select_from(MemberRecord)
        .where(MemberRecord.platform == ctx.platform, MemberRecord.community == ctx.community.id)
    ).one()
    queue = ctx.session.exec(
        select(func.count())
        .select_from(ModerationCase)
        .where(
            ModerationCase.platform == ctx.platform,
            ModerationCase.community == ctx.community.id,
            ModerationCase.status == OPEN,
        )
    ).one()
    return glance(
        ctx.text("home.glance_title", locale, community=ctx.community.name),
        [
            ctx.text("home.glance_members", locale, count=members),
            ctx.text("home.glance_queue", locale, count=queue),
        ],
    )
