"""Slack's workspace admins and owners as Porch roles, read at start-up.

Slack tells an app about a promotion or demotion only while it listens (`user_change`, see
`inbound.roles_from_user_change`), so every start reads the whole truth again with `users.list`:
each admin and owner gets `MemberRolesChanged` in every community channel, then
`RoleHoldersListed` names them all, so whoever Porch still held as an admin from before (demoted
while Porch was not running) loses the role. The keys carry a token unique to this start: a
restart asserts the roles afresh, and only a repeat within one start is dropped by the Inbox.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from adapters.slack.inbound import ADMIN_ROLES, PLATFORM, workspace_roles
from adapters.slack.outbound import SlackOutbound
from bot.core.clock import Clock
from bot.core.errors import RateLimited
from bot.core.events import Event, MemberRolesChanged, RoleHoldersListed

log = logging.getLogger(__name__)

RATE_LIMITED_TRIES = 5
"""users.list is Tier 2 (20+ calls a minute): a page refused with 429 is asked for again after
Slack's `Retry-After`, this many times at most; a big workspace (200 people a page) may meet it."""


async def workspace_admins(outbound: SlackOutbound, clock: Clock, bot_user_id: str) -> list[str]:
    """The ids of the workspace's admins and owners (not deactivated, not bots), page by page.

    Raises the typed error of a call that fails (`missing_scope` for an app without
    `users:read`, or still rate-limited after `RATE_LIMITED_TRIES`).
    """
    admins: list[str] = []
    cursor, tries = "", 0
    while True:
        try:
            users, next_cursor = await outbound.users_page(cursor)
        except RateLimited as limited:
            tries += 1
            if tries >= RATE_LIMITED_TRIES:
                raise
            await clock.sleep_until(clock.now() + timedelta(seconds=limited.retry_after))
            continue
        tries = 0
        admins += [str(u["id"]) for u in users if workspace_roles(u, bot_user_id)]
        if not next_cursor:
            return list(dict.fromkeys(admins))
        cursor = next_cursor


def start_up_roles(
    admins: Sequence[str], channels: Sequence[str], now: datetime, start: str | None = None
) -> list[Event]:
    """Per community channel: each admin's roles, then the complete list of holders.

    `start` makes the keys unique to one start (a fresh random token unless given).
    """
    start = start or secrets.token_hex(8)
    events: list[Event] = []
    for channel in channels:
        events += [
            MemberRolesChanged(
                platform=PLATFORM,
                dedupe_key=f"{PLATFORM}:roles:{start}:{channel}:{admin}",
                occurred_at=now,
                member=admin,
                channel=channel,
                roles=ADMIN_ROLES,
            )
            for admin in admins
        ]
        events.append(
            RoleHoldersListed(
                platform=PLATFORM,
                dedupe_key=f"{PLATFORM}:role-holders:{start}:{channel}",
                occurred_at=now,
                member="",
                channel=channel,
                holders=tuple(admins),
            )
        )
    return events
