"""Crisis mode: whether a community is in it, and how it tightens the rules.

`crisis_on(session, community)` is the accessor other features call (rituals and nudges pause
while it is on). A feature that holds work back during a crisis is a `CrisisListener`: crisis
off calls its `crisis_over(ctx)` in the same transaction, so held work need not wait for a
recheck. `tighten` is pure: it derives the crisis rules from a playbook's rules once,
and the moderation feature caches the result per playbook.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from sqlmodel import Session

from bot.features.moderation.rules import (
    AnyLeafRule,
    FloodRule,
    NewMemberRule,
    Rule,
    RuleSet,
    check_rule_ids,
)
from bot.features.moderation.settings import CrisisSettings
from bot.store.moderation import crisis_state

if TYPE_CHECKING:
    from bot.features.base import Context

CRISIS_FLOOD_ID = "crisis-flood"


@runtime_checkable
class CrisisListener(Protocol):
    """A feature told when its community's crisis mode is switched off."""

    def crisis_over(self, ctx: Context) -> None: ...


def crisis_on(session: Session, community: str) -> bool:
    """Is `community` (its configuration id) in crisis mode now?"""
    state = crisis_state(session, community)
    return state is not None and state.on


def tighten(rules: Sequence[Rule], crisis: CrisisSettings) -> RuleSet:
    """The rules in force during a crisis.

    Every flood rule allows at most `crisis.flood_max_messages` within at least
    `crisis.flood_window_seconds`; members count as new for at least `crisis.new_member_days`.
    Without a flood rule, one (remind, enforced) is added. Modes and responses stay as they are.
    """
    tightened: list[Rule] = []
    has_flood = False
    for rule in rules:
        if isinstance(rule, NewMemberRule):
            inner = tuple(_tighter(r, crisis) for r in rule.rules)
            tightened.append(
                rule.model_copy(
                    update={"days": max(rule.days, crisis.new_member_days), "rules": inner}
                )
            )
        else:
            has_flood = has_flood or isinstance(rule, FloodRule)
            tightened.append(_tighter(rule, crisis))
    if not has_flood:
        tightened.append(
            FloodRule(
                id=CRISIS_FLOOD_ID,
                max_messages=crisis.flood_max_messages,
                window_seconds=crisis.flood_window_seconds,
            )
        )
    return check_rule_ids(tuple(tightened))


def _tighter(rule: AnyLeafRule, crisis: CrisisSettings) -> AnyLeafRule:
    if not isinstance(rule, FloodRule):
        return rule
    return rule.model_copy(
        update={
            "max_messages": min(rule.max_messages, crisis.flood_max_messages),
            "window_seconds": max(rule.window_seconds, crisis.flood_window_seconds),
        }
    )
