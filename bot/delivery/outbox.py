"""The Outbox: effects written in the transaction that decided them, delivered later.

Rows are claimed with a conditional UPDATE (`status = 'pending'` in the WHERE clause), which is
atomic on SQLite and PostgreSQL alike, so several replicas never deliver the same row. A claimed
row carries a lease in `next_attempt_at`; a row still in flight after its lease (its deliverer
died) goes back to pending with `maybe_sent`, and the adapter checks before re-sending.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.core.actions import ACTION_ADAPTER, Action, Delivered, MessageRef
from bot.core.errors import PlatformError
from bot.store.db import affected, insert_ignore
from bot.store.models import OutboxItem

LEASE = timedelta(seconds=120)


def enqueue(session: Session, *, key: str, action: Action, now: datetime) -> bool:
    """Add an effect unless one with the same idempotency key exists; True if added."""
    return insert_ignore(
        session,
        OutboxItem,
        {
            "key": key[:255],
            "platform": action.platform,
            "rate_key": action.rate_key()[:300],
            "action": ACTION_ADAPTER.dump_python(action, mode="json"),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "last_error": "",
            "maybe_sent": False,
        },
    )


def due(session: Session, *, now: datetime, limit: int) -> list[OutboxItem]:
    stmt = (
        select(OutboxItem)
        .where(OutboxItem.status == "pending", OutboxItem.next_attempt_at <= now)
        .order_by(col(OutboxItem.id))
        .limit(limit)
    )
    return list(session.exec(stmt))


def next_due_at(session: Session) -> datetime | None:
    """The earliest time any undelivered row wants attention (in-flight rows: their lease)."""
    stmt = select(func.min(OutboxItem.next_attempt_at)).where(
        col(OutboxItem.status).in_(("pending", "in_flight"))
    )
    return session.exec(stmt).one()


def next_due_after(session: Session, now: datetime) -> datetime | None:
    """Like `next_due_at`, but only rows not already due at `now` (those the caller has seen)."""
    stmt = select(func.min(OutboxItem.next_attempt_at)).where(
        col(OutboxItem.status).in_(("pending", "in_flight")), col(OutboxItem.next_attempt_at) > now
    )
    return session.exec(stmt).one()


def claim(session: Session, *, item_id: int, now: datetime) -> bool:
    """Take a pending row for delivery; False if another deliverer took it first."""
    result = session.execute(
        update(OutboxItem)
        .where(col(OutboxItem.id) == item_id, col(OutboxItem.status) == "pending")
        .values(status="in_flight", attempts=OutboxItem.attempts + 1, next_attempt_at=now + LEASE)
    )
    return affected(result) > 0


def _set(session: Session, item_id: int, **values: Any) -> None:
    session.execute(update(OutboxItem).where(col(OutboxItem.id) == item_id).values(**values))


def complete(session: Session, *, item_id: int, delivered: Delivered, now: datetime) -> None:
    _set(
        session,
        item_id,
        status="done",
        delivered_at=now,
        message_id=delivered.message_id,
        channel=delivered.channel,
        last_error="",
        maybe_sent=False,
    )


def retry_later(
    session: Session, *, item_id: int, when: datetime, error: str, count_attempt: bool = True
) -> None:
    values: dict[str, Any] = {
        "status": "pending",
        "next_attempt_at": when,
        "last_error": error[:2000],
    }
    if not count_attempt:
        values["attempts"] = OutboxItem.attempts - 1
    _set(session, item_id, **values)


def dead_letter(session: Session, *, item_id: int, reason: str) -> None:
    _set(session, item_id, status="dead", last_error=reason[:2000])


def recover_stale(session: Session, *, now: datetime, everything: bool = False) -> int:
    """Return rows whose deliverer died to pending, marked `maybe_sent`.

    `everything` is for a single-process store (SQLite) at start-up, where no other deliverer can
    own a row in flight.
    """
    stmt = update(OutboxItem).where(col(OutboxItem.status) == "in_flight")
    if not everything:
        stmt = stmt.where(col(OutboxItem.next_attempt_at) <= now)
    result = session.execute(stmt.values(status="pending", maybe_sent=True, next_attempt_at=now))
    return affected(result)


def scrub_delivered(session: Session, *, older_than: datetime) -> int:
    """Forget what delivered (or dead) effects said, once the retention period is over.

    The row stays (its key and platform message id let features find their posts), but the
    action's content (texts, recipients) is replaced by its kind and platform alone, and a
    private message's conversation (a DM's channel stands for its member) is forgotten too.
    """
    rows = session.exec(
        select(OutboxItem).where(
            col(OutboxItem.status).in_(("done", "dead")),
            col(OutboxItem.created_at) < older_than,
            col(OutboxItem.rate_key) != SCRUBBED,
        )
    ).all()
    for row in rows:
        row.action = {
            "kind": row.action.get("kind", "?"),
            "platform": row.platform,
            "scrubbed": True,
        }
        if row.action["kind"] in PRIVATE_KINDS:
            row.channel = None
        row.rate_key = SCRUBBED
        row.last_error = ""
        session.add(row)
    return len(rows)


PRIVATE_KINDS = frozenset({"dm", "group_dm", "ephemeral", "publish_home"})
"""Effects meant for particular members: where they went says who they were for."""

SCRUBBED = "scrubbed"
"""The rate key of a scrubbed row: it marks the row as done with, and keeps the scan cheap."""


def requeue(session: Session, *, item_ids: list[int] | None, now: datetime) -> int:
    """Give dead rows another chance (`porch outbox --retry`); None means every dead row."""
    stmt = update(OutboxItem).where(col(OutboxItem.status) == "dead")
    if item_ids is not None:
        stmt = stmt.where(col(OutboxItem.id).in_(item_ids))
    result = session.execute(stmt.values(status="pending", attempts=0, next_attempt_at=now))
    return affected(result)


class NotYetDelivered(Exception):
    """A referenced message has not been posted yet; try the dependent effect again shortly."""


def resolve(session: Session, ref: MessageRef) -> MessageRef:
    """Turn a reference by effect key into the platform message id it was delivered as."""
    return locate(session, ref)[0]


def locate(session: Session, ref: MessageRef) -> tuple[MessageRef, str | None]:
    """`resolve`, and the channel the message was delivered to (None if the ref had an id).

    A DM's conversation is known only once it is delivered (Slack's `D…`, a Matrix room id), so
    an edit of a DM copy queued before that takes its channel from here.
    """
    if ref.message_id is not None or ref.effect_key is None:
        return ref, None
    row = session.exec(select(OutboxItem).where(OutboxItem.key == ref.effect_key)).first()
    if row is None:
        raise PlatformError("unknown_reference", f"no effect with key {ref.effect_key}")
    if row.status == "dead":
        raise PlatformError("reference_dead", f"the message {ref.effect_key} was never delivered")
    if row.status != "done" or row.message_id is None:
        raise NotYetDelivered(ref.effect_key)
    return MessageRef(message_id=row.message_id), row.channel


def list_items(session: Session, *, status: str | None, limit: int = 200) -> list[OutboxItem]:
    stmt = select(OutboxItem).order_by(col(OutboxItem.id).desc()).limit(limit)
    if status:
        stmt = stmt.where(OutboxItem.status == status)
    return list(session.exec(stmt))


def counts(session: Session) -> dict[str, int]:
    stmt = select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
    return {status: n for status, n in session.exec(stmt)}
