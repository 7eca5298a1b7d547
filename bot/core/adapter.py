"""What the core expects of a platform adapter.

Adapters are constructed without I/O; `start()` connects and begins feeding normalized events to
the sink, `stop()` cancels everything it started. `execute()` carries out one action and raises
the typed errors of `bot.core.errors`; it never returns an error as a value.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.actions import Action, Capability, Delivered, ListMembers
from bot.core.events import Event, MemberPresent

EventSink = Callable[[Event], Awaitable[object]]


@dataclass(frozen=True)
class RateBudget:
    """How fast Porch may act on a platform: overall, and per channel or conversation."""

    per_second: float
    burst: int
    per_channel_per_second: float
    per_channel_burst: int


UNLIMITED = RateBudget(1e9, 1_000_000, 1e9, 1_000_000)


@dataclass(frozen=True)
class DeliveryContext:
    """Facts about the Outbox item being delivered.

    `outbox_id` is stable across retries: Matrix uses it as the `txn_id`, so the homeserver
    drops a resend. `maybe_sent` is set when the item was found in flight after a crash: an
    adapter that cannot make sends idempotent must look before it sends again.
    """

    key: str
    outbox_id: int
    maybe_sent: bool = False


class Adapter(Protocol):
    platform: str
    capabilities: frozenset[Capability]
    rate_budget: RateBudget

    async def start(self, sink: EventSink) -> None: ...

    async def stop(self) -> None: ...

    async def execute(self, action: Action, ctx: DeliveryContext) -> Delivered: ...


def member_present(
    action: ListMembers, ctx: DeliveryContext, member: str, at: datetime, display_name: str = ""
) -> MemberPresent:
    """One member an adapter found for `action`, as the event it hands its sink.

    Keyed by the Outbox item that asked and the member: a retry after a failure half-way
    reports the rest, and the Inbox drops those already taken.
    """
    return MemberPresent(
        platform=action.platform,
        dedupe_key=f"{action.platform}:present:{ctx.outbox_id}:{member}",
        occurred_at=at,
        member=member,
        channel=action.channel,
        reason=action.reason,
        display_name=display_name,
    )
