"""Slack's workspace admins and owners are Porch admins, through a whole Porch on the stand-in.

Nobody here is named in the configuration: the roles come from `users.list` at start-up and
from `user_change` events (signed as Slack signs them) while Porch runs. A demotion is never
missed: one that Slack announces takes effect at once, and one made while Porch was not running
at the next start (on SQLite and PostgreSQL, the databases a restart keeps its members in).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest

from bot.app import Porch
from bot.core.clock import FakeClock
from bot.core.events import Event, MemberRolesChanged
from bot.features.builtin import Builtin
from bot.features.onboarding.feature import Onboarding
from bot.testing import builders
from tests.integration.slack.conftest import Tap, asgi_client, deliver, make_adapter, whole_porch
from tests.standins.slack_api import SlackStandIn, User
from tests.standins.slack_inbound import SlackInbound

REFUSED = "Only managers may use `/porch onboarding`."
ALLOWED = "Onboarding in"


@asynccontextmanager
async def _porch(
    standin: SlackStandIn, database_url: str = "sqlite://", clock: FakeClock | None = None
) -> AsyncIterator[tuple[Porch, Tap, httpx.AsyncClient]]:
    """A Porch whose configuration names no Slack member at all (its managers, moderators and
    admins are people on another platform)."""
    if standin.bot_user_id not in standin.general.members:
        standin.general.members.append(standin.bot_user_id)
    community = builders.community(
        platform="slack", main=standin.general_id, managers=("dana",), moderators=("mo",)
    )
    assert community.admins == ()
    async with whole_porch(
        standin,
        community,
        (Builtin(), Onboarding()),
        {},
        clock=clock or FakeClock(builders.T0),
        database_url=database_url,
    ) as running:
        yield running


def _member(standin: SlackStandIn, name: str, **attrs: object) -> User:
    """A person of the workspace in the community's main channel."""
    user = standin.workspace.add_user(name, **attrs)
    standin.general.members.append(user.id)
    return user


async def _progress(
    standin: SlackStandIn,
    inbound: SlackInbound,
    running: tuple[Porch, Tap, httpx.AsyncClient],
    user: User,
) -> str:
    """`/porch onboarding` (managers only) from `user`: what Porch answered them."""
    porch, tap, http = running
    request = inbound.slash_command_request(
        "/porch", "onboarding", user_id=user.id, channel_id=standin.general_id
    )
    before = len(standin.workspace.ephemeral)
    assert (await deliver(http, request)).status_code == 200
    assert await tap.next() is True
    await porch.settle()
    answers = [e for e in standin.workspace.ephemeral[before:] if e["user"] == user.id]
    assert len(answers) == 1, standin.workspace.ephemeral
    return str(answers[0]["text"])


async def test_a_workspace_owner_may_run_a_managers_command_until_slack_says_they_are_demoted(
    slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    owner = slack_api.owner
    alice = _member(slack_api, "alice", real_name="Alice Member")
    async with _porch(slack_api) as running:
        _, tap, http = running
        listed = slack_api.calls_to("users.list")[-1]
        assert listed.ok and listed.args["limit"] == "200"
        assert ALLOWED in await _progress(slack_api, inbound, running, owner)
        assert await _progress(slack_api, inbound, running, alice) == REFUSED

        owner.is_owner = owner.is_primary_owner = owner.is_admin = False
        changed = inbound.events_request(inbound.user_change(owner.to_api()))
        assert (await deliver(http, changed)).status_code == 200
        assert await tap.next() is True
        assert await _progress(slack_api, inbound, running, owner) == REFUSED


async def test_a_member_slack_makes_admin_while_porch_runs_is_an_admin_at_once(
    slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    alice = _member(slack_api, "alice", real_name="Alice Member")
    async with _porch(slack_api) as running:
        _, tap, http = running
        alice.is_admin = True
        changed = inbound.events_request(inbound.user_change(alice.to_api()))
        assert (await deliver(http, changed)).status_code == 200
        assert await tap.next() is True
        retried = inbound.sign_json(changed.json(), retry_num=1, retry_reason="http_timeout")
        assert (await deliver(http, retried)).status_code == 200
        assert await tap.next() is False
        assert ALLOWED in await _progress(slack_api, inbound, running, alice)


async def test_a_demotion_while_porch_was_not_running_takes_effect_at_the_next_start(
    slack_api: SlackStandIn, inbound: SlackInbound, database_url: str
) -> None:
    owner = slack_api.owner
    ada = _member(slack_api, "ada", real_name="Ada Admin", is_admin=True)
    alice = _member(slack_api, "alice", real_name="Alice Member")
    async with _porch(slack_api, database_url) as running:
        assert ALLOWED in await _progress(slack_api, inbound, running, owner)
        assert ALLOWED in await _progress(slack_api, inbound, running, ada)
        assert await _progress(slack_api, inbound, running, alice) == REFUSED

    owner.is_owner = owner.is_primary_owner = owner.is_admin = False
    alice.is_admin = True
    async with _porch(slack_api, database_url) as running:
        assert await _progress(slack_api, inbound, running, owner) == REFUSED
        assert ALLOWED in await _progress(slack_api, inbound, running, ada)
        assert ALLOWED in await _progress(slack_api, inbound, running, alice)


async def test_a_deactivated_admin_holds_no_role(
    slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    gone = _member(slack_api, "gone", is_admin=True, deleted=True)
    async with _porch(slack_api) as running:
        assert await _progress(slack_api, inbound, running, gone) == REFUSED


async def test_every_page_of_users_is_read_through_slacks_rate_limit(
    slack_api: SlackStandIn, inbound: SlackInbound, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("adapters.slack.outbound.USERS_PAGE", 2)
    people = [_member(slack_api, f"person{n}") for n in range(5)]
    last = _member(slack_api, "late_admin", is_admin=True)
    slack_api.fail_next("users.list", status=429, retry_after=3, times=2)
    clock = FakeClock(builders.T0)
    waits = asyncio.get_running_loop().create_task(_let_time_pass_for_sleepers(clock))
    try:
        async with _porch(slack_api, clock=clock) as running:
            waits.cancel()
            assert clock.now() - builders.T0 == timedelta(seconds=6)
            calls = slack_api.calls_to("users.list")
            assert [c.status for c in calls[:2]] == [429, 429]
            assert [c.args.get("cursor", "") != "" for c in calls[2:]] == [False] + [True] * 3
            assert ALLOWED in await _progress(slack_api, inbound, running, last)
            assert await _progress(slack_api, inbound, running, people[-1]) == REFUSED
    finally:
        waits.cancel()


async def _let_time_pass_for_sleepers(clock: FakeClock) -> None:
    """Move the fake clock to whenever somebody sleeps until (a Retry-After wait), at once."""
    while True:
        await asyncio.sleep(0)
        if (due := clock.next_wakeup()) is not None:
            clock.set(due)


async def test_a_promotion_announced_during_the_start_up_read_is_applied_after_it(
    slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    """The read at start-up sees alice before her promotion; Slack announces it meanwhile."""
    alice = _member(slack_api, "alice", real_name="Alice Member")
    slack_api.fail_next("users.list", status=429, retry_after=3)
    clock = FakeClock(builders.T0)
    adapter = make_adapter(slack_api, clock=clock, role_channels=(slack_api.general_id,))
    seen: list[Event] = []
    alices_roles = asyncio.Event()

    async def sink(event: Event) -> None:
        seen.append(event)
        if isinstance(event, MemberRolesChanged) and event.member == alice.id:
            alices_roles.set()

    await adapter.start(sink)
    try:
        async with asgi_client(adapter) as http:
            await slack_api.wait_for_call("users.list", lambda call: call.status == 429)
            promoted = {**alice.to_api(), "is_admin": True}
            changed = inbound.events_request(inbound.user_change(promoted))
            assert (await deliver(http, changed)).status_code == 200
            for _ in range(20):
                await asyncio.sleep(0)
            assert seen == []  # held until the read is with Porch
            clock.advance(timedelta(seconds=3))
            async with asyncio.timeout(5):
                await adapter.roles_read()
                await alices_roles.wait()
    finally:
        await adapter.stop()
    kinds = [type(e).__name__ for e in seen]
    last_listing = max(i for i, k in enumerate(kinds) if k == "RoleHoldersListed")
    (alices,) = [i for i, e in enumerate(seen) if getattr(e, "member", "") == alice.id]
    assert alices > last_listing
    assert seen[alices].roles == ("admin",)  # type: ignore[attr-defined]
