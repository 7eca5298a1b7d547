"""The home page: when a member opens it, every feature adds its section and Porch publishes it.

Only platforms with `Capability.HOME` (Slack's App Home) ever get a `PublishHome`; elsewhere an
open home is not an event at all.

A member sees every community of theirs on the platform (one Slack workspace may hold several),
grouped by community, and a manager or moderator the community at a glance for each community
they look after, whether or not they are a member of it. The Dispatcher hands the event to one
community (the one the member joined last); the page is gathered across all of them here.

A page is published at most once per member per `THROTTLE`. A visit within that window of the
last publish is not dropped: it leaves a durable timer for the end of the window (one per member
and window, so many quick visits, a restart or a second replica still publish once), and the
page is published afresh then, unless one was published since.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import func
from sqlmodel import col, select

from bot.config.schema import CommunityConfig
from bot.core.actions import Capability, PublishHome
from bot.core.events import Event, HomeOpened, TimerFired
from bot.core.message import Message
from bot.core.roles import Role, allows
from bot.features.base import Context, Feature
from bot.features.home.page import glance, grouped_page, home_page
from bot.store.models import MemberRecord, OutboxItem
from bot.store.moderation import OPEN, ModerationCase

FEATURE = "home"
THROTTLE = timedelta(seconds=30)
_STAFF = frozenset({Role.MANAGER, Role.MODERATOR})
_WINDOW_END = "window_end"


class Home(Feature):
    name: ClassVar[str] = FEATURE
    events: ClassVar[tuple[type[Event], ...]] = (HomeOpened,)

    def on_event(self, event: Event, ctx: Context) -> None:
        if not isinstance(event, HomeOpened) or not ctx.can(Capability.HOME):
            return
        last = _last_published(ctx, event.member)
        if last is not None and ctx.now < last + THROTTLE:
            _defer(ctx, event.member, last + THROTTLE)
            return
        _publish(ctx, event.member, f"{_prefix(ctx, event.member)}{event.dedupe_key}")

    def on_timer(self, event: TimerFired, ctx: Context) -> None:
        """The end of a window in which the member visited: publish, unless a visit at or after
        the window's end already did."""
        if not ctx.can(Capability.HOME) or _WINDOW_END not in event.payload:
            return
        window_end = datetime.fromisoformat(event.payload[_WINDOW_END])
        last = _last_published(ctx, event.member)
        if last is not None and last >= window_end:
            return
        _publish(
            ctx, event.member, f"{_prefix(ctx, event.member)}deferred:{window_end.isoformat()}"
        )


def _prefix(ctx: Context, member: str) -> str:
    return f"home:{ctx.platform}:{member}:"


def _defer(ctx: Context, member: str, window_end: datetime) -> None:
    ctx.start_timer(
        f"{_prefix(ctx, member)}window:{window_end.isoformat()}",
        window_end,
        feature=FEATURE,
        member=member,
        payload={_WINDOW_END: window_end.isoformat()},
    )


def _last_published(ctx: Context, member: str) -> datetime | None:
    stmt = select(func.max(OutboxItem.created_at)).where(
        col(OutboxItem.key).startswith(_prefix(ctx, member))
    )
    return ctx.session.exec(stmt).one()


def _publish(ctx: Context, member: str, key: str) -> None:
    action = PublishHome(platform=ctx.platform, member=member, message=_page(ctx, member))
    ctx.emit(key, action)


def _page(ctx: Context, member: str) -> Message:
    """The member's communities, each with every feature's section; a welcome if they have none."""
    locale = ctx.locale_for(member)
    groups = _communities(ctx, member)
    if not groups:
        return home_page(
            ctx.text("home.unknown_title", locale),
            ctx.text("home.unknown_intro", locale, communities=_community_list(ctx, locale)),
            [],
        )
    sections = [(here, _sections(here, member, manages)) for here, manages in groups]
    if len(sections) == 1:
        [(here, parts)] = sections
        name = here.community.name
        return home_page(
            ctx.text("home.title", locale, community=name),
            ctx.text("home.intro", locale, community=name),
            parts,
        )
    return grouped_page(
        ctx.text("home.title_many", locale),
        ctx.text("home.intro_many", locale),
        [
            (ctx.text("home.community", locale, community=here.community.name), parts)
            for here, parts in sections
        ],
    )


def _sections(ctx: Context, member: str, manages: bool) -> list[str | None]:
    others = [f for f in ctx.services.features if f.name != FEATURE]
    sections = [f.home_section(ctx, member, manages=manages) for f in others]
    if manages:
        sections.insert(0, _glance(ctx, member))
    return sections


def _communities(ctx: Context, member: str) -> list[tuple[Context, bool]]:
    """Each community on this platform the member belongs to or manages, in configuration order,
    with a context of its own and whether they manage it.

    A member Porch has no record of anywhere, on a platform with only one community, belongs to
    that one (as their DMs do); with several, Porch cannot tell, and they get the welcome page.
    """
    stmt = select(MemberRecord.community).where(
        MemberRecord.platform == ctx.platform,
        MemberRecord.user_id == member,
        col(MemberRecord.left_at).is_(None),
    )
    joined = set(ctx.session.exec(stmt))
    on_platform = ctx.services.directory.on_platform(ctx.platform)
    if not joined and len(on_platform) == 1:
        joined = {on_platform[0].id}
    found: list[tuple[Context, bool]] = []
    for community in on_platform:
        here = ctx if community.id == ctx.community.id else _context_in(ctx, community)
        manages = allows(here.roles_of(member) - {Role.HOST}, _STAFF)
        if community.id in joined or manages:
            found.append((here, manages))
    return found


def _context_in(ctx: Context, community: CommunityConfig) -> Context:
    return Context(
        session=ctx.session,
        now=ctx.now,
        community=community,
        platform=ctx.platform,
        services=ctx.services,
    )


def _community_list(ctx: Context, locale: str) -> str:
    """The communities on this platform with their main channel, for a member Porch knows in none."""
    lines = []
    for community in ctx.services.config.communities:
        channels = community.channels.get(ctx.platform)  # type: ignore[call-overload]
        if channels is not None:
            lines.append(
                ctx.text(
                    "home.community_item", locale, community=community.name, channel=channels.main
                )
            )
    return "\n".join(lines)


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
