"""Builders for the onboarding runner's inputs: playbooks from YAML text, facts, fake people."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml

from bot.config.schema import CommunityConfig
from bot.core.roles import Role
from bot.features.onboarding.buddies import BuddyPool
from bot.features.onboarding.engine import Facts, HouseRules, Runner, State
from bot.features.onboarding.timing import zone_of
from bot.i18n.catalogue import Catalogue
from bot.playbooks.program import compile_program
from bot.playbooks.schema import HouseRule, OnboardingPlaybook
from bot.testing import builders
from bot.testing.builders import T0

RULES = HouseRules(
    "house-rules",
    "2",
    (
        HouseRule(title={"en": "Be kind", "de": "Sei freundlich"}, text="Assume good intent."),
        HouseRule(title="Stay on topic", text="Threads for side talk."),
    ),
)


@dataclass
class FakePeople:
    names: dict[str, str] = field(default_factory=dict)
    locales: dict[str, str] = field(default_factory=dict)
    member_roles: frozenset[Role] = frozenset({Role.MEMBER})
    pool: BuddyPool = field(default_factory=lambda: BuddyPool(()))
    manager_ids: list[str] = field(default_factory=lambda: ["dana"])
    moderator_ids: list[str] = field(default_factory=lambda: ["mo"])

    def name(self, member: str) -> str:
        return self.names.get(member, member.title())

    def locale(self, member: str) -> str:
        return self.locales.get(member, "en")

    def roles(self) -> frozenset[Role]:
        return self.member_roles

    def buddy_pool(self, playbook: OnboardingPlaybook) -> BuddyPool:
        return self.pool

    def managers(self) -> list[str]:
        return self.manager_ids

    def moderators(self) -> list[str]:
        return self.moderator_ids


def playbook(text: str) -> OnboardingPlaybook:
    data: dict[str, Any] = {"kind": "onboarding", "title": "Test", **yaml.safe_load(text)}
    return OnboardingPlaybook.model_validate(data)


def facts(
    book: OnboardingPlaybook,
    *,
    now: datetime = T0,
    locale: str = "en",
    posted: bool = False,
    rules: HouseRules | None = RULES,
    people: FakePeople | None = None,
    community: CommunityConfig | None = None,
) -> Facts:
    community = community or builders.community()
    return Facts(
        now=now,
        platform="memory",
        member="alice",
        member_name="Alice",
        locale=locale,
        community=community,
        playbook_id="test",
        playbook=book,
        zone=zone_of(None, community.timezone),
        posted=posted,
        rules=rules,
        people=people or FakePeople(),
        text=Catalogue.load().text,
    )


def runner(book: OnboardingPlaybook, state: State | None = None, **kw: Any) -> Runner:
    return Runner(compile_program(book), facts(book, **kw), state or State())


def started(book: OnboardingPlaybook, **kw: Any) -> Runner:
    r = runner(book, **kw)
    r.start()
    return r


def again(previous: Runner, **kw: Any) -> Runner:
    """A fresh runner on the state another one left (the next event for the same journey)."""
    return runner(previous.facts.playbook, previous.state, **kw)
