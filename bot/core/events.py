"""Normalized inbound events.

Adapters turn platform payloads into these (pure functions in `adapters/<platform>/inbound.py`);
the core never sees a raw payload. Every event carries a `dedupe_key` that is unique for the
real-world occurrence (Slack `event_id`, Matrix event id, ...): the Inbox stores it before any
work starts, so a redelivered event is handled at most once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    platform: str
    dedupe_key: str
    occurred_at: datetime
    member: str
    """The member who did it (joined, wrote, reacted, picked)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberJoined(Event):
    channel: str
    display_name: str = ""
    locale: str | None = None
    timezone: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberPresent(Event):
    """A member found in `channel` by a `ListMembers` action (not a join: they were already there).

    `reason` is the `ListMembers.reason` that asked, so only the feature that asked acts on it.
    """

    channel: str
    reason: str
    display_name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberRolesChanged(Event):
    """The roles a platform grants a member in `channel`'s community (Matrix: from the power
    levels of the community's main room; Slack: workspace admins and owners). `roles` (Role values) is the whole current set and
    replaces the earlier one; an adapter may repeat it when it cannot tell whether it changed."""

    channel: str
    roles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleHoldersListed(Event):
    """Everyone to whom the platform grants roles in `channel`'s community, read in full (Slack:
    the workspace's admins and owners at start-up). Their roles come as `MemberRolesChanged`;
    every other member of the platform holds none now, so a demotion Porch missed while it was
    not running is undone. `member` is empty: nobody did this."""

    channel: str
    holders: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberLeft(Event):
    channel: str
    reason: str = "left"
    """`left`, `kicked` or `banned`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagePosted(Event):
    channel: str
    text: str
    message_id: str
    is_direct: bool = False
    thread_id: str | None = None
    reply_to: str | None = None
    mentions: tuple[str, ...] = ()
    display_name: str = ""
    permalink: str = ""
    """A link that opens the message for a person (Matrix `https://matrix.to/#/...`, Slack
    `https://<workspace>.slack.com/archives/...`, the terminal chat's `m12`); "" if unknown."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageEdited(Event):
    channel: str
    message_id: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageDeleted(Event):
    channel: str
    message_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionAdded(Event):
    channel: str
    message_id: str
    emoji: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionRemoved(Event):
    channel: str
    message_id: str
    emoji: str


@dataclass(frozen=True, slots=True, kw_only=True)
class QuotedMessage:
    """A message as the platform itself vouches for it, for a command about that message."""

    author: str
    text: str
    permalink: str = ""
    """The platform's link to the message (Slack builds it from the shortcut's payload), so a
    queue item links to a message Porch never saw; "" when the platform gives none."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandInvoked(Event):
    """`/porch whoami`, `!ama vote 3`: `root` is `porch` or `ama`, `text` the rest of the line."""

    root: str
    text: str
    channel: str
    is_direct: bool = False
    display_name: str = ""
    context: dict[str, str] = field(default_factory=dict)
    """Platform hints an adapter needs to answer well (a Slack `trigger_id`); never read by features."""
    quoted: QuotedMessage | None = None
    """The message the command is about, from the platform rather than the member (Slack's
    "Report to moderators" shortcut carries the reported message): its author and text even
    when Porch never saw it. None for typed commands."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChoicePicked(Event):
    prompt_id: str
    choice_id: str
    channel: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class TextAnswered(Event):
    prompt_id: str
    text: str
    channel: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class HomeOpened(Event):
    """A member opened Porch's home page (Slack's App Home tab): time to show them their page."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TimerFired(Event):
    """A durable timer came due; `member` is the subject's member (may be empty)."""

    timer_key: str
    feature: str
    subject: str
    community: str
    payload: dict[str, str] = field(default_factory=dict)


CHANNEL_EVENTS = (MemberJoined, MemberLeft, MessagePosted, ReactionAdded, ReactionRemoved)
