"""Actions: the effects features ask for, as data.

An action names the capability it needs; each adapter declares the capabilities it has and
raises `Unsupported` for anything else. Actions are stored in the Outbox as JSON, so they are
pydantic models with a `kind` discriminator.

A message an action refers to is a `MessageRef`: either the platform's id, when known, or the
idempotency key of the Outbox item that posted it, resolved by the Deliverer once that item is
delivered (so a feature can post a board and edit it in the same breath).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from bot.core.message import Message


class Capability(StrEnum):
    SEND = "send"
    DM = "dm"
    GROUP_DM = "group_dm"
    EPHEMERAL = "ephemeral"
    THREAD = "thread"
    REACT = "react"
    EDIT = "edit"
    REDACT = "redact"
    REDACT_ANY = "redact_any"
    """Remove other members' messages too (Slack: only with an admin user token)."""
    INVITE = "invite"
    KICK = "kick"
    BAN = "ban"
    MUTE = "mute"
    PIN = "pin"
    MODAL = "modal"
    HOME = "home"
    LIST_MEMBERS = "list_members"
    """Tell who is in a channel (feeds `MemberPresent` events back through the adapter's sink)."""


class MessageRef(BaseModel):
    """A message by platform id, or by the Outbox key of the effect that posted it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    message_id: str | None = None
    effect_key: str | None = None


class _Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    platform: str

    def rate_key(self) -> str:
        """The per-channel rate bucket this action spends from (and whose order it keeps)."""
        return self.platform


class _InChannel(_Action):
    """An action in one channel or room: it spends from that channel's rate bucket and keeps
    its order with everything else Porch does there."""

    channel: str

    def rate_key(self) -> str:
        return f"{self.platform}:{self.channel}"


class Post(_InChannel):
    """Post in a channel or room, optionally as a reply in a thread."""

    kind: Literal["post"] = "post"
    message: Message
    thread: MessageRef | None = None


class DirectMessage(_Action):
    """Write to a member privately; the adapter finds or opens the direct conversation."""

    kind: Literal["dm"] = "dm"
    member: str
    message: Message

    def rate_key(self) -> str:
        return f"{self.platform}:dm:{self.member}"


class GroupMessage(_Action):
    """Open a conversation with several members at once (intro pairings)."""

    kind: Literal["group_dm"] = "group_dm"
    members: tuple[str, ...]
    message: Message

    def rate_key(self) -> str:
        return f"{self.platform}:group:{','.join(sorted(self.members))}"


class Ephemeral(_InChannel):
    """A reply only `member` sees in `channel` (Slack ephemeral); degraded to a DM elsewhere."""

    kind: Literal["ephemeral"] = "ephemeral"
    member: str
    message: Message


class Edit(_InChannel):
    """Replace the content of a message Porch posted earlier."""

    kind: Literal["edit"] = "edit"
    target: MessageRef
    message: Message


class React(_InChannel):
    kind: Literal["react"] = "react"
    target: MessageRef
    emoji: str


class Redact(_InChannel):
    """Remove a message (Slack delete, Matrix redaction), with a reason where the platform keeps one.

    `others` says the message is a member's, not Porch's own: that needs `REDACT_ANY`.
    """

    kind: Literal["redact"] = "redact"
    target: MessageRef
    reason: str = ""
    others: bool = False


class Pin(_InChannel):
    kind: Literal["pin"] = "pin"
    target: MessageRef


class Unpin(_InChannel):
    """Take a pin off a message (crisis off unpins the statement crisis on pinned)."""

    kind: Literal["unpin"] = "unpin"
    target: MessageRef


class Invite(_InChannel):
    kind: Literal["invite"] = "invite"
    member: str


class Kick(_InChannel):
    kind: Literal["kick"] = "kick"
    member: str
    reason: str = ""


class Ban(_InChannel):
    kind: Literal["ban"] = "ban"
    member: str
    reason: str = ""


class Mute(_InChannel):
    """Keep `member` from writing in `channel` until `until` (Matrix: a power level below the
    room's `events_default`). The platform may not expire it: the core sends `Unmute` from a
    durable timer at `until`, so a restart never leaves anyone muted for good."""

    kind: Literal["mute"] = "mute"
    member: str
    until: datetime
    reason: str = ""


class Unmute(_InChannel):
    """Let `member` write in `channel` again, as they could before the `Mute`."""

    kind: Literal["unmute"] = "unmute"
    member: str
    reason: str = ""


class ListMembers(_InChannel):
    """Ask the platform who is in `channel`; the adapter answers with one `MemberPresent` event
    per member (not Porch itself) through its sink, each carrying `reason` back to the features.

    `porch onboard --existing` uses it to find the members who were there before Porch.
    """

    kind: Literal["list_members"] = "list_members"
    reason: str


class PublishHome(_Action):
    """Show `member` their home page (Slack: the App Home tab, replaced as a whole)."""

    kind: Literal["publish_home"] = "publish_home"
    member: str
    message: Message

    def rate_key(self) -> str:
        return f"{self.platform}:home:{self.member}"


Action = Annotated[
    Post
    | DirectMessage
    | GroupMessage
    | Ephemeral
    | Edit
    | React
    | Redact
    | Pin
    | Unpin
    | Invite
    | Kick
    | Ban
    | Mute
    | Unmute
    | ListMembers
    | PublishHome,
    Field(discriminator="kind"),
]
"""Any action; use `ACTION_ADAPTER` to (de)serialize one."""

ACTION_ADAPTER: TypeAdapter[Action] = TypeAdapter(Action)

CAPABILITY_OF: dict[str, Capability] = {
    "post": Capability.SEND,
    "dm": Capability.DM,
    "group_dm": Capability.GROUP_DM,
    "ephemeral": Capability.EPHEMERAL,
    "edit": Capability.EDIT,
    "react": Capability.REACT,
    "redact": Capability.REDACT,
    "pin": Capability.PIN,
    "unpin": Capability.PIN,
    "invite": Capability.INVITE,
    "kick": Capability.KICK,
    "ban": Capability.BAN,
    "mute": Capability.MUTE,
    "unmute": Capability.MUTE,
    "list_members": Capability.LIST_MEMBERS,
    "publish_home": Capability.HOME,
}


def capability_of(action: Action) -> Capability:
    """The capability an adapter needs to carry `action` out."""
    if isinstance(action, Post) and action.thread is not None:
        return Capability.THREAD
    if isinstance(action, Redact) and action.others:
        return Capability.REDACT_ANY
    return CAPABILITY_OF[action.kind]


class Delivered(BaseModel):
    """What the platform told us about a delivered effect: where it went and its id there."""

    model_config = ConfigDict(frozen=True)

    message_id: str | None = None
    channel: str | None = None
