"""The AMA feature: routing commands, prompts, reactions and timers to the modules that decide.

Nothing here decides anything; see `voting`, `ranking`, `board`, `anonymity`, `timing` for the
rules and `lifecycle`, `questions`, `votes` for the wiring of each step.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from bot.core.commands import CommandSpec, ParsedCommand
from bot.core.events import (
    ChoicePicked,
    CommandInvoked,
    Event,
    ReactionAdded,
    ReactionRemoved,
    TextAnswered,
    TimerFired,
)
from bot.core.forms import CommandForm
from bot.core.roles import Role
from bot.features.ama import asking, home, lifecycle, moderation, repo, votes
from bot.features.ama.commands import ASK_FORM, COMMANDS
from bot.features.ama.common import FEATURE, QUESTION_KEY, require_moderation
from bot.features.ama.later import answer_later, pick_later
from bot.features.ama.settings import AmaPlaybook, AmaSettings
from bot.features.base import Context, Feature
from bot.store.models import PromptRecord

Handler = Callable[[Context, ParsedCommand, CommandInvoked], None]

_HANDLERS: dict[str, Handler] = {
    "ask": asking.ask_command,
    "vote": votes.vote_command,
    "edit": asking.edit,
    "withdraw": asking.withdraw,
    "list": moderation.list_questions,
    "next": moderation.next_question,
    "answer": moderation.answer_command,
    "approve": moderation.approve_command,
    "skip": moderation.skip,
    "decline": moderation.decline,
    "merge": moderation.merge,
    "export": lifecycle.export,
}
_DRAFT = re.compile(r"^ama:draft:(\d+)$")
_REVIEW = re.compile(r"^ama:(\d+):q:(\d+):review$")
_LATER = re.compile(r"^ama:(\d+):later:h(\d+):")


class Ama(Feature):
    name: ClassVar[str] = FEATURE
    commands: ClassVar[tuple[CommandSpec, ...]] = COMMANDS
    events: ClassVar[tuple[type[Event], ...]] = (ReactionAdded, ReactionRemoved)
    forms: ClassVar[tuple[CommandForm, ...]] = (ASK_FORM,)

    def __init__(self, settings: AmaSettings | None = None) -> None:
        self.settings = settings or AmaSettings()

    def on_command(self, command: ParsedCommand, event: CommandInvoked, ctx: Context) -> None:
        name = command.spec.name
        if name == "start":
            lifecycle.start(ctx, command, event, self._settings_for(ctx))
        elif name == "schedule":
            lifecycle.schedule(ctx, command, event, self._settings_for(ctx))
        elif name == "end":
            lifecycle.end_command(ctx, command, event, ctx.services.config.retention_days)
        else:
            _HANDLERS[name](ctx, command, event)

    def _settings_for(self, ctx: Context) -> AmaSettings:
        """The community's `ama` playbook, if it lists one; else this feature's settings."""
        for playbook_id in ctx.community.playbooks:
            playbook = ctx.services.playbooks.get(playbook_id)
            if isinstance(playbook, AmaPlaybook):
                return playbook.settings()
        return self.settings

    def on_event(self, event: Event, ctx: Context) -> None:
        if isinstance(event, ReactionAdded | ReactionRemoved):
            votes.vote_by_reaction(ctx, event)

    def on_prompt(
        self, event: ChoicePicked | TextAnswered, prompt: PromptRecord, ctx: Context
    ) -> None:
        pid = prompt.prompt_id
        if isinstance(event, ChoicePicked) and QUESTION_KEY.match(pid):
            votes.vote_by_button(ctx, pid, event.member, event.dedupe_key)
        elif isinstance(event, ChoicePicked) and (draft := _DRAFT.match(pid)):
            asking.ask_from_draft(ctx, event.member, int(draft.group(1)), event.choice_id)
        elif isinstance(event, ChoicePicked) and (review := _REVIEW.match(pid)):
            _approve_by_click(ctx, int(review.group(1)), int(review.group(2)), event.member)
        elif (later := _LATER.match(pid)) is not None:
            ama = repo.get(ctx.session, ama_id=int(later.group(1)))
            if ama is None:
                return
            if isinstance(event, ChoicePicked):
                pick_later(ctx, ama, int(later.group(2)), event.member, event.choice_id)
            else:
                answer_later(ctx, ama, pid, event.member, event.text)

    def on_timer(self, event: TimerFired, ctx: Context) -> None:
        lifecycle.on_timer(ctx, event, ctx.services.config.retention_days)

    def form_ticks(
        self, form: CommandForm, ctx: Context, channel: str, member: str
    ) -> dict[str, bool]:
        """ "Ask anonymously" starts ticked unless the AMA the question would go to is named."""
        ama = repo.live_in_channel(ctx.session, platform=ctx.platform, channel=channel)
        if ama is None:
            candidates = repo.live_for_member(ctx.session, platform=ctx.platform, member=member)
            ama = candidates[0] if len(candidates) == 1 else None
        return {"anon": not ama.named} if ama is not None else {}

    def home_section(self, ctx: Context, member: str, *, manages: bool) -> str | None:
        return home.home_section(ctx, member)

    def granted_roles(self, ctx: Context, member: str) -> set[Role]:
        """Hosts of this community's scheduled and live AMAs are hosts. After the end, a host
        still exports and answers late as a host of *that* AMA (checked per AMA), but no longer
        holds the role that lets them start another one."""
        for ama in repo.hosted_in(ctx.session, community=ctx.community.id, platform=ctx.platform):
            if member in ama.hosts:
                return {Role.HOST}
        return set()


def _approve_by_click(ctx: Context, ama_id: int, number: int, member: str) -> None:
    ama = repo.get(ctx.session, ama_id=ama_id)
    if ama is None or ama.status != repo.LIVE:
        return
    require_moderation(ctx, ama, member)
    moderation.approve(ctx, ama, number, member)
