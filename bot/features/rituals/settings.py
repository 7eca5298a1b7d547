"""The `ritual` playbook: one scheduled routine per file.

    kind: ritual
    title: {en: Working out loud, de: Working out loud}
    schedule: every friday 15:00      # or a cron line: "0 15 * * fri"
    misfire_window: 2h
    skip_if: [channel_silent_since_last_run, crisis_mode]
    action:
      do: prompt
      text: {en: "What are you working on?", de: "Woran arbeitest du gerade?"}

Strict like every playbook (`extra="forbid"`); the action is a discriminated union on `do`, so a
typo yields one precise error. The types are self-contained (no import from `bot.playbooks`) so
the playbook schema can include this kind without an import cycle.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from bot.core.clock import parse_duration
from bot.features.rituals.schedule import parse_schedule


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _text_shape(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
        return value
    raise ValueError("a text is a string, or a map of locales such as {en: 'Hello', de: 'Hallo'}")


TEMPLATE_VARIABLES = frozenset({"member", "community"})
"""What a ritual's texts may refer to: `{{ member.name }}`, `{{ community.main_channel }}`."""


def _template(value: str | dict[str, str]) -> str | dict[str, str]:
    """Refuse a text whose template would fail when the ritual runs, not weeks later."""
    from bot.playbooks import templates  # here: `templates` imports the schema that imports us

    for variant in [value] if isinstance(value, str) else value.values():
        problems = templates.check(variant, answers=(), settings=(), allowed=TEMPLATE_VARIABLES)
        if problems:
            raise ValueError("; ".join(problems))
    return value


RitualText = Annotated[
    str | dict[str, str], BeforeValidator(_text_shape), AfterValidator(_template)
]
"""A Jinja2 text members see: one string, or one per locale (`en:`, `de:`)."""


def _duration(text: str) -> str:
    parse_duration(text)
    return text


Duration = Annotated[str, AfterValidator(_duration)]


def _schedule(text: str) -> str:
    parse_schedule(text)
    return text


Schedule = Annotated[str, AfterValidator(_schedule)]
"""`every monday 09:30`, `every weekday 09:00`, `first monday of the month 10:00`, or cron."""

ChannelPurpose = Literal["main", "intro", "moderators"]
SkipCondition = Literal["channel_silent_since_last_run", "crisis_mode"]


class PromptAction(_Strict):
    """Post a prompt in a channel (a *working out loud* Friday)."""

    do: Literal["prompt"]
    channel: ChannelPurpose = "main"
    text: RitualText


class UnansweredDigestAction(_Strict):
    """List the questions that got no reply within `older_than`, looking back `lookback`."""

    do: Literal["unanswered_digest"]
    channel: ChannelPurpose = "main"
    older_than: Duration = "24h"
    lookback: Duration = "7d"
    max_items: int = Field(10, ge=1, le=50)


class QuietCheckinAction(_Strict):
    """DM members quiet for `quiet_for`; at most one nudge per member per `cap`."""

    do: Literal["quiet_checkin"]
    quiet_for: Duration = "21d"
    cap: Duration = "14d"
    text: RitualText


class IntroPairingAction(_Strict):
    """Pair (or group in threes) the members who opted in, avoiding recent repeats."""

    do: Literal["intro_pairing"]
    group_size: Literal[2, 3] = 2
    avoid_repeats_for: int = Field(4, ge=0, le=52)
    """Rounds in which a pair may not meet again."""
    icebreakers: tuple[RitualText, ...] = Field(min_length=1)


class CelebrationAction(_Strict):
    """Congratulate members on their first year in the community."""

    do: Literal["celebration"]
    channel: ChannelPurpose = "main"
    text: RitualText


class Targets(_Strict):
    """The community's success criteria; the digest compares each figure with its target."""

    new_members: int | None = Field(None, ge=0)
    active_share: float | None = Field(None, ge=0, le=1)
    answered_share: float | None = Field(None, ge=0, le=1)
    median_first_answer: Duration | None = None
    onboarding_completion: float | None = Field(None, ge=0, le=1)


class HealthDigestAction(_Strict):
    """The managers' weekly health digest, sent to each manager by DM."""

    do: Literal["health_digest"]
    active_within: Duration = "7d"
    targets: Targets = Targets()


RitualAction = Annotated[
    PromptAction
    | UnansweredDigestAction
    | QuietCheckinAction
    | IntroPairingAction
    | CelebrationAction
    | HealthDigestAction,
    Field(discriminator="do"),
]

DM_ACTIONS = ("quiet_checkin", "intro_pairing", "health_digest")
"""Actions that write to members privately: they wait for the member's working hours."""


class RitualPlaybook(_Strict):
    kind: Literal["ritual"]
    title: RitualText
    description: str = ""
    schedule: Schedule
    misfire_window: Duration = "1h"
    """How late an occurrence may still run (after downtime); later ones are recorded as missed."""
    skip_if: tuple[SkipCondition, ...] = ()
    respect_working_hours: bool = True
    """DMs outside the member's working hours wait for the next start of them."""
    enabled: bool = True
    action: RitualAction

    def misfire(self) -> timedelta:
        return parse_duration(self.misfire_window)
