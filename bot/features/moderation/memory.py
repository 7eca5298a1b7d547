"""What the moderation feature remembers between messages, in memory and bounded.

Histories (for flood and repeat) hold fingerprints and times, never text, and cover seconds to
minutes: keeping them in memory spares a database write per message, and losing them at a
restart only forgives a burst that was already underway. Recent messages (author and an excerpt
of at most 280 characters) let a 🚩 reaction, which carries no text, open a useful queue item;
they are never written anywhere unless the message is flagged. Both are bounded, oldest first
out, so memory stays flat however large the community.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bot.core.ids import MemberId
from bot.features.moderation.history import MemberHistory

K = TypeVar("K")
V = TypeVar("V")

MAX_HISTORIES = 10_000
MAX_RECENT = 5_000


@dataclass
class Bounded(Generic[K, V]):
    """A map that forgets its least recently used entries beyond `limit`."""

    limit: int
    _items: OrderedDict[K, V] = field(default_factory=OrderedDict)

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True, slots=True)
class Recent:
    author: str
    excerpt: str
    permalink: str = ""


HistoryKey = tuple[str, str, str]
"""(platform, community, member)."""


@dataclass
class Memory:
    histories: Bounded[HistoryKey, MemberHistory] = field(
        default_factory=lambda: Bounded(MAX_HISTORIES)
    )
    recent: Bounded[tuple[str, str], Recent] = field(default_factory=lambda: Bounded(MAX_RECENT))
    """By (platform, message id)."""
    linked: Bounded[HistoryKey, bool] = field(default_factory=lambda: Bounded(MAX_HISTORIES))
    """Members seen posting a link (for the new member's first-link rule)."""

    def history(self, key: HistoryKey) -> MemberHistory:
        return self.histories.get(key) or MemberHistory(MemberId(key[2]))
