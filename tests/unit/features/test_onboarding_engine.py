"""The runner's decisions, step by step, without a database."""

from __future__ import annotations

from datetime import timedelta

from bot.core.roles import Role
from bot.features.onboarding.buddies import BuddyPool
from bot.features.onboarding.engine import (
    Ask,
    BuddyAssigned,
    Dm,
    InviteTo,
    PostIn,
    RulesAccepted,
    State,
    Timer,
)
from bot.testing import builders
from bot.testing.builders import T0
from tests.unit.features.onboarding_kit import FakePeople, again, playbook, runner, started

WELCOME = playbook(
    """
steps:
  - id: welcome
    do: ask
    text: {en: "Hi {{ member.name }}, welcome to {{ community.name }}!", de: "Hallo {{ member.name }}!"}
    choices:
      - {id: learn, label: Learn}
      - id: share
        label: Share
        then:
          - {do: message, text: "Thank you for sharing."}
  - do: message
    text: "Next: {{ answers.welcome }}"
"""
)


def _kinds(effects: list[object]) -> list[str]:
    return [type(e).__name__ for e in effects]


def test_a_journey_starts_by_asking_its_first_question_and_waits() -> None:
    r = started(WELCOME)
    assert _kinds(r.effects) == ["Ask"]
    ask = r.effects[0]
    assert isinstance(ask, Ask)
    assert ask.message.text == "Hi Alice, welcome to Porch demo!"
    assert [c.id for c in ask.message.choices] == ["learn", "share"]
    assert (r.state.step, r.state.waiting) == ("welcome", "answer")


def test_texts_come_in_the_members_language_with_english_for_a_missing_one() -> None:
    r = started(WELCOME, locale="de")
    assert r.effects[0].message.text == "Hallo Alice!"  # type: ignore[attr-defined]
    other = playbook("steps: [{do: message, text: {en: Hello, de: Hallo}}]")
    assert started(other, locale="fr").effects[0].message.text == "Hello"  # type: ignore[attr-defined]


def test_a_pick_runs_that_choices_branch_then_goes_on_after_the_question() -> None:
    r = again(started(WELCOME))
    assert r.answer("share", None)
    assert [e.message.text for e in r.effects if isinstance(e, Dm)] == [
        "Thank you for sharing.",
        "Next: Share",
    ]
    assert r.state.answers == {"welcome": "share"}
    assert r.state.ended == "completed"


def test_a_pick_that_is_not_a_choice_asks_again_with_a_new_attempt() -> None:
    r = again(started(WELCOME))
    r.answer("dance", None)
    assert _kinds(r.effects) == ["Ask"]
    assert r.effects[0].attempt == 1
    assert r.state.waiting == "answer"


def test_an_answer_when_nothing_is_asked_is_refused() -> None:
    book = playbook("steps: [{do: wait, for: 1d}]")
    assert not again(started(book)).answer("x", None)


INTRO = playbook(
    """
steps:
  - {id: intro, do: ask_text, text: "Introduce yourself", min_length: 10, max_length: 40}
  - {do: post_intro, answer: intro}
"""
)


def test_a_too_short_introduction_is_asked_for_again_saying_how_long_it_should_be() -> None:
    r = again(started(INTRO))
    r.answer(None, "Hi")
    ask = r.effects[0]
    assert isinstance(ask, Ask) and ask.attempt == 1 and ask.message.expects_text
    assert ask.message.text.startswith(
        "That's a bit short (2 characters). Could you write at least 10?"
    )
    assert ask.message.text.endswith("Introduce yourself")


def test_a_too_long_introduction_is_asked_for_again() -> None:
    r = again(started(INTRO))
    r.answer(None, "x" * 41)
    assert "under 40" in r.effects[0].message.text  # type: ignore[attr-defined]


def test_an_introduction_is_posted_to_the_intro_channel_without_pinging_everyone() -> None:
    r = again(started(INTRO))
    r.answer(None, "I'm Alice. @channel hello!")
    post = r.effects[0]
    assert isinstance(post, PostIn) and post.channel == "#introductions"
    assert post.message.text == "Please welcome **Alice**! 👋\n> I'm Alice. @\u2060channel hello!"


def test_when_the_journey_ends_the_members_own_words_are_forgotten() -> None:
    r = again(started(INTRO))
    r.answer(None, "I'm Alice, I build dashboards.")
    assert r.state.ended == "completed"
    assert r.state.answers == {}


RULES_BOOK = playbook("steps: [{do: accept_rules}, {do: message, text: done}]")


def test_house_rules_are_shown_numbered_with_one_button_to_accept() -> None:
    ask = started(RULES_BOOK).effects[0]
    assert isinstance(ask, Ask)
    assert "1. **Be kind**: Assume good intent." in ask.message.text
    assert "2. **Stay on topic**: Threads for side talk." in ask.message.text
    assert [(c.id, c.label) for c in ask.message.choices] == [("accept", "I agree")]


def test_accepting_the_rules_records_their_version() -> None:
    r = again(started(RULES_BOOK))
    r.answer("accept", None)
    assert RulesAccepted("accept_rules-0", 0, "rules", "house-rules", "2") in r.effects


def test_without_house_rules_the_rules_step_is_skipped() -> None:
    r = started(RULES_BOOK, rules=None)
    assert _kinds(r.effects) == ["Dm"]


INTERESTS = playbook(
    """
interests:
  - {id: help, label: Help, channel: "#help"}
  - {id: events, label: Events, channel: {memory: "#events", slack: C1}}
steps:
  - {id: picks, do: pick_interests, text: "Pick some"}
"""
)


def test_interests_are_offered_as_several_choices_with_a_way_out() -> None:
    ask = started(INTERESTS).effects[0]
    assert isinstance(ask, Ask) and ask.message.multiple
    assert [c.id for c in ask.message.choices] == ["help", "events", "none"]


def test_picked_interests_invite_the_member_to_their_channels() -> None:
    r = again(started(INTERESTS))
    r.answer("help,events", None)
    invites = [e.channel for e in r.effects if isinstance(e, InviteTo)]
    assert invites == ["#help", "#events"]
    assert r.effects[-1].message.text == "Done! I've added you to #help and #events."  # type: ignore[attr-defined]
    assert r.state.answers["picks"] == ["help", "events"]


def test_picking_none_invites_nobody_and_says_so_kindly() -> None:
    r = again(started(INTERESTS))
    r.answer("none", None)
    assert _kinds(r.effects) == ["Dm"]
    assert "join any channel later" in r.effects[0].message.text  # type: ignore[attr-defined]


CHECKLIST = playbook(
    """
steps:
  - id: list
    do: checklist
    text: Your list
    items: [{id: a, label: Laptop}, {id: b, label: Handbook}, {id: c, label: "Meet {{ manager.name }}"}]
"""
)


def test_a_partly_ticked_checklist_comes_back_with_the_rest() -> None:
    r = again(started(CHECKLIST))
    r.answer("a,c", None)
    ask = r.effects[0]
    assert isinstance(ask, Ask) and ask.attempt == 1
    assert [c.label for c in ask.message.choices] == ["Handbook"]
    assert "✅ Laptop" in ask.message.text and "✅ Meet Dana" in ask.message.text


def test_a_fully_ticked_checklist_says_well_done_and_goes_on() -> None:
    r = again(started(CHECKLIST))
    r.answer("a,c", None)
    r = again(r)
    r.answer("b", None)
    assert r.effects[-1].message.text == "That's everything on the list. Well done! ✅"  # type: ignore[attr-defined]
    assert r.state.ended == "completed"


WAITING = playbook(
    """
steps:
  - {id: pause, do: wait, for: 3d}
  - {do: message, text: "Day three"}
"""
)


def test_a_wait_sets_a_timer_and_the_timer_moves_the_journey_on() -> None:
    r = started(WAITING)
    assert r.effects == [Timer("pause", 0, "wait", T0 + timedelta(days=3), "wait")]
    r = again(r, now=T0 + timedelta(days=3))
    assert r.timer("pause", 0, "wait")
    assert r.effects[0].message.text == "Day three"  # type: ignore[attr-defined]


def test_a_timer_for_a_step_the_journey_has_left_does_nothing() -> None:
    r = again(started(WAITING))
    assert not r.timer("pause", 1, "wait")
    assert not r.timer("elsewhere", 0, "wait")
    assert r.effects == []


def test_a_wait_until_the_next_working_morning_uses_the_communitys_hours() -> None:
    book = playbook("steps: [{do: wait, for: 1d, until: next_working_morning}]")
    friday_evening = T0 + timedelta(days=4, hours=10)  # Fri 19:00 Berlin
    timer = started(book, now=friday_evening).effects[0]
    assert isinstance(timer, Timer)
    assert timer.due.isoformat() == "2026-01-12T08:00:00+00:00"  # Mon 09:00 Berlin


CONDITIONS = playbook(
    """
steps:
  - {id: mood, do: ask, text: "How?", choices: [{id: good, label: Good}, {id: bad, label: Bad}]}
  - do: if
    posted: false
    then: [{do: message, text: "Ask a first question"}]
  - do: if
    has_role: moderator
    then: [{do: message, text: "Hello moderator"}]
  - do: if
    answered: mood
    choice: bad
    then: [{do: message, text: "Sorry"}]
    else: [{do: message, text: "Great"}]
"""
)


def _texts_after_answer(answer: str, **kw: object) -> list[str]:
    r = again(started(CONDITIONS, **kw), **kw)  # type: ignore[arg-type]
    r.answer(answer, None)
    return [e.message.text for e in r.effects if isinstance(e, Dm)]


def test_the_first_question_prompt_comes_only_to_members_who_have_not_posted() -> None:
    assert _texts_after_answer("good", posted=False) == ["Ask a first question", "Great"]
    assert _texts_after_answer("good", posted=True) == ["Great"]


def test_a_branch_on_a_role_and_on_an_answer() -> None:
    moderator = FakePeople(member_roles=frozenset({Role.MANAGER}))
    assert _texts_after_answer("bad", posted=True, people=moderator) == ["Hello moderator", "Sorry"]


def test_notifying_moderators_posts_in_their_channel_and_managers_get_a_dm_each() -> None:
    book = playbook(
        """
steps:
  - {do: notify, who: moderators, text: "{{ member.name }} joined"}
  - {do: notify, who: managers, text: "{{ member.name }} joined"}
"""
    )
    people = FakePeople(manager_ids=["dana", "lee"], locales={"lee": "de"})
    effects = started(book, people=people).effects
    assert isinstance(effects[0], PostIn) and effects[0].channel == "#moderators"
    assert [(e.to, e.part) for e in effects[1:] if isinstance(e, Dm)] == [
        ("dana", "notify:dana"),
        ("lee", "notify:lee"),
    ]


def test_without_a_moderators_channel_moderators_are_told_one_by_one() -> None:
    book = playbook("steps: [{do: notify, who: moderators, text: hi}]")
    community = builders.community(moderators_channel="")
    effects = started(
        book, community=community, people=FakePeople(moderator_ids=["mo", "max"])
    ).effects
    assert [e.to for e in effects if isinstance(e, Dm)] == ["mo", "max"]


BUDDY = playbook(
    """
steps:
  - {do: assign_buddy, capacity: 2}
  - {do: message, text: "{% if buddy %}Buddy: {{ buddy.name }}{% else %}No buddy{% endif %}"}
"""
)


def test_a_buddy_is_assigned_round_robin_and_both_sides_are_told() -> None:
    people = FakePeople(pool=BuddyPool(("bob", "carol"), {"bob": 1}, last="bob"))
    r = started(BUDDY, people=people)
    assert BuddyAssigned("assign_buddy-0", 0, "buddy", "carol") in r.effects
    dms = [(e.to, e.message.text) for e in r.effects if isinstance(e, Dm)]
    assert dms[0][0] == "alice" and "**Carol**" in dms[0][1]
    assert dms[1][0] == "carol" and "**Alice** just joined" in dms[1][1]
    assert dms[2] == ("alice", "Buddy: Carol")


def test_when_no_buddy_has_room_the_managers_hear_of_it_and_the_journey_goes_on() -> None:
    people = FakePeople(pool=BuddyPool(("bob",), {"bob": 2}))
    r = started(BUDDY, people=people)
    dms = [(e.to, e.message.text) for e in r.effects if isinstance(e, Dm)]
    assert dms[0][0] == "dana" and "No buddy is free for **Alice**" in dms[0][1]
    assert dms[1] == ("alice", "No buddy")


def test_an_end_step_finishes_the_journey_at_once() -> None:
    book = playbook("steps: [{do: end, text: Bye}, ]")
    r = started(book)
    assert r.state.ended == "completed" and r.effects[0].message.text == "Bye"  # type: ignore[attr-defined]


def test_a_paused_journey_records_a_finished_wait_but_runs_nothing_until_the_member_is_back() -> (
    None
):
    r = started(WAITING)
    away = State(step=r.state.step, waiting="timer", paused=True)
    r = runner(WAITING, away, now=T0 + timedelta(days=3))
    assert r.timer("pause", 0, "wait")
    assert r.effects == [] and r.state.waiting == "" and r.state.step == "message-1"
    back = again(r)
    back.resume()
    assert back.effects[0].message.text == "Day three"  # type: ignore[attr-defined]


def test_a_member_who_comes_back_to_an_open_question_is_welcomed_back_and_asked_again() -> None:
    r = started(WELCOME)
    r = again(r)
    r.state.paused = True
    r.resume()
    assert _kinds(r.effects) == ["Dm", "Ask"]
    assert r.effects[0].message.text.startswith("Welcome back!")  # type: ignore[attr-defined]
    assert r.effects[1].attempt == 1


def test_a_reminder_comes_once_and_only_while_the_question_is_open() -> None:
    book = playbook("steps: [{id: q, do: ask_text, text: Tell me, remind_after: 2d}]")
    r = started(book)
    assert Timer("q", 0, "remind", T0 + timedelta(days=2), "remind") in r.effects
    waiting = again(r)
    assert waiting.timer("q", 0, "remind")
    assert waiting.effects[0].message.text.startswith("Just a gentle nudge")  # type: ignore[attr-defined]
    answered = again(r)
    answered.answer(None, "All fine")
    assert not again(answered).timer("q", 0, "remind")


def test_a_journey_at_a_step_the_playbook_no_longer_has_fails_with_a_note() -> None:
    r = runner(WAITING, State(step="gone"))
    r.run()
    assert r.state.ended == "failed" and "'gone' is no longer in the playbook" in r.state.note


CHANNEL_MESSAGES = playbook(
    """
steps:
  - {do: message, to: main, text: {en: "{{ member.name }} is here", de: "{{ member.name }} ist da"}}
  - {do: message, to: intro, text: Say hello}
  - {do: message, to: moderators, text: {en: Look out for them, de: Achtet auf sie}}
"""
)


def test_a_channel_message_is_posted_in_the_communitys_language() -> None:
    community = builders.community(locale="de")
    effects = started(CHANNEL_MESSAGES, community=community).effects
    posts = [(e.channel, e.message.text) for e in effects if isinstance(e, PostIn)]
    assert posts == [
        ("#general", "Alice ist da"),
        ("#introductions", "Say hello"),
        ("#moderators", "Achtet auf sie"),
    ]


def test_a_channel_message_without_its_channel_goes_where_people_still_read_it() -> None:
    community = builders.community(intro="", moderators_channel="")
    people = FakePeople(moderator_ids=["mo", "max"], locales={"max": "de"})
    effects = started(CHANNEL_MESSAGES, community=community, people=people).effects
    assert [(e.channel, e.message.text) for e in effects if isinstance(e, PostIn)] == [
        ("#general", "Alice is here"),
        ("#general", "Say hello"),
    ]
    assert [(e.to, e.message.text) for e in effects if isinstance(e, Dm)] == [
        ("mo", "Look out for them"),
        ("max", "Achtet auf sie"),
    ]


OPTIONAL_ANSWER = playbook(
    """
steps:
  - id: mood
    do: ask
    text: How?
    choices:
      - {id: good, label: Good}
      - id: bad
        label: Bad
        then: [{id: why, do: ask_text, text: "Why?"}]
  - do: if
    answered: why
    then: [{do: message, text: "Thanks for telling us"}]
    else: [{do: message, text: "Glad to hear"}]
"""
)


def test_an_if_on_answered_alone_asks_whether_the_member_answered_that_step_at_all() -> None:
    happy = started(OPTIONAL_ANSWER)
    happy.answer("good", None)
    assert [e.message.text for e in happy.effects if isinstance(e, Dm)] == ["Glad to hear"]
    unhappy = started(OPTIONAL_ANSWER)
    unhappy.answer("bad", None)
    unhappy = again(unhappy)
    unhappy.answer("", "The rules are unclear")
    assert [e.message.text for e in unhappy.effects if isinstance(e, Dm)] == [
        "Thanks for telling us"
    ]
