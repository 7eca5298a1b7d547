"""An anonymous asker is visible to nobody through Porch: not in any message others get, not in
the Outbox, the audit log, the logs (at DEBUG), the metrics or the export. Only replies addressed
to the asker (their confirmation, a refused self-vote, a decline reason) carry their id, as
recipient. Proven for questions asked in the channel, by DM (to the only live AMA, with
`--channel`, and through the pick among several live AMAs) and through the Slack modal."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select

from adapters.slack import interactive as form
from bot.app import Porch, advance
from bot.core.actions import ACTION_ADAPTER, DirectMessage, PublishHome
from bot.core.clock import FakeClock
from bot.core.events import HomeOpened
from bot.features.ama.feature import Ama
from bot.features.builtin import Builtin
from bot.store.db import Store
from bot.store.models import AuditEntry, OutboxItem, PromptRecord, TimerRecord
from bot.testing import builders
from bot.testing.builders import T0, command, picked, reacted
from bot.web.app import make_app
from tests.integration.slack.conftest import (
    SharedTime,
    as_payload,
    buttons_of,
    deliver,
    whole_porch,
)
from tests.standins.conftest import StandInFactory, slack_api_factory
from tests.unit.features.ama.kit import by_key, harness

__all__ = ["slack_api_factory"]

ASKER = "asker-7f3a9c"


def home_opened(member: str) -> HomeOpened:
    return HomeOpened(platform="memory", dedupe_key=f"home:{member}", occurred_at=T0, member=member)


async def _metrics(porch: Porch) -> str:
    transport = httpx.ASGITransport(app=make_app(porch))
    async with httpx.AsyncClient(transport=transport, base_url="http://porch") as client:
        metrics = (await client.get("/metrics")).text
    assert "porch_events_total" in metrics
    return metrics


def _stored(store: Store, asker: str) -> dict[str, list[str]]:
    """Everything Porch keeps that is not a reply addressed to the asker."""
    with store.transaction() as s:
        return {
            "outbox rows": [
                json.dumps({"key": o.key, "rate_key": o.rate_key, "action": o.action})
                for o in s.exec(select(OutboxItem))
                if o.action.get("member") != asker
            ],
            "audit": [json.dumps(a.model_dump(mode="json")) for a in s.exec(select(AuditEntry))],
            "timers": [json.dumps(t.model_dump(mode="json")) for t in s.exec(select(TimerRecord))],
            "prompts": [
                json.dumps(p.model_dump(mode="json"))
                for p in s.exec(select(PromptRecord))
                if p.member != asker
            ],
        }


def _debug_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every record at every level; a test that logged nothing at DEBUG proves nothing."""
    assert any(r.levelno == logging.DEBUG for r in caplog.records), "no DEBUG record captured"
    return [f"{r.name} {r.getMessage()}" for r in caplog.records]


def _leaks(asker: str, everything: dict[str, list[str]]) -> None:
    assert all(everything.values()), {k: len(v) for k, v in everything.items()}
    leaks = {
        where: [_around(x, asker) for x in texts if asker in x]
        for where, texts in everything.items()
    }
    assert leaks == {where: [] for where in everything}


def _around(text: str, needle: str, width: int = 160) -> str:
    """Where the needle sits in a long text, so a failure shows what leaked."""
    at = text.index(needle)
    return text[max(0, at - width) : at + len(needle) + 40]


async def test_an_anonymous_askers_id_appears_in_nothing_anybody_else_can_see(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with harness(database_url) as h:
        await h.send(command(ASKER, "/porch whoami"))
        await h.send(command("dana", '/ama start "Layoffs?" --host @lee --moderated'))
        await h.send(command("dana", '/ama start "Help desk" --host @lee', channel="#help"))
        await h.send(command(ASKER, "/ama ask Is my team safe?"))
        await h.send(command(ASKER, "/ama ask --channel #general Rude one", direct=True))
        await h.send(command(ASKER, "/ama ask Who decides?", direct=True))
        pick = h.adapter.executed[-1].action
        assert isinstance(pick, DirectMessage) and pick.message.prompt_id is not None
        await h.send(picked(ASKER, pick.message.prompt_id, pick.message.choices[1].id))
        await h.send(picked("mo", "ama:1:q:1:review", "approve"))
        await h.send(command(ASKER, '/ama edit 1 "Is my team safe in 2027?"'))
        message = by_key(h, "ama:1:q:1").message_id
        await h.send(command(ASKER, "/ama vote 1"), reacted(ASKER, message, "👍"))
        await h.send(picked(ASKER, "ama:1:q:1", "up"), command("bob", "/ama vote 1"))
        await h.send(command("lee", '/ama decline 2 "Not the place."'))
        await h.send(command("lee", "/ama list"), command("lee", "/ama next"))
        await h.send(home_opened("lee"), home_opened("mo"), home_opened("dana"))
        await h.send(command("lee", '/ama answer 1 "Yes."'), command("lee", "/ama end"))
        await h.send(command("lee", "/ama answer 1 Later.", channel="#help"))
        await h.send(command("lee", "/ama end", channel="#help"))
        await h.advance(timedelta(seconds=5))
        await h.send(command("lee", "/ama export"))
        export = h.adapter.texts()[-1]
        await h.send(command("lee", "/ama export", channel="#help"))
        help_export = h.adapter.texts()[-1]
        assert export.startswith("# AMA: Layoffs?") and "anonymous" in export
        assert "Who decides?" in help_export and "anonymous" in help_export

        seen_by_others = [
            ACTION_ADAPTER.dump_json(e.action).decode()
            for e in h.adapter.executed
            if getattr(e.action, "member", None) != ASKER
        ]
        homes = [e for e in h.adapter.executed if isinstance(e.action, PublishHome)]
        assert len(homes) == 3 and all("Layoffs?" in e.action.message.text for e in homes)
        _leaks(
            ASKER,
            {
                "adapter output": seen_by_others,
                **_stored(h.store, ASKER),
                "logs": _debug_logs(caplog),
                "metrics": [await _metrics(h.porch)],
                "export": [export, help_export],
            },
        )
        private = [
            e.action.message.text  # type: ignore[union-attr]
            for e in h.adapter.executed
            if getattr(e.action, "member", None) == ASKER
        ]
        assert (
            sum(t.startswith("You cannot vote for your own question (#1).") for t in private) == 3
        )
        assert any(t.startswith('Your question #2 in "Layoffs?" was declined') for t in private)


def _addressed_to(call: Any, user: str, dm: str | None) -> bool:
    args = call.args
    return user in (args.get("user"), args.get("users")) or (
        dm is not None and args.get("channel") == dm
    )


async def _slack_modal_ama(
    slack_api_factory: StandInFactory, database_url: str, caplog: pytest.LogCaptureFixture
) -> tuple[str, dict[str, list[str]]]:
    """bob asks twice anonymously through the Slack modal (from the board's button and from a
    bare `/ama ask`), votes for his own question by button, and lee answers, ends and exports:
    what was shown to anybody but bob, stored, logged, measured and exported, by bob's id."""
    caplog.set_level(logging.DEBUG)
    clock = FakeClock(builders.T0)
    slack_api = await slack_api_factory(clock=SharedTime(clock))
    inbound = slack_api.inbound(clock=time.time)
    general = slack_api.general_id
    people = {
        name: slack_api.workspace.add_user(name, real_name=f"{name.title()} Person").id
        for name in ("dana", "lee", "bob", "carol")
    }
    slack_api.general.members.extend([*people.values(), slack_api.bot_user_id])
    bob, lee = people["bob"], people["lee"]
    community = builders.community(
        platform="slack", main=general, managers=(f"slack:{people['dana']}",)
    )
    async with whole_porch(
        slack_api, community, (Builtin(), Ama()), {}, clock=clock, database_url=database_url
    ) as (porch, tap, http):

        async def send(request: Any) -> None:
            assert (await deliver(http, request)).status_code == 200
            assert await tap.next() is True
            await advance(porch, clock, clock.now() + timedelta(seconds=6))

        def slash(user: str, text: str) -> Any:
            return inbound.slash_command_request("/ama", text, user_id=user, channel_id=general)

        def click(user: str, message: Any, button: dict[str, Any]) -> Any:
            action = {"action_id": button["action_id"], "value": button["value"], "type": "button"}
            payload = inbound.block_actions(
                user, [action], channel_id=general, message=as_payload(message)
            )
            return inbound.interactive_request(payload)

        async def submit_form(opened: int, text: str) -> None:
            view = (await _views_opened(slack_api, opened))[-1].args["view"]
            view = json.loads(view) if isinstance(view, str) else dict(view)
            ticked = {"type": "checkboxes", "selected_options": [{"value": "anon"}]}
            values = {
                form.FORM_TEXT_BLOCK: {form.FORM_TEXT_INPUT: text},
                form.FORM_BOXES_BLOCK: {form.FORM_BOXES_INPUT: ticked},
            }
            submission = inbound.view_submission(
                bob, view["callback_id"], values, private_metadata=view["private_metadata"]
            )
            await send(inbound.interactive_request(submission))

        await send(slash(people["dana"], f'start "Layoffs?" --host <@{lee}|lee>'))
        [board] = [m for m in slack_api.messages(general) if m.text.startswith("*AMA: ")]
        [ask] = [b for b in buttons_of(board) if b["action_id"] == form.FORM_ACTION]
        assert (await deliver(http, click(bob, board, ask))).status_code == 200
        await submit_form(1, "Is my team safe?")
        assert (await deliver(http, slash(bob, "ask"))).status_code == 200
        await submit_form(2, "Who decides?")
        questions = [m for m in slack_api.messages(general) if m.text.startswith("*Question #")]
        assert len(questions) == 2
        [upvote] = buttons_of(questions[0])
        await send(click(people["carol"], questions[0], upvote))
        await send(click(bob, questions[0], upvote))
        await send(slash(lee, 'answer 1 "Nobody is leaving."'))
        await send(slash(lee, "end"))
        await send(slash(lee, "export"))
        [export] = [
            str(c.args["text"])
            for c in slack_api.calls_to("chat.postEphemeral")
            if str(c.args.get("text", "")).startswith("# AMA: Layoffs?")
        ]
        assert "Who decides?" in export and "anonymous" in export
        bob_dm = next(
            (c.response or {})["channel"]["id"]
            for c in slack_api.calls_to("conversations.open")
            if c.ok and c.args.get("users") == bob
        )
        refusals = [
            c
            for c in slack_api.calls_to("chat.postMessage")
            if c.args.get("channel") == bob_dm and "own question" in str(c.args.get("text"))
        ]
        assert len(refusals) == 1
        to_others = [
            json.dumps(c.args) for c in slack_api.calls if not _addressed_to(c, bob, bob_dm)
        ]
        return bob, {
            "Slack API calls": to_others,
            **_stored(porch.store, bob),
            "metrics": [await _metrics(porch)],
            "export": [export],
        }


async def test_an_anonymous_question_asked_through_the_slack_modal_names_nobody(
    slack_api_factory: StandInFactory, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Every log line counts, slack_sdk's and slack-bolt's too: at DEBUG they would log request
    bodies (`chat.postEphemeral user=<asker> text='Your question #1 is posted'`), so the
    adapter holds their logger at INFO."""
    bob, everything = await _slack_modal_ama(slack_api_factory, database_url, caplog)
    _leaks(bob, {**everything, "logs": _debug_logs(caplog)})


async def _views_opened(slack_api: Any, count: int) -> list[Any]:
    """The modal openings so far, once there are `count` of them (the adapter opens at once)."""

    def enough(_: Any) -> bool:
        return len([c for c in slack_api.calls_to("views.open") if c.ok]) >= count

    await slack_api.wait_for_call("views.open", enough)
    return [c for c in slack_api.calls_to("views.open") if c.ok]
