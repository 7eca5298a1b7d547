"""A whole Porch with a small moderation playbook, and ways to read what it did."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlmodel import col, select

from bot.core.actions import Capability, DirectMessage, Edit, Post
from bot.core.events import MessageEdited
from bot.playbooks.schema import ModerationPlaybook
from bot.store.models import AuditEntry
from bot.testing import builders
from bot.testing.harness import Harness
from bot.testing.memory import MemoryAdapter

RULES: list[dict[str, Any]] = [
    {"id": "unkind", "kind": "keywords", "rule": 1, "words": ["idiot"], "respond": ["remind"]},
    {"id": "secret", "kind": "keywords", "rule": 2, "words": ["topsecret"], "respond": ["remove"]},
    {"id": "spam", "kind": "keywords", "words": ["casino"], "respond": ["queue"]},
    {
        "id": "shouting",
        "kind": "caps",
        "rule": 1,
        "mode": "dry_run",
        "min_length": 10,
        "respond": ["remove"],
    },
    {"id": "flood", "kind": "flood", "max_messages": 5, "window_seconds": 10},
]


def playbook(**policy: Any) -> ModerationPlaybook:
    return ModerationPlaybook.model_validate(
        {
            "kind": "moderation",
            "title": "House rules",
            "version": "1",
            "house_rules": [
                {
                    "title": {"en": "Be kind", "de": "Sei freundlich"},
                    "text": {"en": "Assume good intent.", "de": "Geh von Gutem aus."},
                },
                {"title": "Keep secrets", "text": "No confidential material."},
            ],
            "rules": RULES,
            "policy": policy,
        }
    )


@asynccontextmanager
async def porch(
    database_url: str,
    *,
    capabilities: frozenset[Capability] = frozenset(Capability),
    moderators_channel: str | None = "#moderators",
    moderators: tuple[str, ...] = ("mo",),
    others: tuple[str, ...] = ("#random",),
    **policy: Any,
) -> AsyncIterator[Harness]:
    config = builders.config(
        builders.community(
            playbooks=("rules",),
            moderators_channel=moderators_channel,
            moderators=moderators,
            others=others,
        )
    )
    adapter = MemoryAdapter(capabilities=capabilities)
    async with Harness.create(
        database_url, config=config, playbooks={"rules": playbook(**policy)}, adapter=adapter
    ) as h:
        yield h


def edited(member: str, message_id: str, text: str, channel: str = "#general") -> MessageEdited:
    """`member` changed their message `message_id` to `text` (one event per edit)."""
    like = builders.said(member, text, channel)
    return MessageEdited(
        platform=like.platform,
        dedupe_key=f"{like.dedupe_key}:edit",
        occurred_at=like.occurred_at,
        member=member,
        channel=channel,
        message_id=message_id,
        text=text,
    )


def dms_to(h: Harness, member: str) -> list[str]:
    return [
        e.action.message.text
        for e in h.adapter.executed
        if isinstance(e.action, DirectMessage) and e.action.member == member
    ]


def queue_posts(h: Harness) -> list[Post]:
    return [
        e.action
        for e in h.adapter.executed
        if isinstance(e.action, Post) and e.action.channel == "#moderators"
    ]


def queue_edits(h: Harness) -> list[Edit]:
    return [e.action for e in h.adapter.executed if isinstance(e.action, Edit)]


def kinds(h: Harness) -> list[str]:
    return [e.action.kind for e in h.adapter.executed]


def audit(h: Harness, action: str | None = None) -> list[AuditEntry]:
    with h.store.transaction() as session:
        stmt = select(AuditEntry).where(col(AuditEntry.action).startswith("moderation."))
        found = list(session.exec(stmt.order_by(col(AuditEntry.id))))
        session.expunge_all()
    return [e for e in found if action is None or e.action == action]


def everything_shown_to(h: Harness, member: str) -> str:
    """All text the platform carried that `member` could read: their DMs and channel posts."""
    texts = []
    for e in h.adapter.executed:
        action = e.action
        message = getattr(action, "message", None)
        if message is None:
            continue
        if isinstance(action, DirectMessage) and action.member != member:
            continue
        if getattr(action, "channel", "") == "#moderators":
            continue
        texts.append(message.text + " ".join(c.label for c in message.choices))
    return "\n".join(texts)
