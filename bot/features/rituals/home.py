"""The rituals part of the home page: a member's nudge settings (and how to change them), and for
managers the next rituals due in the community."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.features.base import Context
from bot.features.rituals.reach import FEATURE
from bot.store.models import TimerRecord
from bot.store.rituals import MemberPreference

NEXT_SHOWN = 3


def home_section(ctx: Context, member: str, *, manages: bool) -> str:
    locale = ctx.locale_for(member)
    preference = ctx.session.exec(
        select(MemberPreference).where(
            MemberPreference.platform == ctx.platform,
            MemberPreference.member == member,
            MemberPreference.community == ctx.community.id,
        )
    ).first()
    muted = preference is not None and preference.nudges_muted
    pairing = preference is not None and preference.pairing
    lines = [
        ctx.text("home.rituals_title", locale),
        ctx.text("home.rituals_muted" if muted else "home.rituals_unmuted", locale),
        ctx.text("home.rituals_pairing_on" if pairing else "home.rituals_pairing_off", locale),
    ]
    if manages:
        zone = ZoneInfo(ctx.community.timezone)
        lines += [
            ctx.text(
                "home.rituals_next",
                locale,
                ritual=timer.subject,
                when=f"{timer.due_at.astimezone(zone):%Y-%m-%d %H:%M}",
            )
            for timer in _next_occurrences(ctx)
        ]
    return "\n".join(lines)


def _next_occurrences(ctx: Context) -> list[TimerRecord]:
    stmt = (
        select(TimerRecord)
        .where(
            TimerRecord.feature == FEATURE,
            TimerRecord.community == ctx.community.id,
            TimerRecord.platform == ctx.platform,
            TimerRecord.status == "pending",
            col(TimerRecord.subject) != "",
        )
        .order_by(col(TimerRecord.due_at))
        .limit(NEXT_SHOWN)
    )
    return list(ctx.session.exec(stmt))
