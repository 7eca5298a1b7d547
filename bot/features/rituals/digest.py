"""The manager's weekly health digest: figures, trends and targets. Pure.

The handler gathers this week's and last week's figures; these functions compare them with each
other and with the playbook's targets (the community's success criteria) and say it in words.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.clock import parse_duration
from bot.features.engagement.segments import Segment
from bot.features.rituals.settings import Targets

Say = Callable[..., str]
"""`say(key, **params)`: a catalogue text in the reader's language."""


@dataclass(frozen=True)
class WeekFigures:
    members: int
    new_members: int
    active: int
    questions: int
    answered: int
    first_answer_delays: tuple[timedelta, ...] = ()
    onboarding_completion: float | None = None
    """None when no onboarding is tracked: the line is left out."""
    extra: dict[str, float] = field(default_factory=dict)
    """Figures other features add (`ama_participation`, `moderation_load`); shown when present."""
    segments: dict[str, int] = field(default_factory=dict)
    """Members per engagement segment at the end of the week."""

    @property
    def active_share(self) -> float:
        return self.active / self.members if self.members else 0.0

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.questions if self.questions else None

    @property
    def median_first_answer(self) -> timedelta | None:
        if not self.first_answer_delays:
            return None
        seconds = statistics.median(d.total_seconds() for d in self.first_answer_delays)
        return timedelta(seconds=round(seconds))


@dataclass(frozen=True)
class Line:
    key: str
    value: str
    trend: str
    target: str


def digest_lines(now: WeekFigures, last: WeekFigures, targets: Targets, say: Say) -> list[Line]:
    """One line per figure, in a fixed order; a figure nobody tracks is left out."""
    lines = [
        _count("members", now.members, last.members, None, say),
        _count("new_members", now.new_members, last.new_members, targets.new_members, say),
        _share("active_share", now.active_share, last.active_share, targets.active_share, say),
        _questions(now, last, targets, say),
        _delay(now, last, targets, say),
    ]
    if now.onboarding_completion is not None:
        lines.append(
            _share(
                "onboarding_completion",
                now.onboarding_completion,
                last.onboarding_completion,
                targets.onboarding_completion,
                say,
            )
        )
    for name in sorted(now.extra):
        lines.append(
            _count(name, round(now.extra[name]), round(last.extra.get(name, 0)), None, say)
        )
    return lines


def segment_line(figures: WeekFigures, say: Say) -> str:
    """`- Members by segment: new 3 · active 5 · ...` in segment order; empty if none."""
    parts = [
        f"{say(f'engagement.segments.{s.value}')} {figures.segments[s.value]}"
        for s in Segment
        if figures.segments.get(s.value)
    ]
    return f"- {say('engagement.segments.title')}: {' · '.join(parts)}" if parts else ""


def render_lines(lines: Sequence[Line], say: Say) -> str:
    out = []
    for line in lines:
        extras = ", ".join(x for x in (line.trend, line.target) if x)
        suffix = f" ({extras})" if extras else ""
        out.append(f"- {say(f'rituals.digest.{line.key}')}: {line.value}{suffix}")
    return "\n".join(out)


def _count(key: str, now: int, last: int, target: int | None, say: Say) -> Line:
    delta = now - last
    trend = say("rituals.digest.trend", delta=f"{delta:+d}")
    return Line(key, str(now), trend, _versus(target is None or now >= target, target, say))


def _share(key: str, now: float, last: float | None, target: float | None, say: Say) -> Line:
    trend = ""
    if last is not None:
        points = round((now - last) * 100)
        trend = say("rituals.digest.trend", delta=f"{points:+d} pp")
    shown = None if target is None else f"{target:.0%}"
    ok = target is None or now >= target
    return Line(key, f"{now:.0%}", trend, _versus(ok, shown, say))


def _questions(now: WeekFigures, last: WeekFigures, targets: Targets, say: Say) -> Line:
    value = say("rituals.digest.answered_of", answered=now.answered, questions=now.questions)
    share, before = now.answered_share, last.answered_share
    trend = ""
    if share is not None and before is not None:
        trend = say("rituals.digest.trend", delta=f"{round((share - before) * 100):+d} pp")
    target = None if share is None else targets.answered_share
    ok = target is None or share is None or share >= target
    return Line(
        "questions", value, trend, _versus(ok, None if target is None else f"{target:.0%}", say)
    )


def _delay(now: WeekFigures, last: WeekFigures, targets: Targets, say: Say) -> Line:
    median, before = now.median_first_answer, last.median_first_answer
    value = _duration(median) if median is not None else say("rituals.digest.none")
    trend = ""
    if median is not None and before is not None:
        delta = median - before
        sign = "-" if delta < timedelta(0) else "+"
        trend = say("rituals.digest.trend", delta=f"{sign}{_duration(abs(delta))}")
    wanted = None if median is None else targets.median_first_answer
    target = parse_duration(wanted) if wanted else None
    ok = target is None or median is None or median <= target
    return Line(
        "median_first_answer", value, trend, _versus(ok, _duration(target) if target else None, say)
    )


def _versus(ok: bool, target: object | None, say: Say) -> str:
    if target is None:
        return ""
    return say("rituals.digest.on_target" if ok else "rituals.digest.below_target", target=target)


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        return f"{hours // 24}d {hours % 24}h"
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def week_before(end: datetime) -> tuple[datetime, datetime]:
    return end - timedelta(days=7), end
