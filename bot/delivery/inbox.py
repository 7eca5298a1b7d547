"""The Inbox: each inbound event is handled at most once.

The dedupe key is inserted in the same transaction as the handling's state changes and Outbox
rows; a redelivered event finds its key and is dropped, and a crash mid-handling rolls back the key
together with the work, so the platform's retry is handled afresh.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session

from bot.store.db import affected, insert_ignore
from bot.store.models import InboxItem


def claim(session: Session, *, dedupe_key: str, kind: str, now: datetime) -> bool:
    """Record the event; False if it was seen before and must be dropped."""
    return insert_ignore(
        session, InboxItem, {"dedupe_key": dedupe_key[:255], "kind": kind, "received_at": now}
    )


def prune(session: Session, *, older_than: timedelta, now: datetime) -> int:
    """Forget keys older than any platform retries (Slack retries for about an hour)."""
    result = session.execute(delete(InboxItem).where(InboxItem.received_at < now - older_than))  # type: ignore[arg-type]
    return affected(result)
