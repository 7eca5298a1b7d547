"""What members and moderators read: reminders, removal notices and queue items.

Pure: each function gets a `Say` (the message catalogue bound to one locale) and plain facts,
so the texts are tested without a database. Excerpts are defused (`@channel` notifies nobody)
and quoted; the reporters of a message are counted, never named.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.message import Choice, Message
from bot.features.moderation.decide import Note, priority
from bot.playbooks.templates import defuse

Say = Callable[..., str]
"""`say(key, **params)`: a catalogue text in one locale."""

DISMISS = "dismiss"
REMIND = "remind"
REMOVE = "remove"
KICK = "kick"
MUTE = "mute"


@dataclass(frozen=True, slots=True)
class HouseRuleText:
    number: int
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class CaseView:
    """A queue item as moderators see it."""

    rule_id: str
    reason: str
    channel: str
    message_id: str
    author_name: str | None
    excerpt: str | None
    house_rule: HouseRuleText | None = None
    reporters: int = 0
    note: Note = ""
    note_params: dict[str, int] = field(default_factory=dict)
    permalink: str = ""
    """A link that opens the message; shown instead of its id when it is a web link."""


def why(say: Say, reason: str) -> str:
    return say(f"moderation.why.{reason}")


def _notice(
    say: Say,
    what: str,
    *,
    name: str,
    channel: str,
    reason: str,
    rule: HouseRuleText | None,
    **params: object,
) -> str:
    """A note to an author: what happened (`moderation.<what>`), the house rule it touches,
    and a kind sentence (`moderation.<what>_kind`)."""
    lines = [say(f"moderation.{what}", name=name, channel=channel, why=why(say, reason), **params)]
    if rule is not None:
        lines.append(
            say("moderation.reminder_rule", number=rule.number, title=rule.title, text=rule.text)
        )
    lines.append(say(f"moderation.{what}_kind"))
    return "\n".join(lines)


def reminder(say: Say, *, name: str, channel: str, reason: str, rule: HouseRuleText | None) -> str:
    """The moderation prompt: what happened, the house rule it touches, and a kind sentence."""
    return _notice(say, "reminder", name=name, channel=channel, reason=reason, rule=rule)


def removal(say: Say, *, name: str, channel: str, reason: str, rule: HouseRuleText | None) -> str:
    """Why a member's message was removed: the author is always told."""
    return _notice(say, "removed", name=name, channel=channel, reason=reason, rule=rule)


def muting(
    say: Say,
    *,
    name: str,
    channel: str,
    reason: str,
    rule: HouseRuleText | None,
    minutes: int,
) -> str:
    """Why the author cannot write in the community's channels for a while, and for how long;
    `channel` is where the message was."""
    return _notice(
        say, "muted", name=name, channel=channel, reason=reason, rule=rule, minutes=minutes
    )


def queue_text(say: Say, case: CaseView) -> str:
    level = say(f"moderation.priority.{priority(case.reporters)}")
    lines = [say("moderation.queue_title", priority=level)]
    if case.rule_id:
        reason = case.reason
        if case.house_rule is not None:
            lines.append(
                say(
                    "moderation.queue_rule",
                    rule=case.rule_id,
                    reason=reason,
                    number=case.house_rule.number,
                    title=case.house_rule.title,
                )
            )
        else:
            lines.append(say("moderation.queue_rule_plain", rule=case.rule_id, reason=reason))
    lines.append(_where(say, case))
    if case.excerpt:
        lines.append(say("moderation.queue_excerpt", excerpt=defuse(case.excerpt)))
    else:
        lines.append(say("moderation.queue_excerpt_gone"))
    if case.reporters:
        key = "moderation.queue_reports" + ("_one" if case.reporters == 1 else "")
        lines.append(say(key, count=case.reporters))
    if case.note:
        lines.append(say(f"moderation.note.{case.note}", **case.note_params))
    return "\n".join(lines)


def _where(say: Say, case: CaseView) -> str:
    """Who wrote it and where, with a link to the message where the platform gave one."""
    linked = case.permalink.startswith(("https://", "http://"))
    key = "moderation.queue_where" + ("" if case.author_name else "_unknown")
    return say(
        key + ("_link" if linked else ""),
        author=case.author_name,
        channel=case.channel,
        message=case.permalink or case.message_id,
        link=case.permalink,
    )


def queue_prompt(
    say: Say, case: CaseView, *, prompt_id: str, can_kick: bool, mute_minutes: int | None
) -> Message:
    """The queue item with its one-click actions (Mute and Kick only where the platform can:
    `mute_minutes` is None where it cannot mute; Remind, Mute and Kick only when Porch knows
    the author)."""
    ids = [DISMISS]
    if case.author_name:
        ids.append(REMIND)
    ids.append(REMOVE)
    if case.author_name and mute_minutes is not None:
        ids.append(MUTE)
    if case.author_name and can_kick:
        ids.append(KICK)
    choices = tuple(
        Choice(
            id=i,
            label=say(f"moderation.choice.{i}", minutes=mute_minutes),
            style="danger" if i in (REMOVE, MUTE, KICK) else "default",
        )
        for i in ids
    )
    return Message(text=queue_text(say, case), choices=choices, prompt_id=prompt_id)


def closed_queue_item(say: Say, case: CaseView, outcome: str) -> Message:
    """The queue item after a moderator acted: the same facts, the outcome, no buttons."""
    return Message(text=f"{queue_text(say, case)}\n{outcome}")
