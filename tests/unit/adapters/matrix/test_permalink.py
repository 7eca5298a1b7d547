"""A posted message carries a matrix.to link to it (recorded payloads, as test_inbound uses)."""

from __future__ import annotations

import json
from pathlib import Path

from adapters.matrix.inbound import InboundRules, RoomView, permalink, to_event
from bot.core.events import MessagePosted

RECORDING = json.loads((Path(__file__).parent / "recorded_sync.json").read_text(encoding="utf-8"))


def test_the_link_escapes_the_ids_and_routes_via_the_rooms_server() -> None:
    link = permalink("!room:example.org", "$ev:example.org")
    assert link == "https://matrix.to/#/%21room%3Aexample.org/%24ev%3Aexample.org?via=example.org"


def test_a_recorded_text_message_carries_its_link() -> None:
    room = RECORDING["room_id"]
    rules = InboundRules(
        own_user_id=RECORDING["bot"], command_prefix="!", command_roots=("porch", "ama")
    )
    raw = next(
        e
        for e in RECORDING["timeline"]
        if e["type"] == "m.room.message" and e["content"].get("msgtype") == "m.text"
    )
    event = to_event(raw, RoomView(room_id=room), rules)
    assert isinstance(event, MessagePosted)
    assert event.permalink == permalink(room, raw["event_id"])
    assert event.permalink.startswith("https://matrix.to/#/%21")
