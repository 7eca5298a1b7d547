"""Actions -> Slack Web API calls, each failure raised as Porch's typed error.

Also the adapter's other Web API needs: opening views (the answer modal, App Home) and looking up
a member's profile, so that one client, one error mapping and one DM cache serve them all.

Posting is made effectively-once: every `chat.postMessage` carries Porch's Outbox key in its
message metadata (`porch_outbox`). When an earlier attempt may have reached Slack (Porch found
the row in flight after a crash, or the call timed out or lost its connection), the channel is
searched for that key before posting again, and the message found is returned instead.

Operations that are naturally repeatable treat "already done" as done (`already_reacted`,
`already_pinned`, `not_pinned`, `already_in_channel`, deleting a message that is gone), so a
retry after an ambiguous failure never dead-letters an effect that in fact happened.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.emoji import slack_name
from adapters.slack.errors import from_exception
from adapters.slack.render import Rendered, home_view, render, render_single
from bot.core.actions import (
    Action,
    Delivered,
    DirectMessage,
    Edit,
    Ephemeral,
    GroupMessage,
    Invite,
    Kick,
    MessageRef,
    Pin,
    Post,
    PublishHome,
    React,
    Redact,
    Unpin,
)
from bot.core.adapter import DeliveryContext
from bot.core.errors import PlatformError, PorchError, RateLimited, Transient
from bot.core.message import Message

log = logging.getLogger(__name__)

OUTBOX_EVENT = "porch_outbox"
"""Message metadata `event_type` that marks a message Porch posted for an Outbox row."""

LOOKBACK = 200
"""Messages searched for an earlier attempt: the newest of the channel (or thread)."""

MEMBERS_PAGE = 200
"""Members asked for per conversations.members page (Slack recommends at most 200)."""

USERS_PAGE = 200
"""Users asked for per users.list page (Slack recommends at most 200)."""

_DONE_ALREADY = {
    "reactions.add": "already_reacted",
    "pins.add": "already_pinned",
    "pins.remove": "not_pinned",
    "conversations.invite": "already_in_channel",
    "chat.delete": "message_not_found",
}
_PER_CHANNEL_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral"})
_NO_EPHEMERAL_HERE = frozenset({"channel_not_found", "not_in_channel", "user_not_in_channel"})


@dataclass(frozen=True)
class Profile:
    """What Porch keeps of a Slack user to greet them well (ARCHITECTURE invariant 7: minimal)."""

    display_name: str
    locale: str | None = None
    timezone: str | None = None
    is_person: bool = True
    """False for bots, apps and deactivated accounts: nobody to welcome."""


class SlackOutbound:
    """Carries out actions with the bot token (and the admin user token, where only an admin may).

    `admin` is a client with a workspace admin's user token; without it, removing another
    member's message is refused with a `PlatformError` that says how to allow it.
    """

    def __init__(
        self, *, client: AsyncWebClient, admin: AsyncWebClient | None, bot_user_id: str
    ) -> None:
        self._client = client
        self._admin = admin
        self._bot_user_id = bot_user_id
        self._dm_channels: dict[str, str] = {}
        self._uncertain: set[str] = set()
        self._partial: dict[str, dict[int, str]] = {}
        self._profiles: dict[str, Profile] = {}

    async def execute(self, action: Action, ctx: DeliveryContext) -> Delivered:
        if isinstance(action, Post):
            thread = _ts(action.thread) if action.thread else None
            return await self._post(action.channel, action.message, ctx, thread=thread)
        if isinstance(action, DirectMessage):
            return await self._post(await self._dm(action.member), action.message, ctx)
        if isinstance(action, GroupMessage):
            return await self._post(await self._group(action.members), action.message, ctx)
        if isinstance(action, Ephemeral):
            return await self._ephemeral(action, ctx)
        if isinstance(action, Edit):
            return await self._edit(action)
        if isinstance(action, PublishHome):
            await self.publish_home(action.member, home_view(action.message))
            return Delivered()
        return await self._act_on_message(action)

    # -- posting ----------------------------------------------------------------------------

    async def _post(
        self, channel: str, message: Message, ctx: DeliveryContext, *, thread: str | None = None
    ) -> Delivered:
        """Post every part of `message` that is not in the channel yet.

        A long message is several Slack messages; if a rate limit stops it half-way, the parts
        already posted are remembered, so the retry continues where it stopped.
        """
        sent = self._partial.pop(ctx.key, {})
        if ctx.maybe_sent or ctx.key in self._uncertain:
            sent |= await self._find_sent(channel, ctx.key, thread)
        try:
            for index, part in enumerate(render(message)):
                if index not in sent:
                    sent[index], channel = await self._post_part(
                        channel, part, ctx.key, index, thread
                    )
        except PorchError:
            if sent:
                self._partial[ctx.key] = sent
            raise
        self._uncertain.discard(ctx.key)
        return Delivered(message_id=sent[0], channel=channel)

    async def _post_part(
        self, channel: str, part: Rendered, key: str, index: int, thread: str | None
    ) -> tuple[str, str]:
        args: dict[str, Any] = {
            "channel": channel,
            "text": part.text,
            "blocks": part.blocks,
            "metadata": {"event_type": OUTBOX_EVENT, "event_payload": {"key": key, "part": index}},
            "unfurl_links": False,
        }
        if thread:
            args["thread_ts"] = thread
        try:
            data = await self._call("chat.postMessage", **args)
        except Transient:
            self._uncertain.add(key)
            raise
        return str(data["ts"]), str(data.get("channel") or channel)

    async def _find_sent(self, channel: str, key: str, thread: str | None) -> dict[int, str]:
        """Parts of an earlier attempt already in the channel (or thread), by part index."""
        conversation = await self._conversation(channel)
        args: dict[str, Any] = {
            "channel": conversation,
            "limit": LOOKBACK,
            "include_all_metadata": True,
        }
        if thread:
            data = await self._call("conversations.replies", ts=thread, **args)
        else:
            data = await self._call("conversations.history", **args)
        found: dict[int, str] = {}
        for message in data.get("messages") or ():
            payload = _outbox_payload(message)
            if payload.get("key") == key and message.get("user") == self._bot_user_id:
                found[int(payload.get("part", 0))] = str(message["ts"])
        return found

    async def _ephemeral(self, action: Ephemeral, ctx: DeliveryContext) -> Delivered:
        """An ephemeral reply; where Slack cannot show one (a slash command used in a channel
        Porch is not in, or in a DM between people), the member gets it as a DM instead: still
        seen by them alone, and never silently lost."""
        part = render_single(action.message)
        try:
            data = await self._call(
                "chat.postEphemeral",
                channel=action.channel,
                user=action.member,
                text=part.text,
                blocks=part.blocks,
            )
        except PlatformError as exc:
            if exc.code not in _NO_EPHEMERAL_HERE:
                raise
            return await self._post(await self._dm(action.member), action.message, ctx)
        return Delivered(message_id=str(data.get("message_ts", "")), channel=action.channel)

    async def _edit(self, action: Edit) -> Delivered:
        part = render_single(action.message)
        channel = await self._conversation(action.channel)
        ts = _ts(action.target)
        await self._call("chat.update", channel=channel, ts=ts, text=part.text, blocks=part.blocks)
        return Delivered(message_id=ts, channel=channel)

    # -- acting on messages and members ---------------------------------------------------------

    async def _act_on_message(self, action: Action) -> Delivered:
        if isinstance(action, Invite):
            await self._call("conversations.invite", channel=action.channel, users=action.member)
            return Delivered(channel=action.channel)
        if isinstance(action, Kick):
            await self._call("conversations.kick", channel=action.channel, user=action.member)
            return Delivered(channel=action.channel)
        assert isinstance(action, React | Redact | Pin | Unpin)
        channel = await self._conversation(action.channel)
        ts = _ts(action.target)
        if isinstance(action, React):
            await self._call(
                "reactions.add", channel=channel, timestamp=ts, name=slack_name(action.emoji)
            )
        elif isinstance(action, Pin):
            await self._call("pins.add", channel=channel, timestamp=ts)
        elif isinstance(action, Unpin):
            await self._call("pins.remove", channel=channel, timestamp=ts)
        else:
            await self._delete(channel, ts)
        return Delivered(message_id=ts, channel=channel)

    async def _delete(self, channel: str, ts: str) -> None:
        """Delete with the bot token; another member's message needs the admin's user token."""
        try:
            await self._call("chat.delete", channel=channel, ts=ts)
        except PlatformError as exc:
            if exc.code != "cant_delete_message" or self._admin is None:
                raise
            await self._call("chat.delete", channel=channel, ts=ts, client=self._admin)

    # -- people ----------------------------------------------------------------------------------

    async def profile(self, member: str) -> Profile | None:
        """A member's name, locale and time zone (cached); None if Slack will not say.

        Only a nicety for greetings and local times: a failure here must never keep an event
        from being handled, so it is logged and answered with None.
        """
        if member in self._profiles:
            return self._profiles[member]
        try:
            data = await self._call("users.info", user=member, include_locale=True)
        except PorchError as exc:
            log.info("no profile for %s: %s", member, exc)
            return None
        user: Mapping[str, Any] = data.get("user") or {}
        details: Mapping[str, Any] = user.get("profile") or {}
        found = Profile(
            display_name=str(
                details.get("display_name") or user.get("real_name") or user.get("name") or ""
            ),
            locale=user.get("locale"),
            timezone=user.get("tz"),
            is_person=not (
                user.get("is_bot")
                or user.get("is_app_user")
                or user.get("deleted")
                or member == "USLACKBOT"
            ),
        )
        self._profiles[member] = found
        return found

    async def channel_members(self, channel: str) -> list[str]:
        """Everyone in `channel` but Porch itself, page by page (conversations.members)."""
        members: list[str] = []
        cursor = ""
        while True:
            args: dict[str, Any] = {"channel": channel, "limit": MEMBERS_PAGE}
            if cursor:
                args["cursor"] = cursor
            data = await self._call("conversations.members", **args)
            members += [str(m) for m in data.get("members") or () if m != self._bot_user_id]
            cursor = str((data.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return members

    async def users_page(self, cursor: str) -> tuple[list[Mapping[str, Any]], str]:
        """One page of the workspace's users (users.list, Tier 2) and the cursor of the next
        page ("" after the last)."""
        args: dict[str, Any] = {"limit": USERS_PAGE}
        if cursor:
            args["cursor"] = cursor
        data = await self._call("users.list", **args)
        users = [u for u in data.get("members") or () if isinstance(u, Mapping)]
        return users, str((data.get("response_metadata") or {}).get("next_cursor") or "")

    # -- views ---------------------------------------------------------------------------------

    async def open_view(self, trigger_id: str, view: Mapping[str, Any]) -> None:
        """Open a modal; Slack accepts a `trigger_id` once and for three seconds only."""
        await self._call("views.open", trigger_id=trigger_id, view=dict(view))

    async def publish_home(self, member: str, view: Mapping[str, Any]) -> None:
        await self._call("views.publish", user_id=member, view=dict(view))

    # -- conversations ------------------------------------------------------------------------

    async def _conversation(self, channel: str) -> str:
        """A conversation id for methods that take no user id: a member id opens their DM."""
        return await self._dm(channel) if channel[:1] in ("U", "W") else channel

    async def _dm(self, member: str) -> str:
        if member not in self._dm_channels:
            data = await self._call("conversations.open", users=member)
            self._dm_channels[member] = str(data["channel"]["id"])
        return self._dm_channels[member]

    async def _group(self, members: tuple[str, ...]) -> str:
        data = await self._call("conversations.open", users=",".join(members))
        return str(data["channel"]["id"])

    async def _call(
        self, method: str, *, client: AsyncWebClient | None = None, **args: Any
    ) -> Mapping[str, Any]:
        """One Web API call; Slack's failures come back as Porch's typed errors."""
        function = getattr(client or self._client, method.replace(".", "_"))
        try:
            response = await function(**args)
        except Exception as exc:
            mapped = from_exception(method, exc)
            if mapped is None:
                raise
            if isinstance(mapped, PlatformError) and mapped.code == _DONE_ALREADY.get(method):
                return {}
            if isinstance(mapped, RateLimited) and method not in _PER_CHANNEL_METHODS:
                mapped = RateLimited(mapped.retry_after, scope="global")
            raise mapped from exc
        data: Mapping[str, Any] = response.data if isinstance(response.data, dict) else {}
        return data


def _ts(ref: MessageRef) -> str:
    """The Slack `ts` of a message reference (the Deliverer has resolved effect keys by now)."""
    if not ref.message_id:
        raise PlatformError("no_message_id", f"the message {ref.effect_key} has no Slack ts yet")
    return ref.message_id


def _outbox_payload(message: Mapping[str, Any]) -> Mapping[str, Any]:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != OUTBOX_EVENT:
        return {}
    payload = metadata.get("event_payload") or {}
    return payload if isinstance(payload, dict) else {}
