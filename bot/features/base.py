"""What a feature is, and the context its handlers get.

A feature's decisions are pure functions of its own modules; its handlers are thin wiring that
read state through the context, call those functions and emit actions. Everything a handler does
happens in the one transaction the Dispatcher opened for the event: the Inbox claim, the state
changes, the Outbox rows. Either all of it is stored, or none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from bot.config.loader import Directory
from bot.config.schema import CommunityConfig, PorchConfig
from bot.core.actions import (
    Action,
    Capability,
    DirectMessage,
    Edit,
    Ephemeral,
    MessageRef,
    Post,
    capability_of,
)
from bot.core.commands import CommandSpec, ParsedCommand
from bot.core.errors import Unsupported
from bot.core.events import ChoicePicked, CommandInvoked, Event, TextAnswered, TimerFired
from bot.core.forms import CommandForm, ShownCheckbox, ShownForm
from bot.core.message import Message
from bot.core.roles import Role, identity_matches
from bot.delivery import outbox
from bot.i18n.catalogue import Catalogue
from bot.store.db import insert_ignore
from bot.store.models import AuditEntry, MemberRecord, OutboxItem, PromptRecord, TimerRecord

_MEMBER = select(MemberRecord).where(
    col(MemberRecord.platform) == bindparam("platform"),
    col(MemberRecord.user_id) == bindparam("user_id"),
    col(MemberRecord.community) == bindparam("community"),
)
"""Prebuilt with bind parameters: building the statement per event cost more than running it."""


@dataclass(frozen=True)
class Services:
    """What every handler may use besides the transaction: long-lived and read-only."""

    config: PorchConfig
    directory: Directory
    catalogue: Catalogue
    capabilities: dict[str, frozenset[Capability]]
    features: tuple[Feature, ...] = ()
    playbooks: Mapping[str, Any] = field(default_factory=dict)
    """Validated playbooks by id (see `bot.playbooks`); features look up their own kinds."""


@dataclass
class Context:
    session: Session
    now: datetime
    community: CommunityConfig
    platform: str
    services: Services
    emitted: list[str] = field(default_factory=list)
    _members: dict[str, MemberRecord | None] = field(default_factory=dict, repr=False)

    # -- reading -------------------------------------------------------------------------

    def member(self, member: str) -> MemberRecord | None:
        """The member's record, looked up once per event (handlers ask for it often)."""
        if member not in self._members:
            params = {"platform": self.platform, "user_id": member, "community": self.community.id}
            self._members[member] = self.session.exec(_MEMBER, params=params).first()
        return self._members[member]

    def forget_member(self, member: str) -> None:
        """Look the record up afresh next time (after it was written around the ORM)."""
        self._members.pop(member, None)

    def locale_for(self, member: str) -> str:
        record = self.member(member)
        return (record.locale if record and record.locale else None) or self.community.locale

    def name_of(self, member: str) -> str:
        record = self.member(member)
        return record.display_name if record and record.display_name else member

    def roles_of(self, member: str) -> frozenset[Role]:
        c = self.community
        roles: set[Role] = {Role.MEMBER}
        for role, entries in (
            (Role.ADMIN, c.admins),
            (Role.MANAGER, c.managers),
            (Role.MODERATOR, c.moderators),
        ):
            if any(identity_matches(e, self.platform, member) for e in entries):
                roles.add(role)
        record = self.member(member)
        if record and record.platform_roles:
            roles |= {Role(r) for r in record.platform_roles.split(",") if r}
        for feature in self.services.features:
            roles |= feature.granted_roles(self, member)
        return frozenset(roles)

    def text(self, key: str, locale: str, /, **params: Any) -> str:
        return self.services.catalogue.text(key, locale, **params)

    def can(self, capability: Capability) -> bool:
        return capability in self.services.capabilities.get(self.platform, frozenset())

    # -- acting ----------------------------------------------------------------------------

    def emit(self, key: str, action: Action) -> bool:
        """Queue an effect under an idempotency key; degrade it if the platform lacks the capability.

        Raises `Unsupported` when there is no sensible degradation: the caller tells the member.
        """
        action = self._degrade(action)
        added = outbox.enqueue(self.session, key=key, action=action, now=self.now)
        if added:
            self.emitted.append(key)
        return added

    def _degrade(self, action: Action) -> Action:
        capabilities = self.services.capabilities.get(action.platform, frozenset())
        needed = capability_of(action)
        if needed in capabilities:
            return action
        if isinstance(action, Ephemeral) and Capability.DM in capabilities:
            return DirectMessage(
                platform=action.platform, member=action.member, message=action.message
            )
        if (
            isinstance(action, Post)
            and action.thread is not None
            and Capability.SEND in capabilities
        ):
            return action.model_copy(update={"thread": None})
        if isinstance(action, Edit) and Capability.SEND in capabilities:
            return Post(platform=action.platform, channel=action.channel, message=action.message)
        raise Unsupported(action.platform, needed.value)

    def post(
        self, key: str, channel: str, message: Message, thread: MessageRef | None = None
    ) -> bool:
        return self.emit(
            key, Post(platform=self.platform, channel=channel, message=message, thread=thread)
        )

    def dm(self, key: str, member: str, message: Message) -> bool:
        return self.emit(key, DirectMessage(platform=self.platform, member=member, message=message))

    def reply(self, event: CommandInvoked, message: Message) -> bool:
        """Answer a command privately: in the DM it came from, or ephemerally in its channel."""
        key = f"reply:{event.dedupe_key}:{len(self.emitted)}"
        if event.is_direct:
            return self.dm(key, event.member, message)
        return self.emit(
            key,
            Ephemeral(
                platform=self.platform, channel=event.channel, member=event.member, message=message
            ),
        )

    def ask(self, key: str, member: str, message: Message, *, feature: str) -> str:
        """DM a prompt and remember it, so a pick or typed answer finds its way back."""
        prompt_id = message.prompt_id or key
        message = message.model_copy(update={"prompt_id": prompt_id})
        self._remember_prompt(prompt_id, member, message, key, feature)
        self.dm(key, member, message)
        return prompt_id

    def _remember_prompt(
        self, prompt_id: str, member: str, message: Message, key: str, feature: str
    ) -> None:
        insert_ignore(
            self.session,
            PromptRecord,
            {
                "prompt_id": prompt_id,
                "platform": self.platform,
                "member": member,
                "community": self.community.id,
                "feature": feature,
                "expects_text": message.expects_text,
                "choices": [c.id for c in message.choices],
                "multiple": message.multiple,
                "effect_key": key,
                "status": "open",
                "created_at": self.now,
            },
        )

    def offer(
        self,
        key: str,
        channel: str,
        message: Message,
        *,
        feature: str,
        thread: MessageRef | None = None,
    ) -> str:
        """Post a public prompt in a channel: anyone may pick (an upvote button, a moderator's
        one-click action). It stays open until the feature calls `close_prompt`; the feature
        decides who may do what."""
        prompt_id = message.prompt_id or key
        message = message.model_copy(update={"prompt_id": prompt_id})
        self._remember_prompt(prompt_id, "", message, key, feature)
        self.post(key, channel, message, thread)
        return prompt_id

    def close_prompt(self, prompt_id: str) -> None:
        self.session.execute(
            update(PromptRecord)
            .where(col(PromptRecord.prompt_id) == prompt_id)
            .values(status="closed")
        )

    def effect_for_message(self, message_id: str) -> str | None:
        """The Outbox key of the effect that posted `message_id` on this platform, if Porch did."""
        stmt = select(OutboxItem.key).where(
            OutboxItem.platform == self.platform, OutboxItem.message_id == message_id
        )
        return self.session.exec(stmt).first()

    def start_timer(
        self,
        key: str,
        due_at: datetime,
        *,
        feature: str,
        member: str = "",
        subject: str = "",
        payload: dict[str, str] | None = None,
    ) -> bool:
        return insert_ignore(
            self.session,
            TimerRecord,
            {
                "key": key,
                "feature": feature,
                "community": self.community.id,
                "platform": self.platform,
                "member": member,
                "subject": subject,
                "payload": payload or {},
                "due_at": due_at,
                "status": "pending",
            },
        )

    def audit(self, *, actor: str, action: str, subject: str = "", **detail: Any) -> None:
        self.session.add(
            AuditEntry(
                at=self.now,
                community=self.community.id,
                actor=actor,
                action=action,
                subject=subject,
                detail=detail,
            )
        )


class Feature:
    """Base of every feature. Override what applies; the defaults do nothing."""

    name: ClassVar[str] = "feature"
    commands: ClassVar[tuple[CommandSpec, ...]] = ()
    events: ClassVar[tuple[type[Event], ...]] = ()
    forms: ClassVar[tuple[CommandForm, ...]] = ()
    """Commands of this feature that platforms with modals offer as forms (see `bot.core.forms`)."""

    def on_start(self, ctx: Context) -> None:
        """Called at every start, once per community and running platform, in one transaction:
        rebuild schedules from the playbooks (idempotently: timers have unique keys)."""

    def on_event(self, event: Event, ctx: Context) -> None:
        """Called for every event whose type is in `events`."""

    def on_command(self, command: ParsedCommand, event: CommandInvoked, ctx: Context) -> None:
        """Called for this feature's own commands, after the role check passed."""

    def on_prompt(
        self, event: ChoicePicked | TextAnswered, prompt: PromptRecord, ctx: Context
    ) -> None:
        """Called when a member answers a prompt this feature asked."""

    def on_timer(self, event: TimerFired, ctx: Context) -> None:
        """Called when one of this feature's timers comes due."""

    def granted_roles(self, ctx: Context, member: str) -> set[Role]:
        """Roles this feature grants (an AMA's hosts); checked with every command."""
        return set()

    def form_ticks(
        self, form: CommandForm, ctx: Context, channel: str, member: str
    ) -> dict[str, bool]:
        """Which of `form`'s checkboxes start ticked for `member` opening it in `channel`, where
        that depends on state (an AMA started with `--named`); the rest keep their default."""
        return {}

    def home_section(self, ctx: Context, member: str, *, manages: bool) -> str | None:
        """This feature's part of `member`'s home page (Markdown), or None for nothing.

        `manages` says the member manages or moderates `ctx.community`: add what they need to
        see of the community at a glance. Read-only: the page is built on every visit.
        """
        return None


class FeatureForms:
    """The `FormDesk` of a running Porch: the features' forms, shown with their texts and ticks.

    Read-only and quick (one short transaction), because an adapter asks while a modal's
    `trigger_id` is ticking.
    """

    def __init__(
        self,
        services: Services,
        transaction: Callable[[], AbstractContextManager[Session]],
        now: Callable[[], datetime],
    ) -> None:
        self._services = services
        self._transaction = transaction
        self._now = now
        self._owners = {form.id: f for f in services.features for form in f.forms}

    def forms(self) -> tuple[CommandForm, ...]:
        return tuple(form for f in self._services.features for form in f.forms)

    def show(self, form_id: str, *, platform: str, channel: str, member: str) -> ShownForm | None:
        owner = self._owners.get(form_id)
        community = self._community(platform, channel)
        if owner is None or community is None:
            return None
        form = next(f for f in owner.forms if f.id == form_id)
        with self._transaction() as session:
            ctx = Context(
                session=session,
                now=self._now(),
                community=community,
                platform=platform,
                services=self._services,
            )
            ticks = owner.form_ticks(form, ctx, channel, member)
            locale = ctx.locale_for(member)
        t = self._services.catalogue.text
        return ShownForm(
            form=form,
            title=t(form.title, locale),
            text_label=t(form.text_label, locale),
            submit=t(form.submit, locale),
            checkboxes=tuple(
                ShownCheckbox(box.flag, t(box.label, locale), ticks.get(box.flag, box.default))
                for box in form.checkboxes
            ),
            text_hint=t(form.text_hint, locale) if form.text_hint else None,
        )

    def _community(self, platform: str, channel: str) -> CommunityConfig | None:
        """The channel's community; for a DM, the first community on the platform (if any)."""
        found = self._services.directory.community_of(platform, channel)
        if found is not None:
            return found
        return next(iter(self._services.directory.on_platform(platform)), None)
