"""What the flood and repeat rules remember about one member: when they wrote, and a digest of what.

A `MemberHistory` is an immutable value. The rules only read it; the caller (the moderation
handler) owns it, calls `record` after evaluating a message and stores the returned history
wherever it keeps per-member state. It holds fingerprints, never text (minimal data), and is
bounded in both time and size by a `HistoryPolicy` derived from the rules in force.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter

from bot.core.ids import MemberId
from bot.features.moderation.normalize import fingerprint, repeat_key

_AT = attrgetter("at")


@dataclass(frozen=True, slots=True)
class HistoryPolicy:
    """How much history the rules need: the longest window, and enough entries to fill it."""

    window: timedelta
    max_entries: int


@dataclass(frozen=True, slots=True)
class Seen:
    """One earlier message of the member."""

    at: datetime
    fingerprint: str
    """`normalize.fingerprint(normalize.repeat_key(text))`."""


@dataclass(frozen=True, slots=True)
class MemberHistory:
    member: MemberId
    entries: tuple[Seen, ...] = ()
    """Oldest first."""

    def record(self, at: datetime, text: str, policy: HistoryPolicy) -> MemberHistory:
        """This history plus a message written at `at`, pruned to the policy.

        Entries older than `policy.window` before the newest one are dropped, then all but the
        newest `policy.max_entries`. A message that arrives out of order is put in its place.
        """
        seen = Seen(at, fingerprint(repeat_key(text)))
        entries = list(self.entries)
        if entries and at < entries[-1].at:
            insort(entries, seen, key=_AT)
        else:
            entries.append(seen)
        cutoff = entries[-1].at - policy.window
        kept = entries[bisect_right(entries, cutoff, key=_AT) :]
        return MemberHistory(self.member, tuple(kept[max(0, len(kept) - policy.max_entries) :]))

    def count_since(self, cutoff: datetime) -> int:
        """How many recorded messages were written after `cutoff`."""
        return len(self.entries) - bisect_right(self.entries, cutoff, key=_AT)

    def count_same_since(self, digest: str, cutoff: datetime) -> int:
        """How many recorded messages after `cutoff` had this fingerprint."""
        start = bisect_right(self.entries, cutoff, key=_AT)
        return sum(1 for seen in self.entries[start:] if seen.fingerprint == digest)
