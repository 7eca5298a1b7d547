"""The Dispatcher: from a normalized event to features, inside one transaction.

Order of work for each event: claim it in the Inbox (a duplicate stops here); find its community;
keep the member record current; turn answers to prompts into `ChoicePicked` / `TextAnswered`;
route to the features. When a feature fails (a `UserError`, or a crash), the whole transaction is
rolled back and the event is handled a second time as that failure, in a fresh transaction: the
Inbox claim, the member record and the reply that explains the failure are kept, the feature's
half-done changes are not. (This replaced a savepoint around every event's feature work: the
common path, where nothing fails, then pays for no SAVEPOINT and RELEASE.)
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import bindparam, text, update
from sqlmodel import Session, col, select

from bot.config.schema import CommunityConfig
from bot.core.actions import DirectMessage
from bot.core.commands import CommandTable, ParsedCommand
from bot.core.errors import PermissionDenied, Unsupported, UserError
from bot.core.events import (
    ChoicePicked,
    CommandInvoked,
    Event,
    HomeOpened,
    MemberJoined,
    MemberLeft,
    MemberPresent,
    MemberRolesChanged,
    MessagePosted,
    ReactionAdded,
    RoleHoldersListed,
    TextAnswered,
    TimerFired,
)
from bot.core.message import Message
from bot.core.roles import Role, allows
from bot.delivery import inbox, outbox
from bot.features.base import Context, Feature, Services
from bot.metrics import Metrics
from bot.store.db import affected, execute_hot, insert_ignore
from bot.store.models import MemberRecord, OutboxItem, PromptRecord, TimerRecord
from bot.store.types import UTCDateTime

log = logging.getLogger(__name__)

KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")
_NUMBERS = re.compile(r"^\s*\d{1,2}(\s*[, ]\s*\d{1,2})*\s*$")


class FeatureFailed(Exception):
    """A feature failed while handling an event; `error_id` is set for crashes (not refusals)."""

    def __init__(self, error: Exception, error_id: str = "") -> None:
        super().__init__(str(error))
        self.error = error
        self.error_id = error_id


class Dispatcher:
    def __init__(self, *, services: Services, metrics: Metrics) -> None:
        self._services = services
        self._metrics = metrics
        self.commands = CommandTable()
        self._command_owner: dict[tuple[str, str], Feature] = {}
        self._by_event: dict[type[Event], list[Feature]] = {}
        self._by_name: dict[str, Feature] = {}
        for feature in services.features:
            self._by_name[feature.name] = feature
            for spec in feature.commands:
                self.commands.add(spec)
                self._command_owner[(spec.root, spec.name)] = feature
            for kind in feature.events:
                self._by_event.setdefault(kind, []).append(feature)

    def dispatch(
        self,
        session: Session,
        event: Event,
        now: datetime,
        failure: FeatureFailed | None = None,
    ) -> bool:
        """Handle `event` in `session`'s transaction. False if it was a duplicate.

        Raises `FeatureFailed` when a feature fails: the caller rolls the transaction back and
        calls again with `failure`, which keeps the claim and explains instead of routing.
        """
        if not inbox.claim(
            session, dedupe_key=event.dedupe_key, kind=type(event).__name__, now=now
        ):
            self._metrics.duplicates.inc()
            return False
        if failure is None:
            self._metrics.events.labels(type(event).__name__).inc()
        if isinstance(event, TimerFired) and not _claim_timer(session, event.timer_key, now):
            return True
        community = self._community_for(session, event)
        if community is None:
            if isinstance(event, CommandInvoked):
                self._reply_plain(session, event, now, "command.no_community")
            return True
        ctx = Context(
            session=session,
            now=now,
            community=community,
            platform=event.platform,
            services=self._services,
        )
        _track_member(ctx, event)
        event, prompt = self._as_answer(ctx, event)
        if failure is None:
            self._run(ctx, event, prompt)
        else:
            self._explain(ctx, event, self._failure_text(ctx, event, failure))
        return True

    # -- community and member ------------------------------------------------------------

    def _community_for(self, session: Session, event: Event) -> CommunityConfig | None:
        directory = self._services.directory
        if isinstance(event, TimerFired):
            return directory.community(event.community)
        if isinstance(event, ChoicePicked | TextAnswered):
            prompt = _prompt(session, event.prompt_id)
            return directory.community(prompt.community) if prompt else None
        channel = getattr(event, "channel", "")
        is_direct = getattr(event, "is_direct", False)
        if channel and not is_direct:
            found = directory.community_of(event.platform, channel)
            if found is not None or not isinstance(event, ReactionAdded):
                return found
        found = self._home_community(session, event.platform, event.member)
        if found is None and isinstance(event, HomeOpened):
            # The home feature gathers the page across communities; any one of them will do.
            return next(iter(self._services.directory.on_platform(event.platform)), None)
        return found

    def _home_community(
        self, session: Session, platform: str, member: str
    ) -> CommunityConfig | None:
        """For DMs: the community the member joined last on this platform."""
        stmt = (
            select(MemberRecord)
            .where(MemberRecord.platform == platform, MemberRecord.user_id == member)
            .order_by(col(MemberRecord.joined_at).desc())
        )
        for record in session.exec(stmt):
            found = self._services.directory.community(record.community)
            if found is not None:
                return found
        communities = self._services.directory.on_platform(platform)
        return communities[0] if len(communities) == 1 else None

    # -- prompts -----------------------------------------------------------------------------

    def _as_answer(self, ctx: Context, event: Event) -> tuple[Event, PromptRecord | None]:
        """Recognize a keycap reaction or a DM reply as the answer to an open prompt."""
        if isinstance(event, ChoicePicked | TextAnswered):
            return event, _prompt(ctx.session, event.prompt_id)
        if isinstance(event, ReactionAdded) and event.emoji in KEYCAPS:
            prompt = _prompt_by_message(ctx.session, event.platform, event.message_id)
            if prompt and prompt.member in ("", event.member) and prompt.choices:
                index = KEYCAPS.index(event.emoji)
                if index < len(prompt.choices):
                    return _picked(event, prompt, prompt.choices[index]), prompt
        if isinstance(event, MessagePosted) and event.is_direct:
            prompt = _open_prompt(ctx.session, event.platform, event.member)
            if prompt is None:
                return event, None
            picks_by_number = bool(prompt.choices) and _NUMBERS.match(event.text) is not None
            if prompt.expects_text and not picks_by_number:
                answer = TextAnswered(
                    platform=event.platform,
                    dedupe_key=event.dedupe_key,
                    occurred_at=event.occurred_at,
                    member=event.member,
                    prompt_id=prompt.prompt_id,
                    text=event.text,
                    channel=event.channel,
                )
                return answer, prompt
            if picks_by_number:
                numbers = [int(n) for n in re.split(r"[,\s]+", event.text.strip()) if n]
                if all(1 <= n <= len(prompt.choices) for n in numbers):
                    picked = ",".join(
                        prompt.choices[n - 1] for n in numbers[: None if prompt.multiple else 1]
                    )
                    return _picked(event, prompt, picked), prompt
                locale = ctx.locale_for(event.member)
                ctx.dm(
                    f"badpick:{event.dedupe_key}",
                    event.member,
                    Message(text=ctx.text("prompt.bad_pick", locale, count=len(prompt.choices))),
                )
        return event, None

    # -- routing -------------------------------------------------------------------------------

    def _route(self, ctx: Context, event: Event, prompt: PromptRecord | None) -> None:
        if isinstance(event, CommandInvoked):
            self._command(ctx, event)
            return
        if isinstance(event, ChoicePicked | TextAnswered):
            if prompt is None or prompt.status != "open" or prompt.member not in ("", event.member):
                return
            feature = self._by_name.get(prompt.feature)
            if feature is not None:
                if prompt.member:
                    prompt.status = "answered"
                    prompt.answered_at = ctx.now
                    ctx.session.add(prompt)
                feature.on_prompt(event, prompt, ctx)
            return
        if isinstance(event, TimerFired):
            feature = self._by_name.get(event.feature)
            if feature is not None:
                feature.on_timer(event, ctx)
            return
        for feature in self._by_event.get(type(event), []):
            feature.on_event(event, ctx)

    def _command(self, ctx: Context, event: CommandInvoked) -> None:
        parsed: ParsedCommand = self.commands.parse(event.root, event.text)
        roles = ctx.roles_of(event.member)
        if not allows(roles, parsed.spec.roles):
            raise PermissionDenied(
                "command.denied",
                roles=_role_names(ctx, event.member, parsed.spec.roles),
                command=parsed.spec.full_name,
            )
        self._command_owner[(parsed.spec.root, parsed.spec.name)].on_command(parsed, event, ctx)

    def _run(self, ctx: Context, event: Event, prompt: PromptRecord | None) -> None:
        """Route to the features; turn any failure into `FeatureFailed` (logged once, here)."""
        try:
            self._route(ctx, event, prompt)
        except (UserError, Unsupported) as exc:
            raise FeatureFailed(exc) from exc
        except Exception as exc:
            error_id = secrets.token_hex(4)
            self._metrics.handler_errors.inc()
            log.exception("error %s while handling %s", error_id, type(event).__name__)
            raise FeatureFailed(exc, error_id) from exc

    def _failure_text(self, ctx: Context, event: Event, failure: FeatureFailed) -> str:
        """What the member is told: the refusal's own words, or an apology with the error id."""
        exc = failure.error
        locale = ctx.locale_for(event.member)
        if isinstance(exc, UserError):
            return ctx.text(exc.key, locale, **exc.params)
        if isinstance(exc, Unsupported):
            return f"{exc.platform} does not support '{exc.capability}'."
        return ctx.text("command.crashed", locale, error_id=failure.error_id)

    def _explain(self, ctx: Context, event: Event, text: str) -> None:
        if isinstance(event, CommandInvoked):
            ctx.reply(event, Message(text=text))
        elif isinstance(event, ChoicePicked | TextAnswered) or getattr(event, "is_direct", False):
            ctx.dm(f"error:{event.dedupe_key}", event.member, Message(text=text))

    def _reply_plain(
        self, session: Session, event: CommandInvoked, now: datetime, key: str
    ) -> None:
        text = self._services.catalogue.text(key, "en")
        action = DirectMessage(
            platform=event.platform, member=event.member, message=Message(text=text)
        )
        outbox.enqueue(session, key=f"reply:{event.dedupe_key}", action=action, now=now)


def _role_names(ctx: Context, member: str, roles: frozenset[Role]) -> str:
    locale = ctx.locale_for(member)
    order = [Role.HOST, Role.MODERATOR, Role.MANAGER, Role.ADMIN, Role.MEMBER]
    names = [ctx.text(f"role_groups.{r.value}", locale) for r in order if r in roles]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {ctx.text('roles.or', locale)} {names[-1]}"


def _picked(event: Event, prompt: PromptRecord, choice_id: str) -> ChoicePicked:
    return ChoicePicked(
        platform=event.platform,
        dedupe_key=event.dedupe_key,
        occurred_at=event.occurred_at,
        member=event.member,
        prompt_id=prompt.prompt_id,
        choice_id=choice_id,
        channel=getattr(event, "channel", ""),
    )


def _prompt(session: Session, prompt_id: str) -> PromptRecord | None:
    return session.exec(select(PromptRecord).where(PromptRecord.prompt_id == prompt_id)).first()


def _prompt_by_message(session: Session, platform: str, message_id: str) -> PromptRecord | None:
    stmt = (
        select(PromptRecord)
        .join(OutboxItem, col(OutboxItem.key) == col(PromptRecord.effect_key))
        .where(OutboxItem.platform == platform, OutboxItem.message_id == message_id)
    )
    return session.exec(stmt).first()


def _open_prompt(session: Session, platform: str, member: str) -> PromptRecord | None:
    stmt = (
        select(PromptRecord)
        .where(
            PromptRecord.platform == platform,
            PromptRecord.member == member,
            PromptRecord.status == "open",
        )
        .order_by(col(PromptRecord.id).desc())
    )
    return session.exec(stmt).first()


def _claim_timer(session: Session, key: str, now: datetime) -> bool:
    result = session.execute(
        update(TimerRecord)
        .where(col(TimerRecord.key) == key, col(TimerRecord.status) == "pending")
        .values(status="fired", fired_at=now)
    )
    return affected(result) > 0


def _track_member(ctx: Context, event: Event) -> None:
    """Keep the member record current: joins, leaves, and members first seen by a message."""
    if isinstance(event, MemberLeft):
        record = ctx.member(event.member)
        if record is not None:
            record.left_at = ctx.now
            ctx.session.add(record)
        return
    if isinstance(event, MemberRolesChanged):
        _track_platform_roles(ctx, event)
        return
    if isinstance(event, RoleHoldersListed):
        _clear_platform_roles_but(ctx, event.platform, event.holders)
        return
    if not isinstance(event, MemberJoined | MessagePosted | CommandInvoked | MemberPresent):
        return
    if isinstance(event, MessagePosted) and not event.is_direct:
        _seen_posting(ctx, event)
        return
    record = ctx.member(event.member)
    name = getattr(event, "display_name", "") or event.member
    if record is None:
        _new_member(
            ctx,
            event.member,
            display_name=name,
            locale=getattr(event, "locale", None),
            timezone=getattr(event, "timezone", None),
            joined_at=event.occurred_at if isinstance(event, MemberJoined) else ctx.now,
        )
    elif isinstance(event, MemberJoined):
        record.left_at = None
        record.display_name = name
        ctx.session.add(record)


def _new_member(
    ctx: Context,
    member: str,
    *,
    display_name: str,
    locale: str | None = None,
    timezone: str | None = None,
    platform_roles: str = "",
    joined_at: datetime | None = None,
) -> None:
    """Record a member Porch has not seen in this community (a concurrent insert wins)."""
    values = {
        "platform": ctx.platform,
        "user_id": member,
        "community": ctx.community.id,
        "display_name": display_name,
        "locale": locale,
        "timezone": timezone,
        "platform_roles": platform_roles,
        "joined_at": joined_at or ctx.now,
    }
    insert_ignore(ctx.session, MemberRecord, values)
    ctx.forget_member(member)


def _track_platform_roles(ctx: Context, event: MemberRolesChanged) -> None:
    """Store the roles the platform grants; a member with a role gets a record if they had none."""
    roles = ",".join(sorted(event.roles))
    record = ctx.member(event.member)
    if record is None and roles:
        _new_member(ctx, event.member, display_name=event.member, platform_roles=roles)
    elif record is not None and record.platform_roles != roles:
        record.platform_roles = roles
        ctx.session.add(record)


def _clear_platform_roles_but(ctx: Context, platform: str, holders: tuple[str, ...]) -> None:
    """The platform listed everyone it grants roles to: nobody else of it keeps any here."""
    ctx.session.execute(
        update(MemberRecord)
        .where(
            col(MemberRecord.platform) == platform,
            col(MemberRecord.community) == ctx.community.id,
            col(MemberRecord.platform_roles) != "",
            col(MemberRecord.user_id).not_in(holders),
        )
        .values(platform_roles="")
        .execution_options(synchronize_session="fetch")
    )


def _seen_posting(ctx: Context, event: MessagePosted) -> None:
    """A message in a channel: record a member first seen this way, and their activity.

    One statement, the commonest of all: an upsert whose update only runs when the member has
    not posted yet or not today (activity is kept to the UTC day, what quiet-member checks need),
    so most messages write nothing.
    """
    day = datetime.combine(ctx.now.date(), time(0), tzinfo=UTC)
    params = {
        "platform": event.platform,
        "user_id": event.member,
        "community": ctx.community.id,
        "display_name": event.display_name or event.member,
        "now": ctx.now,
        "day_start": day,
        "day_end": day + timedelta(days=1),
    }
    execute_hot(ctx.session, _SEEN_POSTING, params)
    ctx.forget_member(event.member)


_SEEN_POSTING = text(
    "INSERT INTO members (platform, user_id, community, display_name, platform_roles, "
    "joined_at, first_posted_at, last_active_at) "
    "VALUES (:platform, :user_id, :community, :display_name, '', :now, :now, :now) "
    "ON CONFLICT (platform, user_id, community) DO UPDATE "
    "SET first_posted_at = COALESCE(members.first_posted_at, excluded.first_posted_at), "
    "last_active_at = excluded.last_active_at "
    "WHERE members.first_posted_at IS NULL OR members.last_active_at IS NULL "
    "OR members.last_active_at < :day_start OR members.last_active_at >= :day_end"
).bindparams(*(bindparam(n, type_=UTCDateTime()) for n in ("now", "day_start", "day_end")))
