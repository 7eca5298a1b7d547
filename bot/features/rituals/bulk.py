"""Writing many rows at once: a check-in over 10,000 quiet members is planned in one transaction.

One `INSERT ... ON CONFLICT DO NOTHING` executed for many rows is far cheaper than a statement per
row, and just as idempotent. DMs go through the same Outbox columns as `outbox.enqueue` (keys,
rate keys, the action as JSON), after the same capability check `Context.emit` makes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel

from bot.core.actions import ACTION_ADAPTER, Capability, DirectMessage
from bot.core.errors import Unsupported
from bot.core.message import Message
from bot.features.base import Context
from bot.store.models import OutboxItem, TimerRecord

CHUNK = 1000


def insert_many(ctx: Context, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows, skipping any whose unique key exists (executemany, in chunks)."""
    if not rows:
        return
    table = model.__table__  # type: ignore[attr-defined]
    dialect = ctx.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).on_conflict_do_nothing()
    for start in range(0, len(rows), CHUNK):
        ctx.session.execute(stmt, list(rows[start : start + CHUNK]))


def dm_many(ctx: Context, messages: Sequence[tuple[str, str, str]]) -> None:
    """Queue DMs given as (key, member, text), now."""
    if messages and not ctx.can(Capability.DM):
        raise Unsupported(ctx.platform, Capability.DM.value)
    rows = []
    for key, member, text in messages:
        action = DirectMessage(platform=ctx.platform, member=member, message=Message(text=text))
        rows.append(
            {
                "key": key[:255],
                "platform": ctx.platform,
                "rate_key": action.rate_key()[:300],
                "action": ACTION_ADAPTER.dump_python(action, mode="json"),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": ctx.now,
                "created_at": ctx.now,
                "last_error": "",
                "maybe_sent": False,
            }
        )
        ctx.emitted.append(key)
    insert_many(ctx, OutboxItem, rows)


def timers_many(ctx: Context, timers: Sequence[dict[str, Any]]) -> None:
    """Start durable timers given as dicts of key, due_at, member, payload (feature rituals)."""
    rows = [
        {
            "feature": "rituals",
            "community": ctx.community.id,
            "platform": ctx.platform,
            "subject": "",
            "status": "pending",
            **timer,
        }
        for timer in timers
    ]
    insert_many(ctx, TimerRecord, rows)
