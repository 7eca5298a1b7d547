"""The path of an event: dedupe, community, roles, usage errors, crashes, prompts."""

from datetime import timedelta
from typing import ClassVar

import pytest
from sqlmodel import select

from bot.core.commands import CommandSpec, Param, ParsedCommand
from bot.core.events import ChoicePicked, CommandInvoked, Event, TextAnswered
from bot.core.message import Choice, Message
from bot.core.roles import Role
from bot.features.base import Context, Feature
from bot.features.builtin import Builtin
from bot.store.models import InboxItem, MemberRecord, PromptRecord, TimerRecord
from bot.testing.builders import command, dm, joined, picked, reacted, said
from bot.testing.harness import Harness


class Asker(Feature):
    """A feature that asks on `/porch quiz` and records what came back."""

    name: ClassVar[str] = "asker"
    commands: ClassVar[tuple[CommandSpec, ...]] = (
        CommandSpec("porch", "quiz", "builtin.summary_ping", args=(Param("mode", required=False),)),
        CommandSpec("porch", "boom", "builtin.summary_ping", roles=frozenset({Role.MODERATOR})),
        CommandSpec("porch", "poll", "builtin.summary_ping"),
    )
    answers: ClassVar[list[str]] = []

    def on_command(self, command: ParsedCommand, event: CommandInvoked, ctx: Context) -> None:
        if command.spec.name == "poll":
            choices = (Choice(id="yes", label="Yes"), Choice(id="no", label="No"))
            ctx.offer(
                "poll", event.channel, Message(text="Pizza?", choices=choices), feature=self.name
            )
            return
        if command.spec.name == "boom":
            ctx.reply(event, Message(text="half done"))
            raise RuntimeError("a bug")
        choices = (Choice(id="tea", label="Tea"), Choice(id="coffee", label="Coffee"))
        ctx.ask(
            f"quiz:{event.member}",
            event.member,
            Message(text="Tea or coffee?", choices=choices),
            feature=self.name,
        )
        if command.get("mode") == "text":
            ctx.ask(
                f"quiz-text:{event.member}",
                event.member,
                Message(text="Why?", expects_text=True),
                feature=self.name,
            )

    def on_prompt(
        self, event: ChoicePicked | TextAnswered, prompt: PromptRecord, ctx: Context
    ) -> None:
        answer = event.choice_id if isinstance(event, ChoicePicked) else event.text
        self.answers.append(f"{event.member}:{answer}" if not prompt.member else answer)


@pytest.fixture
async def h(sqlite_url: str):  # type: ignore[no-untyped-def]
    Asker.answers = []
    async with Harness.create(sqlite_url, features=[Builtin(), Asker()]) as harness:
        yield harness


async def test_an_event_delivered_twice_is_handled_once(h: Harness) -> None:
    event = command("alice", "/porch ping", key="Ev123")
    assert await h.send(event, event) == [True, False]
    assert len(h.adapter.executed) == 1


async def test_whoami_names_the_roles_from_the_configuration(h: Harness) -> None:
    await h.send(command("dana", "/porch whoami"), command("alice", "/porch whoami"))
    assert h.adapter.texts() == [
        "You are **dana** in **Porch demo**; your roles: manager, moderator, member.",
        "You are **alice** in **Porch demo**; your roles: member.",
    ]


async def test_a_reply_in_a_channel_is_ephemeral_and_in_a_dm_is_a_dm(h: Harness) -> None:
    await h.send(command("alice", "/porch ping"), command("alice", "/porch ping", direct=True))
    assert [e.action.kind for e in h.adapter.executed] == ["ephemeral", "dm"]


async def test_a_command_without_the_role_says_which_role_is_needed(h: Harness) -> None:
    await h.send(command("alice", "/porch boom"))
    assert h.adapter.texts() == ["Only moderators may use `/porch boom`."]


async def test_an_unknown_command_suggests_the_right_one(h: Harness) -> None:
    await h.send(command("alice", "/porch pnig"))
    assert h.adapter.texts() == ["There is no command `/porch pnig`. Try `/porch ping`."]


async def test_a_german_member_gets_german_errors(h: Harness) -> None:
    await h.send(joined("jonas", locale="de-DE"), command("jonas", "/porch pnig"))
    assert h.adapter.texts() == ["Den Befehl `/porch pnig` gibt es nicht. Versuche `/porch ping`."]


async def test_a_crash_undoes_the_features_work_and_apologizes_with_an_error_id(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await h.send(command("mo", "/porch boom", key="Ev-boom"))
    (text,) = h.adapter.texts()
    assert text.startswith("Sorry, that went wrong on my side.") and "error id" in text
    error_id = text.rsplit(" ", 1)[1].rstrip(".")
    assert error_id in caplog.text and "a bug" in caplog.text
    with h.store.transaction() as s:
        assert s.exec(select(InboxItem).where(InboxItem.dedupe_key == "Ev-boom")).one()


async def test_a_choice_is_picked_by_keycap_reaction_on_the_prompt(h: Harness) -> None:
    await h.send(command("alice", "/porch quiz"))
    prompt_message = h.adapter.executed[-1].message_id
    await h.send(reacted("bob", prompt_message, "2️⃣"), reacted("alice", prompt_message, "2️⃣"))
    assert Asker.answers == ["coffee"]


async def test_a_choice_is_picked_by_replying_with_its_number(h: Harness) -> None:
    await h.send(command("alice", "/porch quiz"), dm("alice", "1"))
    assert Asker.answers == ["tea"]


async def test_a_number_out_of_range_gets_a_hint_and_keeps_the_prompt_open(h: Harness) -> None:
    await h.send(command("alice", "/porch quiz"), dm("alice", "7"), dm("alice", "2"))
    assert "from 1 to 2" in h.adapter.texts()[-1]
    assert Asker.answers == ["coffee"]


async def test_a_prompt_is_answered_once(h: Harness) -> None:
    await h.send(command("alice", "/porch quiz"), dm("alice", "1"), dm("alice", "2"))
    assert Asker.answers == ["tea"]


async def test_a_text_prompt_takes_the_next_dm(h: Harness) -> None:
    await h.send(command("alice", "/porch quiz text"), dm("alice", "Because it is Monday"))
    assert Asker.answers == ["Because it is Monday"]


async def test_members_are_recorded_with_activity_but_never_message_text(h: Harness) -> None:
    await h.send(joined("alice"), said("alice", "my secret plan"), dm("alice", "private words"))
    with h.store.transaction() as s:
        record = s.exec(select(MemberRecord)).one()
        dump = str(record.model_dump())
    assert record.first_posted_at == h.clock.now()
    assert "secret" not in dump and "private" not in dump


async def test_activity_is_written_once_a_day_and_a_member_first_seen_posting_is_recorded(
    database_url: str,
) -> None:
    def record(h: Harness, member: str) -> MemberRecord:
        with h.store.transaction() as s:
            return s.exec(select(MemberRecord).where(MemberRecord.user_id == member)).one()

    async with Harness.create(database_url, features=[Builtin()]) as h:
        start = h.clock.now()
        await h.send(said("bob", "hello, first time here"), joined("carol"))
        bob = record(h, "bob")
        assert (bob.joined_at, bob.first_posted_at, bob.last_active_at) == (start, start, start)
        assert record(h, "carol").first_posted_at is None

        await h.advance(timedelta(hours=1))
        await h.send(said("bob", "again, same day"), said("carol", "my first words"))
        assert record(h, "bob").last_active_at == start
        carol = record(h, "carol")
        assert carol.first_posted_at == carol.last_active_at == start + timedelta(hours=1)

        await h.advance(timedelta(days=1))
        await h.send(said("bob", "a new day"))
        bob = record(h, "bob")
        assert bob.first_posted_at == start and bob.last_active_at == h.clock.now()


async def test_a_message_in_an_unknown_channel_is_ignored(h: Harness) -> None:
    events: list[Event] = [said("alice", "hi", channel="#elsewhere")]
    assert await h.send(*events) == [True]
    assert h.adapter.executed == []


async def test_housekeeping_forgets_old_inbox_keys_but_not_recent_ones(h: Harness) -> None:
    from datetime import timedelta

    await h.send(command("alice", "/porch ping", key="old"))
    h.clock.advance(timedelta(days=8))
    await h.send(command("alice", "/porch ping", key="recent"))
    h.porch.housekeeping()
    with h.store.transaction() as s:
        keys = [i.dedupe_key for i in s.exec(select(InboxItem))]
    assert keys == ["recent"]


async def test_a_public_prompt_takes_picks_from_anyone_and_stays_open(h: Harness) -> None:
    await h.send(command("dana", "/porch poll"))
    poll_message = h.adapter.executed[-1].message_id
    await h.send(reacted("alice", poll_message, "1️⃣"), reacted("bob", poll_message, "2️⃣"))
    await h.send(picked("carol", "poll", "yes"))
    assert Asker.answers == ["alice:yes", "bob:no", "carol:yes"]


async def test_a_feature_can_find_the_effect_behind_a_platform_message(h: Harness) -> None:
    await h.send(command("dana", "/porch poll"))
    with h.store.transaction() as s:
        ctx = Context(
            session=s,
            now=h.clock.now(),
            community=h.porch.config.communities[0],
            platform="memory",
            services=h.porch.services,
        )
        assert ctx.effect_for_message(h.adapter.executed[-1].message_id) == "poll"
        assert ctx.effect_for_message("nope") is None


class Planner(Feature):
    name: ClassVar[str] = "planner"
    started: ClassVar[list[tuple[str, str]]] = []

    def on_start(self, ctx: Context) -> None:
        self.started.append((ctx.community.id, ctx.platform))
        ctx.start_timer("planner:weekly", ctx.now, feature=self.name)


async def test_features_plan_at_every_start_once_per_community_and_platform(
    sqlite_url: str,
) -> None:
    Planner.started = []
    async with Harness.create(sqlite_url, features=[Planner()]) as h:
        await h.restart(features=[Planner()])
        with h.store.transaction() as s:
            timers = s.exec(select(TimerRecord)).all()
    assert Planner.started == [("demo", "memory"), ("demo", "memory")]
    assert [t.key for t in timers] == ["planner:weekly"]


async def test_housekeeping_forgets_what_delivered_effects_said_after_the_retention_period(
    h: Harness,
) -> None:
    from datetime import timedelta

    from bot.store.models import OutboxItem

    await h.send(command("alice", "/porch ping", key="then"))
    await h.send(command("alice", "/porch ping", direct=True, key="then-dm"))
    h.clock.advance(timedelta(days=h.porch.config.retention_days + 1))
    await h.send(command("bob", "/porch ping", key="now"))
    h.porch.housekeeping()
    with h.store.transaction() as s:
        rows = sorted(s.exec(select(OutboxItem)), key=lambda r: r.id or 0)
    old, old_dm, new = rows
    assert old.action == {"kind": "ephemeral", "platform": "memory", "scrubbed": True}
    assert old_dm.action == {"kind": "dm", "platform": "memory", "scrubbed": True}
    assert old.message_id is not None and old_dm.message_id is not None
    # The DM's conversation stood for alice, so it is forgotten too.
    assert "alice" not in str(old.model_dump()) + str(old_dm.model_dump())
    assert new.action["member"] == "bob"
