"""What Porch does about a breach: pure decisions on escalation, caps and permissions.

The rule engine says which responses a rule asks for (`remind`, `queue`, `remove`); this module
turns them into what actually happens, given the member's recent reminders, how many destructive
actions Porch already took this hour, and whether the platform lets Porch remove members'
messages. The handler only gathers those facts and carries the `Decision` out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.features.moderation.rules import Breach, Response
from bot.features.moderation.settings import Caps, Escalation

Note = Literal["", "escalated", "capped", "no_permission"]
"""Why a breach went to the queue instead of being handled as its rule says."""

STRENGTH: dict[Response, int] = {"remind": 0, "queue": 1, "remove": 2}


@dataclass(frozen=True, slots=True)
class Decision:
    breach: Breach
    responses: tuple[Response, ...]
    """What Porch does (nothing for a dry run: see `would_have`)."""
    would_have: tuple[Response, ...] = ()
    """For a dry-run rule: what it would have done."""
    note: Note = ""


@dataclass(frozen=True, slots=True)
class Facts:
    """What the handler knows about the member and the community at the time of the message."""

    recent_reminders: int
    removals_this_hour: int
    can_remove: bool


def decide(breach: Breach, facts: Facts, escalation: Escalation, caps: Caps) -> Decision:
    """The responses for one breach.

    - a dry-run rule does nothing and says what it would have done;
    - a reminder becomes a queue item once the member had `escalation.reminders` reminders in
      the window (a pattern is a moderator's business, not another automated nudge);
    - a removal becomes a queue item when Porch may not remove members' messages here, or when
      it has removed `caps.removals_per_hour` messages this hour already.
    """
    if breach.dry_run:
        return Decision(breach, (), would_have=breach.respond)
    wanted = list(breach.respond)
    note: Note = ""
    if "remind" in wanted and facts.recent_reminders >= escalation.reminders:
        wanted = [r for r in wanted if r != "remind"]
        note = "escalated"
    if "remove" in wanted:
        if not facts.can_remove:
            note = "no_permission"
        elif facts.removals_this_hour >= caps.removals_per_hour:
            note = "capped"
        if note in ("no_permission", "capped"):
            wanted = [r for r in wanted if r != "remove"]
    if note and "queue" not in wanted:
        wanted.append("queue")
    return Decision(breach, tuple(wanted), note=note)


def strongest(decisions: Sequence[Decision]) -> Decision | None:
    """The one enforced decision the member hears about when a message breaks several rules.

    One message gets one response: the strongest (remove, then queue, then remind), the first
    listed rule on a tie. Every breach is still audited.
    """
    acting = [d for d in decisions if d.responses]
    if not acting:
        return None
    return max(acting, key=lambda d: max(STRENGTH[r] for r in d.responses))


def priority(reporters: int) -> Literal["normal", "raised", "high"]:
    """A queue item's priority by how many distinct members reported it."""
    if reporters >= 3:
        return "high"
    return "raised" if reporters == 2 else "normal"


def under_cap(done_this_hour: int, cap: int) -> bool:
    return done_this_hour < cap
