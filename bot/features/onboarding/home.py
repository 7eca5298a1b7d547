"""Onboarding's part of the home page: a member's checklist, and for managers the journeys."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.features.base import Context
from bot.features.onboarding import progress
from bot.playbooks.schema import OnboardingPlaybook, duration
from bot.playbooks.templates import pick
from bot.store import onboarding as store

DONE, HERE, LATER = "✅", "➡️", "▫️"


def checklist(step_ids: Sequence[str], current: str, *, finished: bool) -> list[tuple[str, str]]:
    """`(mark, step)` for each named step: done before the current one, the current, still ahead."""
    at = len(step_ids) if finished or current not in step_ids else step_ids.index(current)
    return [
        (DONE if i < at else HERE if i == at else LATER, step) for i, step in enumerate(step_ids)
    ]


def home_section(ctx: Context, member: str, *, manages: bool) -> str | None:
    locale = ctx.locale_for(member)
    lines: list[str] = []
    for journey in store.of_member(
        ctx.session, platform=ctx.platform, member=member, community=ctx.community.id
    ):
        playbook = ctx.services.playbooks.get(journey.playbook)
        if not isinstance(playbook, OnboardingPlaybook) or journey.status == store.STOPPED:
            continue
        if journey.status == store.COMPLETED:
            title = pick(playbook.title, locale)
            lines.append(ctx.text("home.onboarding_done", locale, title=title))
            continue
        steps = [str(step.id) for step in playbook.steps if getattr(step, "id", None)]
        lines += [
            "- " + ctx.text("home.onboarding_step", locale, mark=mark, step=step)
            for mark, step in checklist(steps, journey.step, finished=False)
        ]
    if manages:
        lines.append(_glance(ctx, locale))
    if not lines:
        return None
    title = ctx.text("home.onboarding_title", locale, community=ctx.community.name)
    return "\n".join([title, *lines])


def _glance(ctx: Context, locale: str) -> str:
    states: Counter[str] = Counter()
    for journey in store.journeys(ctx.session, community=ctx.community.id):
        playbook = ctx.services.playbooks.get(journey.playbook)
        stuck_after = (
            duration(playbook.stuck_after)
            if isinstance(playbook, OnboardingPlaybook)
            else progress.DEFAULT_STUCK
        )
        states[progress.state_of(journey, ctx.now, stuck_after)] += 1
    return ctx.text(
        "home.onboarding_glance", locale, in_progress=states["in_progress"], stuck=states["stuck"]
    )
