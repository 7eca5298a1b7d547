"""What rituals do: check-ins (caps, opt-outs, working hours), pairings, digests, celebrations."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from bot.app import default_features
from bot.features.base import Context, Feature
from bot.testing.builders import command, joined, said
from tests.unit.features.rituals.kit import berlin, local_times, prompt, ritual, running, runs

CHECKIN = ritual(
    {"do": "quiet_checkin", "quiet_for": "21d", "cap": "14d", "text": "Hi {{ member.name }}!"},
    schedule="every monday 10:00",
)


async def _members(h, *names: str, **kw) -> None:  # type: ignore[no-untyped-def]
    await h.send(*(joined(n, at=h.clock.now(), **kw) for n in names))


async def test_a_quiet_member_is_nudged_at_most_once_in_fourteen_days(sqlite_url: str) -> None:
    async with running(sqlite_url, {"checkin": CHECKIN}, start=berlin("2026-01-01T12:00")) as h:
        await _members(h, "quinn")
        await h.advance(timedelta(days=35))  # Mondays 26 Jan and 2 Feb find quinn quiet
        assert h.adapter.texts("dm") == ["Hi Quinn!"]
        await h.advance(timedelta(days=4))  # Monday 9 Feb: 14 days after the nudge
        assert h.adapter.texts("dm") == ["Hi Quinn!", "Hi Quinn!"]


async def test_a_member_who_muted_nudges_gets_none_until_they_unmute(sqlite_url: str) -> None:
    async with running(sqlite_url, {"checkin": CHECKIN}, start=berlin("2026-01-01T12:00")) as h:
        await _members(h, "quinn", "rey")
        await h.send(command("quinn", "/porch mute nudges"))
        await h.advance(timedelta(days=26))  # Monday 26 Jan
        assert [e.action.member for e in h.adapter.executed if e.action.kind == "dm"] == ["rey"]
        await h.send(command("quinn", "/porch unmute"))
        await h.advance(timedelta(days=7))
        nudged = [e.action.member for e in h.adapter.executed if e.action.kind == "dm"]
        assert nudged == ["rey", "quinn"]


async def test_a_member_active_recently_is_not_nudged(sqlite_url: str) -> None:
    async with running(sqlite_url, {"checkin": CHECKIN}, start=berlin("2026-01-01T12:00")) as h:
        await _members(h, "quinn")
        await h.advance(timedelta(days=20))
        await h.send(said("quinn", "still here"))
        await h.advance(timedelta(days=6))  # Monday 26 Jan: quinn spoke 6 days ago
        assert h.adapter.texts("dm") == []


async def test_a_check_in_outside_the_members_working_hours_waits_for_their_morning(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, {"checkin": CHECKIN}, start=berlin("2026-01-01T12:00")) as h:
        await _members(h, "nora", timezone="America/New_York")
        await h.advance(timedelta(days=25))  # Mon 26 Jan 10:00 Berlin is 04:00 in New York
        assert h.adapter.texts("dm") == []
        await h.advance(timedelta(hours=4))
        assert local_times(h, "dm") == ["Mon 2026-01-26 15:00"]  # 09:00 in New York


async def test_the_member_commands_answer_in_the_members_language(sqlite_url: str) -> None:
    async with running(sqlite_url, {}, start=berlin("2026-01-05T10:00")) as h:
        await _members(h, "jonas", locale="de")
        await h.send(command("jonas", "/porch pairing on"), command("jonas", "/porch mute nudges"))
        texts = h.adapter.texts()
        assert texts[0].startswith("Du bist dabei") and texts[1].startswith("Erledigt")


PAIRING = ritual(
    {"do": "intro_pairing", "avoid_repeats_for": 2, "icebreakers": ["Favourite shortcut?"]},
    schedule="every monday 10:00",
)


async def test_pairings_avoid_repeating_a_pair_within_the_configured_rounds(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, {"pairs": PAIRING}, start=berlin("2026-01-01T12:00")) as h:
        names = ["ann", "ben", "cat", "dan", "eve"]
        await _members(h, *names)
        await h.send(*(command(n, "/porch pairing on") for n in names[:4]))
        await h.advance(timedelta(days=20))  # Mondays 5, 12, 19 Jan
        groups = [e.action.members for e in h.adapter.executed if e.action.kind == "group_dm"]
        assert len(groups) == 6 and all("eve" not in g for g in groups)
        pairs = [frozenset(g) for g in groups]
        assert len(set(pairs)) == 6  # three rounds, four members: every pair new
        assert "Favourite shortcut?" in h.adapter.texts("group_dm")[0]


UNANSWERED = ritual({"do": "unanswered_digest"}, schedule="every friday 16:00")


async def test_the_unanswered_digest_lists_questions_without_a_reply_after_a_day(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, {"open": UNANSWERED}, start=berlin("2026-01-05T10:00")) as h:
        await _members(h, "ann", "ben")
        await h.send(said("ann", "How do I freeze the top row?", message_id="q1"))
        await h.send(said("ben", "Wie sortiere ich nach Farbe", message_id="q2"))
        await h.send(said("ann", "Use View > Freeze", reply_to="q2", message_id="a1"))
        await h.send(said("ben", "Nice weather today", message_id="s1"))
        await h.advance(timedelta(days=5))
        (digest,) = h.adapter.texts("post")
        assert "1 question(s)" in digest and "Ann asked in #general" in digest
        assert "q1" in digest and "q2" not in digest


CELEBRATE = ritual(
    {"do": "celebration", "text": "🎉 {{ member.name }} has been with us for a year!"},
    schedule="every monday 09:00",
)


async def test_a_first_year_in_the_community_is_celebrated_once(sqlite_url: str) -> None:
    async with running(sqlite_url, {"party": CELEBRATE}, start=berlin("2025-01-07T12:00")) as h:
        await _members(h, "ann")
        h.clock.set(berlin("2026-01-03T12:00"))
        await h.porch.settle()
        await h.advance(timedelta(days=21))
        assert h.adapter.texts("post") == ["🎉 Ann has been with us for a year!"]
        assert local_times(h) == ["Mon 2026-01-12 09:00"]


class Crisis(Feature):
    name: ClassVar[str] = "crisis"

    def crisis_on(self, ctx: Context) -> bool:
        return True


async def test_crisis_mode_pauses_a_ritual_that_asks_for_it_and_records_why(
    sqlite_url: str,
) -> None:
    paused = prompt(skip_if=["crisis_mode"])
    features = [*default_features(), Crisis()]
    async with running(
        sqlite_url, {"wol": paused}, start=berlin("2026-01-12T09:00"), features=features
    ) as h:
        await h.advance(timedelta(hours=1))
        assert h.adapter.texts("post") == []
        assert runs(h) == [("Mon 2026-01-12 09:30", "skipped", "crisis_mode")]


async def test_a_ritual_skips_when_its_channel_stayed_silent_since_the_last_run(
    sqlite_url: str,
) -> None:
    quiet = prompt(skip_if=["channel_silent_since_last_run"])
    async with running(sqlite_url, {"wol": quiet}, start=berlin("2026-01-12T09:00")) as h:
        await h.advance(timedelta(days=7, hours=1))
        await h.send(said("ann", "back from holidays"))
        await h.advance(timedelta(days=7))
        assert [r[1:] for r in runs(h)] == [
            ("ran", ""),
            ("skipped", "channel_silent_since_last_run"),
            ("ran", ""),
        ]


async def test_a_ritual_the_platform_cannot_carry_out_is_recorded_failed_and_still_rescheduled(
    sqlite_url: str,
) -> None:
    from bot.core.actions import Capability
    from bot.core.clock import FakeClock
    from bot.store.db import Store
    from bot.store.migrate import upgrade
    from bot.testing.harness import Harness
    from bot.testing.memory import MemoryAdapter
    from tests.unit.features.rituals.kit import build

    store = Store(sqlite_url)
    upgrade(store)
    clock = FakeClock(berlin("2026-01-01T12:00"))
    adapter = MemoryAdapter(clock=clock, capabilities=frozenset({Capability.SEND, Capability.DM}))
    porch = build(store, clock, adapter, {"pairs": PAIRING})
    await porch.start(loops=False)
    h = Harness(porch, adapter, clock, store)
    try:
        await _members(h, "ann", "ben")
        await h.send(command("ann", "/porch pairing on"), command("ben", "/porch pairing on"))
        await h.advance(timedelta(days=12))  # Mondays 5 and 12 Jan
        assert [r[1:] for r in runs(h)] == [("failed", "unsupported: group_dm")] * 2
    finally:
        await porch.stop()
        store.dispose()


DIGEST = ritual(
    {"do": "health_digest", "targets": {"new_members": 1, "active_share": 0.5}},
    schedule="every monday 09:00",
)


async def test_the_health_digest_reaches_managers_with_figures_trends_and_ama_participation(
    sqlite_url: str,
) -> None:
    from bot.store.ama import AmaSession

    async with running(sqlite_url, {"health": DIGEST}, start=berlin("2026-01-05T10:00")) as h:
        await _members(h, "ann", "ben")
        await h.send(said("ann", "Who knows Power Query?", message_id="q1"))
        h.clock.advance(timedelta(hours=2))
        await h.send(said("ben", "I do", reply_to="q1", message_id="a1"))
        with h.store.transaction() as s:
            s.add(
                AmaSession(
                    community="demo",
                    platform="memory",
                    channel="#general",
                    topic="Roadmap",
                    created_by="dana",
                    created_at=h.clock.now(),
                    starts_at=h.clock.now(),
                    ended_at=h.clock.now(),
                    participants=7,
                )
            )
        await h.advance(timedelta(days=7))
        (digest,) = h.adapter.texts("dm")
        assert [e.action.member for e in h.adapter.executed if e.action.kind == "dm"] == ["dana"]
        assert "- New members: 2 (+2 vs last week, target 1 met)" in digest
        assert "- Active members: 100% (+100 pp vs last week, target 50% met)" in digest
        assert "- Questions answered: 1 of 1" in digest
        assert "- Median time to first answer: 2h 00m" in digest
        assert "- AMA participation: 7 (+7 vs last week)" in digest
        assert "- Moderation cases: 0 (+0 vs last week)" in digest
