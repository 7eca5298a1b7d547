"""The Deliverer: order, budgets, retries, dead letters, references (in-memory adapter, fake clock)."""

from datetime import timedelta
from typing import Any

import pytest

from bot.core.actions import DirectMessage, Edit, MessageRef, Post
from bot.core.adapter import RateBudget
from bot.core.clock import FakeClock
from bot.core.errors import PlatformError, RateLimited, Transient
from bot.core.message import Message
from bot.delivery import outbox
from bot.delivery.deliverer import Deliverer, RetryPolicy
from bot.metrics import Metrics
from bot.store.db import Store
from bot.store.migrate import upgrade
from bot.testing.builders import T0
from bot.testing.harness import Harness
from bot.testing.memory import MemoryAdapter


def _post(channel: str, text: str) -> Post:
    return Post(platform="memory", channel=channel, message=Message(text=text))


def _enqueue(store: Store, clock: FakeClock, *actions: tuple[str, Any]) -> None:
    with store.transaction() as s:
        for key, action in actions:
            outbox.enqueue(s, key=key, action=action, now=clock.now())


def _deliverer(store: Store, clock: FakeClock, adapter: MemoryAdapter, **kw: Any) -> Deliverer:
    import random

    return Deliverer(
        store=store,
        clock=clock,
        adapters={"memory": adapter},
        metrics=Metrics(),
        rng=random.Random(7),
        **kw,
    )


async def _drain(deliverer: Deliverer, clock: FakeClock, limit: int = 10_000) -> None:
    for _ in range(limit):
        wake = await deliverer.deliver_due()
        if wake is None:
            return
        if wake > clock.now():
            clock.set(wake)
    raise AssertionError("did not drain")


@pytest.fixture
def adapter(clock: FakeClock) -> MemoryAdapter:
    return MemoryAdapter(clock=clock)


async def test_messages_to_one_channel_arrive_in_order(
    store: Store, clock: FakeClock, adapter: MemoryAdapter
) -> None:
    _enqueue(store, clock, *[(f"k{i}", _post("#general", f"m{i}")) for i in range(20)])
    await _drain(_deliverer(store, clock, adapter), clock)
    assert adapter.texts() == [f"m{i}" for i in range(20)]


async def test_the_channel_budget_spaces_messages_and_others_go_on(
    store: Store, clock: FakeClock
) -> None:
    adapter = MemoryAdapter(clock=clock, rate_budget=RateBudget(100, 100, 1, 1))
    _enqueue(
        store,
        clock,
        ("a1", _post("#a", "a1")),
        ("a2", _post("#a", "a2")),
        ("b1", _post("#b", "b1")),
    )
    await _drain(_deliverer(store, clock, adapter), clock)
    at = {e.action.message.text: e.at for e in adapter.executed}  # type: ignore[union-attr]
    assert at["a1"] == at["b1"] == T0
    assert at["a2"] == T0 + timedelta(seconds=1)


async def test_a_rate_limit_is_honoured_exactly_and_costs_no_attempt(
    store: Store, clock: FakeClock, adapter: MemoryAdapter
) -> None:
    adapter.fail_next("post", RateLimited(30))
    _enqueue(store, clock, ("k", _post("#general", "hello")))
    await _drain(_deliverer(store, clock, adapter, policy=RetryPolicy(max_attempts=1)), clock)
    assert adapter.texts() == ["hello"]
    assert adapter.executed[0].at == T0 + timedelta(seconds=30)


async def test_transient_failures_back_off_and_then_succeed(
    store: Store, clock: FakeClock, adapter: MemoryAdapter
) -> None:
    adapter.fail_next("post", Transient("timeout"), Transient("502"))
    _enqueue(store, clock, ("k", _post("#general", "hello")))
    await _drain(_deliverer(store, clock, adapter), clock)
    assert adapter.texts() == ["hello"]
    delay = adapter.executed[0].at - T0  # type: ignore[operator]
    assert timedelta(seconds=1 + 2) <= delay <= timedelta(seconds=2 + 4)


async def test_an_effect_that_keeps_failing_is_dead_lettered_with_its_reason(
    store: Store, clock: FakeClock, adapter: MemoryAdapter
) -> None:
    adapter.fail_next("post", *[Transient("timeout")] * 3)
    _enqueue(store, clock, ("k", _post("#general", "hello")))
    await _drain(_deliverer(store, clock, adapter, policy=RetryPolicy(max_attempts=3)), clock)
    with store.transaction() as s:
        (item,) = outbox.list_items(s, status="dead")
    assert "gave up after 3 attempts" in item.last_error and "timeout" in item.last_error
    assert adapter.executed == []


async def test_a_permanent_refusal_is_dead_lettered_at_once(
    store: Store, clock: FakeClock, adapter: MemoryAdapter
) -> None:
    adapter.fail_next("dm", PlatformError("missing_scope", "needs im:write"))
    _enqueue(
        store, clock, ("k", DirectMessage(platform="memory", member="a", message=Message(text="x")))
    )
    await _drain(_deliverer(store, clock, adapter), clock)
    with store.transaction() as s:
        (item,) = outbox.list_items(s, status="dead")
    assert "missing_scope" in item.last_error


async def test_an_edit_waits_for_the_post_it_refers_to(
    store: Store, clock: FakeClock, adapter: MemoryAdapter
) -> None:
    adapter.fail_next("post", Transient("blip"))
    edit = Edit(
        platform="memory",
        channel="#general",
        target=MessageRef(effect_key="board"),
        message=Message(text="board v2"),
    )
    _enqueue(store, clock, ("board", _post("#general", "board v1")), ("board:2", edit))
    await _drain(_deliverer(store, clock, adapter), clock)
    kinds = [(e.action.kind, getattr(e.action, "target", None)) for e in adapter.executed]
    assert kinds[0][0] == "post"
    assert kinds[1] == ("edit", MessageRef(message_id=adapter.executed[0].message_id))


async def test_an_edit_of_a_dm_goes_to_the_conversation_the_dm_was_delivered_to(
    store: Store, clock: FakeClock, adapter: MemoryAdapter
) -> None:
    """A DM's conversation is known only once it is delivered; the edit queued with it finds it."""
    dm = DirectMessage(platform="memory", member="mo", message=Message(text="case 1: open"))
    edit = Edit(
        platform="memory",
        channel="mo",
        target=MessageRef(effect_key="case:1:mo"),
        message=Message(text="case 1: removed by dana"),
    )
    _enqueue(store, clock, ("case:1:mo", dm), ("case:1:mo:outcome", edit))
    await _drain(_deliverer(store, clock, adapter), clock)
    edited = adapter.executed[1].action
    assert isinstance(edited, Edit) and edited.channel == "dm:mo"
    assert edited.target == MessageRef(message_id=adapter.executed[0].message_id)


async def test_a_dead_row_can_be_given_another_try(
    store: Store, clock: FakeClock, adapter: MemoryAdapter
) -> None:
    adapter.fail_next("post", PlatformError("channel_not_found"))
    _enqueue(store, clock, ("k", _post("#general", "hello")))
    deliverer = _deliverer(store, clock, adapter)
    await _drain(deliverer, clock)
    with store.transaction() as s:
        assert outbox.requeue(s, item_ids=None, now=clock.now()) == 1
    await _drain(deliverer, clock)
    assert adapter.texts() == ["hello"]


async def test_a_backlog_larger_than_a_batch_under_a_tight_budget_always_makes_progress(
    sqlite_url: str, clock: FakeClock
) -> None:
    store = Store(sqlite_url)
    upgrade(store)
    adapter = MemoryAdapter(clock=clock, rate_budget=RateBudget(50, 50, 100, 100))
    dms = [
        (
            f"k{i}",
            DirectMessage(platform="memory", member=f"u{i % 150}", message=Message(text=str(i))),
        )
        for i in range(300)
    ]
    _enqueue(store, clock, *dms)
    deliverer = _deliverer(store, clock, adapter, batch=100)
    passes = 0
    while (wake := await deliverer.deliver_due()) is not None:
        passes += 1
        assert passes < 2000, "the deliverer stopped making progress"
        if wake > clock.now():
            clock.set(wake)
    assert len(adapter.executed) == 300 and adapter.doubled() == []
    assert clock.now() - T0 <= timedelta(seconds=(300 - 50) / 50 * 1.05)
    store.dispose()


async def test_an_effect_that_can_never_be_delivered_is_reported_to_the_managers(
    harness: Harness,
) -> None:
    from bot.core.actions import Kick

    refusal = PlatformError(
        "insufficient_power", "Porch needs power level 50 in #general to remove bob"
    )
    harness.adapter.fail_next("kick", refusal)
    with harness.store.transaction() as s:
        outbox.enqueue(
            s,
            key="mod:kick:bob",
            action=Kick(platform="memory", channel="#general", member="bob"),
            now=harness.clock.now(),
        )
    await harness.porch.settle()
    notices = [e for e in harness.adapter.executed if e.action.kind == "dm"]
    assert [e.action.member for e in notices] == ["dana"]  # type: ignore[union-attr]
    assert "power level 50 in #general" in notices[0].action.message.text  # type: ignore[union-attr]
