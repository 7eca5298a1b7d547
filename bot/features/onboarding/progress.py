"""Where everyone is: the rows behind `/porch onboarding` and `porch onboarding report`.

A journey in progress counts as *stuck* when it has waited for the member's answer longer than
its playbook's `stuck_after` (3 days unless the playbook says otherwise); those are the people a
community manager may want to write to personally.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta

from bot.core.commands import duration_text
from bot.playbooks.program import node_id, walk
from bot.playbooks.schema import OnboardingPlaybook
from bot.playbooks.templates import pick
from bot.store import onboarding as store

DEFAULT_STUCK = timedelta(days=3)
SHOWN_PER_GROUP = 15
GROUPS = ("stuck", "in_progress", "paused", "completed", "stopped", "failed")


@dataclass(frozen=True)
class Row:
    community: str
    platform: str
    member: str
    name: str
    playbook: str
    state: str
    """`in_progress`, `stuck`, `paused`, `completed`, `stopped` or `failed`."""
    step: str
    trigger: str
    buddy: str
    started_at: str
    last_progress_at: str
    waiting_days: str
    completed_at: str
    note: str


def state_of(journey: store.Journey, now: datetime, stuck_after: timedelta) -> str:
    if journey.status == store.ACTIVE:
        since = journey.waiting_since
        if journey.waiting == "answer" and since is not None and now - since >= stuck_after:
            return "stuck"
        return "in_progress"
    return journey.status


def rows(
    journeys: Iterable[store.Journey],
    names: Mapping[tuple[str, str], str],
    *,
    now: datetime,
    stuck_after: Mapping[str, timedelta],
) -> list[Row]:
    out = []
    for j in journeys:
        waiting = ""
        if j.waiting == "answer" and j.waiting_since is not None:
            waiting = str((now - j.waiting_since).days)
        out.append(
            Row(
                community=j.community,
                platform=j.platform,
                member=j.member,
                name=names.get((j.platform, j.member), j.member),
                playbook=j.playbook,
                state=state_of(j, now, stuck_after.get(j.playbook, DEFAULT_STUCK)),
                step=j.step,
                trigger=j.trigger,
                buddy=j.buddy or "",
                started_at=_iso(j.started_at),
                last_progress_at=_iso(j.updated_at),
                waiting_days=waiting,
                completed_at=_iso(j.completed_at),
                note=j.note,
            )
        )
    return out


def _iso(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def step_title(playbook: OnboardingPlaybook, step: str, locale: str, fallback: str) -> str | None:
    """What a manager is shown for a journey's step: its `title` in `locale` (else `fallback`,
    else English); a step nested in a choice or an `if` without one of its own shows the title
    of the top-level step that holds it. None when neither has a title (or the step is gone)."""
    for path, found in walk(playbook.steps):
        if node_id(found, path) == step:
            holder = playbook.steps[int(path[1])]
            title = found.title if found.title is not None else holder.title
            return None if title is None else pick(title, locale, fallback)
    return None


def summary(
    found: Sequence[Row],
    *,
    community: str,
    stuck_after: timedelta,
    text: Callable[..., str],
    step_of: Callable[[Row], str] = lambda row: f"`{row.step}`",
) -> str:
    """The chat answer to `/porch onboarding`: a count and names per group, most urgent first.
    A journey's step is shown as `step_of(row)` says (its title in the reader's language)."""
    lines = [text("onboarding.progress_title", community=community)]
    if not found:
        return "\n".join([*lines, text("onboarding.progress_empty")])
    for group in GROUPS:
        members = [r for r in found if r.state == group]
        if not members:
            continue
        heading = text(
            f"onboarding.progress_{group}", count=len(members), duration=duration_text(stuck_after)
        )
        lines += ["", heading]
        lines += [f"- {_line(r, text, step_of(r))}" for r in members[:SHOWN_PER_GROUP]]
        if len(members) > SHOWN_PER_GROUP:
            lines.append(text("onboarding.progress_more", count=len(members) - SHOWN_PER_GROUP))
    return "\n".join(lines)


def _line(row: Row, text: Callable[..., str], step: str) -> str:
    if row.state == "stuck":
        return text(
            "onboarding.progress_line_stuck", name=row.name, step=step, days=row.waiting_days
        )
    if row.state in ("in_progress", "paused"):
        return text(
            "onboarding.progress_line_at", name=row.name, step=step, date=row.started_at[:10]
        )
    date = (row.completed_at or row.last_progress_at)[:10]
    return text("onboarding.progress_line_done", name=row.name, date=date)


COLUMNS = tuple(f.name for f in fields(Row))


def csv_text(found: Sequence[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in found:
        writer.writerow(asdict(row))
    return buffer.getvalue()


TABLE_COLUMNS = (
    "community",
    "name",
    "playbook",
    "state",
    "step",
    "started_at",
    "waiting_days",
    "completed_at",
    "buddy",
)


def table(found: Sequence[Row]) -> str:
    """A plain-text table for the terminal; `--format csv` has every column."""
    header = [c.replace("_", " ") for c in TABLE_COLUMNS]
    body = [[str(getattr(r, c)) for c in TABLE_COLUMNS] for r in found]
    widths = [max(len(x) for x in column) for column in zip(header, *body, strict=False)]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()
        for values in [header, *body]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"
