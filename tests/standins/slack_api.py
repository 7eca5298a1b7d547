"""A local stand-in for the Slack Web API and Socket Mode, for tests.

No real Slack workspace is reachable from CI, yet the code that talks to Slack
must be exercised against something that behaves like Slack: it checks every
call against Slack's published OpenAPI spec, answers with Slack's error
shapes, enforces Slack's rate-limit tiers, and keeps a small workspace (users,
channels, DMs, messages, threads, reactions, pins, views) so that a client can
read back what it wrote.  It is generic: it knows Slack, not any one bot.

Typical use (the ``slack_api`` fixture in conftest.py does this for you)::

    async with SlackStandIn() as slack:
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.base_url)
        await client.chat_postMessage(channel=slack.general_id, text="hi")
        assert slack.messages(slack.general_id)[-1].text == "hi"
        assert not slack.violations

Time: everything time-dependent (rate limits, ``ts`` values, trigger expiry)
reads an injectable :class:`Clock`.  ``ManualClock`` lets a test jump forward
without sleeping; ``time_scale=600`` makes one real 100 ms count as a minute.
``Retry-After`` is always expressed in the stand-in's (virtual) seconds.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import math
import re
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from aiohttp import WSCloseCode, WSMsgType, web

from tests.standins.slack_inbound import SlackInbound, make_trigger_id
from tests.standins.slack_spec import MethodSpec, SlackSpec, load_spec

JSONDict = dict[str, Any]
TokenKind = Literal["bot", "user", "app"]
ConversationKind = Literal["public", "private", "im", "mpim"]

DEFAULT_EPOCH = 1_700_000_000.0
DEFAULT_BOT_SCOPES: frozenset[str] = frozenset(
    {
        "app_mentions:read",
        "channels:history",
        "channels:manage",
        "channels:read",
        "chat:write",
        "commands",
        "groups:history",
        "groups:read",
        "groups:write",
        "im:history",
        "im:read",
        "im:write",
        "mpim:history",
        "mpim:read",
        "mpim:write",
        "pins:read",
        "pins:write",
        "reactions:read",
        "reactions:write",
        "team:read",
        "users:read",
        "users:read.email",
    }
)
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


# ==========================================================================
# Time
# ==========================================================================


class Clock(Protocol):
    """Source of the stand-in's notion of "now", in epoch seconds."""

    def time(self) -> float:
        """Current time in (possibly virtual) epoch seconds."""
        ...


class ManualClock:
    """A clock that only moves when a test calls :meth:`advance`.

    This is how tests cross a rate-limit window without sleeping.
    """

    def __init__(self, start: float = DEFAULT_EPOCH) -> None:
        self._now = start

    def time(self) -> float:
        """The frozen current time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward; moving backwards would break ``ts`` ordering."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._now += seconds


class ScaledClock:
    """Wall-clock time running ``scale`` times faster than real time.

    With ``scale=600`` one real 100 ms is one Slack minute, so a client that
    honours Retry-After (scaled by the same factor) completes quickly.
    """

    def __init__(
        self,
        scale: float = 1.0,
        start: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.scale = scale
        self._monotonic = monotonic
        self._start = time.time() if start is None else start
        self._t0 = monotonic()

    def time(self) -> float:
        """Virtual now: start plus scaled real elapsed time."""
        return self._start + (self._monotonic() - self._t0) * self.scale


# ==========================================================================
# Errors and records
# ==========================================================================


class SlackError(Exception):
    """A Slack-shaped failure: ``{"ok": false, "error": ...}`` plus HTTP details."""

    def __init__(
        self,
        error: str,
        *,
        status: int = 200,
        extra: JSONDict | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra or {}
        self.headers = dict(headers or {})

    def body(self) -> JSONDict:
        """The JSON body Slack would send."""
        return {"ok": False, "error": self.error, **self.extra}


def invalid_arguments(*messages: str) -> SlackError:
    """Slack's current shape for schema-level argument errors."""
    return SlackError(
        "invalid_arguments",
        extra={"response_metadata": {"messages": [f"[ERROR] {m}" for m in messages]}},
    )


@dataclass(frozen=True)
class Call:
    """One Web API request as the stand-in saw it (token removed from args)."""

    method: str
    args: JSONDict
    time: float
    http_method: str
    content_type: str
    token_kind: str | None
    status: int
    response: JSONDict | None

    @property
    def ok(self) -> bool:
        """Whether Slack would have reported success."""
        return bool(self.response and self.response.get("ok"))

    @property
    def error(self) -> str | None:
        """The Slack error code, if the call failed with one."""
        return None if self.response is None else self.response.get("error")


@dataclass(frozen=True)
class Finding:
    """A spec violation or warning, tied to the method that caused it."""

    method: str
    message: str
    time: float

    def __str__(self) -> str:
        return f"{self.method}: {self.message}"


class SocketAckTimeout(AssertionError):
    """The Socket Mode client did not acknowledge an envelope in time."""

    def __init__(self, envelope: JSONDict, timeout: float) -> None:
        super().__init__(
            f"envelope {envelope['envelope_id']} ({envelope['type']}) not acked in {timeout}s"
        )
        self.envelope = envelope


# ==========================================================================
# Rate limits
# ==========================================================================


@dataclass(frozen=True)
class Limit:
    """A token bucket: sustained ``per_minute`` rate, ``burst`` calls at once.

    Slack publishes the sustained rates ("Tier 2: 20+ per minute") and only
    says bursts are tolerated; the burst sizes below are this stand-in's model.
    """

    per_minute: float
    burst: int

    @property
    def per_second(self) -> float:
        """Refill rate of the bucket."""
        return self.per_minute / 60.0


TIER_1 = Limit(1, 2)
TIER_2 = Limit(20, 23)
TIER_3 = Limit(50, 55)
TIER_4 = Limit(100, 120)
#: auth.test and chat.getPermalink: "hundreds of requests per minute".
SPECIAL_HUNDREDS = Limit(300, 300)
#: chat.postMessage workspace-wide: "several hundred messages per minute".
POST_MESSAGE_WORKSPACE = Limit(300, 300)
#: chat.postMessage per channel: "1 per second, short bursts >1 allowed".
POST_MESSAGE_PER_CHANNEL = Limit(60, 3)
DEFAULT_LIMIT = TIER_3

#: Tiers from Slack's method docs (mirrored by Slack's own java-slack-sdk
#: MethodsRateLimits table).  Unlisted methods default to Tier 3.
METHOD_LIMITS: Mapping[str, Limit] = {
    "apps.connections.open": TIER_1,
    "auth.test": SPECIAL_HUNDREDS,
    "chat.delete": TIER_3,
    "chat.getPermalink": SPECIAL_HUNDREDS,
    "chat.postEphemeral": TIER_4,
    "chat.postMessage": POST_MESSAGE_WORKSPACE,
    "chat.scheduleMessage": TIER_3,
    "chat.update": TIER_3,
    "conversations.create": TIER_2,
    "conversations.history": TIER_3,
    "conversations.info": TIER_3,
    "conversations.invite": TIER_3,
    "conversations.join": TIER_3,
    "conversations.kick": TIER_3,
    "conversations.list": TIER_2,
    "conversations.members": TIER_4,
    "conversations.open": TIER_3,
    "conversations.replies": TIER_3,
    "conversations.setTopic": TIER_2,
    "pins.add": TIER_2,
    "pins.list": TIER_2,
    "pins.remove": TIER_2,
    "reactions.add": TIER_3,
    "reactions.get": TIER_3,
    "reactions.remove": TIER_2,
    "team.info": TIER_3,
    "usergroups.list": TIER_2,
    "users.info": TIER_4,
    "users.list": TIER_2,
    "users.lookupByEmail": TIER_3,
    "users.profile.get": TIER_4,
    "views.open": TIER_4,
    "views.publish": TIER_4,
    "views.push": TIER_4,
    "views.update": TIER_4,
}


@dataclass
class _Bucket:
    limit: Limit
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(float(self.limit.burst), self.tokens + elapsed * self.limit.per_second)
        self.updated = now

    def wait_time(self) -> float:
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.limit.per_second


class RateLimiter:
    """Per token+method buckets, plus chat.postMessage's per-channel bucket.

    Slack applies limits "per method per app per workspace"; one token stands
    for one app installation here.
    """

    def __init__(self, clock: Clock, *, enabled: bool = True) -> None:
        self.clock = clock
        self.enabled = enabled
        self._limits: dict[str, Limit] = dict(METHOD_LIMITS)
        self._per_channel = POST_MESSAGE_PER_CHANNEL
        self._buckets: dict[tuple[str, str, str], _Bucket] = {}

    def limit_for(self, method: str) -> Limit:
        """The bucket shape used for ``method``."""
        return self._limits.get(method, DEFAULT_LIMIT)

    def set_limit(self, method: str, limit: Limit) -> None:
        """Override one method's limit (e.g. to test a client's pacing)."""
        self._limits[method] = limit

    def set_per_channel_limit(self, limit: Limit) -> None:
        """Override chat.postMessage's per-channel limit."""
        self._per_channel = limit

    def reset(self) -> None:
        """Forget all consumption, as if a long time had passed."""
        self._buckets.clear()

    def acquire(self, token: str, method: str, channel: str | None = None) -> float | None:
        """Consume one request; return seconds to wait instead if limited."""
        if not self.enabled:
            return None
        now = self.clock.time()
        buckets = [self._bucket(("method", token, method), self.limit_for(method), now)]
        if method == "chat.postMessage" and channel:
            buckets.append(self._bucket(("channel", token, channel), self._per_channel, now))
        wait = max(b.wait_time() for b in buckets)
        if wait > 0:
            return wait
        for bucket in buckets:
            bucket.tokens -= 1.0
        return None

    def _bucket(self, key: tuple[str, str, str], limit: Limit, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None or bucket.limit != limit:
            bucket = self._buckets[key] = _Bucket(limit, float(limit.burst), now)
        bucket.refill(now)
        return bucket


# ==========================================================================
# Workspace model
# ==========================================================================


class _Ids:
    """Deterministic Slack-looking IDs (``U000000001``) so test output is stable."""

    def __init__(self) -> None:
        self._counters: dict[str, int] = defaultdict(int)

    def next(self, prefix: str) -> str:
        self._counters[prefix] += 1
        return f"{prefix}0{self._counters[prefix]:08X}"


class _TsSource:
    """Slack ``ts`` strings: epoch seconds with 6 digits, unique and increasing."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._last = 0

    def next(self) -> str:
        micros = max(int(self._clock.time() * 1_000_000), self._last + 1)
        self._last = micros
        return format_ts(micros)


def format_ts(micros: int) -> str:
    """Render microseconds since the epoch the way Slack writes ``ts``."""
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def ts_micros(ts: str) -> int:
    """Parse a Slack ``ts`` into microseconds; ValueError if malformed."""
    match = re.fullmatch(r"(\d+)(?:\.(\d{1,6}))?", ts.strip())
    if not match:
        raise ValueError(f"not a Slack ts: {ts!r}")
    return int(match.group(1)) * 1_000_000 + int((match.group(2) or "0").ljust(6, "0"))


@dataclass
class User:
    """A workspace member (human or bot user)."""

    id: str
    team_id: str
    name: str
    real_name: str = ""
    email: str | None = None
    is_admin: bool = False
    is_owner: bool = False
    is_primary_owner: bool = False
    is_bot: bool = False
    bot_id: str | None = None
    deleted: bool = False
    tz: str = "Europe/London"
    locale: str = "en-US"

    def to_api(self, *, include_locale: bool = False) -> JSONDict:
        """The ``user`` object of users.info / users.list."""
        body: JSONDict = {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name or self.name,
            "tz": self.tz,
            "tz_label": "Greenwich Mean Time",
            "tz_offset": 0,
            "profile": self._profile(),
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": self.is_primary_owner,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": int(DEFAULT_EPOCH),
        }
        if include_locale:
            body["locale"] = self.locale
        return body

    def _profile(self) -> JSONDict:
        profile: JSONDict = {
            "real_name": self.real_name or self.name,
            "display_name": self.name,
            "team": self.team_id,
            "image_48": f"https://avatars.example/{self.id}_48.png",
        }
        if self.email and not self.is_bot:
            profile["email"] = self.email
        if self.bot_id:
            profile["bot_id"] = self.bot_id
        return profile


@dataclass
class Message:
    """A stored message; replies share the conversation list with parents."""

    ts: str
    channel: str
    user: str
    team: str
    text: str = ""
    blocks: list[JSONDict] | None = None
    attachments: list[JSONDict] | None = None
    metadata: JSONDict | None = None
    thread_ts: str | None = None
    parent_user_id: str | None = None
    subtype: str | None = None
    bot_id: str | None = None
    app_id: str | None = None
    edited: JSONDict | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    pinned: bool = False

    @property
    def is_reply(self) -> bool:
        """Replies carry their parent's ts in ``thread_ts``."""
        return self.thread_ts is not None and self.thread_ts != self.ts

    @property
    def in_channel_history(self) -> bool:
        """Top-level messages and broadcast replies show in conversations.history."""
        return not self.is_reply or self.subtype == "thread_broadcast"

    def to_api(self, *, include_metadata: bool, replies: Sequence[Message] = ()) -> JSONDict:
        """The message object as conversations.history returns it."""
        body: JSONDict = {"type": "message", "user": self.user, "text": self.text, "ts": self.ts}
        body["team"] = self.team
        optional = {
            "subtype": self.subtype,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "blocks": self.blocks,
            "attachments": self.attachments,
            "thread_ts": self.thread_ts,
            "parent_user_id": self.parent_user_id if self.is_reply else None,
            "edited": self.edited,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        body.update(_thread_summary(replies))
        if self.reactions:
            body["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in self.reactions.items()
            ]
        if self.pinned:
            body["pinned_to"] = [self.channel]
        if include_metadata and self.metadata is not None:
            body["metadata"] = copy.deepcopy(self.metadata)
        return body


def _thread_summary(replies: Sequence[Message]) -> JSONDict:
    if not replies:
        return {}
    users = list(dict.fromkeys(r.user for r in replies))
    return {
        "reply_count": len(replies),
        "reply_users_count": len(users),
        "reply_users": users,
        "latest_reply": replies[-1].ts,
        "subscribed": False,
    }


@dataclass
class Conversation:
    """A public/private channel, DM (im) or group DM (mpim)."""

    id: str
    name: str
    kind: ConversationKind
    created: int
    creator: str
    members: list[str] = field(default_factory=list)
    is_general: bool = False
    is_archived: bool = False
    topic: str = ""
    purpose: str = ""
    messages: list[Message] = field(default_factory=list)

    @property
    def is_dm(self) -> bool:
        """DMs and group DMs reject channel-management methods."""
        return self.kind in ("im", "mpim")

    def replies(self, parent_ts: str) -> list[Message]:
        """Replies of a thread, oldest first."""
        return [m for m in self.messages if m.thread_ts == parent_ts and m.ts != parent_ts]

    def find(self, ts: str) -> Message | None:
        """The message with this exact ts, if it still exists."""
        return next((m for m in self.messages if m.ts == ts), None)

    def to_api(self, viewer: str | None = None) -> JSONDict:
        """The conversation object of conversations.info / list / open."""
        body: JSONDict = {
            "id": self.id,
            "created": self.created,
            "is_archived": self.is_archived,
            "is_im": self.kind == "im",
            "is_mpim": self.kind == "mpim",
            "is_private": self.kind != "public",
            "is_org_shared": False,
            "is_shared": False,
            "context_team_id": None,
        }
        if self.kind == "im":
            body["user"] = next((m for m in self.members if m != viewer), viewer)
            return body
        body.update(
            {
                "name": self.name,
                "name_normalized": self.name,
                "is_channel": self.kind == "public",
                "is_group": False,
                "is_general": self.is_general,
                "creator": self.creator,
                "is_member": viewer in self.members,
                "num_members": len(self.members),
                "topic": {"value": self.topic, "creator": "", "last_set": 0},
                "purpose": {"value": self.purpose, "creator": "", "last_set": 0},
            }
        )
        return body


class Workspace:
    """Team state: users, conversations, messages, views.

    Tests seed it directly (``add_user``, ``add_channel``, ``post``) and read it
    back to assert on what a client did.
    """

    def __init__(self, clock: Clock, *, team_name: str, domain: str) -> None:
        self.clock = clock
        self.ids = _Ids()
        self.ts = _TsSource(clock)
        self.team_id = self.ids.next("T")
        self.app_id = self.ids.next("A")
        self.team_name = team_name
        self.domain = domain
        self.users: dict[str, User] = {}
        self.conversations: dict[str, Conversation] = {}
        self._dm_index: dict[frozenset[str], str] = {}
        self.views: dict[str, JSONDict] = {}
        self.home_views: dict[str, JSONDict] = {}
        self.ephemeral: list[JSONDict] = []

    # -- seeding ----------------------------------------------------------

    def add_user(self, name: str, **attrs: Any) -> User:
        """Create a human user; attrs: real_name, email, is_admin, is_owner, deleted…"""
        user = User(id=self.ids.next("U"), team_id=self.team_id, name=name, **attrs)
        user.email = user.email or f"{name}@{self.domain}.example"
        self.users[user.id] = user
        return user

    def add_bot_user(self, name: str) -> User:
        """Create the bot user an app installation gets (with a B… bot id)."""
        user = User(
            id=self.ids.next("U"),
            team_id=self.team_id,
            name=name,
            is_bot=True,
            bot_id=self.ids.next("B"),
        )
        self.users[user.id] = user
        return user

    def add_channel(
        self,
        name: str,
        *,
        private: bool = False,
        members: Iterable[str] = (),
        is_general: bool = False,
        creator: str | None = None,
        topic: str = "",
        purpose: str = "",
    ) -> Conversation:
        """Create a public (C…) or private channel with initial members."""
        member_list = list(dict.fromkeys(members))
        conv = Conversation(
            id=self.ids.next("C"),
            name=name.lstrip("#"),
            kind="private" if private else "public",
            created=int(self.clock.time()),
            creator=creator or (member_list[0] if member_list else ""),
            members=member_list,
            is_general=is_general,
            topic=topic,
            purpose=purpose,
        )
        self.conversations[conv.id] = conv
        return conv

    def open_dm(self, members: Iterable[str]) -> tuple[Conversation, bool]:
        """The one DM/group DM for this member set; (conversation, created)."""
        key = frozenset(members)
        existing = self._dm_index.get(key)
        if existing:
            return self.conversations[existing], False
        kind: ConversationKind = "im" if len(key) <= 2 else "mpim"
        conv = Conversation(
            id=self.ids.next("D" if kind == "im" else "C"),
            name=""
            if kind == "im"
            else "mpdm-" + "--".join(sorted(self.users[u].name for u in key)) + "-1",
            kind=kind,
            created=int(self.clock.time()),
            creator=next(iter(sorted(key))),
            members=sorted(key),
        )
        self.conversations[conv.id] = conv
        self._dm_index[key] = conv.id
        return conv, True

    def post(self, channel: str, user: str, text: str = "", **fields: Any) -> Message:
        """Append a message (as ``user``) and keep thread bookkeeping right.

        ``fields``: blocks, attachments, metadata, thread_ts, subtype, bot_id,
        app_id.  Use this to seed messages "from other people" in tests.
        """
        conv = self.conversations[channel]
        message = Message(
            ts=self.ts.next(), channel=channel, user=user, team=self.team_id, text=text, **fields
        )
        if message.thread_ts:
            parent = conv.find(message.thread_ts)
            message.parent_user_id = parent.user if parent else None
        conv.messages.append(message)
        return message

    # -- lookups ----------------------------------------------------------

    def conversation(self, ref: str, *, allow_names: bool = False) -> Conversation | None:
        """Find by ID, or (chat.* methods only) by ``#name``/``name``."""
        if ref in self.conversations:
            return self.conversations[ref]
        if not allow_names:
            return None
        name = ref.lstrip("#")
        return next(
            (c for c in self.conversations.values() if c.name == name and not c.is_dm), None
        )

    def channel_named(self, name: str) -> Conversation:
        """Seeded channel by name; KeyError makes test typos obvious."""
        conv = self.conversation(name, allow_names=True)
        if conv is None:
            raise KeyError(name)
        return conv

    def delete_message(self, conv: Conversation, message: Message) -> None:
        """Remove a message; a parent with replies becomes a tombstone, as in Slack."""
        if not message.is_reply and conv.replies(message.ts):
            message.subtype, message.text, message.blocks = (
                "tombstone",
                "This message was deleted.",
                None,
            )
            message.attachments, message.metadata, message.user = None, None, "USLACKBOT"
            return
        conv.messages.remove(message)


# ==========================================================================
# Tokens, triggers, injected failures
# ==========================================================================


@dataclass(frozen=True)
class TokenInfo:
    """What a registered token stands for."""

    token: str
    kind: TokenKind
    user_id: str | None
    bot_id: str | None = None
    scopes: frozenset[str] = frozenset()


class TriggerRegistry:
    """trigger_id bookkeeping: Slack's triggers are single-use and expire after 3 s."""

    PATTERN = re.compile(r"^\d+\.\d+\.[0-9a-f]+$")

    def __init__(self, clock: Clock, ttl: float | None = 3.0) -> None:
        self.clock = clock
        self.ttl = ttl
        self._issued: dict[str, float] = {}
        self._exchanged: set[str] = set()

    def issue(self) -> str:
        """Mint a trigger_id in Slack's format and remember when it was issued."""
        trigger_id = make_trigger_id(self.clock.time())
        self.register(trigger_id)
        return trigger_id

    def register(self, trigger_id: str) -> None:
        """Remember a trigger_id minted elsewhere (e.g. by an inbound builder)."""
        self._issued.setdefault(trigger_id, self.clock.time())

    def exchange(self, trigger_id: str) -> tuple[str | None, str | None]:
        """Use a trigger; return (error, warning)."""
        if not self.PATTERN.match(trigger_id):
            return "invalid_trigger_id", None
        if trigger_id in self._exchanged:
            return "exchanged_trigger_id", None
        issued = self._issued.get(trigger_id)
        if issued is not None and self.ttl is not None and self.clock.time() - issued > self.ttl:
            return "expired_trigger_id", None
        self._exchanged.add(trigger_id)
        if issued is None:
            return (
                None,
                f"trigger_id {trigger_id} was not issued via the stand-in; expiry not checked",
            )
        return None, None


@dataclass
class InjectedFailure:
    """One scripted failure for the next call(s) of a method."""

    error: str | None
    status: int
    retry_after: int | None
    extra: JSONDict
    drop: bool
    remaining: int

    def to_error(self) -> SlackError:
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
        return SlackError(
            self.error or "fatal_error", status=self.status, extra=self.extra, headers=headers
        )


# ==========================================================================
# Socket Mode
# ==========================================================================

ENVELOPE_TYPES = frozenset({"events_api", "slash_commands", "interactive"})
RESPONSE_PAYLOAD_INTERACTIONS = frozenset({"view_submission", "block_suggestion"})


class SocketModeHub:
    """The WebSocket side of apps.connections.open.

    Sends ``hello`` on connect, pushes envelopes on request and tracks acks,
    so a test can see exactly which envelopes a client failed to acknowledge.
    """

    def __init__(self, app_id: str, report: Callable[[str, bool], None]) -> None:
        self.app_id = app_id
        self._report = report
        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._connected = asyncio.Event()
        self._waiters: dict[str, asyncio.Future[JSONDict]] = {}
        self.unacked: dict[str, JSONDict] = {}
        self.acks: dict[str, JSONDict] = {}
        self.connections_opened = 0

    @property
    def connected(self) -> bool:
        """Whether at least one client socket is open."""
        return bool(self._sockets)

    def new_ticket(self) -> str:
        """A single-use ticket embedded in the URL apps.connections.open returns."""
        ticket = secrets.token_hex(16)
        self._tickets.add(ticket)
        return ticket

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Accept a client whose ticket is valid, then read its acks."""
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            self._report(f"websocket connect with unknown or reused ticket {ticket!r}", True)
            return web.Response(status=401, text="invalid_ticket")
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.connections_opened += 1
        self._connected.set()
        try:
            await ws.send_json(self._hello())
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._on_text(message.data)
        finally:
            self._sockets.remove(ws)
            if not self._sockets:
                self._connected.clear()
        return ws

    def _hello(self) -> JSONDict:
        return {
            "type": "hello",
            "num_connections": len(self._sockets),
            "debug_info": {
                "host": "applink-standin",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }

    def _on_text(self, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            self._report(f"socket message is not JSON: {data[:80]!r}", True)
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        if envelope_id not in self.unacked:
            self._report(f"socket message does not ack a pending envelope: {data[:120]!r}", False)
            return
        envelope = self.unacked.pop(envelope_id)
        self.acks[envelope_id] = message
        if "payload" in message and not envelope["accepts_response_payload"]:
            self._report(f"ack payload for {envelope['type']} envelope is ignored by Slack", False)
        waiter = self._waiters.pop(envelope_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(message)

    async def wait_connected(self, connect_timeout: float = 5.0) -> None:
        """Block until a client has connected (event-driven, no polling)."""
        await asyncio.wait_for(self._connected.wait(), connect_timeout)

    async def send(
        self,
        envelope_type: str,
        payload: JSONDict,
        *,
        ack_timeout: float = 5.0,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> JSONDict:
        """Push an envelope to the newest connection and wait for its ack."""
        if envelope_type not in ENVELOPE_TYPES:
            raise ValueError(
                f"unknown envelope type {envelope_type!r}; use one of {sorted(ENVELOPE_TYPES)}"
            )
        await self.wait_connected(ack_timeout)
        envelope = self._envelope(envelope_type, payload, retry_attempt, retry_reason)
        waiter: asyncio.Future[JSONDict] = asyncio.get_running_loop().create_future()
        self._waiters[envelope["envelope_id"]] = waiter
        self.unacked[envelope["envelope_id"]] = envelope
        await self._sockets[-1].send_json(envelope)
        try:
            return await asyncio.wait_for(waiter, ack_timeout)
        except TimeoutError:
            self._waiters.pop(envelope["envelope_id"], None)
            raise SocketAckTimeout(envelope, ack_timeout) from None

    async def wait_for_ack(self, envelope_id: str, *, within: float = 5.0) -> JSONDict:
        """The ack for an envelope, waiting for it if it has not arrived yet."""
        if envelope_id in self.acks:
            return self.acks[envelope_id]
        if envelope_id not in self.unacked:
            raise KeyError(f"no envelope {envelope_id} was sent")
        waiter = self._waiters.get(envelope_id)
        if waiter is None:
            waiter = self._waiters[envelope_id] = asyncio.get_running_loop().create_future()
        try:
            return await asyncio.wait_for(waiter, within)
        finally:
            self._waiters.pop(envelope_id, None)

    @staticmethod
    def _envelope(
        envelope_type: str, payload: JSONDict, retry_attempt: int, retry_reason: str
    ) -> JSONDict:
        accepts = envelope_type == "slash_commands" or (
            envelope_type == "interactive" and payload.get("type") in RESPONSE_PAYLOAD_INTERACTIONS
        )
        envelope: JSONDict = {
            "envelope_id": secrets.token_hex(18),
            "payload": payload,
            "type": envelope_type,
            "accepts_response_payload": accepts,
        }
        if envelope_type == "events_api":
            envelope.update({"retry_attempt": retry_attempt, "retry_reason": retry_reason})
        return envelope

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Send Slack's ``disconnect`` message; all reasons but "warning" close."""
        for ws in list(self._sockets):
            await ws.send_json(
                {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-standin"}}
            )
            if reason != "warning":
                await ws.close(code=WSCloseCode.GOING_AWAY)

    async def close_all(self) -> None:
        """Close every client socket (server shutdown)."""
        for ws in list(self._sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
        for waiter in self._waiters.values():
            waiter.cancel()
        self._waiters.clear()


# ==========================================================================
# Request parsing and call context
# ==========================================================================


@dataclass
class ParsedRequest:
    """Arguments merged from query string and body, as Slack merges them."""

    args: JSONDict
    content_type: str
    form_token: str | None = None
    json_token: bool = False
    body_error: str | None = None
    missing_charset: bool = False


async def parse_request(request: web.Request) -> ParsedRequest:
    """Read query + body the way Slack does (form, multipart or JSON)."""
    parsed = ParsedRequest(args=dict(request.query.items()), content_type=request.content_type)
    if request.can_read_body:
        if request.content_type == "application/json":
            await _read_json_body(request, parsed)
        elif request.content_type in FORM_TYPES:
            await _read_form_body(request, parsed)
    token = parsed.args.pop("token", None)
    parsed.form_token = token if isinstance(token, str) else None
    return parsed


async def _read_json_body(request: web.Request, parsed: ParsedRequest) -> None:
    parsed.missing_charset = request.charset is None
    try:
        body = json.loads(await request.text() or "null")
    except ValueError:
        parsed.body_error = "invalid_json"
        return
    if not isinstance(body, dict):
        parsed.body_error = "json_not_object"
        return
    # Slack ignores a token inside a JSON body; it must be a Bearer header.
    parsed.json_token = body.pop("token", None) is not None
    parsed.args.update(body)


async def _read_form_body(request: web.Request, parsed: ParsedRequest) -> None:
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            content = value.file.read()
            parsed.args[key] = {
                "filename": value.filename,
                "content_type": value.content_type,
                "size": len(content),
            }
        else:
            parsed.args[key] = value


@dataclass
class CallContext:
    """Everything a method handler needs, plus typed argument accessors."""

    method: str
    args: JSONDict
    token: TokenInfo
    standin: SlackStandIn

    @property
    def ws(self) -> Workspace:
        """The workspace being modified."""
        return self.standin.workspace

    @property
    def actor(self) -> str:
        """User id the token acts as (the bot user for bot tokens)."""
        assert self.token.user_id is not None
        return self.token.user_id

    def warn(self, message: str) -> None:
        """Record a non-fatal finding for this call."""
        self.standin.record_finding(self.method, message, violation=False)

    def arg(self, name: str, default: str = "") -> str:
        """A string argument (form bodies deliver everything as strings)."""
        value = self.args.get(name)
        return default if value is None else str(value)

    def flag(self, name: str) -> bool:
        """A boolean argument; Slack accepts true/false/1/0."""
        value = self.args.get(name)
        return value is True or str(value).lower() in {"true", "1"}

    def int_arg(self, name: str, default: int, *, error: str = "invalid_arguments") -> int:
        """An integer argument, with Slack's error when it is not one."""
        value = self.args.get(name)
        if value in (None, ""):
            return default
        try:
            return int(str(value))
        except ValueError:
            raise SlackError(error) from None

    def json_arg(self, name: str, *, error: str) -> Any:
        """A structured argument: JSON bodies send objects, forms send JSON strings."""
        value = self.args.get(name)
        if not isinstance(value, str):
            return value
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise SlackError(error) from None

    def list_arg(self, name: str) -> list[str]:
        """A comma-separated list argument (or a JSON array)."""
        value = self.args.get(name)
        if isinstance(value, list):
            return [str(v) for v in value]
        return [part.strip() for part in str(value or "").split(",") if part.strip()]

    def conversation(self, name: str = "channel", *, allow_names: bool = False) -> Conversation:
        """The referenced conversation, if this token can see it."""
        conv = self.ws.conversation(self.arg(name), allow_names=allow_names)
        if conv is None or not self.can_see(conv):
            raise SlackError("channel_not_found")
        return conv

    def can_see(self, conv: Conversation) -> bool:
        """Public channels are visible to all; others only to members."""
        return conv.kind == "public" or self.actor in conv.members

    def require_history_access(self, conv: Conversation) -> None:
        """Bots read only conversations they are in; users read any public one."""
        if self.actor in conv.members or (conv.kind == "public" and self.token.kind == "user"):
            return
        raise SlackError("not_in_channel")

    def message(self, conv: Conversation, name: str) -> Message:
        """The message a ts argument points at."""
        ts = self.arg(name)
        try:
            ts_micros(ts)
        except ValueError:
            raise SlackError(
                "bad_timestamp" if name == "timestamp" else "message_not_found"
            ) from None
        message = conv.find(ts)
        if message is None:
            raise SlackError("message_not_found")
        return message

    def include_metadata(self) -> bool:
        """conversations.history/replies return metadata only when asked to."""
        return self.flag("include_all_metadata")


Handler = Callable[[CallContext], JSONDict]
HANDLERS: dict[str, Handler] = {}


def handles(*methods: str) -> Callable[[Handler], Handler]:
    """Register a function as the model for Web API method(s)."""

    def register(func: Handler) -> Handler:
        for method in methods:
            HANDLERS[method] = func
        return func

    return register


# ==========================================================================
# The server
# ==========================================================================


class SlackStandIn:
    """The Slack Web API + Socket Mode stand-in (see module docstring)."""

    def __init__(
        self,
        *,
        time_scale: float = 1.0,
        clock: Clock | None = None,
        spec: SlackSpec | None = None,
        team_name: str = "Stand-in Workspace",
        team_domain: str = "standin",
        bot_name: str = "standin-bot",
        bot_scopes: Iterable[str] = DEFAULT_BOT_SCOPES,
        trigger_ttl: float | None = 3.0,
        rate_limits: bool = True,
        signing_secret: str | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.clock: Clock = clock or ScaledClock(time_scale)
        self.signing_secret = signing_secret or secrets.token_hex(16)
        self.spec = spec or load_spec()
        self.host = host
        self.port: int | None = None
        self.workspace = Workspace(self.clock, team_name=team_name, domain=team_domain)
        self.rate_limits = RateLimiter(self.clock, enabled=rate_limits)
        self.triggers = TriggerRegistry(self.clock, trigger_ttl)
        self.socket = SocketModeHub(self.workspace.app_id, self._report_socket)
        self.calls: list[Call] = []
        self.warnings: list[Finding] = []
        self.violations: list[Finding] = []
        self._tokens: dict[str, TokenInfo] = {}
        self._failures: dict[str, list[InjectedFailure]] = defaultdict(list)
        self._runner: web.AppRunner | None = None
        self._call_waiters: list[tuple[str, CallPredicate | None, asyncio.Future[Call]]] = []
        self.bot_user = self.workspace.add_bot_user(bot_name)
        self.owner = self.workspace.add_user(
            "owner",
            real_name="Workspace Owner",
            is_admin=True,
            is_owner=True,
            is_primary_owner=True,
        )
        self.general = self.workspace.add_channel(
            "general", is_general=True, members=[self.owner.id]
        )
        self.bot_token = self.add_bot_token(scopes=bot_scopes)
        self.app_token = self.add_app_token()

    # -- lifecycle --------------------------------------------------------

    async def start(self) -> SlackStandIn:
        """Listen on a free loopback port."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_get("/link/", self.socket.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Close sockets and stop listening."""
        await self.socket.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackStandIn:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """What to pass as ``AsyncWebClient(base_url=...)``."""
        if self.port is None:
            raise RuntimeError("stand-in not started")
        return f"http://{self.host}:{self.port}/api/"

    @property
    def team_id(self) -> str:
        """The workspace's T… id."""
        return self.workspace.team_id

    @property
    def app_id(self) -> str:
        """The installed app's A… id."""
        return self.workspace.app_id

    @property
    def bot_user_id(self) -> str:
        """The bot user's U… id (auth.test ``user_id``)."""
        return self.bot_user.id

    @property
    def general_id(self) -> str:
        """The #general channel id."""
        return self.general.id

    # -- tokens -----------------------------------------------------------

    def add_bot_token(
        self, token: str | None = None, *, scopes: Iterable[str] = DEFAULT_BOT_SCOPES
    ) -> str:
        """Register a bot token (xoxb-) acting as the bot user."""
        token = token or f"xoxb-{secrets.token_hex(6)}-{secrets.token_hex(12)}"
        self._register(
            TokenInfo(token, "bot", self.bot_user.id, self.bot_user.bot_id, frozenset(scopes))
        )
        return token

    def add_user_token(
        self, user_id: str, token: str | None = None, *, scopes: Iterable[str] = ()
    ) -> str:
        """Register a user token (xoxp-) acting as ``user_id`` (e.g. an admin)."""
        if user_id not in self.workspace.users:
            raise KeyError(user_id)
        token = token or f"xoxp-{secrets.token_hex(6)}-{secrets.token_hex(12)}"
        self._register(TokenInfo(token, "user", user_id, None, frozenset(scopes)))
        return token

    def add_app_token(self, token: str | None = None) -> str:
        """Register an app-level token (xapp-) for Socket Mode."""
        token = token or f"xapp-1-{self.app_id}-{secrets.token_hex(12)}"
        self._register(TokenInfo(token, "app", None, None, frozenset({"connections:write"})))
        return token

    def revoke_token(self, token: str) -> None:
        """Make a token unknown, so calls get ``invalid_auth``."""
        self._tokens.pop(token, None)

    def _register(self, info: TokenInfo) -> None:
        prefixes = {"bot": "xoxb-", "user": "xoxp-", "app": "xapp-"}
        if not info.token.startswith(prefixes[info.kind]):
            raise ValueError(f"{info.kind} tokens start with {prefixes[info.kind]}")
        self._tokens[info.token] = info

    # -- test controls ----------------------------------------------------

    def fail_next(
        self,
        method: str,
        error: str | None = None,
        *,
        status: int = 200,
        retry_after: int | None = None,
        needed: str | None = None,
        provided: str | None = None,
        drop: bool = False,
        times: int = 1,
        **extra: Any,
    ) -> None:
        """Script the next ``times`` calls of ``method`` ("*" = any) to fail.

        ``error`` is the Slack error code; ``status=429`` defaults to
        ``ratelimited`` with a Retry-After header, ``status>=500`` to
        ``fatal_error``; ``drop=True`` closes the connection without a reply.
        """
        if status == 429:
            error, retry_after = error or "ratelimited", 1 if retry_after is None else retry_after
        if error is None and status == 200 and not drop:
            raise ValueError("give an error code, a non-200 status, or drop=True")
        if error == "missing_scope":
            extra.setdefault("needed", needed or "")
            extra.setdefault(
                "provided",
                provided if provided is not None else ",".join(sorted(DEFAULT_BOT_SCOPES)),
            )
        failure = InjectedFailure(error, status, retry_after, extra, drop, times)
        self._failures[method].append(failure)

    def drop_next(self, method: str, *, times: int = 1) -> None:
        """Close the connection on the next call(s) of ``method``."""
        self.fail_next(method, drop=True, times=times)

    def disable_rate_limits(self) -> None:
        """Switch rate limiting off for this stand-in."""
        self.rate_limits.enabled = False

    def enable_rate_limits(self) -> None:
        """Switch rate limiting back on (buckets start full)."""
        self.rate_limits.reset()
        self.rate_limits.enabled = True

    def advance(self, seconds: float) -> None:
        """Move a ManualClock forward (rate-limit windows, trigger expiry)."""
        if not isinstance(self.clock, ManualClock):
            raise TypeError("advance() needs SlackStandIn(clock=ManualClock())")
        self.clock.advance(seconds)

    def inbound(self, **overrides: Any) -> SlackInbound:
        """Inbound-request builder for this workspace and app.

        Its trigger_ids are registered here, so views.open accepts them once
        and applies Slack's 3-second expiry.
        """
        settings: dict[str, Any] = {
            "signing_secret": self.signing_secret,
            "team_id": self.team_id,
            "team_domain": self.workspace.domain,
            "api_app_id": self.app_id,
            "bot_user_id": self.bot_user_id,
            "on_trigger": self.triggers.register,
            "user_name": self._user_name,
            "channel_name": self._channel_name,
        }
        settings.update(overrides)
        return SlackInbound(**settings)

    def _user_name(self, user_id: str) -> str:
        user = self.workspace.users.get(user_id)
        return user.name if user else user_id.lower()

    def _channel_name(self, channel_id: str) -> str:
        conv = self.workspace.conversations.get(channel_id)
        if conv is None:
            return channel_id.lower()
        return "directmessage" if conv.kind == "im" else conv.name

    def issue_trigger_id(self) -> str:
        """A fresh trigger_id that views.open will accept once, within the TTL."""
        return self.triggers.issue()

    async def socket_send(
        self,
        envelope_type: str,
        payload: JSONDict,
        *,
        ack_timeout: float = 5.0,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> JSONDict:
        """Push a Socket Mode envelope; returns the client's ack message.

        Raises SocketAckTimeout if no ack arrives within ``ack_timeout`` real
        seconds; the envelope then stays in ``socket.unacked``.
        """
        trigger_id = payload.get("trigger_id")
        if isinstance(trigger_id, str):
            self.triggers.register(trigger_id)
        return await self.socket.send(
            envelope_type,
            payload,
            ack_timeout=ack_timeout,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )

    # -- inspection -------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """Calls of one method, in arrival order."""
        return [c for c in self.calls if c.method == method]

    def messages(self, channel: str, *, include_replies: bool = True) -> list[Message]:
        """Stored messages of a conversation, oldest first."""
        conv = self.workspace.conversations[channel]
        return [m for m in conv.messages if include_replies or m.in_channel_history]

    async def wait_for_call(
        self, method: str, predicate: CallPredicate | None = None, *, within: float = 5.0
    ) -> Call:
        """The first call of ``method`` (past or future) matching ``predicate``.

        Lets a test wait for a client's background work without sleeping.
        """
        for call in self.calls:
            if _call_matches(call, method, predicate):
                return call
        waiter: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
        entry = (method, predicate, waiter)
        self._call_waiters.append(entry)
        try:
            return await asyncio.wait_for(waiter, within)
        finally:
            self._call_waiters.remove(entry)

    def take_violations(self) -> list[Finding]:
        """Return and clear violations, for tests that provoke them on purpose."""
        taken, self.violations = self.violations, []
        return taken

    def record_finding(self, method: str, message: str, *, violation: bool) -> None:
        """Append to ``violations`` (fails the fixture) or ``warnings``."""
        target = self.violations if violation else self.warnings
        target.append(Finding(method, message, self.clock.time()))

    def _report_socket(self, message: str, violation: bool) -> None:
        self.record_finding("socket-mode", message, violation=violation)

    # -- request pipeline -------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        parsed = await parse_request(request)
        token: TokenInfo | None = None
        try:
            spec = self._method_spec(method)
            failure = self._take_failure(method)
            if failure is not None and failure.drop:
                return self._drop(request, method, parsed)
            if failure is not None:
                raise failure.to_error()
            token = self._authenticate(request, parsed, spec)
            self._check_body(spec, parsed)
            self._check_rate_limit(token, method, parsed.args)
            self._check_arguments(spec, parsed.args)
            status, headers, body = 200, {}, self._run_handler(spec, parsed.args, token)
        except SlackError as exc:
            status, headers, body = exc.status, exc.headers, exc.body()
        if parsed.missing_charset and body.get("ok"):
            body.setdefault("warning", "missing_charset")
            body.setdefault("response_metadata", {}).setdefault("warnings", []).append(
                "missing_charset"
            )
        self._record_call(request, method, parsed, token, status, body)
        return web.json_response(body, status=status, headers=headers)

    def _method_spec(self, method: str) -> MethodSpec:
        spec = self.spec.method(method)
        if spec is None:
            self.record_finding(
                method, "unknown Web API method (not in Slack's spec)", violation=True
            )
            raise SlackError("unknown_method", extra={"req_method": method})
        return spec

    def _take_failure(self, method: str) -> InjectedFailure | None:
        for key in (method, "*"):
            queue = self._failures.get(key)
            if queue:
                failure = queue[0]
                failure.remaining -= 1
                if failure.remaining <= 0:
                    queue.pop(0)
                return failure
        return None

    def _drop(self, request: web.Request, method: str, parsed: ParsedRequest) -> web.StreamResponse:
        self._record_call(request, method, parsed, None, 0, None)
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError()

    def _authenticate(
        self, request: web.Request, parsed: ParsedRequest, spec: MethodSpec
    ) -> TokenInfo:
        header = request.headers.get("Authorization", "")
        bearer = header[7:].strip() if header.startswith("Bearer ") else None
        if parsed.json_token and not bearer:
            self.record_finding(
                spec.name, "token sent inside a JSON body; Slack ignores it", violation=True
            )
        raw = bearer or parsed.form_token
        if not raw:
            if not spec.needs_token:
                return TokenInfo("", "bot", self.bot_user.id)
            self.record_finding(
                spec.name, "no token (Authorization header or token argument)", violation=True
            )
            raise SlackError("not_authed")
        info = self._tokens.get(raw)
        if info is None:
            raise SlackError("invalid_auth")
        if info.kind not in spec.token_kinds:
            self.record_finding(
                spec.name, f"{info.kind} token not accepted by this method", violation=True
            )
            raise SlackError("not_allowed_token_type")
        return info

    def _check_body(self, spec: MethodSpec, parsed: ParsedRequest) -> None:
        if parsed.body_error:
            self.record_finding(
                spec.name, f"request body rejected: {parsed.body_error}", violation=True
            )
            raise SlackError(parsed.body_error)
        if parsed.content_type == "application/json" and not spec.accepts_json:
            self.record_finding(
                spec.name,
                "JSON body sent to a method that only takes form/query arguments",
                violation=True,
            )

    def _check_rate_limit(self, token: TokenInfo, method: str, args: JSONDict) -> None:
        channel = None
        if method == "chat.postMessage":
            conv = self.workspace.conversation(str(args.get("channel", "")), allow_names=True)
            channel = conv.id if conv else str(args.get("channel", ""))
        wait = self.rate_limits.acquire(token.token, method, channel)
        if wait is not None:
            retry_after = str(max(1, math.ceil(wait)))
            raise SlackError("ratelimited", status=429, headers={"Retry-After": retry_after})

    def _check_arguments(self, spec: MethodSpec, args: JSONDict) -> None:
        check = self.spec.check_arguments(spec.name, args)
        for name in check.unknown:
            self.record_finding(spec.name, f"argument {name!r} is not in the spec", violation=False)
        for name in check.type_mismatches:
            self.record_finding(
                spec.name,
                f"argument {name!r}={args[name]!r} does not match spec type "
                f"{spec.param_types.get(name)}",
                violation=False,
            )
        if check.missing:
            for name in check.missing:
                self.record_finding(
                    spec.name, f"missing required argument {name!r}", violation=True
                )
            raise invalid_arguments(*(f"missing required field: {name}" for name in check.missing))

    def _run_handler(self, spec: MethodSpec, args: JSONDict, token: TokenInfo) -> JSONDict:
        handler = HANDLERS.get(spec.name)
        if handler is None:
            self.record_finding(
                spec.name, "method not modelled; answered with the spec's example", violation=False
            )
            example = copy.deepcopy(spec.success_example or {})
            return {**example, "ok": True}
        return {"ok": True, **handler(CallContext(spec.name, args, token, self))}

    def _record_call(
        self,
        request: web.Request,
        method: str,
        parsed: ParsedRequest,
        token: TokenInfo | None,
        status: int,
        body: JSONDict | None,
    ) -> None:
        call = Call(
            method=method,
            args=dict(parsed.args),
            time=self.clock.time(),
            http_method=request.method,
            content_type=parsed.content_type,
            token_kind=token.kind if token else None,
            status=status,
            response=body,
        )
        self.calls.append(call)
        for wanted, predicate, waiter in list(self._call_waiters):
            if not waiter.done() and _call_matches(call, wanted, predicate):
                waiter.set_result(call)


CallPredicate = Callable[[Call], bool]


def _call_matches(call: Call, method: str, predicate: CallPredicate | None) -> bool:
    return call.method == method and (predicate is None or predicate(call))


# ==========================================================================
# Demo workspace
# ==========================================================================


@dataclass(frozen=True)
class DemoWorkspace:
    """IDs of a small, realistic seeded workspace (see seed_demo_workspace)."""

    admin: User
    alice: User
    bob: User
    carol: User
    departed: User
    general: Conversation
    random: Conversation
    mods: Conversation
    admin_token: str


def seed_demo_workspace(standin: SlackStandIn) -> DemoWorkspace:
    """Users, channels and an admin user token most tests can start from.

    The bot is a member of #general, #random and the private #mods; carol is
    in #general only; ``departed`` is a deactivated account.
    """
    ws = standin.workspace
    admin = ws.add_user("ada", real_name="Ada Admin", is_admin=True)
    alice = ws.add_user("alice", real_name="Alice Example")
    bob = ws.add_user("bob", real_name="Bob Example")
    carol = ws.add_user("carol", real_name="Carol Example")
    departed = ws.add_user("dave", real_name="Dave Departed", deleted=True)
    bot = standin.bot_user_id
    humans = [admin.id, alice.id, bob.id, carol.id]
    standin.general.members.extend(m for m in [bot, *humans] if m not in standin.general.members)
    random = ws.add_channel("random", members=[standin.owner.id, bot, admin.id, alice.id, bob.id])
    mods = ws.add_channel("mods", private=True, members=[admin.id, bot])
    admin_token = standin.add_user_token(admin.id)
    return DemoWorkspace(
        admin, alice, bob, carol, departed, standin.general, random, mods, admin_token
    )


# ==========================================================================
# Method models
# ==========================================================================


def _paginate(
    ctx: CallContext, items: Sequence[Any], *, default_limit: int = 100
) -> tuple[list[Any], str]:
    """Slack cursor pagination: returns (page, next_cursor or "")."""
    limit = ctx.int_arg("limit", default_limit, error="invalid_limit")
    limit = min(limit if limit > 0 else default_limit, 1000)
    cursor = ctx.arg("cursor")
    offset = 0
    if cursor:
        try:
            kind, _, value = base64.b64decode(cursor).decode().partition(":")
            offset = int(value) if kind == "offset" else -1
        except (ValueError, UnicodeDecodeError):
            offset = -1
        if offset < 0:
            raise SlackError("invalid_cursor")
    page = list(items[offset : offset + limit])
    more = offset + limit < len(items)
    next_cursor = base64.b64encode(f"offset:{offset + limit}".encode()).decode() if more else ""
    return page, next_cursor


@handles("api.test")
def _api_test(ctx: CallContext) -> JSONDict:
    if ctx.arg("error"):
        raise SlackError(ctx.arg("error"), extra={"args": dict(ctx.args)})
    return {"args": dict(ctx.args)} if ctx.args else {}


@handles("auth.test")
def _auth_test(ctx: CallContext) -> JSONDict:
    if ctx.token.kind == "app":
        ctx.warn("auth.test with an app-level token: response shape not verified against Slack")
        return {"app_id": ctx.ws.app_id, "team_id": ctx.ws.team_id, "team": ctx.ws.team_name}
    user = ctx.ws.users[ctx.actor]
    body: JSONDict = {
        "url": f"https://{ctx.ws.domain}.slack.com/",
        "team": ctx.ws.team_name,
        "user": user.name,
        "team_id": ctx.ws.team_id,
        "user_id": user.id,
        "is_enterprise_install": False,
    }
    if ctx.token.bot_id:
        body["bot_id"] = ctx.token.bot_id
    return body


@handles("apps.connections.open")
def _apps_connections_open(ctx: CallContext) -> JSONDict:
    standin = ctx.standin
    url = f"ws://{standin.host}:{standin.port}/link/?ticket={standin.socket.new_ticket()}&app_id={ctx.ws.app_id}"
    return {"url": url}


@handles("team.info")
def _team_info(ctx: CallContext) -> JSONDict:
    ws = ctx.ws
    return {
        "team": {
            "id": ws.team_id,
            "name": ws.team_name,
            "domain": ws.domain,
            "email_domain": f"{ws.domain}.example",
            "icon": {"image_default": True},
        }
    }


# -- users -------------------------------------------------------------------


@handles("users.info")
def _users_info(ctx: CallContext) -> JSONDict:
    user = ctx.ws.users.get(ctx.arg("user"))
    if user is None:
        raise SlackError("user_not_found")
    return {"user": user.to_api(include_locale=ctx.flag("include_locale"))}


@handles("users.list")
def _users_list(ctx: CallContext) -> JSONDict:
    page, cursor = _paginate(ctx, list(ctx.ws.users.values()), default_limit=1000)
    members = [u.to_api(include_locale=ctx.flag("include_locale")) for u in page]
    return {
        "members": members,
        "cache_ts": int(ctx.ws.clock.time()),
        "response_metadata": {"next_cursor": cursor},
    }


@handles("users.lookupByEmail")
def _users_lookup_by_email(ctx: CallContext) -> JSONDict:
    email = ctx.arg("email").lower()
    user = next(
        (u for u in ctx.ws.users.values() if (u.email or "").lower() == email and not u.deleted),
        None,
    )
    if user is None:
        raise SlackError("users_not_found")
    return {"user": user.to_api()}


# -- conversations: read -------------------------------------------------------

CONVERSATION_TYPES = {
    "public": "public_channel",
    "private": "private_channel",
    "im": "im",
    "mpim": "mpim",
}


@handles("conversations.info")
def _conversations_info(ctx: CallContext) -> JSONDict:
    conv = ctx.conversation()
    body = conv.to_api(ctx.actor)
    if not ctx.flag("include_num_members"):
        body.pop("num_members", None)
    return {"channel": body}


@handles("conversations.list")
def _conversations_list(ctx: CallContext) -> JSONDict:
    wanted = set(ctx.list_arg("types") or ["public_channel"])
    convs = [
        c
        for c in ctx.ws.conversations.values()
        if CONVERSATION_TYPES[c.kind] in wanted
        and ctx.can_see(c)
        and not (ctx.flag("exclude_archived") and c.is_archived)
    ]
    page, cursor = _paginate(ctx, convs)
    return {
        "channels": [c.to_api(ctx.actor) for c in page],
        "response_metadata": {"next_cursor": cursor},
    }


@handles("conversations.members")
def _conversations_members(ctx: CallContext) -> JSONDict:
    conv = ctx.conversation()
    page, cursor = _paginate(ctx, conv.members)
    return {"members": page, "response_metadata": {"next_cursor": cursor}}


def _ts_window(ctx: CallContext) -> tuple[int, int, bool]:
    """(oldest, latest, inclusive) in microseconds, with Slack's error names."""
    try:
        latest = ts_micros(ctx.arg("latest")) if ctx.arg("latest") else 10**18
    except ValueError:
        raise SlackError("invalid_ts_latest") from None
    try:
        oldest = ts_micros(ctx.arg("oldest")) if ctx.arg("oldest") else 0
    except ValueError:
        raise SlackError("invalid_ts_oldest") from None
    return oldest, latest, ctx.flag("inclusive")


def _in_window(ts: str, window: tuple[int, int, bool]) -> bool:
    oldest, latest, inclusive = window
    value = ts_micros(ts)
    if inclusive:
        return oldest <= value <= latest
    return oldest < value < latest


@handles("conversations.history")
def _conversations_history(ctx: CallContext) -> JSONDict:
    conv = ctx.conversation()
    ctx.require_history_access(conv)
    window = _ts_window(ctx)
    visible = [
        m for m in reversed(conv.messages) if m.in_channel_history and _in_window(m.ts, window)
    ]
    page, cursor = _paginate(ctx, visible)
    messages = [
        m.to_api(include_metadata=ctx.include_metadata(), replies=conv.replies(m.ts)) for m in page
    ]
    return {
        "messages": messages,
        "has_more": bool(cursor),
        "pin_count": sum(1 for m in conv.messages if m.pinned),
        "channel_actions_ts": None,
        "channel_actions_count": 0,
        "response_metadata": {"next_cursor": cursor},
    }


@handles("conversations.replies")
def _conversations_replies(ctx: CallContext) -> JSONDict:
    conv = ctx.conversation()
    ctx.require_history_access(conv)
    root = conv.find(ctx.arg("ts"))
    if root is None:
        raise SlackError("thread_not_found")
    parent = conv.find(root.thread_ts) if root.is_reply and root.thread_ts else root
    if parent is None:
        raise SlackError("thread_not_found")
    window = _ts_window(ctx)
    thread = [parent, *(r for r in conv.replies(parent.ts) if _in_window(r.ts, window))]
    page, cursor = _paginate(ctx, thread, default_limit=1000)
    replies = conv.replies(parent.ts)
    messages = [
        m.to_api(include_metadata=ctx.include_metadata(), replies=replies if m is parent else ())
        for m in page
    ]
    return {
        "messages": messages,
        "has_more": bool(cursor),
        "response_metadata": {"next_cursor": cursor},
    }


# -- conversations: write ------------------------------------------------------


@handles("conversations.open")
def _conversations_open(ctx: CallContext) -> JSONDict:
    if ctx.arg("channel"):
        conv = ctx.conversation()
        if not conv.is_dm:
            raise SlackError("method_not_supported_for_channel_type")
        return {"no_op": True, "already_open": True, "channel": _open_channel_body(ctx, conv)}
    users = ctx.list_arg("users")
    if not users:
        raise SlackError("users_list_not_supplied")
    if len(users) > 8:
        raise SlackError("too_many_users")
    for user_id in users:
        _require_active_user(ctx, user_id, disabled_error="user_disabled")
    conv, created = ctx.ws.open_dm([ctx.actor, *users])
    body: JSONDict = {"channel": _open_channel_body(ctx, conv)}
    if not created:
        body.update({"no_op": True, "already_open": True})
    return body


def _open_channel_body(ctx: CallContext, conv: Conversation) -> JSONDict:
    return conv.to_api(ctx.actor) if ctx.flag("return_im") else {"id": conv.id}


def _require_active_user(ctx: CallContext, user_id: str, *, disabled_error: str) -> User:
    user = ctx.ws.users.get(user_id)
    if user is None:
        raise SlackError("user_not_found")
    if user.deleted:
        raise SlackError(disabled_error)
    return user


def _managed_channel(ctx: CallContext) -> Conversation:
    """A channel the caller may manage membership of (invite/kick)."""
    conv = ctx.conversation()
    if conv.is_dm:
        raise SlackError("method_not_supported_for_channel_type")
    if conv.is_archived:
        raise SlackError("is_archived")
    if ctx.actor not in conv.members:
        raise SlackError("not_in_channel")
    return conv


@handles("conversations.invite")
def _conversations_invite(ctx: CallContext) -> JSONDict:
    conv = _managed_channel(ctx)
    users = ctx.list_arg("users")
    if not users:
        raise SlackError("no_user")
    if len(users) > 1000:
        raise SlackError("too_many_users")
    for user_id in users:
        if user_id == ctx.actor:
            raise SlackError("cant_invite_self")
        _require_active_user(ctx, user_id, disabled_error="user_not_found")
        if user_id in conv.members:
            raise SlackError("already_in_channel")
    conv.members.extend(users)
    return {"channel": conv.to_api(ctx.actor)}


@handles("conversations.kick")
def _conversations_kick(ctx: CallContext) -> JSONDict:
    conv = _managed_channel(ctx)
    user_id = ctx.arg("user")
    if user_id == ctx.actor:
        raise SlackError("cant_kick_self")
    if conv.is_general:
        raise SlackError("cant_kick_from_general")
    if user_id not in ctx.ws.users:
        raise SlackError("user_not_found")
    if user_id not in conv.members:
        raise SlackError("not_in_channel")
    conv.members.remove(user_id)
    return {}


@handles("conversations.join")
def _conversations_join(ctx: CallContext) -> JSONDict:
    conv = ctx.conversation()
    if conv.kind != "public":
        raise SlackError("method_not_supported_for_channel_type")
    if conv.is_archived:
        raise SlackError("is_archived")
    body: JSONDict = {"channel": conv.to_api(ctx.actor)}
    if ctx.actor in conv.members:
        return {
            **body,
            "warning": "already_in_channel",
            "response_metadata": {"warnings": ["already_in_channel"]},
        }
    conv.members.append(ctx.actor)
    body["channel"]["is_member"] = True
    return body


# -- chat ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Content:
    text: str
    blocks: list[JSONDict] | None
    attachments: list[JSONDict] | None
    metadata: JSONDict | None


def _message_content(ctx: CallContext) -> _Content:
    """Validate text/blocks/attachments/metadata the way chat.* methods do."""
    text = ctx.arg("text")
    blocks = _json_list(ctx, "blocks", "invalid_blocks")
    attachments = _json_list(ctx, "attachments", "invalid_attachments")
    if not (text or blocks or attachments):
        raise SlackError("no_text")
    if len(text) > 40_000:
        raise SlackError("msg_too_long")
    if blocks is not None:
        _validate_blocks(blocks, limit=50, error="invalid_blocks")
    if attachments is not None and len(attachments) > 100:
        raise SlackError("too_many_attachments")
    return _Content(text, blocks, attachments, _metadata(ctx))


def _json_list(ctx: CallContext, name: str, error: str) -> list[JSONDict] | None:
    value = ctx.json_arg(name, error=error)
    if value is None:
        return None
    if not isinstance(value, list):
        raise SlackError(error)
    return value


def _validate_blocks(blocks: list[Any], *, limit: int, error: str) -> None:
    if len(blocks) > limit:
        raise SlackError(
            error,
            extra={
                "response_metadata": {"messages": [f"[ERROR] no more than {limit} items allowed"]}
            },
        )
    for index, block in enumerate(blocks):
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise SlackError(
                error,
                extra={
                    "response_metadata": {
                        "messages": [
                            f"[ERROR] missing required field: type [json-pointer:/blocks/{index}]"
                        ]
                    }
                },
            )
        if len(str(block.get("block_id", ""))) > 255:
            raise SlackError(
                error,
                extra={
                    "response_metadata": {
                        "messages": [
                            f"[ERROR] must be less than 256 characters [json-pointer:/blocks/{index}/block_id]"
                        ]
                    }
                },
            )


def _metadata(ctx: CallContext) -> JSONDict | None:
    value = ctx.json_arg("metadata", error="invalid_metadata_format")
    if value is None:
        return None
    if not (
        isinstance(value, dict)
        and isinstance(value.get("event_type"), str)
        and isinstance(value.get("event_payload"), dict)
    ):
        raise SlackError("invalid_metadata_format")
    return value


def _postable_conversation(ctx: CallContext) -> Conversation:
    """Resolve chat.postMessage's channel: ID, name, or a user ID (their DM)."""
    ref = ctx.arg("channel")
    if ref in ctx.ws.users:
        conv, _ = ctx.ws.open_dm([ctx.actor, ref])
        return conv
    conv = ctx.conversation(allow_names=True)
    if conv.is_archived:
        raise SlackError("is_archived")
    can_post_public = conv.kind == "public" and "chat:write.public" in ctx.token.scopes
    if ctx.actor not in conv.members and not can_post_public:
        raise SlackError("not_in_channel")
    return conv


def _post_fields(ctx: CallContext, content: _Content) -> JSONDict:
    fields: JSONDict = {
        "blocks": content.blocks,
        "attachments": content.attachments,
        "metadata": content.metadata,
    }
    if ctx.token.bot_id:
        fields.update({"bot_id": ctx.token.bot_id, "app_id": ctx.ws.app_id})
    return fields


def _thread_fields(ctx: CallContext, conv: Conversation) -> JSONDict:
    thread_ts = ctx.arg("thread_ts")
    if not thread_ts:
        return {}
    parent = conv.find(thread_ts)
    if parent is None:
        ctx.warn(f"thread_ts {thread_ts} matches no message in {conv.id}")
    elif parent.is_reply:
        ctx.warn("thread_ts points at a reply; Slack wants the parent's ts")
        thread_ts = parent.thread_ts or thread_ts
    fields: JSONDict = {"thread_ts": thread_ts}
    if ctx.flag("reply_broadcast"):
        fields["subtype"] = "thread_broadcast"
    return fields


@handles("chat.postMessage")
def _chat_post_message(ctx: CallContext) -> JSONDict:
    content = _message_content(ctx)
    conv = _postable_conversation(ctx)
    fields = {**_post_fields(ctx, content), **_thread_fields(ctx, conv)}
    message = ctx.ws.post(conv.id, ctx.actor, content.text, **fields)
    return {"channel": conv.id, "ts": message.ts, "message": message.to_api(include_metadata=True)}


@handles("chat.postEphemeral")
def _chat_post_ephemeral(ctx: CallContext) -> JSONDict:
    content = _message_content(ctx)
    conv = _postable_conversation(ctx)
    user = ctx.arg("user")
    if user not in conv.members:
        raise SlackError("user_not_in_channel")
    ts = ctx.ws.ts.next()
    ctx.ws.ephemeral.append(
        {
            "channel": conv.id,
            "user": user,
            "ts": ts,
            "text": content.text,
            "blocks": content.blocks,
            "thread_ts": ctx.arg("thread_ts") or None,
        }
    )
    return {"message_ts": ts}


def _own_message(ctx: CallContext, conv: Conversation, error: str) -> Message:
    message = ctx.message(conv, "ts")
    if message.user != ctx.actor:
        raise SlackError(error)
    return message


@handles("chat.update")
def _chat_update(ctx: CallContext) -> JSONDict:
    conv = ctx.conversation(allow_names=True)
    message = _own_message(ctx, conv, "cant_update_message")
    content = _message_content(ctx)
    message.text = content.text or message.text
    message.blocks = content.blocks if content.blocks is not None else message.blocks
    message.attachments = (
        content.attachments if content.attachments is not None else message.attachments
    )
    message.metadata = content.metadata if content.metadata is not None else message.metadata
    message.edited = {"user": ctx.actor, "ts": ctx.ws.ts.next()}
    return {
        "channel": conv.id,
        "ts": message.ts,
        "text": message.text,
        "message": message.to_api(include_metadata=True, replies=conv.replies(message.ts)),
    }


@handles("chat.delete")
def _chat_delete(ctx: CallContext) -> JSONDict:
    conv = ctx.conversation(allow_names=True)
    message = ctx.message(conv, "ts")
    if message.user != ctx.actor and not _is_admin_user_token(ctx):
        raise SlackError("cant_delete_message")
    ctx.ws.delete_message(conv, message)
    return {"channel": conv.id, "ts": message.ts}


def _is_admin_user_token(ctx: CallContext) -> bool:
    """Only workspace admins/owners, via a user token, may delete others' messages."""
    user = ctx.ws.users.get(ctx.actor)
    return ctx.token.kind == "user" and user is not None and (user.is_admin or user.is_owner)


@handles("chat.getPermalink")
def _chat_get_permalink(ctx: CallContext) -> JSONDict:
    conv = ctx.conversation()
    message = ctx.message(conv, "message_ts")
    link = f"https://{ctx.ws.domain}.slack.com/archives/{conv.id}/p{message.ts.replace('.', '')}"
    return {"channel": conv.id, "permalink": link}


# -- reactions and pins ----------------------------------------------------------

REACTION_NAME = re.compile(r"^[a-z0-9_+'\-]+(::skin-tone-[2-6])?$")


def _reaction_target(ctx: CallContext) -> tuple[Message, str]:
    if not (ctx.arg("channel") and ctx.arg("timestamp")):
        raise SlackError("no_item_specified")
    conv = ctx.conversation()
    name = ctx.arg("name").strip(":")
    if not REACTION_NAME.match(name):
        raise SlackError("invalid_name")
    return ctx.message(conv, "timestamp"), name


@handles("reactions.add")
def _reactions_add(ctx: CallContext) -> JSONDict:
    message, name = _reaction_target(ctx)
    users = message.reactions.setdefault(name, [])
    if ctx.actor in users:
        raise SlackError("already_reacted")
    if len(message.reactions) > 50 and len(users) == 0:
        raise SlackError("too_many_emoji")
    users.append(ctx.actor)
    return {}


@handles("reactions.remove")
def _reactions_remove(ctx: CallContext) -> JSONDict:
    message, name = _reaction_target(ctx)
    users = message.reactions.get(name, [])
    if ctx.actor not in users:
        raise SlackError("no_reaction")
    users.remove(ctx.actor)
    if not users:
        del message.reactions[name]
    return {}


@handles("pins.add")
def _pins_add(ctx: CallContext) -> JSONDict:
    conv = ctx.conversation()
    if not ctx.arg("timestamp"):
        raise SlackError("no_item_specified")
    message = ctx.message(conv, "timestamp")
    if message.pinned:
        raise SlackError("already_pinned")
    message.pinned = True
    return {}


@handles("pins.remove")
def _pins_remove(ctx: CallContext) -> JSONDict:
    conv = ctx.conversation()
    if not ctx.arg("timestamp"):
        raise SlackError("no_item_specified")
    message = ctx.message(conv, "timestamp")
    if not message.pinned:
        raise SlackError("not_pinned")
    message.pinned = False
    return {}


@handles("pins.list")
def _pins_list(ctx: CallContext) -> JSONDict:
    conv = ctx.conversation()
    items = [
        {
            "type": "message",
            "channel": conv.id,
            "created": int(ts_micros(m.ts) // 1_000_000),
            "created_by": m.user,
            "message": m.to_api(include_metadata=False),
        }
        for m in conv.messages
        if m.pinned
    ]
    return {"items": items}


# -- views -------------------------------------------------------------------------

VIEW_TEXT_LIMIT = 24


def _parse_view(ctx: CallContext, allowed_types: frozenset[str]) -> JSONDict:
    """Validate the ``view`` argument like Slack's view schema checks do."""
    view = ctx.json_arg("view", error="invalid_arguments")
    if not isinstance(view, dict):
        raise invalid_arguments("view must be a JSON object [json-pointer:/view]")
    if view.get("type") not in allowed_types:
        raise invalid_arguments(f"must be one of {sorted(allowed_types)} [json-pointer:/view/type]")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        raise invalid_arguments("missing required field: blocks [json-pointer:/view/blocks]")
    _validate_blocks(blocks, limit=100, error="invalid_arguments")
    if view["type"] == "modal":
        _validate_modal(view, blocks)
    if len(str(view.get("private_metadata", ""))) > 3000:
        raise invalid_arguments(
            "must be less than 3001 characters [json-pointer:/view/private_metadata]"
        )
    if len(str(view.get("callback_id", ""))) > 255:
        raise invalid_arguments("must be less than 256 characters [json-pointer:/view/callback_id]")
    return view


def _validate_modal(view: JSONDict, blocks: list[JSONDict]) -> None:
    title = view.get("title")
    if not isinstance(title, dict) or title.get("type") != "plain_text":
        raise invalid_arguments("missing required field: title [json-pointer:/view/title]")
    for key in ("title", "submit", "close"):
        text = view.get(key)
        if isinstance(text, dict) and len(str(text.get("text", ""))) > VIEW_TEXT_LIMIT:
            raise invalid_arguments(
                f"must be less than 25 characters [json-pointer:/view/{key}/text]"
            )
    if any(b.get("type") == "input" for b in blocks) and not view.get("submit"):
        raise invalid_arguments(
            "submit is required when an input block is present [json-pointer:/view/submit]"
        )


def _store_view(
    ctx: CallContext,
    view: JSONDict,
    *,
    view_id: str | None = None,
    previous_view_id: str | None = None,
) -> JSONDict:
    external_id = str(view.get("external_id", ""))
    clash = next(
        (
            v
            for v in ctx.ws.views.values()
            if external_id and v["external_id"] == external_id and v["id"] != view_id
        ),
        None,
    )
    if clash is not None:
        raise SlackError("duplicate_external_id")
    new_id = view_id or ctx.ws.ids.next("V")
    stored: JSONDict = {
        "id": new_id,
        "team_id": ctx.ws.team_id,
        "type": view["type"],
        "blocks": view["blocks"],
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": {}},
        "hash": f"{int(ctx.ws.clock.time())}.{secrets.token_hex(4)}",
        "title": view.get("title"),
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "close": view.get("close"),
        "submit": view.get("submit"),
        "previous_view_id": previous_view_id,
        "root_view_id": new_id,
        "app_id": ctx.ws.app_id,
        "external_id": external_id,
        "app_installed_team_id": ctx.ws.team_id,
        "bot_id": ctx.token.bot_id,
    }
    ctx.ws.views[new_id] = stored
    return stored


def _exchange_trigger(ctx: CallContext) -> None:
    trigger_id = ctx.arg("trigger_id")
    if not trigger_id:
        return  # interactivity_pointer path
    error, warning = ctx.standin.triggers.exchange(trigger_id)
    if warning:
        ctx.warn(warning)
    if error:
        raise SlackError(error)


@handles("views.open")
def _views_open(ctx: CallContext) -> JSONDict:
    view = _parse_view(ctx, frozenset({"modal"}))
    _exchange_trigger(ctx)
    return {"view": _store_view(ctx, view)}


@handles("views.push")
def _views_push(ctx: CallContext) -> JSONDict:
    view = _parse_view(ctx, frozenset({"modal"}))
    _exchange_trigger(ctx)
    return {"view": _store_view(ctx, view)}


@handles("views.update")
def _views_update(ctx: CallContext) -> JSONDict:
    view = _parse_view(ctx, frozenset({"modal", "home"}))
    ref_id, external_id = ctx.arg("view_id"), ctx.arg("external_id")
    current = (
        ctx.ws.views.get(ref_id)
        if ref_id
        else next((v for v in ctx.ws.views.values() if v["external_id"] == external_id), None)
    )
    if current is None:
        raise SlackError("not_found")
    if ctx.arg("hash") and ctx.arg("hash") != current["hash"]:
        raise SlackError("hash_conflict")
    view.setdefault("external_id", current["external_id"])
    return {
        "view": _store_view(
            ctx, view, view_id=current["id"], previous_view_id=current["previous_view_id"]
        )
    }


@handles("views.publish")
def _views_publish(ctx: CallContext) -> JSONDict:
    view = _parse_view(ctx, frozenset({"home"}))
    user_id = ctx.arg("user_id")
    if user_id not in ctx.ws.users:
        raise SlackError("user_not_found")
    current = ctx.ws.home_views.get(user_id)
    if current and ctx.arg("hash") and ctx.arg("hash") != current["hash"]:
        raise SlackError("hash_conflict")
    stored = _store_view(ctx, view, view_id=current["id"] if current else None)
    ctx.ws.home_views[user_id] = stored
    return {"view": stored}
