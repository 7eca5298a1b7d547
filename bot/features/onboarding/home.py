"""Onboarding's part of the home page: a member's checklist, and for managers the journeys."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.features.base import Context
from bot.features.onboarding import progress
from bot.playbooks.program import node_id, walk
from bot.playbooks.schema import (
    AcceptRulesStep,
    AskStep,
    AskTextStep,
    ChecklistStep,
    OnboardingPlaybook,
    PickInterestsStep,
    Step,
    duration,
)
from bot.playbooks.templates import pick
from bot.store import onboarding as store

DONE, HERE, LATER = "✅", "➡️", "▫️"
TASKS = (AskStep, AskTextStep, AcceptRulesStep, PickInterestsStep, ChecklistStep)
"""Steps the member does, listed on the checklist even without a `title`."""


def checklist(items: Sequence[tuple[int, str]], at: int | None) -> list[tuple[str, str]]:
    """`(mark, label)` for each `(position, label)` item: done before position `at`, the current
    one at it, still ahead after it. `at` None means the journey is past every item."""
    return [
        (DONE if at is None or p < at else HERE if p == at else LATER, label) for p, label in items
    ]


def listed(steps: Sequence[Step]) -> list[tuple[int, Step]]:
    """The playbook's top-level steps the checklist shows, with their position."""
    return [(p, s) for p, s in enumerate(steps) if s.title is not None or isinstance(s, TASKS)]


def position_of(steps: Sequence[Step], current: str) -> int | None:
    """The top-level position of the journey's current step; a step nested in a choice or an
    `if` counts as the step that holds it. None if the playbook no longer has it."""
    for path, step in walk(steps):
        if node_id(step, path) == current:
            return int(path[1])
    return None


def step_label(ctx: Context, step: Step, locale: str) -> str:
    """The step's own title in the member's language, else a label for what kind of step it is."""
    if step.title is not None:
        return pick(step.title, locale, ctx.community.locale)
    return ctx.text(f"home.step_{step.do}", locale)


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
            title = pick(playbook.title, locale, ctx.community.locale)
            lines.append(ctx.text("home.onboarding_done", locale, title=title))
            continue
        items = [(p, step_label(ctx, s, locale)) for p, s in listed(playbook.steps)]
        lines += [
            "- " + ctx.text("home.onboarding_step", locale, mark=mark, step=label)
            for mark, label in checklist(items, position_of(playbook.steps, journey.step))
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
