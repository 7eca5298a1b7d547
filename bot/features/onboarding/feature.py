"""Onboarding: the handlers that wire journeys to events, answers, timers and commands.

The decisions are the `Runner`'s (engine.py); this module reads the journey and the facts it
needs, feeds the runner one input, and writes what it decided: the journey's new state and its
effects as Outbox rows, prompts and timers, all in the event's one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import col, select

from bot.core.actions import Capability, Invite
from bot.core.commands import CommandSpec, Kind, Param, ParsedCommand
from bot.core.errors import PermissionDenied, UserError
from bot.core.events import (
    ChoicePicked,
    CommandInvoked,
    Event,
    MemberJoined,
    MemberLeft,
    MemberPresent,
    MessagePosted,
    TextAnswered,
    TimerFired,
)
from bot.core.message import Message
from bot.core.roles import Role, allows
from bot.features.base import Context, Feature
from bot.features.moderation.crisis import crisis_on
from bot.features.onboarding import home, progress
from bot.features.onboarding.buddies import BuddyPool, ids_on
from bot.features.onboarding.engine import (
    Ask,
    BuddyAssigned,
    Dm,
    Effect,
    Facts,
    HouseRules,
    InviteTo,
    PostIn,
    RulesAccepted,
    Runner,
    State,
    Timer,
    forget_free_text,
)
from bot.features.onboarding.timing import UNTIL_WORKING_HOURS, wake_at, zone_of
from bot.playbooks.program import Program, compile_program
from bot.playbooks.schema import ModerationPlaybook, OnboardingPlaybook, duration
from bot.store import onboarding as store
from bot.store.models import MemberRecord, PromptRecord, TimerRecord

FEATURE = "onboarding"
CRISIS_RECHECK = timedelta(hours=1)
"""How often a follow-up held by crisis mode looks again whether the crisis is over."""
MANAGERS = frozenset({Role.MANAGER})

ONBOARD = CommandSpec(
    "porch",
    "onboard",
    "onboarding.summary_onboard",
    args=(Param("member", Kind.MEMBER),),
    options=(
        Param("playbook", required=False),
        Param("again", Kind.FLAG, required=False),
    ),
    roles=MANAGERS,
    example="/porch onboard @alice",
)
STOP = CommandSpec(
    "porch",
    "stop",
    "onboarding.summary_stop",
    args=(Param("what", Kind.CHOICE, values=("onboarding",)),),
    options=(Param("member", Kind.MEMBER, required=False),),
    example="/porch stop onboarding",
)
PROGRESS = CommandSpec(
    "porch",
    "onboarding",
    "onboarding.summary_progress",
    options=(Param("stuck", Kind.DURATION, required=False),),
    roles=MANAGERS,
    example="/porch onboarding --stuck 5d",
)


EXISTING_REASON = "onboarding:existing:"
"""`ListMembers.reason` prefix of `porch onboard --existing`; the playbook id follows."""


class Onboarding(Feature):
    """Welcomes every new member by DM, once, in their language, and walks them through a playbook."""

    name: ClassVar[str] = FEATURE
    commands: ClassVar[tuple[CommandSpec, ...]] = (ONBOARD, STOP, PROGRESS)
    events: ClassVar[tuple[type[Event], ...]] = (
        MemberJoined,
        MemberLeft,
        MessagePosted,
        MemberPresent,
    )

    def __init__(self) -> None:
        self._programs: dict[str, tuple[OnboardingPlaybook, Program]] = {}

    def home_section(self, ctx: Context, member: str, *, manages: bool) -> str | None:
        return home.home_section(ctx, member, manages=manages)

    # -- events -------------------------------------------------------------------------------

    def on_event(self, event: Event, ctx: Context) -> None:
        if isinstance(event, MemberJoined):
            self._joined(event, ctx)
        elif isinstance(event, MemberLeft):
            self._left(event, ctx)
        elif isinstance(event, MessagePosted) and event.is_direct:
            self._hint_to_pick(event, ctx)
        elif isinstance(event, MemberPresent) and event.reason.startswith(EXISTING_REASON):
            self._found_existing(event, ctx)

    def _joined(self, event: MemberJoined, ctx: Context) -> None:
        """Start the community's journey; resume a paused one; restart a finished one if asked."""
        runs = playbooks_of(ctx)
        if not runs:
            return
        journeys = {
            j.playbook: j
            for j in store.of_member(
                ctx.session, platform=ctx.platform, member=event.member, community=ctx.community.id
            )
        }
        for playbook_id, playbook in runs:
            journey = journeys.get(playbook_id)
            if journey is None:
                if playbook.on_join:
                    self.start(ctx, playbook_id, event.member, trigger="join")
            elif journey.status == store.PAUSED:
                self._drive(ctx, journey, Runner.resume)
            elif journey.status == store.COMPLETED and playbook.restart_on_rejoin:
                self._restart(ctx, journey, trigger="join")

    def _found_existing(self, event: MemberPresent, ctx: Context) -> None:
        """`porch onboard --existing`: a member the platform listed, there before Porch.

        Staff are left out; a member with a journey of this playbook (in any state) is never
        enrolled again, so listing a channel twice welcomes nobody twice.
        """
        playbook_id = event.reason.removeprefix(EXISTING_REASON)
        if not any(pid == playbook_id for pid, _ in playbooks_of(ctx)):
            return
        if _is_staff(ctx, event.member):
            return
        self.start(ctx, playbook_id, event.member, trigger="existing")

    def _left(self, event: MemberLeft, ctx: Context) -> None:
        """Leaving the community's main channel pauses the journey (not leaving a side channel)."""
        channels = ctx.community.channels.get(ctx.platform)  # type: ignore[call-overload]
        if channels is None or event.channel != channels.main:
            return
        for journey in store.of_member(
            ctx.session, platform=ctx.platform, member=event.member, community=ctx.community.id
        ):
            if journey.status == store.ACTIVE:
                journey.status = store.PAUSED
                ctx.session.add(journey)
                ctx.audit(actor=event.member, action="onboarding.paused", subject=event.member)

    def _hint_to_pick(self, event: MessagePosted, ctx: Context) -> None:
        """A member typed instead of picking: say how to answer, rather than staying silent."""
        latest = ctx.session.exec(
            select(PromptRecord)
            .where(
                PromptRecord.platform == ctx.platform,
                PromptRecord.member == event.member,
                PromptRecord.status == "open",
            )
            .order_by(col(PromptRecord.id).desc())
        ).first()
        if latest is None or latest.feature != FEATURE or latest.expects_text:
            return
        text = ctx.text("onboarding.pick_hint", ctx.locale_for(event.member))
        ctx.dm(f"onboarding:hint:{event.dedupe_key}", event.member, Message(text=text))

    # -- answers and timers -------------------------------------------------------------------

    def on_prompt(
        self, event: ChoicePicked | TextAnswered, prompt: PromptRecord, ctx: Context
    ) -> None:
        journey = store.by_prompt(ctx.session, prompt.prompt_id)
        if journey is None or journey.status not in store.UNDERWAY:
            return
        picked = event.choice_id if isinstance(event, ChoicePicked) else None
        text = event.text if isinstance(event, TextAnswered) else None
        taken = self._drive(ctx, journey, lambda runner: runner.answer(picked, text))
        if taken is False:
            locale = ctx.locale_for(event.member)
            ctx.dm(
                f"onboarding:stale:{event.dedupe_key}",
                event.member,
                Message(text=ctx.text("prompt.already_answered", locale)),
            )

    def on_timer(self, event: TimerFired, ctx: Context) -> None:
        payload = event.payload
        if payload.get("why") == "enrol":
            self._enrol(event, ctx)
            return
        journey = store.by_id(ctx.session, int(payload["journey"]))
        if journey is None or str(journey.run) != payload.get("run"):
            return
        if journey.status not in store.UNDERWAY:
            return
        node, attempt, why = payload["node"], int(payload["attempt"]), payload["why"]
        if self._held_by_crisis(ctx, event, journey, node):
            return
        self._drive(ctx, journey, lambda runner: runner.timer(node, attempt, why))

    def _held_by_crisis(
        self, ctx: Context, event: TimerFired, journey: store.Journey, node: str
    ) -> bool:
        """In crisis mode (moderation) follow-ups wait: the timer fires again an hour later,
        until crisis mode is off (`crisis_over` then releases it at once). With the playbook's
        `during_crisis: skip`, a reminder about an unanswered question is dropped instead. A
        wait before the first message (the welcome) is never held."""
        program = self._program(journey.playbook, ctx)
        playbook = ctx.services.playbooks.get(journey.playbook)
        if program is None or node == program.first or not crisis_on(ctx.session, ctx.community.id):
            return False
        if event.payload["why"] == "remind" and getattr(playbook, "during_crisis", "") == "skip":
            return True
        base = event.payload.get("held", event.timer_key)
        due = ctx.now + CRISIS_RECHECK
        ctx.start_timer(
            f"{base}:crisis:{due:%Y%m%dT%H%M%S}",
            due,
            feature=FEATURE,
            member=event.member,
            subject=event.subject,
            payload={**event.payload, "held": base},
        )
        return True

    def crisis_over(self, ctx: Context) -> None:
        """Crisis mode is off (moderation calls this): the follow-ups it held come now, or at
        the member's next working morning when now is outside their working hours."""
        held = select(TimerRecord).where(
            TimerRecord.feature == FEATURE,
            TimerRecord.community == ctx.community.id,
            TimerRecord.status == "pending",
            col(TimerRecord.key).contains(":crisis:", autoescape=True),  # `_held_by_crisis`
        )
        for timer in ctx.session.exec(held).all():
            record = ctx.session.exec(
                select(MemberRecord).where(
                    MemberRecord.platform == timer.platform,
                    MemberRecord.user_id == timer.member,
                    MemberRecord.community == ctx.community.id,
                )
            ).first()
            zone = zone_of(record.timezone if record else None, ctx.community.timezone)
            hours = ctx.community.working_hours
            timer.due_at = wake_at(
                ctx.now, wait=timedelta(0), until=UNTIL_WORKING_HOURS, zone=zone, hours=hours
            )
            ctx.session.add(timer)

    def _enrol(self, event: TimerFired, ctx: Context) -> None:
        """`porch onboard --existing`: start a journey for a member who was there before Porch."""
        playbook_id = event.payload["playbook"]
        record = ctx.member(event.member)
        if (record is not None and record.left_at is not None) or _is_staff(ctx, event.member):
            return
        if any(pid == playbook_id for pid, _ in playbooks_of(ctx)):
            self.start(ctx, playbook_id, event.member, trigger="existing")

    # -- commands -----------------------------------------------------------------------------

    def on_command(self, command: ParsedCommand, event: CommandInvoked, ctx: Context) -> None:
        handlers: dict[str, Callable[[ParsedCommand, CommandInvoked, Context], str]] = {
            "onboard": self._onboard,
            "stop": self._stop,
            "onboarding": self._progress,
        }
        text = handlers[command.spec.name](command, event, ctx)
        ctx.reply(event, Message(text=text))

    def _onboard(self, command: ParsedCommand, event: CommandInvoked, ctx: Context) -> str:
        locale = ctx.locale_for(event.member)
        member: str = command.get("member")
        playbook_id = self._chosen_playbook(ctx, command.get("playbook"))
        name = ctx.name_of(member)
        journey = store.find(
            ctx.session,
            platform=ctx.platform,
            member=member,
            community=ctx.community.id,
            playbook=playbook_id,
        )
        if journey is None:
            self.start(ctx, playbook_id, member, trigger="command")
        elif journey.status in store.UNDERWAY:
            return ctx.text(
                "onboarding.already_running",
                locale,
                name=name,
                playbook=playbook_id,
                step=shown_step(ctx, playbook_id, journey.step, locale),
            )
        elif command.get("again"):
            self._restart(ctx, journey, trigger="command")
        else:
            date = (journey.completed_at or journey.updated_at).date().isoformat()
            key = f"onboarding.already_{journey.status}"
            return ctx.text(key, locale, name=name, playbook=playbook_id, date=date)
        ctx.audit(
            actor=event.member, action="onboarding.started", subject=member, playbook=playbook_id
        )
        return ctx.text("onboarding.started", locale, name=name, playbook=playbook_id)

    def _chosen_playbook(self, ctx: Context, wanted: str | None) -> str:
        runs = playbooks_of(ctx)
        if not runs:
            raise UserError("onboarding.no_onboarding")
        if wanted is None:
            on_join = [pid for pid, p in runs if p.on_join]
            return (on_join or [runs[0][0]])[0]
        if wanted not in {pid for pid, _ in runs}:
            known = ", ".join(pid for pid, _ in runs)
            raise UserError("onboarding.no_playbook", playbook=wanted, known=known)
        return wanted

    def _stop(self, command: ParsedCommand, event: CommandInvoked, ctx: Context) -> str:
        locale = ctx.locale_for(event.member)
        target: str = command.get("member") or event.member
        if target != event.member and not allows(ctx.roles_of(event.member), MANAGERS):
            raise PermissionDenied(
                "onboarding.stop_denied", roles=ctx.text("role_groups.manager", locale)
            )
        stopped = 0
        for journey in store.of_member(
            ctx.session, platform=ctx.platform, member=target, community=ctx.community.id
        ):
            if journey.status in store.UNDERWAY:
                self._end(ctx, journey, store.STOPPED)
                ctx.audit(actor=event.member, action="onboarding.stopped", subject=target)
                stopped += 1
        if not stopped:
            return ctx.text("onboarding.nothing_to_stop", locale)
        if target != event.member:
            return ctx.text("onboarding.stopped_for", locale, name=ctx.name_of(target))
        return ctx.text("onboarding.stopped", locale)

    def _progress(self, command: ParsedCommand, event: CommandInvoked, ctx: Context) -> str:
        wanted: timedelta | None = command.get("stuck")
        stuck_after = {pid: wanted or duration(p.stuck_after) for pid, p in playbooks_of(ctx)}
        journeys = store.journeys(ctx.session, community=ctx.community.id)
        names = store.names(
            ctx.session,
            community=ctx.community.id,
            members=[(j.platform, j.member) for j in journeys],
        )
        rows = progress.rows(journeys, names, now=ctx.now, stuck_after=stuck_after)
        locale = ctx.locale_for(event.member)

        return progress.summary(
            rows,
            community=ctx.community.name,
            stuck_after=wanted or min(stuck_after.values(), default=progress.DEFAULT_STUCK),
            text=lambda key, **params: ctx.text(key, locale, **params),
            step_of=lambda row: shown_step(ctx, row.playbook, row.step, locale),
        )

    # -- journeys -----------------------------------------------------------------------------

    def start(self, ctx: Context, playbook_id: str, member: str, *, trigger: str) -> None:
        """Begin a journey unless the member already has one of this playbook (any status)."""
        created = store.create(
            ctx.session,
            platform=ctx.platform,
            member=member,
            community=ctx.community.id,
            playbook=playbook_id,
            trigger=trigger,
            now=ctx.now,
        )
        if not created:
            return
        journey = store.find(
            ctx.session,
            platform=ctx.platform,
            member=member,
            community=ctx.community.id,
            playbook=playbook_id,
        )
        if journey is not None:
            self._drive(ctx, journey, Runner.start)

    def _restart(self, ctx: Context, journey: store.Journey, *, trigger: str) -> None:
        """A new run of a finished journey: fresh state, and a new `run` in every key."""
        close_prompt(ctx, journey.prompt_id)
        journey.run += 1
        journey.trigger = trigger
        journey.status = store.ACTIVE
        journey.step, journey.attempt, journey.waiting = "", 0, ""
        journey.answers, journey.buddy, journey.buddy_at = {}, None, None
        journey.prompt_id, journey.waiting_since, journey.completed_at = None, None, None
        journey.started_at = ctx.now
        journey.note = ""
        self._drive(ctx, journey, Runner.start)

    def _end(self, ctx: Context, journey: store.Journey, status: str) -> None:
        close_prompt(ctx, journey.prompt_id)
        journey.status = status
        journey.waiting = ""
        journey.waiting_since = None
        journey.updated_at = ctx.now
        program = self._program(journey.playbook, ctx)
        if program is not None:
            journey.answers = forget_free_text(program, journey.answers)
            flag_modified(journey, "answers")
        ctx.session.add(journey)

    def _program(self, playbook_id: str, ctx: Context) -> Program | None:
        playbook = ctx.services.playbooks.get(playbook_id)
        if not isinstance(playbook, OnboardingPlaybook):
            return None
        cached = self._programs.get(playbook_id)
        if cached is None or cached[0] is not playbook:
            cached = (playbook, compile_program(playbook))
            self._programs[playbook_id] = cached
        return cached[1]

    def _drive(self, ctx: Context, journey: store.Journey, act: Callable[[Runner], Any]) -> Any:
        """Feed the runner one input and store what it decided. Returns what `act` returned.

        A journey of a playbook the community no longer runs is left as it is (the report still
        shows it); it goes on if the playbook is enabled again.
        """
        program = self._program(journey.playbook, ctx)
        playbook = ctx.services.playbooks.get(journey.playbook)
        enabled = journey.playbook in ctx.community.playbooks
        if program is None or not isinstance(playbook, OnboardingPlaybook) or not enabled:
            return None
        people = StorePeople(ctx, journey.member)
        runner = Runner(program, facts(ctx, journey, playbook, people), state_of(journey))
        result = act(runner)
        apply(ctx, journey, runner)
        return result


# -- reading --------------------------------------------------------------------------------------


def playbooks_of(ctx: Context) -> list[tuple[str, OnboardingPlaybook]]:
    """The onboarding playbooks this community runs, in the order its configuration names them."""
    found = []
    for playbook_id in ctx.community.playbooks:
        playbook = ctx.services.playbooks.get(playbook_id)
        if isinstance(playbook, OnboardingPlaybook):
            found.append((playbook_id, playbook))
    return found


def _is_staff(ctx: Context, member: str) -> bool:
    """Staff are never onboarded as existing members: the configured admins, managers and
    moderators, and those the platform makes one (Slack's workspace admins and owners)."""
    return bool(ctx.roles_of(member) & {Role.ADMIN, Role.MANAGER, Role.MODERATOR})


def house_rules(ctx: Context) -> HouseRules | None:
    for playbook_id in ctx.community.playbooks:
        playbook = ctx.services.playbooks.get(playbook_id)
        if isinstance(playbook, ModerationPlaybook):
            return HouseRules(playbook_id, playbook.version, tuple(playbook.house_rules))
    return None


class StorePeople:
    """`People` for the runner, answered from the member records (each looked up once)."""

    def __init__(self, ctx: Context, member: str) -> None:
        self._ctx = ctx
        self._member = member
        self._records: dict[str, MemberRecord | None] = {}

    def record(self, member: str) -> MemberRecord | None:
        if member not in self._records:
            self._records[member] = self._ctx.member(member)
        return self._records[member]

    def name(self, member: str) -> str:
        record = self.record(member)
        return record.display_name if record and record.display_name else member

    def locale(self, member: str) -> str:
        record = self.record(member)
        return (record.locale if record else None) or self._ctx.community.locale

    def roles(self) -> frozenset[Role]:
        return self._ctx.roles_of(self._member)

    def managers(self) -> list[str]:
        return ids_on(self._ctx.community.managers, self._ctx.platform)

    def moderators(self) -> list[str]:
        return ids_on(self._ctx.community.moderators, self._ctx.platform)

    def buddy_pool(self, playbook: OnboardingPlaybook) -> BuddyPool:
        community = self._ctx.community
        entries = list(playbook.buddies_for(community.id))
        if playbook.buddies_from == "moderators":
            entries += community.moderators
        elif playbook.buddies_from == "managers":
            entries += community.managers
        present = [
            m
            for m in ids_on(entries, self._ctx.platform)
            if (record := self.record(m)) is None or record.left_at is None
        ]
        where = {"platform": self._ctx.platform, "community": community.id}
        return BuddyPool(
            candidates=tuple(present),
            loads=store.buddy_loads(self._ctx.session, **where),
            last=store.last_buddy(self._ctx.session, **where),
        )


def facts(
    ctx: Context, journey: store.Journey, playbook: OnboardingPlaybook, people: StorePeople
) -> Facts:
    record = people.record(journey.member)
    posted = bool(
        record and record.last_active_at is not None and record.last_active_at >= record.joined_at
    )
    return Facts(
        now=ctx.now,
        platform=ctx.platform,
        member=journey.member,
        member_name=people.name(journey.member),
        locale=people.locale(journey.member),
        community=ctx.community,
        playbook_id=journey.playbook,
        playbook=playbook,
        zone=zone_of(record.timezone if record else None, ctx.community.timezone),
        posted=posted,
        rules=house_rules(ctx),
        people=people,
        text=ctx.text,
    )


def shown_step(ctx: Context, playbook_id: str, step: str, locale: str) -> str:
    """A journey's step as a manager reads it: its title in their language, else its id."""
    playbook = ctx.services.playbooks.get(playbook_id)
    title = (
        progress.step_title(playbook, step, locale, ctx.community.locale)
        if isinstance(playbook, OnboardingPlaybook)
        else None
    )
    return (
        f"`{step}`" if title is None else ctx.text("onboarding.progress_step", locale, title=title)
    )


def state_of(journey: store.Journey) -> State:
    return State(
        step=journey.step,
        attempt=journey.attempt,
        waiting=journey.waiting,
        answers={k: list(v) if isinstance(v, list) else v for k, v in journey.answers.items()},
        buddy=journey.buddy,
        paused=journey.status == store.PAUSED,
    )


# -- writing --------------------------------------------------------------------------------------


def apply(ctx: Context, journey: store.Journey, runner: Runner) -> None:
    """Store the runner's decisions: effects first (they may set the prompt), then the state."""
    for effect in runner.effects:
        emit(ctx, journey, effect)
    state = runner.state
    journey.step, journey.attempt, journey.waiting = state.step, state.attempt, state.waiting
    journey.answers = state.answers
    flag_modified(journey, "answers")
    journey.buddy = state.buddy
    journey.note = state.note
    if runner.moved:
        journey.updated_at = ctx.now
    if state.waiting != "answer":
        journey.waiting_since = None
    if state.ended:
        close_prompt(ctx, journey.prompt_id)
        journey.status = state.ended
        journey.completed_at = ctx.now if state.ended == store.COMPLETED else None
        ctx.audit(
            actor="porch",
            action=f"onboarding.{state.ended}",
            subject=journey.member,
            note=state.note,
        )
    else:
        journey.status = store.PAUSED if state.paused else store.ACTIVE
    ctx.session.add(journey)


def effect_key(journey: store.Journey, effect: Effect) -> str:
    """`(journey, run, step, attempt, part)`: the same decision always writes the same key."""
    return f"onboarding:{journey.id}.{journey.run}:{effect.node}:{effect.attempt}:{effect.part}"


def emit(ctx: Context, journey: store.Journey, effect: Effect) -> None:
    key = effect_key(journey, effect)
    if isinstance(effect, Ask):
        if journey.prompt_id and journey.prompt_id != key:
            close_prompt(ctx, journey.prompt_id)
        journey.prompt_id = ctx.ask(key, journey.member, effect.message, feature=FEATURE)
        journey.waiting_since = ctx.now
    elif isinstance(effect, Dm):
        ctx.dm(key, effect.to, effect.message)
    elif isinstance(effect, PostIn):
        ctx.post(key, effect.channel, effect.message)
    elif isinstance(effect, InviteTo):
        if ctx.can(Capability.INVITE):
            ctx.emit(
                key, Invite(platform=ctx.platform, channel=effect.channel, member=journey.member)
            )
    elif isinstance(effect, Timer):
        ctx.start_timer(
            key,
            effect.due,
            feature=FEATURE,
            member=journey.member,
            subject=str(journey.id),
            payload={
                "journey": str(journey.id),
                "run": str(journey.run),
                "node": effect.node,
                "attempt": str(effect.attempt),
                "why": effect.why,
            },
        )
    elif isinstance(effect, RulesAccepted):
        _accepted(ctx, journey, effect)
    elif isinstance(effect, BuddyAssigned):
        journey.buddy_at = ctx.now
        ctx.audit(
            actor="porch", action="onboarding.buddy", subject=journey.member, buddy=effect.buddy
        )


def _accepted(ctx: Context, journey: store.Journey, effect: RulesAccepted) -> None:
    recorded = store.record_acceptance(
        ctx.session,
        platform=ctx.platform,
        member=journey.member,
        community=ctx.community.id,
        playbook=effect.playbook,
        version=effect.version,
        now=ctx.now,
    )
    if recorded:
        ctx.audit(
            actor=journey.member,
            action="onboarding.rules_accepted",
            subject=journey.member,
            playbook=effect.playbook,
            version=effect.version,
        )


def close_prompt(ctx: Context, prompt_id: str | None) -> None:
    """A question the journey no longer waits on: a late click or reply is not taken for it."""
    if not prompt_id:
        return
    prompt = ctx.session.exec(
        select(PromptRecord).where(PromptRecord.prompt_id == prompt_id)
    ).first()
    if prompt is not None and prompt.status == "open":
        prompt.status = "closed"
        ctx.session.add(prompt)
