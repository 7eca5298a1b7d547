"""Mute, unmute and unpin on Matrix, decided over the state events' content (no server)."""

from __future__ import annotations

from typing import Any

from adapters.matrix import power
from adapters.matrix.moderation import (
    MUTED_KEY,
    levels_of,
    muted,
    to_change_level_of,
    unmuted,
    unpinned,
)

PORCH = "@porch:hs"


def levels(**users: int) -> dict[str, Any]:
    return {
        "users": {PORCH: 100, **{f"@{u}:hs": level for u, level in users.items()}},
        "events_default": 0,
        "state_default": 50,
        "events": {"m.room.power_levels": 100},
    }


def test_a_mute_sets_the_member_below_events_default_and_remembers_their_level() -> None:
    content = levels(alice=10)
    after = muted(content, "@alice:hs")
    assert after is not None
    assert after["users"]["@alice:hs"] == -1
    assert after[MUTED_KEY] == {"@alice:hs": {"previous": 10, "level": -1}}
    assert content["users"]["@alice:hs"] == 10
    assert levels_of(after).can_user_send_message("@alice:hs") is False


def test_unmute_restores_the_level_from_before_the_mute_and_forgets_the_mark() -> None:
    after = unmuted(muted(levels(alice=10), "@alice:hs") or {}, "@alice:hs")
    assert after is not None
    assert after["users"]["@alice:hs"] == 10
    assert MUTED_KEY not in after


def test_a_member_without_an_entry_of_their_own_gets_none_back() -> None:
    content = levels()
    after = unmuted(muted(content, "@bob:hs") or {}, "@bob:hs")
    assert after is not None
    assert "@bob:hs" not in after["users"]
    assert after["users"] == content["users"]


def test_a_repeated_mute_keeps_the_first_previous_level() -> None:
    once = muted(levels(alice=10), "@alice:hs")
    assert once is not None
    assert muted(once, "@alice:hs") is None
    raised = {**once, "users": {**once["users"], "@alice:hs": 5}}
    again = muted(raised, "@alice:hs")
    assert again is not None
    assert again[MUTED_KEY]["@alice:hs"] == {"previous": 10, "level": -1}


def test_a_member_who_cannot_write_already_is_left_alone_and_unmute_does_nothing() -> None:
    content = {**levels(carol=-5)}
    assert muted(content, "@carol:hs") is None
    assert unmuted(content, "@carol:hs") is None


def test_unmute_leaves_a_level_someone_changed_meanwhile() -> None:
    once = muted(levels(alice=10), "@alice:hs")
    assert once is not None
    changed = {**once, "users": {**once["users"], "@alice:hs": 30}}
    after = unmuted(changed, "@alice:hs")
    assert after is not None
    assert after["users"]["@alice:hs"] == 30
    assert MUTED_KEY not in after


def dropped_record(content: dict[str, Any] | None) -> dict[str, Any]:
    """What a client that rewrote the power levels without Porch's key leaves behind."""
    assert content is not None
    return {k: v for k, v in content.items() if k != MUTED_KEY}


def test_unmute_without_porchs_record_gives_a_muted_member_the_default_level_back() -> None:
    rewritten = dropped_record(muted(levels(alice=10), "@alice:hs"))
    after = unmuted(rewritten, "@alice:hs")
    assert after is not None
    assert "@alice:hs" not in after["users"]
    assert levels_of(after).can_user_send_message("@alice:hs") is True
    assert after["users"][PORCH] == 100


def test_unmute_without_record_where_the_default_cannot_write_gives_events_default() -> None:
    content = {**levels(alice=10), "events_default": 10, "users_default": 0}
    after = unmuted(dropped_record(muted(content, "@alice:hs")), "@alice:hs")
    assert after is not None
    assert after["users"]["@alice:hs"] == 10
    assert levels_of(after).can_user_send_message("@alice:hs") is True


def test_unmute_without_record_leaves_other_levels_below_events_default_alone() -> None:
    assert unmuted(levels(carol=-5), "@carol:hs") is None
    assert unmuted(levels(), "@dave:hs") is None


def test_muting_needs_the_power_levels_level_and_more_power_than_the_member() -> None:
    content = levels(alice=10, mo=50)
    content["users"][PORCH] = 50
    needed = power.shortfall(levels_of(content), PORCH, to_change_level_of("@alice:hs"))
    assert needed == 100
    content["events"] = {}
    assert power.shortfall(levels_of(content), PORCH, to_change_level_of("@alice:hs")) is None
    assert power.shortfall(levels_of(content), PORCH, to_change_level_of("@mo:hs")) == 51


def test_missing_keys_take_the_specs_defaults() -> None:
    found = levels_of({"users": {PORCH: 100}})
    assert found.get_state_event_required_level("m.room.power_levels") == 50
    assert found.get_user_level("@someone:hs") == 0


def test_unpin_takes_only_that_event_off_and_nothing_when_it_was_not_pinned() -> None:
    assert unpinned({"pinned": ["$a", "$b"]}, "$a") == {"pinned": ["$b"]}
    assert unpinned({"pinned": ["$b"]}, "$a") is None
    assert unpinned({}, "$a") is None
