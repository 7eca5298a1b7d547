"""The pure parts of moderation: decisions, crisis tightening, texts, bounded memory, the log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import TypeAdapter

from bot.core.ids import MemberId
from bot.features.moderation.crisis import CRISIS_FLOOD_ID, tighten
from bot.features.moderation.decide import Decision, Facts, decide, priority, strongest
from bot.features.moderation.history import MemberHistory
from bot.features.moderation.memory import Bounded
from bot.features.moderation.modlog import chat_fields, csv_text, table_text
from bot.features.moderation.render import (
    CaseView,
    HouseRuleText,
    queue_prompt,
    queue_text,
    reminder,
)
from bot.features.moderation.rules import (
    Breach,
    FloodRule,
    MessageFacts,
    NewMemberRule,
    RuleList,
    evaluate,
    history_policy,
)
from bot.features.moderation.settings import Caps, CrisisSettings, Escalation
from bot.i18n.catalogue import Catalogue
from bot.store.models import AuditEntry
from bot.testing.builders import T0


def breach(
    respond: tuple[str, ...] = ("remind",), mode: str = "enforce", rule: str = "r"
) -> Breach:
    return Breach(
        rule_id=rule,
        kind="keywords",
        mode=mode,  # type: ignore[arg-type]
        house_rule=1,
        reason="keyword",
        detail="idiot",
        span=(0, 5),
        excerpt="idiot",
        respond=respond,  # type: ignore[arg-type]
    )


CALM = Facts(recent_reminders=0, removals_this_hour=0, can_remove=True)


def test_a_dry_run_breach_does_nothing_and_says_what_it_would_have_done() -> None:
    decision = decide(breach(("remove",), mode="dry_run"), CALM, Escalation(), Caps())
    assert (decision.responses, decision.would_have) == ((), ("remove",))


def test_a_reminder_is_sent_while_the_member_has_few_reminders() -> None:
    facts = Facts(recent_reminders=2, removals_this_hour=0, can_remove=True)
    assert decide(breach(), facts, Escalation(), Caps()).responses == ("remind",)


def test_the_reminder_after_three_in_the_window_becomes_a_queue_item() -> None:
    facts = Facts(recent_reminders=3, removals_this_hour=0, can_remove=True)
    decision = decide(breach(), facts, Escalation(reminders=3), Caps())
    assert (decision.responses, decision.note) == (("queue",), "escalated")


def test_a_removal_beyond_the_hourly_cap_is_queued_instead() -> None:
    facts = Facts(recent_reminders=0, removals_this_hour=5, can_remove=True)
    decision = decide(breach(("remove",)), facts, Escalation(), Caps(removals_per_hour=5))
    assert (decision.responses, decision.note) == (("queue",), "capped")


def test_a_removal_porch_may_not_make_is_queued_and_says_why() -> None:
    facts = Facts(recent_reminders=0, removals_this_hour=0, can_remove=False)
    decision = decide(breach(("remove",)), facts, Escalation(), Caps())
    assert (decision.responses, decision.note) == (("queue",), "no_permission")


def test_a_removal_within_the_cap_happens() -> None:
    decision = decide(breach(("remove", "queue")), CALM, Escalation(), Caps())
    assert (decision.responses, decision.note) == (("remove", "queue"), "")


def test_the_strongest_decision_wins_and_dry_runs_never_act() -> None:
    remind = Decision(breach(rule="a"), ("remind",))
    remove = Decision(breach(rule="b"), ("remove",))
    dry = Decision(breach(rule="c", mode="dry_run"), (), would_have=("remove",))
    assert strongest([remind, remove, dry]) is remove
    assert strongest([dry]) is None


@pytest.mark.parametrize(
    ("reporters", "level"), [(0, "normal"), (1, "normal"), (2, "raised"), (3, "high"), (9, "high")]
)
def test_priority_rises_with_distinct_reporters(reporters: int, level: str) -> None:
    assert priority(reporters) == level


RULES = TypeAdapter(RuleList)


def test_crisis_tightens_flood_rules_and_lengthens_new_membership() -> None:
    rules = RULES.validate_python(
        [
            {"id": "flood", "kind": "flood", "max_messages": 6, "window_seconds": 10},
            {
                "id": "new",
                "kind": "new_member",
                "days": 7,
                "rules": [{"id": "flood", "kind": "flood", "max_messages": 4}],
            },
        ]
    )
    tight = tighten(
        rules, CrisisSettings(flood_max_messages=3, flood_window_seconds=30, new_member_days=30)
    )
    flood, new = tight
    assert isinstance(flood, FloodRule) and (flood.max_messages, flood.window_seconds) == (3, 30)
    assert isinstance(new, NewMemberRule) and new.days == 30
    assert isinstance(new.rules[0], FloodRule) and new.rules[0].max_messages == 3
    history = MemberHistory(MemberId("a"))
    facts = MessageFacts(member=MemberId("a"), text="hi")
    for _ in range(3):
        history = history.record(
            T0,
            "hi",
            history_policy(tight),
        )
    assert [b.rule_id for b in evaluate(tight, facts, history, T0)] == ["flood"]
    assert evaluate(rules, facts, history, T0) == []


def test_crisis_adds_a_flood_rule_where_there_was_none() -> None:
    tight = tighten(RULES.validate_python([]), CrisisSettings())
    assert [r.id for r in tight] == [CRISIS_FLOOD_ID]


CATALOGUE = Catalogue.load()


def say_in(locale: str):  # type: ignore[no-untyped-def]
    return lambda key, **params: CATALOGUE.text(key, locale, **params)


def test_the_reminder_quotes_the_house_rule_in_the_members_language() -> None:
    rule = HouseRuleText(1, "Sei freundlich", "Geh von Gutem aus.")
    text = reminder(say_in("de"), name="Jonas", channel="#allgemein", reason="keyword", rule=rule)
    assert "Hausregel 1, **Sei freundlich**: Geh von Gutem aus." in text
    assert text.startswith("Hallo Jonas")


def test_a_queue_item_defuses_mass_mentions_and_offers_kick_only_where_possible() -> None:
    case = CaseView("spam", "keyword", "#general", "m1", "alice", "@channel buy now")
    with_kick = queue_prompt(say_in("en"), case, prompt_id="p", can_kick=True, mute_minutes=None)
    without = queue_prompt(say_in("en"), case, prompt_id="p", can_kick=False, mute_minutes=None)
    assert "@channel" not in with_kick.text
    assert [c.id for c in with_kick.choices] == ["dismiss", "remind", "remove", "kick"]
    assert [c.id for c in without.choices] == ["dismiss", "remind", "remove"]


def test_a_queue_item_offers_mute_for_the_configured_minutes_where_the_platform_can() -> None:
    case = CaseView("spam", "keyword", "#general", "m1", "alice", "buy now")
    message = queue_prompt(say_in("de"), case, prompt_id="p", can_kick=False, mute_minutes=20)
    assert [(c.id, c.label) for c in message.choices][-1] == (
        "mute",
        "Für 20 Minuten stummschalten",
    )


def test_a_queue_item_links_to_the_message_instead_of_naming_its_id() -> None:
    link = "https://acme.slack.com/archives/C1/p1700000000000100"
    case = CaseView(
        "spam", "keyword", "#general", "1700000000.000100", "alice", "buy", permalink=link
    )
    text = queue_prompt(say_in("en"), case, prompt_id="p", can_kick=False, mute_minutes=None).text
    assert f"By **alice** in #general: [open the message]({link})" in text
    assert "1700000000.000100" not in text
    unknown = CaseView("", "report", "#general", "x", None, None, permalink=link)
    assert f"In #general: [Nachricht öffnen]({link}); wer" in queue_text(say_in("de"), unknown)


def test_a_queue_item_for_an_unknown_author_offers_no_remind_mute_or_kick() -> None:
    case = CaseView("", "report", "#general", "m1", None, None, reporters=2)
    message = queue_prompt(say_in("en"), case, prompt_id="p", can_kick=True, mute_minutes=60)
    assert [c.id for c in message.choices] == ["dismiss", "remove"]
    assert "priority: raised" in message.text and "expired" in message.text


def test_a_queue_item_counts_reporters_in_singular_and_plural() -> None:
    def reports(locale: str, count: int) -> str:
        case = CaseView("", "report", "#general", "m1", "bob", "hm", reporters=count)
        return queue_text(say_in(locale), case).splitlines()[-1]

    assert (reports("en", 1), reports("en", 3)) == (
        "🚩 Reported by 1 member",
        "🚩 Reported by 3 members",
    )
    assert (reports("de", 1), reports("de", 2)) == (
        "🚩 Gemeldet von 1 Mitglied",
        "🚩 Gemeldet von 2 Mitgliedern",
    )


def test_every_moderation_text_exists_in_english_and_german_with_the_same_placeholders() -> None:
    english = {k for k in CATALOGUE.keys("en") if k.startswith("moderation.")}
    german = {k for k in CATALOGUE.keys("de") if k.startswith("moderation.")}
    assert english == german
    assert len(english) > 40


def test_the_bounded_map_forgets_the_least_recently_used() -> None:
    seen: Bounded[str, int] = Bounded(2)
    seen.put("a", 1)
    seen.put("b", 2)
    assert seen.get("a") == 1
    seen.put("c", 3)
    assert (seen.get("a"), seen.get("b"), seen.get("c"), len(seen)) == (1, None, 3, 2)


def entry(action: str, actor: str, **detail: object) -> AuditEntry:
    return AuditEntry(
        id=1, at=T0, community="demo", actor=actor, action=action, subject="alice", detail=detail
    )


def test_the_chat_log_shows_a_reporter_as_a_member() -> None:
    fields = chat_fields(entry("moderation.reported", "carol"), "a member")
    assert fields["actor"] == "a member"
    assert chat_fields(entry("moderation.removed", "mo", rule="spam"), "x")["rule"] == " · spam"


def test_the_csv_log_has_every_detail_oldest_first() -> None:
    later = entry("moderation.removed", "mo", rule="spam")
    later.at = T0 + timedelta(hours=1)
    text = csv_text([later, entry("moderation.reported", "carol")])
    lines = text.splitlines()
    assert lines[0] == "at,community,actor,action,subject,rule,detail"
    assert lines[1].startswith("2026-01-05T08:00:00+00:00,demo,carol,reported")
    assert "spam" in lines[2]
    assert table_text([later]).splitlines()[1].split() == [
        "2026-01-05",
        "09:00",
        "demo",
        "mo",
        "removed",
        "alice",
        "spam",
    ]
