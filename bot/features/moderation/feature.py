"""Moderation: the handlers that wire the rule engine, the queue, reports and crisis mode.

Decisions are pure (`rules.evaluate`, `decide`, `render`, `crisis.tighten`); this module reads
the facts they need, calls them and writes what they decided in the event's one transaction:
audit entries, queue cases, Outbox rows. Per message it does O(rules) work on rules compiled
once per playbook; the database is touched only when a rule is broken.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any, ClassVar

from sqlalchemy import func
from sqlmodel import col, select

from bot.config.schema import Channels
from bot.core.actions import Capability, Edit, Kick, MessageRef, Mute, Pin, Redact, Unmute, Unpin
from bot.core.commands import CommandSpec, Kind, Param, ParsedCommand
from bot.core.errors import UserError
from bot.core.events import (
    ChoicePicked,
    CommandInvoked,
    Event,
    MessageEdited,
    MessagePosted,
    QuotedMessage,
    ReactionAdded,
    TextAnswered,
    TimerFired,
)
from bot.core.ids import MemberId
from bot.core.message import Message
from bot.core.roles import Role, allows, ids_on_platform
from bot.features.base import Context, Feature
from bot.features.moderation import crisis, modlog, render
from bot.features.moderation.checks import queue_warning
from bot.features.moderation.decide import Decision, Facts, decide, strongest
from bot.features.moderation.history import HistoryPolicy, MemberHistory
from bot.features.moderation.memory import Memory, Recent
from bot.features.moderation.rules import (
    MessageFacts,
    RuleSet,
    evaluate,
    excerpt,
    find_links,
    history_policy,
)
from bot.features.moderation.settings import ModerationSettings
from bot.playbooks.schema import ModerationPlaybook
from bot.playbooks.templates import pick
from bot.store import moderation as store
from bot.store.models import AuditEntry, OutboxItem, PromptRecord

log = logging.getLogger(__name__)

FEATURE = "moderation"
MODERATORS = frozenset({Role.MODERATOR})
MANAGERS = frozenset({Role.MANAGER})
DESTRUCTIVE = ("moderation.removed",)
"""Audit actions Porch's own hourly cap counts."""
EXPIRY_HOUR = 3
"""Excerpts are expired daily at 03:00 UTC, a quiet hour in most places."""

REPORT = CommandSpec(
    "porch",
    "report",
    "moderation.summary_report",
    args=(Param("channel", required=False), Param("message", required=False)),
    example="/porch report #general m12",
)
MODLOG = CommandSpec(
    "porch",
    "modlog",
    "moderation.summary_modlog",
    options=(Param("since", Kind.DURATION, required=False),),
    roles=MODERATORS,
    example="/porch modlog --since 7d",
)
CRISIS = CommandSpec(
    "porch",
    "crisis",
    "moderation.summary_crisis",
    args=(
        Param("switch", Kind.CHOICE, values=("on", "off")),
        Param("statement", required=False, rest=True),
    ),
    roles=MANAGERS,
    example='/porch crisis on "We are reorganising; here is what we know."',
)


class Moderation(Feature):
    """House rules kept gently: reminders first, a queue with one-click actions, all audited."""

    name: ClassVar[str] = FEATURE
    commands: ClassVar[tuple[CommandSpec, ...]] = (REPORT, MODLOG, CRISIS)
    events: ClassVar[tuple[type[Event], ...]] = (MessagePosted, MessageEdited, ReactionAdded)

    def __init__(self) -> None:
        self._memory = Memory()
        self._plans: dict[tuple[str, bool], tuple[ModerationPlaybook, RuleSet, HistoryPolicy]] = {}

    # -- other features ask ---------------------------------------------------------------------

    def crisis_on(self, ctx: Context) -> bool:
        """For rituals and nudges, which pause while the community is in crisis mode."""
        return crisis.crisis_on(ctx.session, ctx.community.id)

    # -- start and timers ---------------------------------------------------------------------

    def on_start(self, ctx: Context) -> None:
        _schedule_expiry(ctx)
        warning = queue_warning(ctx.community, ctx.platform) if _playbook(ctx) else None
        if warning is not None:
            log.warning("%s", warning)

    def on_timer(self, event: TimerFired, ctx: Context) -> None:
        if event.subject == "unmute":
            _unmute(ctx, event)
            return
        if event.subject != "expire":
            return
        cutoff = ctx.now - timedelta(days=ctx.services.config.retention_days)
        forgotten = store.expire_excerpts(ctx.session, community=ctx.community.id, before=cutoff)
        if forgotten:
            ctx.audit(actor="porch", action="moderation.expired", count=forgotten)
        _schedule_expiry(ctx)

    # -- messages -----------------------------------------------------------------------------

    def on_event(self, event: Event, ctx: Context) -> None:
        if isinstance(event, MessagePosted | MessageEdited) and _policed(ctx, event):
            self._message(event, ctx)
        elif (
            isinstance(event, ReactionAdded)
            and event.emoji == _settings(ctx).report_emoji
            and _ours(ctx, event.channel)
        ):
            self._report(ctx, event.member, event.channel, event.message_id)

    def _message(self, event: MessagePosted | MessageEdited, ctx: Context) -> None:
        """Check a new or edited message against the rules and respond to what it breaks.

        An edit is checked as a message of its own, except against the member's history (it is
        not another message of a flood or a repeat); a rule the message broke before is not
        answered twice (`_carry_out` keys its effects by message and rule)."""
        edited = isinstance(event, MessageEdited)
        if event.channel == _queue_channel(ctx):
            return
        link = _permalink(event) or self._permalink_of(ctx, event.message_id)
        self._memory.recent.put(
            (ctx.platform, event.message_id),
            Recent(event.member, excerpt(event.text, (0, 0)), link),
        )
        plan = self._plan(ctx)
        if plan is None:
            return
        playbook, rules, policy = plan
        key = (ctx.platform, ctx.community.id, event.member)
        history = MemberHistory(MemberId(event.member)) if edited else self._memory.history(key)
        record = ctx.member(event.member)
        facts = MessageFacts(
            member=MemberId(event.member),
            text=event.text,
            mentions=tuple(MemberId(m) for m in getattr(event, "mentions", ())),
            member_since=record.joined_at if record is not None else None,
            has_posted_link_before=bool(self._memory.linked.get(key)),
        )
        breaches = evaluate(rules, facts, history, ctx.now)
        if not edited:
            self._memory.histories.put(key, history.record(ctx.now, event.text, policy))
        if find_links(event.text):
            self._memory.linked.put(key, True)
        if not breaches:
            return
        settings = playbook.policy
        known = Facts(
            recent_reminders=store.reminders_since(
                ctx.session,
                community=ctx.community.id,
                platform=ctx.platform,
                member=event.member,
                since=ctx.now - timedelta(days=settings.escalation.within_days),
            ),
            removals_this_hour=_destructive_this_hour(ctx),
            can_remove=ctx.can(Capability.REDACT_ANY),
        )
        decisions = [decide(b, known, settings.escalation, settings.caps) for b in breaches]
        for decision in decisions:
            _audit_decision(ctx, event, decision)
        chosen = strongest(decisions)
        if chosen is not None:
            self._carry_out(ctx, event, chosen, playbook)

    def _permalink_of(self, ctx: Context, message_id: str) -> str:
        """The link of a message seen lately (an edit carries none of its own)."""
        recent = self._memory.recent.get((ctx.platform, message_id))
        return recent.permalink if recent is not None else ""

    def _plan(self, ctx: Context) -> tuple[ModerationPlaybook, RuleSet, HistoryPolicy] | None:
        """The community's rules (crisis-tightened when crisis mode is on), built once each."""
        found = _playbook(ctx)
        if found is None:
            return None
        playbook_id, playbook = found
        if not playbook.rules:
            return None
        in_crisis = crisis.crisis_on(ctx.session, ctx.community.id)
        cached = self._plans.get((playbook_id, in_crisis))
        if cached is not None and cached[0] is playbook:
            return cached
        rules = (
            crisis.tighten(playbook.rules, playbook.policy.crisis)
            if in_crisis
            else RuleSet(playbook.rules)
        )
        plan = (playbook, rules, history_policy(rules))
        self._plans[(playbook_id, in_crisis)] = plan
        return plan

    def _carry_out(
        self,
        ctx: Context,
        event: MessagePosted | MessageEdited,
        decision: Decision,
        playbook: ModerationPlaybook,
    ) -> None:
        breach = decision.breach
        locale = ctx.locale_for(event.member)
        rule = _house_rule(playbook, breach.house_rule, locale)
        say = _say(ctx, locale)
        where = event.channel
        if "remove" in decision.responses:
            removed = ctx.emit(
                f"moderation:remove:{_about(ctx, event)}",
                Redact(
                    platform=ctx.platform,
                    channel=event.channel,
                    target=MessageRef(message_id=event.message_id),
                    reason=breach.rule_id,
                    others=True,
                ),
            )
            if not removed:
                return
            text = render.removal(
                say, name=ctx.name_of(event.member), channel=where, reason=breach.reason, rule=rule
            )
            _told(
                ctx,
                event,
                breach.rule_id,
                "removed",
                "moderation.removed",
                text,
                channel=event.channel,
                message=event.message_id,
            )
        elif "remind" in decision.responses:
            text = render.reminder(
                say, name=ctx.name_of(event.member), channel=where, reason=breach.reason, rule=rule
            )
            _told(ctx, event, breach.rule_id, "remind", "moderation.reminded", text)
        if "queue" in decision.responses:
            case, created = store.open_case(
                ctx.session,
                community=ctx.community.id,
                platform=ctx.platform,
                channel=event.channel,
                message_id=event.message_id,
                now=ctx.now,
                author=event.member,
                source=store.RULE,
                rule_id=breach.rule_id,
                house_rule=breach.house_rule,
                reason=breach.reason,
                note=decision.note,
                excerpt=breach.excerpt,
                permalink=_permalink(event) or self._permalink_of(ctx, event.message_id),
            )
            if created:
                self._offer(ctx, case)

    # -- the queue ----------------------------------------------------------------------------

    def _offer(self, ctx: Context, case: store.ModerationCase) -> None:
        """Put the case in the moderators' channel; without one, DM it to each moderator (or,
        without moderators, each manager) as a prompt of their own."""
        channel = _queue_channel(ctx)
        people = [] if channel else _queue_people(ctx)
        if not channel and not people:
            ctx.audit(
                actor="porch",
                action="moderation.unqueued",
                subject=case.author,
                case=case.id,
                why="no moderators channel, moderators or managers configured",
            )
            return
        case.prompt_id = f"moderation:case:{case.id}"
        ctx.session.add(case)
        message = self._prompt(ctx, case)
        if channel:
            ctx.offer(case.prompt_id, channel, message, feature=FEATURE)
        for person in people:
            own = _dm_prompt(case, person)
            ctx.ask(own, person, message.model_copy(update={"prompt_id": own}), feature=FEATURE)
        ctx.audit(
            actor="porch",
            action="moderation.queued",
            subject=case.author,
            case=case.id,
            rule=case.rule_id,
            note=case.note,
            **({"by_dm": len(people)} if people else {}),
        )

    def _prompt(self, ctx: Context, case: store.ModerationCase) -> Message:
        """The open queue item with the one-click actions this platform can carry out."""
        mute = _settings(ctx).mute_minutes if ctx.can(Capability.MUTE) else None
        return render.queue_prompt(
            _say(ctx, ctx.community.locale),
            self._view(ctx, case),
            prompt_id=case.prompt_id,
            can_kick=ctx.can(Capability.KICK),
            mute_minutes=mute,
        )

    def _view(self, ctx: Context, case: store.ModerationCase) -> render.CaseView:
        found = _playbook(ctx)
        playbook = found[1] if found is not None else None
        rule = (
            _house_rule(playbook, case.house_rule, ctx.community.locale)
            if playbook is not None
            else None
        )
        policy = playbook.policy if playbook is not None else ModerationSettings()
        params = {
            "reminders": policy.escalation.reminders,
            "days": policy.escalation.within_days,
            "cap": policy.caps.removals_per_hour,
        }
        return render.CaseView(
            rule_id=case.rule_id,
            reason=case.reason,
            channel=case.channel,
            message_id=case.message_id,
            permalink=case.permalink,
            author_name=ctx.name_of(case.author) if case.author else None,
            excerpt=case.excerpt,
            house_rule=rule,
            reporters=case.reporters,
            note=case.note,  # type: ignore[arg-type]
            note_params=params,
        )

    def _edit_queue_item(self, ctx: Context, case: store.ModerationCase, message: Message) -> None:
        """Show the queue item anew (more reports, or closed) in every copy of it: the post in
        the moderators' channel, or each DM it went to. A closed item's DM prompts close too, so
        a late click on another copy does nothing."""
        if not case.prompt_id:
            return
        step = f"edit:{case.status}:{case.reporters}"
        channel = _queue_channel(ctx)
        if channel:
            target = MessageRef(effect_key=case.prompt_id)
            edit = Edit(platform=ctx.platform, channel=channel, target=target, message=message)
            ctx.emit(f"{case.prompt_id}:{step}", edit)
            return
        for copy in store.dm_copies(ctx.session, prompt_id=case.prompt_id, separator=DM_PROMPT):
            if case.status != store.OPEN:
                ctx.close_prompt(copy.prompt_id)
            shown = (
                message.model_copy(update={"prompt_id": copy.prompt_id})
                if message.choices
                else message
            )
            _edit_dm(ctx, f"{copy.prompt_id}:{step}", copy, shown)

    def on_prompt(
        self, event: ChoicePicked | TextAnswered, prompt: PromptRecord, ctx: Context
    ) -> None:
        case_prompt = prompt.prompt_id.partition(DM_PROMPT)[0]
        case = store.case_by_prompt(ctx.session, case_prompt)
        if case is None or case.status != store.OPEN or not isinstance(event, ChoicePicked):
            return
        moderator = event.member
        locale = ctx.locale_for(moderator)
        if not allows(ctx.roles_of(moderator), MODERATORS):
            self._tell(ctx, event, "moderation.only_moderators", locale)
            return
        say = _say(ctx, ctx.community.locale)
        name = ctx.name_of(moderator)
        choice = event.choice_id
        detail: dict[str, Any] = {}
        if choice in (render.REMIND, render.MUTE, render.KICK) and not case.author:
            self._tell(ctx, event, "moderation.no_author", locale)
            return
        if choice == render.MUTE and not ctx.can(Capability.MUTE):
            self._tell(ctx, event, "moderation.cannot_mute", locale)
            return
        if choice == render.REMOVE and not ctx.can(Capability.REDACT_ANY):
            self._tell(ctx, event, "moderation.cannot_remove", locale)
            return
        if choice == render.KICK and not ctx.can(Capability.KICK):
            self._tell(ctx, event, "moderation.cannot_kick", locale)
            return
        minutes = _settings(ctx).mute_minutes
        if choice == render.DISMISS:
            case.status = "dismissed"
        elif choice == render.REMIND:
            self._remind_from_queue(ctx, case)
            case.status = "reminded"
        elif choice == render.REMOVE:
            self._remove_from_queue(ctx, case)
            case.status = "removed"
        elif choice == render.MUTE:
            until, rooms = _mute(ctx, case, minutes)
            detail |= {"until": until.isoformat(), "channels": rooms}
            case.status = "muted"
        elif choice == render.KICK:
            kick = Kick(
                platform=ctx.platform, channel=case.channel, member=case.author, reason=case.rule_id
            )
            ctx.emit(f"{case.prompt_id}:kick", kick)
            case.status = "kicked"
        else:
            return
        outcome = say(
            f"moderation.outcome.{case.status}",
            moderator=name,
            author=ctx.name_of(case.author),
            channel=case.channel,
            minutes=minutes,
            rooms=", ".join(detail.get("channels", ())),
        )
        case.resolved_by = moderator
        case.updated_at = ctx.now
        ctx.session.add(case)
        ctx.close_prompt(prompt.prompt_id)
        closed = render.closed_queue_item(say, self._view(ctx, case), outcome)
        self._edit_queue_item(ctx, case, closed)
        ctx.audit(
            actor=moderator,
            action=f"moderation.{case.status}",
            subject=case.author,
            case=case.id,
            rule=case.rule_id,
            **detail,
        )

    def _tell(self, ctx: Context, event: ChoicePicked, key: str, locale: str) -> None:
        ctx.dm(
            f"moderation:tell:{event.dedupe_key}", event.member, Message(text=ctx.text(key, locale))
        )

    def _remind_from_queue(self, ctx: Context, case: store.ModerationCase) -> None:
        _tell_author(ctx, case, render.reminder, "remind")
        _remember_reminder(ctx, case.author, case.rule_id)

    def _remove_from_queue(self, ctx: Context, case: store.ModerationCase) -> None:
        ctx.emit(
            f"{case.prompt_id}:remove",
            Redact(
                platform=ctx.platform,
                channel=case.channel,
                target=MessageRef(message_id=case.message_id),
                reason=case.rule_id,
                others=True,
            ),
        )
        if case.author:
            _tell_author(ctx, case, render.removal, "removed")

    # -- reports ------------------------------------------------------------------------------

    def _report(
        self,
        ctx: Context,
        reporter: str,
        channel: str,
        message_id: str,
        quoted: QuotedMessage | None = None,
    ) -> bool:
        """Add a report to the message's case (opened if new); False if already reported.

        The reporter is stored (and audited) but appears nowhere the author could see: the
        queue item counts reporters, the author's reminder names none.
        """
        recent = self._memory.recent.get((ctx.platform, message_id))
        if recent is None and quoted is not None:
            recent = Recent(quoted.author, excerpt(quoted.text, (0, 0)), quoted.permalink)
        author = recent.author if recent is not None else ""
        case, created = store.open_case(
            ctx.session,
            community=ctx.community.id,
            platform=ctx.platform,
            channel=channel,
            message_id=message_id,
            now=ctx.now,
            author=author,
            source=store.REPORT,
            reason="report",
            excerpt=recent.excerpt if recent is not None else None,
            permalink=recent.permalink if recent is not None else "",
        )
        if not store.add_report(ctx.session, case=case, reporter=reporter, now=ctx.now):
            return False
        ctx.audit(
            actor=reporter,
            action="moderation.reported",
            subject=case.author,
            case=case.id,
            channel=channel,
            message=message_id,
        )
        if created or not case.prompt_id:
            self._offer(ctx, case)
        elif case.status == store.OPEN:
            self._edit_queue_item(ctx, case, self._prompt(ctx, case))
        return True

    # -- commands -----------------------------------------------------------------------------

    def on_command(self, command: ParsedCommand, event: CommandInvoked, ctx: Context) -> None:
        locale = ctx.locale_for(event.member)
        if command.spec is REPORT:
            text = self._report_command(command, event, ctx, locale)
        elif command.spec is MODLOG:
            text = _modlog(command, ctx, locale)
        else:
            text = _crisis(command, event, ctx, locale)
        ctx.reply(event, Message(text=text))

    def _report_command(
        self, command: ParsedCommand, event: CommandInvoked, ctx: Context, locale: str
    ) -> str:
        channel, message_id = command.get("channel"), command.get("message")
        if not channel or not message_id or not _ours(ctx, channel):
            emoji = _settings(ctx).report_emoji
            raise UserError("moderation.report_where", emoji=emoji)
        if self._report(ctx, event.member, channel, message_id, event.quoted):
            return ctx.text("moderation.reported", locale)
        return ctx.text("moderation.already_reported", locale)


# -- helpers --------------------------------------------------------------------------------------


def _playbook(ctx: Context) -> tuple[str, ModerationPlaybook] | None:
    """The community's moderation playbook: the first one its configuration lists."""
    for playbook_id in ctx.community.playbooks:
        playbook = ctx.services.playbooks.get(playbook_id)
        if isinstance(playbook, ModerationPlaybook):
            return playbook_id, playbook
    return None


def _ours(ctx: Context, channel: str) -> bool:
    """Is `channel` one of this community's channels (not a DM, not another community's)?"""
    found = ctx.services.directory.community_of(ctx.platform, channel)
    return found is not None and found.id == ctx.community.id


def _policed(ctx: Context, event: MessagePosted | MessageEdited) -> bool:
    """A message (or an edit: it says nothing of DMs) in one of the community's channels."""
    if isinstance(event, MessagePosted):
        return not event.is_direct
    return _ours(ctx, event.channel)


def _settings(ctx: Context) -> ModerationSettings:
    found = _playbook(ctx)
    return found[1].policy if found is not None else ModerationSettings()


DM_PROMPT = ":dm:"
"""A queue item sent by DM is one prompt per recipient: `<case prompt>:dm:<member>`."""


def _dm_prompt(case: store.ModerationCase, person: str) -> str:
    return f"{case.prompt_id}{DM_PROMPT}{person}"


def _edit_dm(ctx: Context, key: str, copy: store.DmCopy, message: Message) -> None:
    """Replace a queue item's DM copy with `message`. The edit names the DM by the channel its
    delivery reported, or by the member (Slack opens the member's DM); where the platform
    cannot edit, the new version comes as a DM of its own."""
    if not ctx.can(Capability.EDIT):
        ctx.dm(key, copy.member, message)
        return
    target = MessageRef(effect_key=copy.prompt_id)
    channel = copy.channel or copy.member
    ctx.emit(key, Edit(platform=ctx.platform, channel=channel, target=target, message=message))


def _queue_channel(ctx: Context) -> str | None:
    channels = _channels(ctx)
    return channels.moderators if channels is not None else None


def _queue_people(ctx: Context) -> list[str]:
    """Who gets queue items by DM when the community has no moderators' channel here: the
    moderators configured for this platform, else its managers."""
    community = ctx.community
    return ids_on_platform(community.moderators, ctx.platform) or ids_on_platform(
        community.managers, ctx.platform
    )


def _channels(ctx: Context) -> Channels | None:
    return ctx.community.channels.get(ctx.platform)  # type: ignore[call-overload, no-any-return]


def _say(ctx: Context, locale: str) -> render.Say:
    def say(key: str, /, **params: object) -> str:
        return ctx.text(key, locale, **params)

    return say


def _house_rule(
    playbook: ModerationPlaybook, number: int | None, locale: str
) -> render.HouseRuleText | None:
    if number is None or not 1 <= number <= len(playbook.house_rules):
        return None
    rule = playbook.house_rules[number - 1]
    return render.HouseRuleText(number, pick(rule.title, locale), pick(rule.text, locale))


def _remember_reminder(ctx: Context, member: str, rule_id: str) -> None:
    store.add_reminder(
        ctx.session,
        community=ctx.community.id,
        platform=ctx.platform,
        member=member,
        rule_id=rule_id,
        now=ctx.now,
    )


def _destructive_this_hour(ctx: Context) -> int:
    stmt = (
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.community == ctx.community.id,
            col(AuditEntry.action).in_(DESTRUCTIVE),
            col(AuditEntry.at) > ctx.now - timedelta(hours=1),
        )
    )
    return int(ctx.session.exec(stmt).one())


def _audit_decision(ctx: Context, event: MessagePosted | MessageEdited, decision: Decision) -> None:
    breach = decision.breach
    common: dict[str, Any] = {"edited": True} if isinstance(event, MessageEdited) else {}
    common |= {
        "rule": breach.rule_id,
        "house_rule": breach.house_rule,
        "reason": breach.reason,
        "detail": breach.detail,
        "channel": event.channel,
        "message": event.message_id,
    }
    if breach.dry_run:
        ctx.audit(
            actor="porch",
            action="moderation.would_have",
            subject=event.member,
            responses=list(decision.would_have),
            **common,
        )
    else:
        ctx.audit(
            actor="porch",
            action="moderation.breach",
            subject=event.member,
            responses=list(decision.responses),
            note=decision.note,
            **common,
        )


def _schedule_expiry(ctx: Context) -> None:
    """The next daily excerpt expiry for this community (one timer per day, unique key)."""
    due = ctx.now.replace(hour=EXPIRY_HOUR, minute=0, second=0, microsecond=0)
    if due <= ctx.now:
        due += timedelta(days=1)
    ctx.start_timer(
        f"moderation:expire:{ctx.community.id}:{ctx.platform}:{due:%Y-%m-%d}",
        due,
        feature=FEATURE,
        subject="expire",
    )


def _modlog(command: ParsedCommand, ctx: Context, locale: str) -> str:
    since = ctx.now - (command.get("since") or timedelta(days=7))
    found = modlog.entries(
        ctx.session, since=since, community=ctx.community.id, limit=modlog.CHAT_LIMIT
    )
    shown = f"{since:%Y-%m-%d %H:%M}"
    if not found:
        return ctx.text("moderation.modlog_empty", locale, since=shown)
    anonymous = ctx.text("moderation.a_member", locale)
    title = ctx.text("moderation.modlog_title", locale, since=shown)
    return "\n".join([title, *("- " + _modlog_line(ctx, locale, e, anonymous) for e in found)])


def _modlog_line(ctx: Context, locale: str, entry: AuditEntry, anonymous: str) -> str:
    fields = modlog.chat_fields(entry, anonymous)
    fields["action"] = ctx.text(f"moderation.action.{fields['action']}", locale)
    return ctx.text("moderation.modlog_line", locale, **fields)


def _crisis(command: ParsedCommand, event: CommandInvoked, ctx: Context, locale: str) -> str:
    channels = _channels(ctx)
    if channels is None:
        raise UserError("moderation.no_main_channel")
    main = channels.main
    say = _say(ctx, ctx.community.locale)
    if command.get("switch") == "on":
        statement = (command.get("statement") or "").strip()
        if not statement:
            raise UserError("moderation.crisis_needs_statement")
        state = store.switch_crisis(
            ctx.session, community=ctx.community.id, on=True, by=event.member, now=ctx.now
        )
        if state is None:
            raise UserError("moderation.crisis_already_on")
        key = f"moderation:crisis:{ctx.community.id}:{state.generation}"
        statement_ref = MessageRef(effect_key=f"{key}:statement")
        ctx.post(
            f"{key}:statement",
            main,
            Message(text=say("moderation.crisis_statement", statement=statement)),
        )
        if ctx.can(Capability.PIN):
            ctx.emit(f"{key}:pin", Pin(platform=ctx.platform, channel=main, target=statement_ref))
        ctx.post(
            f"{key}:thread",
            main,
            Message(text=say("moderation.crisis_thread")),
            thread=statement_ref,
        )
        ctx.audit(actor=event.member, action="moderation.crisis_on", statement=statement)
        return ctx.text("moderation.crisis_on", locale)
    state = store.switch_crisis(
        ctx.session, community=ctx.community.id, on=False, by=event.member, now=ctx.now
    )
    if state is None:
        raise UserError("moderation.crisis_already_off")
    key = f"moderation:crisis:{ctx.community.id}:{state.generation}"
    if _emitted_here(ctx, f"{key}:pin"):
        statement_ref = MessageRef(effect_key=f"{key}:statement")
        ctx.emit(f"{key}:unpin", Unpin(platform=ctx.platform, channel=main, target=statement_ref))
    ctx.post(f"{key}:clear", main, Message(text=say("moderation.crisis_clear")))
    for feature in ctx.services.features:
        if isinstance(feature, crisis.CrisisListener):
            feature.crisis_over(ctx)
    ctx.audit(actor=event.member, action="moderation.crisis_off")
    return ctx.text("moderation.crisis_off", locale)


def _emitted_here(ctx: Context, key: str) -> bool:
    """Did this platform get the effect `key` (crisis on may have come from another platform)?"""
    stmt = select(OutboxItem.id).where(OutboxItem.key == key, OutboxItem.platform == ctx.platform)
    return ctx.session.exec(stmt).first() is not None


def _mute(ctx: Context, case: store.ModerationCase, minutes: int) -> tuple[datetime, list[str]]:
    """Mute the author in every room of the community on this platform (not the moderators'):
    one `Mute` per room, each with its own durable unmute timer (restarts included).

    Returns when the mute ends and the rooms it covers."""
    until = ctx.now + timedelta(minutes=minutes)
    rooms = _mute_rooms(ctx, case.channel)
    for room in rooms:
        ctx.emit(
            f"{case.prompt_id}:mute:{room}",
            Mute(
                platform=ctx.platform,
                channel=room,
                member=case.author,
                until=until,
                reason=case.rule_id,
            ),
        )
        ctx.start_timer(
            f"{case.prompt_id}:unmute:{room}",
            until,
            feature=FEATURE,
            member=case.author,
            subject="unmute",
            payload={"channel": room, "case": str(case.id), "rooms": " ".join(rooms)},
        )
    _tell_author(ctx, case, partial(render.muting, minutes=minutes), "muted")
    return until, rooms


def _mute_rooms(ctx: Context, channel: str) -> list[str]:
    """Where a mute applies: the flagged message's channel first, then the community's other
    channels on this platform (main, intro, others), never the moderators' channel."""
    channels = _channels(ctx)
    if channels is None:
        return [channel]
    rooms = [c for c in (channel, *channels.all()) if c != channels.moderators]
    return list(dict.fromkeys(rooms)) or [channel]


def _unmute(ctx: Context, event: TimerFired) -> None:
    """A mute's time is up in one room: let the member write there again. The mute is logged
    once, when the last of its rooms is unmuted."""
    channel = event.payload["channel"]
    ctx.emit(
        f"{event.timer_key}:done",
        Unmute(platform=ctx.platform, channel=channel, member=event.member, reason="mute ended"),
    )
    rooms = event.payload.get("rooms")
    if rooms and store.timers_pending(ctx.session, prefix=event.timer_key.removesuffix(channel)):
        return
    ctx.audit(
        actor="porch",
        action="moderation.unmuted",
        subject=event.member,
        case=int(event.payload["case"]),
        channels=(rooms or channel).split(" "),
    )


def _tell_author(
    ctx: Context, case: store.ModerationCase, compose: Callable[..., str], suffix: str
) -> None:
    """DM the author of a queued case what a moderator did, quoting the house rule it touches."""
    locale = ctx.locale_for(case.author)
    playbook = _playbook(ctx)
    rule = _house_rule(playbook[1], case.house_rule, locale) if playbook else None
    text = compose(
        _say(ctx, locale),
        name=ctx.name_of(case.author),
        channel=case.channel,
        reason=case.reason or "report",
        rule=rule,
    )
    ctx.dm(f"{case.prompt_id}:{suffix}", case.author, Message(text=text))


def _permalink(event: MessagePosted | MessageEdited) -> str:
    return event.permalink if isinstance(event, MessagePosted) else ""


def _about(ctx: Context, event: MessagePosted | MessageEdited) -> str:
    """The message an event is about, for idempotency keys an edit of it shares."""
    return f"{ctx.platform}:{event.channel}:{event.message_id}"


def _told(
    ctx: Context,
    event: MessagePosted | MessageEdited,
    rule_id: str,
    step: str,
    action: str,
    text: str,
    **detail: str,
) -> None:
    """Tell the author what Porch did about their message, count it towards escalation, audit it;
    once per message and rule, so an edit that still breaks the rule is not answered again.

    `step` names the DM's idempotency key, `action` the audit entry.
    """
    key = f"moderation:{step}:{_about(ctx, event)}:{rule_id}"
    if not ctx.dm(key, event.member, Message(text=text)):
        return
    _remember_reminder(ctx, event.member, rule_id)
    ctx.audit(actor="porch", action=action, subject=event.member, rule=rule_id, **detail)
