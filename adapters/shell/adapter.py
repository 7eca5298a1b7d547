"""The terminal chat: a platform that lives in your terminal.

It plays both sides of a chat platform: it turns typed directives into normalized events (as a
platform's inbound would), and prints what Porch does as transcript lines (as a platform's client
would show it). Every printed message carries a short ref (`m12`) to react to.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.shell.inbound import Directive
from adapters.shell.render import message_lines
from bot.core.actions import (
    Action,
    Capability,
    Delivered,
    DirectMessage,
    Edit,
    Ephemeral,
    GroupMessage,
    Invite,
    Kick,
    ListMembers,
    MessageRef,
    Mute,
    Pin,
    Post,
    React,
    Redact,
    Unmute,
    Unpin,
)
from bot.core.adapter import UNLIMITED, DeliveryContext, EventSink, member_present
from bot.core.clock import Clock
from bot.core.events import (
    ChoicePicked,
    CommandInvoked,
    Event,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    ReactionAdded,
)
from bot.core.message import Message

BOT = "porch"
COMMAND_ROOTS = ("porch", "ama")


class ShellError(ValueError):
    """A directive that cannot be carried out now (`:click` with nothing to click)."""


@dataclass(frozen=True)
class Shown:
    channel: str
    ref: str
    message: Message
    thread: str | None = None


@dataclass
class _Prompt:
    prompt_id: str
    choices: tuple[str, ...]
    labels: tuple[str, ...]


class ShellAdapter:
    platform = "shell"
    capabilities = frozenset(Capability) - {Capability.MODAL, Capability.HOME}
    rate_budget = UNLIMITED

    def __init__(self, *, clock: Clock, write: Callable[[str], None], first_ref: int = 1) -> None:
        self._clock = clock
        self._out = write
        self._stamp_zone: str | None = None
        self._stamped: datetime | None = None
        self._refs = itertools.count(first_ref)
        self._run = uuid.uuid4().hex[:8]
        self._events = itertools.count(1)
        self._prompts: dict[str, _Prompt] = {}
        self._channel_of: dict[str, str] = {}
        self._sink: EventSink | None = None
        self._present: dict[str, set[str]] = {}
        """Who is in each channel, as far as this terminal chat has seen (for `ListMembers`)."""
        self.shown: list[Shown] = []
        """Every message Porch showed, for tests that want structure rather than lines."""

    def _write(self, line: str) -> None:
        """Write a line; while a script's `:advance` runs, stamp the time before the first line
        written at each new moment, so a transcript shows when each message came."""
        zone = self._stamp_zone
        if zone is not None and self._clock.now() != self._stamped:
            self._stamped = self._clock.now()
            self._out(self.now_line(zone, self._stamped))
        self._out(line)

    @contextlib.contextmanager
    def stamping(self, zone: str) -> Iterator[None]:
        """Stamp the time (in `zone`) before what Porch says at each moment of an `:advance`;
        at its end the time reached is stamped, unless the last line already was."""
        self._stamp_zone = zone
        try:
            yield
        finally:
            self._stamp_zone = None
        if self._clock.now() != self._stamped:
            self._stamped = self._clock.now()
            self._out(self.now_line(zone, self._stamped))

    async def start(self, sink: EventSink) -> None:
        self._sink = sink

    async def stop(self) -> None:
        self._sink = None

    # -- inbound: directives to events --------------------------------------------------------

    def to_event(self, d: Directive) -> Event | None:
        """Print what the user did and return the event the platform would send Porch."""
        now = self._clock.now()
        key = f"shell:{self._run}:{next(self._events)}"
        base: dict[str, Any] = {
            "platform": self.platform,
            "dedupe_key": key,
            "occurred_at": now,
            "member": d.user,
        }
        if d.verb == "join":
            self._write(f"* {d.user} joined {d.channel}")
            self._present.setdefault(d.channel, set()).add(d.user)
            return MemberJoined(**base, channel=d.channel, display_name=d.user)
        if d.verb == "leave":
            self._write(f"* {d.user} left {d.channel}")
            self._present.get(d.channel, set()).discard(d.user)
            return MemberLeft(**base, channel=d.channel)
        if d.user == BOT:
            self._write(f"(ignored: {d.user} is Porch itself)")
            return None
        if d.verb in ("say", "dm"):
            channel = d.channel if d.verb == "say" else f"dm:{d.user}"
            ref = self._new_ref(channel)
            where = d.channel if d.verb == "say" else f"dm {d.user}"
            self._write(f"[{where}] {d.user} ({ref}): {d.text}")
            command = _command(d.text)
            if command is not None:
                root, rest = command
                return CommandInvoked(
                    **base,
                    root=root,
                    text=rest,
                    channel=channel,
                    is_direct=d.verb == "dm",
                    display_name=d.user,
                )
            return MessagePosted(
                **base,
                channel=channel,
                text=d.text,
                message_id=ref,
                is_direct=d.verb == "dm",
                display_name=d.user,
                permalink=ref,
            )
        if d.verb == "click":
            return self._click(d, base)
        if d.verb == "react":
            target = self._channel_of.get(d.ref)
            if target is None:
                raise ShellError(f"there is no message {d.ref}")
            self._write(f"[{_where(target)}] {d.user} reacted {d.text} to {d.ref}")
            return ReactionAdded(**base, channel=target, message_id=d.ref, emoji=d.text)
        raise ShellError(f"':{d.verb}' is not something a member does")

    def _click(self, d: Directive, base: dict[str, Any]) -> ChoicePicked:
        prompt = self._prompts.get(d.user)
        if prompt is None:
            raise ShellError(f"{d.user} has no question with choices to click")
        if any(p > len(prompt.choices) for p in d.picks):
            raise ShellError(f"{d.user}'s last question has only {len(prompt.choices)} choices")
        labels = ", ".join(f"{p}) {prompt.labels[p - 1]}" for p in d.picks)
        self._write(f"* {d.user} picked {labels}")
        choice = ",".join(prompt.choices[p - 1] for p in d.picks)
        return ChoicePicked(**base, prompt_id=prompt.prompt_id, choice_id=choice)

    # -- outbound: actions to transcript lines ----------------------------------------------------

    async def execute(self, action: Action, ctx: DeliveryContext) -> Delivered:
        if isinstance(action, Post):
            where = action.channel + (f" › {_ref(action.thread)}" if action.thread else "")
            thread = _ref(action.thread) if action.thread else None
            return self._show(action.channel, where, action.message, thread)
        if isinstance(action, DirectMessage):
            self._remember_prompt(action.member, action.message)
            return self._show(f"dm:{action.member}", f"dm {action.member}", action.message)
        if isinstance(action, Ephemeral):
            self._remember_prompt(action.member, action.message)
            return self._show(
                action.channel, f"{action.channel}, only {action.member}", action.message
            )
        if isinstance(action, GroupMessage):
            for member in action.members:
                self._remember_prompt(member, action.message)
            channel = "group:" + ",".join(action.members)
            return self._show(channel, "group " + ", ".join(action.members), action.message)
        if isinstance(action, ListMembers):
            await self._list_members(action, ctx)
            return Delivered(channel=action.channel)
        return self._act(action)

    async def _list_members(self, action: ListMembers, ctx: DeliveryContext) -> None:
        members = sorted(self._present.get(action.channel, ()))
        self._write(f"* {BOT} listed the {len(members)} member(s) of {action.channel}")
        if self._sink is None:
            return
        for member in members:
            await self._sink(member_present(action, ctx, member, self._clock.now(), member))

    def _act(self, action: Action) -> Delivered:
        if isinstance(action, Edit):
            ref = _ref(action.target)
            for line in message_lines(
                f"[{_where(action.channel)}] {BOT} edited {ref}", action.message
            ):
                self._write(line)
            return Delivered(message_id=ref, channel=action.channel)
        if isinstance(action, React):
            self._write(
                f"[{_where(action.channel)}] {BOT} reacted {action.emoji} to {_ref(action.target)}"
            )
        elif isinstance(action, Redact):
            reason = f" ({action.reason})" if action.reason else ""
            self._write(f"[{_where(action.channel)}] {BOT} removed {_ref(action.target)}{reason}")
        elif isinstance(action, Pin):
            self._write(f"[{_where(action.channel)}] {BOT} pinned {_ref(action.target)}")
        elif isinstance(action, Unpin):
            self._write(f"[{_where(action.channel)}] {BOT} unpinned {_ref(action.target)}")
        elif isinstance(action, Mute):
            until = f"{action.until:%Y-%m-%d %H:%M} UTC"
            self._write(f"* {BOT} muted {action.member} in {action.channel} until {until}")
        elif isinstance(action, Unmute):
            self._write(f"* {BOT} unmuted {action.member} in {action.channel}")
        elif isinstance(action, Invite):
            self._write(f"* {BOT} invited {action.member} to {action.channel}")
        elif isinstance(action, Kick):
            reason = f" ({action.reason})" if action.reason else ""
            self._write(f"* {BOT} removed {action.member} from {action.channel}{reason}")
        return Delivered(channel=getattr(action, "channel", None))

    def _show(
        self, channel: str, where: str, message: Message, thread: str | None = None
    ) -> Delivered:
        ref = self._new_ref(channel)
        self.shown.append(Shown(channel, ref, message, thread))
        for line in message_lines(f"[{where}] {BOT} ({ref})", message):
            self._write(line)
        return Delivered(message_id=ref, channel=channel)

    def _remember_prompt(self, member: str, message: Message) -> None:
        if message.prompt_id and message.choices:
            self._prompts[member] = _Prompt(
                message.prompt_id,
                tuple(c.id for c in message.choices),
                tuple(c.label for c in message.choices),
            )

    def _new_ref(self, channel: str) -> str:
        ref = f"m{next(self._refs)}"
        self._channel_of[ref] = channel
        return ref

    def now_line(self, zone_name: str, when: datetime) -> str:
        from zoneinfo import ZoneInfo

        local = when.astimezone(ZoneInfo(zone_name))
        clock = "%H:%M:%S" if local.second or local.microsecond else "%H:%M"
        return f"-- {local.strftime('%a %Y-%m-%d ' + clock)} {zone_name} --"


def _command(text: str) -> tuple[str, str] | None:
    if not text.startswith("/"):
        return None
    root, _, rest = text[1:].partition(" ")
    return (root, rest.strip()) if root in COMMAND_ROOTS else None


def _ref(ref: MessageRef | None) -> str:
    return (ref.message_id or ref.effect_key or "?") if ref else "?"


def _where(channel: str) -> str:
    return "dm " + channel[3:] if channel.startswith("dm:") else channel
