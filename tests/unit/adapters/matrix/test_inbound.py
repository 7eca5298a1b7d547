"""Normalizing Matrix events, tested with payloads recorded from Synapse 1.163 (`recorded_sync.json`).

The recording: carol joins a public room, changes her display name, writes a text, a notice, an
emote and a command, edits her text, replies to it, answers in its thread, reacts with a keycap
(once as `1️⃣`, once without the emoji selector as some clients send it), the bot says something,
carol redacts her reaction and mo redacts her message; then she leaves, rejoins, is kicked by mo,
rejoins and is banned. Last, mo invites the bot to a direct chat.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.matrix.inbound import (
    InboundRules,
    RoomView,
    normalize_emoji,
    parse_command,
    strip_reply_fallback,
    to_event,
)
from bot.core.events import (
    CommandInvoked,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)

RECORDING = json.loads((Path(__file__).parent / "recorded_sync.json").read_text(encoding="utf-8"))
ROOM: str = RECORDING["room_id"]
BOT: str = RECORDING["bot"]
CAROL: str = RECORDING["carol"]
MO: str = RECORDING["mo"]
TIMELINE: list[dict[str, Any]] = RECORDING["timeline"]
RULES = InboundRules(own_user_id=BOT, command_prefix="!", command_roots=("porch", "ama"))
VIEW = RoomView(room_id=ROOM, display_names={CAROL: "Carol C"})


def recorded(kind: str, index: int = 0, **content: Any) -> dict[str, Any]:
    """The `index`-th recorded event of `kind` whose content has these values."""
    found = [
        e
        for e in TIMELINE
        if e["type"] == kind and all(e["content"].get(k) == v for k, v in content.items())
    ]
    return found[index]


def by_body(body: str) -> dict[str, Any]:
    return next(e for e in TIMELINE if e["content"].get("body") == body)


def test_a_join_becomes_member_joined_with_the_display_name() -> None:
    event = to_event(recorded("m.room.member", 2, membership="join"), VIEW, RULES)
    assert isinstance(event, MemberJoined)
    assert (event.member, event.channel, event.display_name) == (CAROL, ROOM, "Carol C")


def test_a_display_name_change_is_not_a_join() -> None:
    renamed = recorded("m.room.member", 0, displayname="Carol C")
    assert renamed["unsigned"]["prev_content"]["membership"] == "join"
    assert to_event(renamed, VIEW, RULES) is None


def test_leaving_kicking_and_banning_become_member_left_with_the_reason() -> None:
    left = to_event(recorded("m.room.member", 0, membership="leave"), VIEW, RULES)
    kicked = to_event(recorded("m.room.member", 1, membership="leave"), VIEW, RULES)
    banned = to_event(recorded("m.room.member", 0, membership="ban"), VIEW, RULES)
    assert isinstance(left, MemberLeft) and left.reason == "left"
    assert isinstance(kicked, MemberLeft) and kicked.reason == "kicked"
    assert isinstance(banned, MemberLeft) and banned.reason == "banned"
    assert {left.member, kicked.member, banned.member} == {CAROL}


def test_a_text_becomes_message_posted_keyed_by_its_event_id() -> None:
    raw = by_body("Hello **there**")
    event = to_event(raw, VIEW, RULES)
    assert isinstance(event, MessagePosted)
    assert (event.member, event.channel, event.text) == (CAROL, ROOM, "Hello **there**")
    assert event.message_id == event.dedupe_key == raw["event_id"]
    assert event.display_name == "Carol C" and not event.is_direct


def test_a_notice_is_a_message_but_never_a_command() -> None:
    event = to_event(by_body("a notice"), VIEW, RULES)
    assert isinstance(event, MessagePosted) and event.text == "a notice"
    notice = {**by_body("a notice"), "content": {"msgtype": "m.notice", "body": "!porch ping"}}
    assert isinstance(to_event(notice, VIEW, RULES), MessagePosted)


def test_an_emote_reads_as_the_member_doing_it() -> None:
    event = to_event(by_body("waves"), VIEW, RULES)
    assert isinstance(event, MessagePosted) and event.text == "* Carol C waves"


def test_a_command_with_the_prefix_becomes_command_invoked() -> None:
    event = to_event(by_body('!porch help "whoami"'), VIEW, RULES)
    assert isinstance(event, CommandInvoked)
    assert (event.root, event.text, event.channel) == ("porch", 'help "whoami"', ROOM)


def test_an_edit_becomes_message_edited_of_the_original() -> None:
    original = by_body("Hello **there**")
    event = to_event(by_body(" * Hello again"), VIEW, RULES)
    assert isinstance(event, MessageEdited)
    assert (event.message_id, event.text) == (original["event_id"], "Hello again")


def test_a_reply_names_what_it_answers_without_the_quoted_fallback() -> None:
    original = by_body("Hello **there**")
    raw = next(e for e in TIMELINE if e["content"].get("body", "").endswith("A reply"))
    event = to_event(raw, VIEW, RULES)
    assert isinstance(event, MessagePosted)
    assert (event.text, event.reply_to, event.thread_id) == ("A reply", original["event_id"], None)


def test_a_message_in_a_thread_carries_the_thread_root() -> None:
    original = by_body("Hello **there**")
    event = to_event(by_body("In a thread"), VIEW, RULES)
    assert isinstance(event, MessagePosted)
    assert (event.thread_id, event.reply_to) == (original["event_id"], None)


def test_a_reaction_names_the_message_and_normalizes_a_bare_keycap() -> None:
    original = by_body("Hello **there**")
    emojis = []
    for index in (0, 1):
        event = to_event(recorded("m.reaction", index), VIEW, RULES)
        assert isinstance(event, ReactionAdded) and event.message_id == original["event_id"]
        emojis.append(event.emoji)
    assert emojis == ["1️⃣", "1️⃣"]


def test_a_redaction_becomes_message_deleted() -> None:
    original = by_body("Hello **there**")
    event = to_event(recorded("m.room.redaction", 0, reason="spam"), VIEW, RULES)
    assert isinstance(event, MessageDeleted) and event.message_id == original["event_id"]


def test_redacting_a_known_reaction_becomes_reaction_removed() -> None:
    reaction = recorded("m.reaction", 0)
    relation = reaction["content"]["m.relates_to"]
    view = RoomView(room_id=ROOM, reactions={reaction["event_id"]: (relation["event_id"], "1️⃣")})
    event = to_event(recorded("m.room.redaction", 0, reason="oops"), view, RULES)
    assert isinstance(event, ReactionRemoved)
    assert (event.message_id, event.emoji) == (relation["event_id"], "1️⃣")


def test_its_own_events_are_dropped() -> None:
    assert to_event(by_body("the bot itself"), VIEW, RULES) is None


def test_its_own_membership_is_dropped_but_a_kick_it_did_is_reported() -> None:
    kick = recorded("m.room.member", 1, membership="leave")
    own_join = {**recorded("m.room.member", 2, membership="join"), "sender": BOT, "state_key": BOT}
    assert to_event(own_join, VIEW, RULES) is None
    kicked_by_porch = to_event({**kick, "sender": BOT}, VIEW, RULES)
    assert isinstance(kicked_by_porch, MemberLeft) and kicked_by_porch.reason == "kicked"


def test_events_from_before_start_are_dropped() -> None:
    raw = by_body("Hello **there**")
    later = InboundRules(own_user_id=BOT, not_before_ms=raw["origin_server_ts"] + 1)
    assert to_event(raw, VIEW, later) is None


def test_a_message_in_a_direct_room_is_direct() -> None:
    direct = RoomView(room_id=RECORDING["dm_room"], is_direct=True)
    event = to_event(by_body("Hello **there**"), direct, RULES)
    assert isinstance(event, MessagePosted) and event.is_direct


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"type": "m.room.message", "sender": "@x:y", "event_id": "$1", "content": "nonsense"},
        {"type": "m.room.message", "sender": "@x:y", "event_id": "$1", "content": {"body": 3}},
        {"type": "m.room.message", "sender": "@x:y", "event_id": "$1", "content": {}},
        {"type": "m.reaction", "sender": "@x:y", "event_id": "$1", "content": {}},
        {"type": "m.room.encrypted", "sender": "@x:y", "event_id": "$1", "content": {}},
    ],
)
def test_malformed_or_unknown_events_become_none(raw: dict[str, Any]) -> None:
    assert to_event(raw, VIEW, RULES) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!porch ping", ("porch", "ping")),
        ("!AMA start  Roadmap ", ("ama", "start  Roadmap")),
        ("!porch", ("porch", "")),
        ("!porchy ping", None),
        ("porch ping", None),
        ("!other thing", None),
    ],
)
def test_commands_need_the_prefix_and_a_known_root(
    text: str, expected: tuple[str, str] | None
) -> None:
    assert parse_command(text, RULES) == expected


def test_a_custom_prefix_is_honoured() -> None:
    rules = InboundRules(own_user_id=BOT, command_prefix="porch:", command_roots=("porch",))
    assert parse_command("porch:porch whoami", rules) == ("porch", "whoami")


def test_a_reply_fallback_is_stripped_but_a_plain_quote_kept() -> None:
    assert strip_reply_fallback("> <@a:b> hi\n> more\n\nmy answer") == "my answer"
    assert strip_reply_fallback("no quote") == "no quote"


def test_keycaps_get_their_emoji_selector() -> None:
    assert normalize_emoji("3\u20e3") == "3️⃣"
    assert normalize_emoji("👍") == "👍"
