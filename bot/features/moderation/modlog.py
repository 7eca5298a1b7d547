"""The moderation log: audit entries of the moderation feature, as chat lines and as CSV.

Every decision and action is an `AuditEntry` whose action starts with `moderation.`. In chat
(`/porch modlog`) a report's actor is shown as "a member": the reported member may be a
moderator too, and must never learn who reported. The CSV (`porch modlog`, run by whoever
operates Porch) has everything, the reporter included.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from bot.store.models import AuditEntry

PREFIX = "moderation."
ANONYMOUS = "moderation.reported"
"""The action whose actor (the reporter) is never shown in chat."""
CHAT_LIMIT = 20
CSV_COLUMNS = ("at", "community", "actor", "action", "subject", "rule", "detail")


def entries(
    session: Session, *, since: datetime, community: str | None = None, limit: int | None = None
) -> list[AuditEntry]:
    """The moderation entries since `since`, newest first."""
    stmt = select(AuditEntry).where(
        col(AuditEntry.action).startswith(PREFIX), col(AuditEntry.at) >= since
    )
    if community is not None:
        stmt = stmt.where(AuditEntry.community == community)
    stmt = stmt.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.exec(stmt))


def chat_fields(entry: AuditEntry, anonymous: str) -> dict[str, str]:
    """The placeholders of one `moderation.modlog_line`."""
    rule = str(entry.detail.get("rule") or "")
    return {
        "at": f"{entry.at:%Y-%m-%d %H:%M}",
        "actor": anonymous if entry.action == ANONYMOUS else entry.actor,
        "action": entry.action.removeprefix(PREFIX),
        "subject": entry.subject or "-",
        "rule": f" · {rule}" if rule else "",
    }


def csv_text(found: Sequence[AuditEntry]) -> str:
    """Oldest first, one row per entry, the detail as JSON."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in sorted(found, key=lambda e: (e.at, e.id or 0)):
        writer.writerow(
            (
                entry.at.isoformat(),
                entry.community,
                entry.actor,
                entry.action.removeprefix(PREFIX),
                entry.subject,
                entry.detail.get("rule") or "",
                json.dumps(entry.detail, ensure_ascii=False, sort_keys=True),
            )
        )
    return out.getvalue()


def table_text(found: Sequence[AuditEntry]) -> str:
    """Oldest first, aligned columns, without the detail (use CSV for that)."""
    rows = [("at", "community", "actor", "action", "subject", "rule")]
    for entry in sorted(found, key=lambda e: (e.at, e.id or 0)):
        rows.append(
            (
                f"{entry.at:%Y-%m-%d %H:%M}",
                entry.community,
                entry.actor,
                entry.action.removeprefix(PREFIX),
                entry.subject or "-",
                str(entry.detail.get("rule") or "-"),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n"
        for row in rows
    )
