"""The moderation playbook's tunables beside its rules: escalation, caps, reports, crisis mode.

    policy:
      report_emoji: "🚩"
      mute_minutes: 60
      escalation: {reminders: 3, within_days: 30}
      caps: {removals_per_hour: 10}
      crisis: {flood_max_messages: 3, flood_window_seconds: 30, new_member_days: 30}

Kept free of `bot.playbooks` imports, so the playbook schema can include it without a cycle.
How long flagged excerpts are kept is the configuration's `retention_days`, not a playbook's:
it is a data-protection promise of the whole installation.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Escalation(_Strict):
    """`reminders` reminders within `within_days` days put the member's next breach in the queue."""

    reminders: int = Field(3, ge=1, le=100)
    within_days: int = Field(30, ge=1, le=365)


class Caps(_Strict):
    """How many messages Porch removes per hour on its own: a wrong rule must not be able to
    empty a channel. Beyond the cap the breach goes to the queue instead, saying so. (Porch
    never kicks on its own; a moderator's one click is not capped.)"""

    removals_per_hour: int = Field(10, ge=0, le=10_000)


class CrisisSettings(_Strict):
    """How crisis mode tightens the rules: flood limits and how long members count as new."""

    flood_max_messages: int = Field(3, ge=1, le=1_000)
    flood_window_seconds: int = Field(30, ge=1, le=86_400)
    new_member_days: int = Field(30, ge=1, le=365)


class ModerationSettings(_Strict):
    report_emoji: str = Field("🚩", min_length=1, max_length=32)
    """The reaction that reports a message to the moderators."""
    mute_minutes: int = Field(60, ge=1, le=10_080)
    """How long the queue's "Mute" keeps the author quiet in that channel (at most a week);
    offered only where the platform can mute."""
    escalation: Escalation = Escalation()
    caps: Caps = Caps()
    crisis: CrisisSettings = CrisisSettings()
