"""`ListMembers` on Matrix: who is in a room now, reported as one `MemberPresent` per member.

The room's joined members come from the homeserver (`/joined_members`, with display names), not
from the sync's view of the room, which on a first start may be lazy or incomplete. Each event
is keyed by the Outbox item that asked and the member, so a retry after a failure half-way
reports the rest and the Inbox drops the ones already taken.
"""

from __future__ import annotations

from datetime import datetime

import nio

from adapters.matrix.errors import call
from bot.core.actions import Delivered, ListMembers
from bot.core.adapter import DeliveryContext, EventSink, member_present


async def report_members(
    client: nio.AsyncClient,
    own_user_id: str,
    action: ListMembers,
    ctx: DeliveryContext,
    sink: EventSink,
    now: datetime,
) -> Delivered:
    """Hand Porch one `MemberPresent` per joined member of the room, Porch itself excepted."""
    response = await call(
        client.joined_members(action.channel),
        nio.JoinedMembersResponse,
        f"list the members of {action.channel}",
    )
    for member in response.members:
        if member.user_id == own_user_id:
            continue
        await sink(member_present(action, ctx, member.user_id, now, member.display_name or ""))
    return Delivered(channel=action.channel)
