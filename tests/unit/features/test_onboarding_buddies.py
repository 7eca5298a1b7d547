"""Buddies: round robin among volunteers with room, never the newcomer themself."""

from bot.features.onboarding.buddies import BuddyPool, choose_buddy, ids_on


def test_round_robin_goes_on_after_the_buddy_assigned_last() -> None:
    pool = BuddyPool(("bob", "carol", "dave"), last="bob")
    assert choose_buddy(pool, member="alice", capacity=3) == "carol"
    assert (
        choose_buddy(BuddyPool(("bob", "carol", "dave"), last="dave"), member="x", capacity=3)
        == "bob"
    )


def test_a_buddy_at_capacity_is_skipped() -> None:
    pool = BuddyPool(("bob", "carol"), loads={"bob": 3}, last="carol")
    assert choose_buddy(pool, member="alice", capacity=3) == "carol"


def test_a_newcomer_is_never_their_own_buddy() -> None:
    pool = BuddyPool(("bob", "carol"), last="carol")
    assert choose_buddy(pool, member="bob", capacity=3) == "carol"


def test_nobody_is_chosen_when_every_volunteer_is_full_or_the_member() -> None:
    pool = BuddyPool(("bob", "carol"), loads={"carol": 1})
    assert choose_buddy(pool, member="bob", capacity=1) is None
    assert choose_buddy(BuddyPool(()), member="bob", capacity=1) is None


def test_configuration_entries_become_member_ids_of_one_platform() -> None:
    entries = ["dana", "slack:U01", "matrix:@mo:example.org", "slack:U01"]
    assert ids_on(entries, "slack") == ["dana", "U01"]
    assert ids_on(entries, "matrix") == ["dana", "@mo:example.org"]
