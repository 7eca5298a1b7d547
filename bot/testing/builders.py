"""Builders for events and configurations, so a test says only what matters to it."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import yaml

from bot.config.schema import Channels, CommunityConfig, PorchConfig
from bot.core.events import (
    ChoicePicked,
    CommandInvoked,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    ReactionAdded,
    TextAnswered,
)
from bot.playbooks.schema import OnboardingPlaybook

_seq = itertools.count(1)
T0 = datetime.fromisoformat("2026-01-05T08:00:00+00:00")
"""A Monday, 09:00 in Berlin: the default start of every fake clock in tests."""


def community(
    *,
    id: str = "demo",
    platform: str = "memory",
    kind: str = "interest",
    locale: str = "en",
    timezone: str = "Europe/Berlin",
    main: str = "#general",
    intro: str = "#introductions",
    moderators_channel: str = "#moderators",
    others: tuple[str, ...] = (),
    managers: tuple[str, ...] = ("dana",),
    moderators: tuple[str, ...] = ("mo",),
    playbooks: tuple[str, ...] = (),
    **extra: Any,
) -> CommunityConfig:
    return CommunityConfig.model_validate(
        {
            "id": id,
            "name": extra.pop("name", "Porch demo"),
            "kind": kind,
            "locale": locale,
            "timezone": timezone,
            "channels": {
                platform: Channels(
                    main=main, intro=intro, moderators=moderators_channel, others=others
                )
            },
            "managers": managers,
            "moderators": moderators,
            "playbooks": playbooks,
            **extra,
        }
    )


def config(*communities: CommunityConfig, **extra: Any) -> PorchConfig:
    return PorchConfig.model_validate({"communities": communities or (community(),), **extra})


def _base(platform: str, member: str, at: datetime | None, key: str | None) -> dict[str, Any]:
    return {
        "platform": platform,
        "member": member,
        "occurred_at": at or T0,
        "dedupe_key": key or f"test:{next(_seq)}",
    }


def joined(
    member: str,
    channel: str = "#general",
    *,
    platform: str = "memory",
    at: datetime | None = None,
    key: str | None = None,
    **kw: Any,
) -> MemberJoined:
    return MemberJoined(
        **_base(platform, member, at, key),
        channel=channel,
        display_name=kw.pop("display_name", member.title()),
        **kw,
    )


def left(
    member: str,
    channel: str = "#general",
    *,
    platform: str = "memory",
    at: datetime | None = None,
    key: str | None = None,
) -> MemberLeft:
    return MemberLeft(**_base(platform, member, at, key), channel=channel)


def said(
    member: str,
    text: str,
    channel: str = "#general",
    *,
    platform: str = "memory",
    at: datetime | None = None,
    key: str | None = None,
    **kw: Any,
) -> MessagePosted:
    base = _base(platform, member, at, key)
    return MessagePosted(
        **base,
        channel=channel,
        text=text,
        message_id=kw.pop("message_id", base["dedupe_key"]),
        **kw,
    )


def dm(
    member: str,
    text: str,
    *,
    platform: str = "memory",
    at: datetime | None = None,
    key: str | None = None,
) -> MessagePosted:
    return said(member, text, f"dm:{member}", platform=platform, at=at, key=key, is_direct=True)


def command(
    member: str,
    line: str,
    channel: str = "#general",
    *,
    platform: str = "memory",
    direct: bool = False,
    at: datetime | None = None,
    key: str | None = None,
) -> CommandInvoked:
    """`command("dana", "/porch whoami")`."""
    root, _, rest = line.lstrip("/!").partition(" ")
    return CommandInvoked(
        **_base(platform, member, at, key),
        root=root,
        text=rest.strip(),
        channel=f"dm:{member}" if direct else channel,
        is_direct=direct,
    )


def reacted(
    member: str,
    message_id: str,
    emoji: str,
    channel: str = "#general",
    *,
    platform: str = "memory",
    at: datetime | None = None,
    key: str | None = None,
) -> ReactionAdded:
    return ReactionAdded(
        **_base(platform, member, at, key), channel=channel, message_id=message_id, emoji=emoji
    )


def picked(
    member: str,
    prompt_id: str,
    choice_id: str,
    *,
    platform: str = "memory",
    at: datetime | None = None,
    key: str | None = None,
) -> ChoicePicked:
    return ChoicePicked(
        **_base(platform, member, at, key), prompt_id=prompt_id, choice_id=choice_id
    )


def answered(
    member: str,
    prompt_id: str,
    text: str,
    *,
    platform: str = "memory",
    at: datetime | None = None,
    key: str | None = None,
) -> TextAnswered:
    return TextAnswered(**_base(platform, member, at, key), prompt_id=prompt_id, text=text)


WELCOME_ASK = """\
kind: onboarding
title: Welcome
steps:
  - id: welcome
    do: ask
    text: "Hi {{ member.name }}, welcome! What brings you here?"
    choices:
      - {id: learn, label: "I want to learn"}
      - {id: help, label: "I want to help"}
"""


def welcome_journey(more_steps: str = "") -> OnboardingPlaybook:
    """The scenario tests' onboarding playbook: a welcome question (learn or help), then
    `more_steps` (YAML list items, indented by two spaces, as in a playbook file)."""
    return OnboardingPlaybook.model_validate(yaml.safe_load(WELCOME_ASK + more_steps))
