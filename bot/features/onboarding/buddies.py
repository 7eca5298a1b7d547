"""Choosing a buddy: round robin among volunteers who have room, never the newcomer themself.

Round robin goes on after the buddy assigned last in the community, so the work spreads evenly
even across restarts (the last assignment is read from the journeys, not kept in memory).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.core.roles import identity_matches


@dataclass(frozen=True)
class BuddyPool:
    candidates: tuple[str, ...]
    """Volunteer member ids on this platform, in the order the playbook lists them."""
    loads: Mapping[str, int] = field(default_factory=dict)
    """Journeys in progress each buddy accompanies now."""
    last: str | None = None
    """Who was assigned last in this community."""


def ids_on(entries: Iterable[str], platform: str) -> list[str]:
    """Configuration entries (`dana`, `slack:U0123`) as member ids on `platform`, in order."""
    out: list[str] = []
    for entry in entries:
        prefix, sep, rest = entry.partition(":")
        member = rest if sep and prefix in {"slack", "matrix", "shell", "memory"} else entry
        if identity_matches(entry, platform, member) and member not in out:
            out.append(member)
    return out


def choose_buddy(pool: BuddyPool, *, member: str, capacity: int) -> str | None:
    """The next volunteer after the last one who is not `member` and is below `capacity`."""
    order = list(dict.fromkeys(pool.candidates))
    start = order.index(pool.last) + 1 if pool.last in order else 0
    for candidate in order[start:] + order[:start]:
        if candidate != member and pool.loads.get(candidate, 0) < capacity:
            return candidate
    return None
