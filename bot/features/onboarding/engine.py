"""Moving a journey along its playbook: the decisions of onboarding, without I/O.

A `Runner` takes the compiled program, the facts of the moment and the journey's state, is fed one
input (start, an answer, a timer, a rejoin), and leaves behind the new state and a list of
effects. It runs steps until one has to wait (for an answer or for time), the journey ends, or
the member is away (a paused journey records answers and elapsed waits, but runs no step).

Effects carry the node and attempt they belong to and a `part` name; the handler turns those into
Outbox keys `(journey, run, node, attempt, part)`, so running the same decision twice (a restart,
a redelivered event) writes nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.config.schema import CommunityConfig
from bot.core.message import Choice, Message
from bot.core.roles import Role, expand
from bot.features.onboarding.buddies import BuddyPool, choose_buddy
from bot.features.onboarding.timing import wake_at
from bot.playbooks import templates
from bot.playbooks.program import Node, Program
from bot.playbooks.schema import (
    AcceptRulesStep,
    AskStep,
    AskTextStep,
    AssignBuddyStep,
    ChecklistStep,
    EndStep,
    HouseRule,
    IfStep,
    Interest,
    MessageStep,
    NotifyStep,
    OnboardingPlaybook,
    PickInterestsStep,
    PostIntroStep,
    Step,
    Text,
    WaitStep,
    channel_on,
    duration,
)
from bot.playbooks.templates import Person

ACCEPT = "accept"
PREVIEW_POST, PREVIEW_REWRITE, PREVIEW_KEEP = "post", "rewrite", "keep"
NO_INTERESTS = "none"
MAX_STEPS_PER_RUN = 500

# -- inputs ---------------------------------------------------------------------------------------


@dataclass
class State:
    """The part of a journey the runner changes."""

    step: str = ""
    attempt: int = 0
    waiting: str = ""
    """`answer`, `timer`, or "" (ready to run, or ended)."""
    answers: dict[str, Any] = field(default_factory=dict)
    buddy: str | None = None
    paused: bool = False
    ended: str = ""
    """`completed` or `failed` once the journey is over."""
    note: str = ""


@dataclass(frozen=True)
class HouseRules:
    playbook: str
    version: str
    rules: tuple[HouseRule, ...]


class People(Protocol):
    """What the runner may ask about other people; answered from the store by the handler."""

    def name(self, member: str) -> str: ...

    def locale(self, member: str) -> str: ...

    def roles(self) -> frozenset[Role]:
        """The journey member's roles."""
        ...

    def buddy_pool(self, playbook: OnboardingPlaybook) -> BuddyPool: ...

    def managers(self) -> list[str]: ...

    def moderators(self) -> list[str]: ...


@dataclass(frozen=True)
class Facts:
    """Everything about the moment a decision depends on."""

    now: datetime
    platform: str
    member: str
    member_name: str
    locale: str
    community: CommunityConfig
    playbook_id: str
    playbook: OnboardingPlaybook
    zone: ZoneInfo
    posted: bool
    """The member wrote in one of the community's channels since joining."""
    rules: HouseRules | None
    people: People
    text: Callable[..., str]
    """The message catalogue: `text(key, locale, **params)`."""

    def channel(self, purpose: str) -> str | None:
        """The community's `main`, `intro` or `moderators` channel on this platform."""
        channels = self.community.channels.get(self.platform)  # type: ignore[call-overload]
        if channels is None:
            return None
        found: str | None = getattr(channels, purpose, None)
        return found

    def interests(self) -> list[Interest]:
        return self.playbook.interests_for(self.community.id)


# -- effects --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Effect:
    node: str
    attempt: int
    part: str


@dataclass(frozen=True)
class Dm(Effect):
    to: str
    message: Message


@dataclass(frozen=True)
class Ask(Effect):
    """A question to the journey's member; the answer comes back through `Runner.answer`."""

    message: Message


@dataclass(frozen=True)
class PostIn(Effect):
    channel: str
    message: Message


@dataclass(frozen=True)
class InviteTo(Effect):
    channel: str


@dataclass(frozen=True)
class Timer(Effect):
    due: datetime
    why: str
    """`wait` (the step's wait is over) or `remind` (nudge about an unanswered question)."""


@dataclass(frozen=True)
class RulesAccepted(Effect):
    playbook: str
    version: str


@dataclass(frozen=True)
class BuddyAssigned(Effect):
    buddy: str


# -- the runner -----------------------------------------------------------------------------------


class Runner:
    def __init__(self, program: Program, facts: Facts, state: State) -> None:
        self.program = program
        self.facts = facts
        self.state = state
        self.effects: list[Effect] = []
        self.moved = False
        """The journey moved on (a step ran or an answer was taken): its progress time changes."""

    # -- inputs -------------------------------------------------------------------------------

    def start(self) -> None:
        self.state.step = self.program.first or ""
        self._arrive()
        self.run()

    def resume(self) -> None:
        """The member is back: go on where the journey stopped, re-asking an open question."""
        self.state.paused = False
        if self.state.ended:
            return
        node = self._node()
        if self.state.waiting == "answer" and node is not None:
            self.state.attempt += 1
            self._emit_dm(node, "back", self.facts.member, self._t("onboarding.welcome_back"))
            self._ask_again(node)
            return
        self.run()

    def answer(self, picked: str | None, text: str | None) -> bool:
        """Take the member's answer to the question the journey waits on; False if it does not."""
        node = self._node()
        if node is None or self.state.waiting != "answer":
            return False
        handlers: dict[type, Callable[[Node, str, str], None]] = {
            AskStep: self._answer_ask,
            AskTextStep: self._answer_text,
            PostIntroStep: self._answer_preview,
            AcceptRulesStep: self._answer_rules,
            PickInterestsStep: self._answer_interests,
            ChecklistStep: self._answer_checklist,
        }
        handler = handlers.get(type(node.step))
        if handler is None:
            return False
        handler(node, picked or "", text or "")
        self.moved = True
        self.run()
        return True

    def timer(self, node_id: str, attempt: int, why: str) -> bool:
        """A timer of this journey came due; False if the journey has moved past it."""
        if self.state.step != node_id or self.state.attempt != attempt or self.state.ended:
            return False
        node = self._node()
        if node is None:
            return False
        if why == "wait" and self.state.waiting == "timer":
            self._goto(node.next)
            self.run()
            return True
        if why == "remind" and self.state.waiting == "answer" and not self.state.paused:
            self._emit_dm(node, "remind", self.facts.member, self._t("onboarding.reminder"))
            return True
        return False

    # -- running ------------------------------------------------------------------------------

    def run(self) -> None:
        for _ in range(MAX_STEPS_PER_RUN):
            if self.state.paused or self.state.waiting or self.state.ended:
                return
            if not self.state.step:
                self._complete()
                return
            node = self._node()
            if node is None:
                self._fail(f"the step '{self.state.step}' is no longer in the playbook")
                return
            self.moved = True
            self._execute(node)
        self._fail("the playbook ran too many steps at once")

    def _node(self) -> Node | None:
        return self.program.node(self.state.step) if self.state.step else None

    def _execute(self, node: Node) -> None:
        steps: dict[type, Callable[[Node], None]] = {
            MessageStep: self._message,
            AskStep: self._ask_again,
            AskTextStep: self._ask_again,
            AcceptRulesStep: self._rules,
            PostIntroStep: self._post_intro,
            PickInterestsStep: self._ask_again,
            AssignBuddyStep: self._assign_buddy,
            WaitStep: self._wait,
            IfStep: self._if,
            NotifyStep: self._notify,
            ChecklistStep: self._ask_again,
            EndStep: self._end,
        }
        steps[type(node.step)](node)

    def _goto(self, target: str | None) -> None:
        self.state.step = target or ""
        self._arrive()

    def _arrive(self) -> None:
        self.state.attempt = 0
        self.state.waiting = ""

    def _complete(self) -> None:
        self.state.ended = "completed"
        self.state.waiting = ""
        self.state.answers = forget_free_text(self.program, self.state.answers)

    def _fail(self, note: str) -> None:
        self.state.ended = "failed"
        self.state.waiting = ""
        self.state.note = note[:300]

    # -- steps --------------------------------------------------------------------------------

    def _message(self, node: Node) -> None:
        step = node.step
        assert isinstance(step, MessageStep)
        channel = self._intro_channel() if step.to == "intro" else self.facts.channel(step.to)
        if step.to == "member":
            self._emit_dm(node, "dm", self.facts.member, self.render(step.text))
        elif channel:
            self._post(node, "post", channel, self.render(step.text, self.facts.community.locale))
        elif step.to == "moderators":
            for person in self.facts.people.moderators():
                text = self.render(step.text, self.facts.people.locale(person))
                self._emit_dm(node, f"post:{person}", person, text)
        self._goto(node.next)

    def _ask_again(self, node: Node) -> None:
        """Ask the node's question (again, after a too-short answer or a return)."""
        step = node.step
        if isinstance(step, AskStep):
            choices = [
                Choice(id=c.id, label=self.render(c.label), emoji=c.emoji) for c in step.choices
            ]
            self._ask(node, Message(text=self.render(step.text), choices=tuple(choices)))
        elif isinstance(step, AskTextStep):
            self._ask(node, Message(text=self.render(step.text), expects_text=True))
        elif isinstance(step, PickInterestsStep):
            self._ask_interests(node, step)
        elif isinstance(step, ChecklistStep):
            self._ask_checklist(node, step)
        elif isinstance(step, AcceptRulesStep):
            self._rules(node)
        elif isinstance(step, PostIntroStep):
            self._preview(node)

    def _ask(self, node: Node, message: Message, prefix: str = "") -> None:
        if prefix:
            message = message.model_copy(update={"text": f"{prefix}\n\n{message.text}"})
        self.effects.append(Ask(node.id, self.state.attempt, "ask", message))
        self.state.waiting = "answer"
        remind = getattr(node.step, "remind_after", None)
        if remind and self.state.attempt == 0:
            due = self.facts.now + duration(remind)
            self.effects.append(Timer(node.id, 0, "remind", due, "remind"))

    def _rules(self, node: Node) -> None:
        step = node.step
        assert isinstance(step, AcceptRulesStep)
        rules = self.facts.rules
        if rules is None:
            self._goto(node.next)
            return
        intro = self.render(step.text) if step.text else self._t("onboarding.rules_intro")
        lines = [intro, ""]
        for number, rule in enumerate(rules.rules, start=1):
            title = self.render(rule.title)
            lines.append(f"{number}. **{title}**: {self.render(rule.text)}")
        accept = Choice(id=ACCEPT, label=self._t("onboarding.rules_accept"), style="primary")
        self._ask(node, Message(text="\n".join(lines), choices=(accept,)))

    def _post_intro(self, node: Node) -> None:
        step = node.step
        assert isinstance(step, PostIntroStep)
        if step.confirm and self._intro_post(step) is not None:
            self._preview(node)
            return
        self._publish_intro(node)

    def _intro_channel(self) -> str | None:
        return self.facts.channel("intro") or self.facts.channel("main")

    def _intro_post(self, step: PostIntroStep) -> str | None:
        """The post as the channel will see it, in the community's language (None: nothing to post)."""
        intro = self.state.answers.get(step.answer)
        if not isinstance(intro, str) or not intro or not self._intro_channel():
            return None
        locale = self.facts.community.locale
        if step.text:
            return self.render(step.text, locale)
        return self.facts.text(
            "onboarding.intro_post",
            locale,
            name=self.facts.member_name,
            intro=templates.quote(intro),
        )

    def _publish_intro(self, node: Node) -> None:
        step = node.step
        assert isinstance(step, PostIntroStep)
        text = self._intro_post(step)
        channel = self._intro_channel()
        if text is not None and channel:
            self._post(node, "post", channel, text)
        self._goto(node.next)

    def _preview(self, node: Node, problem: str = "") -> None:
        """`confirm: true`: show the member the post and ask before it goes out."""
        step = node.step
        assert isinstance(step, PostIntroStep)
        post = self._intro_post(step) or ""
        channel = self._intro_channel() or ""
        text = "\n\n".join(
            [
                self._t("onboarding.intro_preview", channel=channel),
                templates.quote(post),
                self._t("onboarding.intro_preview_hint"),
            ]
        )
        choices = (
            Choice(id=PREVIEW_POST, label=self._t("onboarding.intro_post_it"), style="primary"),
            Choice(id=PREVIEW_REWRITE, label=self._t("onboarding.intro_rewrite")),
            Choice(id=PREVIEW_KEEP, label=self._t("onboarding.intro_keep")),
        )
        self._ask(node, Message(text=text, choices=choices, expects_text=True), problem)

    def _ask_interests(self, node: Node, step: PickInterestsStep) -> None:
        choices = [
            Choice(id=i.id, label=self.render(i.label), emoji=i.emoji)
            for i in self.facts.interests()
        ]
        choices.append(Choice(id=NO_INTERESTS, label=self._t("onboarding.interests_none_choice")))
        message = Message(text=self.render(step.text), choices=tuple(choices), multiple=True)
        self._ask(node, message)

    def _ask_checklist(self, node: Node, step: ChecklistStep) -> None:
        done = set(self.state.answers.get(step.id) or ())
        ticked = [f"✅ {self.render(i.label)}" for i in step.items if i.id in done]
        open_items = [i for i in step.items if i.id not in done]
        text = self.render(step.text)
        if ticked:
            text = "\n".join([text, "", *ticked])
        choices = tuple(Choice(id=i.id, label=self.render(i.label)) for i in open_items)
        hint = self._t("onboarding.checklist_hint")
        self._ask(node, Message(text=text, choices=choices, multiple=True, context=hint))

    def _assign_buddy(self, node: Node) -> None:
        step = node.step
        assert isinstance(step, AssignBuddyStep)
        if self.state.buddy is None:
            pool = self.facts.people.buddy_pool(self.facts.playbook)
            buddy = choose_buddy(pool, member=self.facts.member, capacity=step.capacity)
            if buddy is None:
                self._no_buddy(node, pool)
            else:
                self.state.buddy = buddy
                self.effects.append(BuddyAssigned(node.id, self.state.attempt, "buddy", buddy))
                self._introduce_buddy(node, step, buddy)
        self._goto(node.next)

    def _introduce_buddy(self, node: Node, step: AssignBuddyStep, buddy: str) -> None:
        buddy_name = self.facts.people.name(buddy)
        to_member = (
            self.render(step.text)
            if step.text
            else self._t("onboarding.buddy_for_member", buddy=buddy_name)
        )
        self._emit_dm(node, "buddy:member", self.facts.member, to_member)
        locale = self.facts.people.locale(buddy)
        to_buddy = (
            self.render(step.buddy_text, locale)
            if step.buddy_text
            else self.facts.text(
                "onboarding.buddy_for_buddy",
                locale,
                name=self.facts.member_name,
                community=self.facts.community.name,
            )
        )
        self._emit_dm(node, "buddy:buddy", buddy, to_buddy)

    def _no_buddy(self, node: Node, pool: BuddyPool) -> None:
        for manager in self.facts.people.managers():
            text = self.facts.text(
                "onboarding.no_buddy",
                self.facts.people.locale(manager),
                name=self.facts.member_name,
                community=self.facts.community.name,
                count=len(pool.candidates),
            )
            self._emit_dm(node, f"nobuddy:{manager}", manager, text)

    def _wait(self, node: Node) -> None:
        step = node.step
        assert isinstance(step, WaitStep)
        due = wake_at(
            self.facts.now,
            wait=duration(step.for_) if step.for_ else timedelta(0),
            until=step.until,
            zone=self.facts.zone,
            hours=self.facts.community.working_hours,
        )
        if due <= self.facts.now:
            self._goto(node.next)
            return
        self.effects.append(Timer(node.id, self.state.attempt, "wait", due, "wait"))
        self.state.waiting = "timer"

    def _if(self, node: Node) -> None:
        step = node.step
        assert isinstance(step, IfStep)
        branch = "then" if self.holds(step) else "else"
        self._goto(node.branches.get(branch, node.next))

    def holds(self, step: IfStep) -> bool:
        if step.posted is not None:
            return self.facts.posted == step.posted
        if step.has_role is not None:
            return Role(step.has_role) in expand(self.facts.people.roles())
        answer = self.state.answers.get(step.answered or "")
        if step.choice is None:
            return bool(answer)
        if isinstance(answer, list):
            return step.choice in answer
        return answer == step.choice

    def _notify(self, node: Node) -> None:
        step = node.step
        assert isinstance(step, NotifyStep)
        people = self.facts.people
        channel = self.facts.channel("moderators") if step.who == "moderators" else None
        if channel:
            text = self.render(step.text, self.facts.community.locale)
            self._post(node, "notify", channel, text)
        else:
            if step.who == "moderators":
                recipients = people.moderators()
            elif step.who == "manager":
                recipients = people.managers()[:1]
            else:
                recipients = people.managers()
            for person in recipients:
                text = self.render(step.text, people.locale(person))
                self._emit_dm(node, f"notify:{person}", person, text)
        self._goto(node.next)

    def _end(self, node: Node) -> None:
        step = node.step
        assert isinstance(step, EndStep)
        if step.text:
            self._emit_dm(node, "dm", self.facts.member, self.render(step.text))
        self._goto(None)

    # -- answers ------------------------------------------------------------------------------

    def _answer_ask(self, node: Node, picked: str, _text: str) -> None:
        step = node.step
        assert isinstance(step, AskStep)
        choice = picked.split(",")[0]
        if choice not in node.branches:
            self.state.attempt += 1
            self._ask_again(node)
            return
        self.state.answers[step.id] = choice
        self._goto(node.branches[choice])

    def _text_problem(self, step: Step | None, text: str) -> str:
        """Why a free-text answer cannot be taken ("" if it can): too short or too long."""
        if not isinstance(step, AskTextStep):
            return ""
        text = text.strip()
        if len(text) < step.min_length:
            return self._t("onboarding.too_short", length=len(text), minimum=step.min_length)
        if len(text) > step.max_length:
            return self._t("onboarding.too_long", length=len(text), maximum=step.max_length)
        return ""

    def _answer_text(self, node: Node, _picked: str, text: str) -> None:
        step = node.step
        assert isinstance(step, AskTextStep)
        text = text.strip()
        problem = self._text_problem(step, text)
        if problem:
            self.state.attempt += 1
            self._ask(node, Message(text=self.render(step.text), expects_text=True), problem)
            return
        self.state.answers[step.id] = templates.defuse(text)
        self._goto(node.next)

    def _answer_preview(self, node: Node, picked: str, text: str) -> None:
        """Post it, write it again, keep it; or a new version typed in place of a pick."""
        step = node.step
        assert isinstance(step, PostIntroStep)
        choice = picked.split(",")[0]
        if text.strip():
            problem = self._text_problem(self._asked(step), text)
            if not problem:
                self.state.answers[step.answer] = templates.defuse(text.strip())
            self.state.attempt += 1
            self._preview(node, problem)
        elif choice == PREVIEW_POST:
            self._publish_intro(node)
        elif choice == PREVIEW_REWRITE and isinstance(asked := self._asked(step), AskTextStep):
            # The question again, from here: the new version comes back as text, then a preview.
            self.state.attempt += 1
            self._ask(node, Message(text=self.render(asked.text), expects_text=True))
        elif choice == PREVIEW_KEEP:
            channel = self._intro_channel() or ""
            self._emit_dm(
                node, "kept", self.facts.member, self._t("onboarding.intro_kept", channel=channel)
            )
            self._goto(node.next)
        else:
            self.state.attempt += 1
            self._preview(node)

    def _asked(self, step: PostIntroStep) -> Step | None:
        """The `ask_text` step whose answer the introduction is."""
        asked = self.program.node(step.answer)
        return asked.step if asked is not None else None

    def _answer_rules(self, node: Node, picked: str, _text: str) -> None:
        rules = self.facts.rules
        if picked.split(",")[0] != ACCEPT or rules is None:
            self.state.attempt += 1
            self._rules(node)
            return
        self.effects.append(
            RulesAccepted(node.id, self.state.attempt, "rules", rules.playbook, rules.version)
        )
        self._goto(node.next)

    def _answer_interests(self, node: Node, picked: str, _text: str) -> None:
        step = node.step
        assert isinstance(step, PickInterestsStep)
        ids = [p for p in picked.split(",") if p]
        chosen = [i for i in self.facts.interests() if i.id in ids]
        self.state.answers[step.id] = [i.id for i in chosen]
        channels = [c for i in chosen if (c := channel_on(i.channel, self.facts.platform))]
        for channel in channels:
            self.effects.append(InviteTo(node.id, self.state.attempt, f"invite:{channel}", channel))
        if channels:
            text = self._t("onboarding.interests_done", channels=self._listing(channels))
        else:
            text = self._t("onboarding.interests_none")
        self._emit_dm(node, "done", self.facts.member, text)
        self._goto(node.next)

    def _answer_checklist(self, node: Node, picked: str, _text: str) -> None:
        step = node.step
        assert isinstance(step, ChecklistStep)
        items = [i.id for i in step.items]
        done = set(self.state.answers.get(step.id) or ()) | {p for p in picked.split(",") if p}
        self.state.answers[step.id] = [i for i in items if i in done]
        if len(self.state.answers[step.id]) < len(items):
            self.state.attempt += 1
            self._ask_checklist(node, step)
            return
        text = (
            self.render(step.done_text) if step.done_text else self._t("onboarding.checklist_done")
        )
        self._emit_dm(node, "done", self.facts.member, text)
        self._goto(node.next)

    # -- output -------------------------------------------------------------------------------

    def _emit_dm(self, node: Node, part: str, to: str, text: str) -> None:
        self.effects.append(Dm(node.id, self.state.attempt, part, to, Message(text=text)))

    def _post(self, node: Node, part: str, channel: str, text: str) -> None:
        self.effects.append(PostIn(node.id, self.state.attempt, part, channel, Message(text=text)))

    def _listing(self, items: Sequence[str]) -> str:
        """`a`, `a and b`, `a, b and c` in the member's language."""
        if len(items) < 2:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self._t('onboarding.and')} {items[-1]}"

    def _t(self, key: str, **params: Any) -> str:
        return self.facts.text(key, self.facts.locale, **params)

    def render(self, text: Text, locale: str | None = None) -> str:
        """A playbook text in `locale` (the member's by default), with the template variables."""
        locale = locale or self.facts.locale
        source = templates.pick(text, locale, self.facts.community.locale)
        return templates.render(source, Variables(self, locale).get)


def forget_free_text(program: Program, answers: dict[str, Any]) -> dict[str, Any]:
    """Answers without the members' own words (introductions): kept only while needed."""
    texts = {n.id for n in program.nodes.values() if isinstance(n.step, AskTextStep)}
    return {k: v for k, v in answers.items() if k not in texts}


class Variables:
    """The template variables of one render, each computed only if the template uses it."""

    def __init__(self, runner: Runner, locale: str) -> None:
        self._runner = runner
        self._facts = runner.facts
        self._locale = locale

    def get(self, name: str) -> Any:
        method: Callable[[], Any] = getattr(self, f"_{name}")
        return method()

    def _person(self, member: str | None) -> Person:
        return Person(member, self._facts.people.name(member)) if member else Person()

    def _member(self) -> Person:
        return Person(self._facts.member, self._facts.member_name)

    def _community(self) -> dict[str, str]:
        f = self._facts
        return {
            "name": f.community.name,
            "id": f.community.id,
            "main_channel": f.channel("main") or "",
            "intro_channel": f.channel("intro") or f.channel("main") or "",
        }

    def _manager(self) -> Person:
        managers = self._facts.people.managers()
        return self._person(managers[0] if managers else None)

    def _buddy(self) -> Person:
        return self._person(self._runner.state.buddy)

    def _managers(self) -> list[Person]:
        return [self._person(m) for m in self._facts.people.managers()]

    def _moderators(self) -> list[Person]:
        return [self._person(m) for m in self._facts.people.moderators()]

    def _rules(self) -> list[dict[str, Any]]:
        rules = self._facts.rules
        render = self._runner.render
        return [
            {
                "number": n,
                "title": render(r.title, self._locale),
                "text": render(r.text, self._locale),
            }
            for n, r in enumerate(rules.rules if rules else (), start=1)
        ]

    def _rules_version(self) -> str:
        return self._facts.rules.version if self._facts.rules else ""

    def _answers(self) -> dict[str, str]:
        return answers_for_display(self._runner, self._locale)

    def _interests(self) -> list[dict[str, str]]:
        picked: Sequence[str] = ()
        for node in self._runner.program.nodes.values():
            if isinstance(node.step, PickInterestsStep):
                picked = self._runner.state.answers.get(node.step.id) or picked
        return [
            {
                "label": self._runner.render(i.label, self._locale),
                "channel": channel_on(i.channel, self._facts.platform) or "",
            }
            for i in self._facts.interests()
            if i.id in picked
        ]

    def _settings(self) -> dict[str, str]:
        settings = self._facts.playbook.settings_for(self._facts.community.id)
        return {name: self._runner.render(text, self._locale) for name, text in settings.items()}


def answers_for_display(runner: Runner, locale: str) -> dict[str, str]:
    """`answers.<id>` as a text: a choice's label, ticked items, picked interests, or the text."""
    shown: dict[str, str] = {}
    interests = {i.id: i.label for i in runner.facts.interests()}
    for node_id, node in runner.program.answering().items():
        value = runner.state.answers.get(node_id)
        step = node.step
        labels: dict[str, Text] = {}
        if isinstance(step, AskStep):
            labels = {c.id: c.label for c in step.choices}
        elif isinstance(step, ChecklistStep):
            labels = {i.id: i.label for i in step.items}
        elif isinstance(step, PickInterestsStep):
            labels = dict(interests)
        if value is None:
            shown[node_id] = ""
        elif isinstance(value, str) and not labels:
            shown[node_id] = value
        else:
            ids = value if isinstance(value, list) else [value]
            shown[node_id] = ", ".join(runner.render(labels[i], locale) for i in ids if i in labels)
    return shown
