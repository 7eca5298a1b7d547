"""An AMA on Slack through a whole Porch (issues 4 and 8): started by slash command, a question
asked anonymously through the modal the board's button opens, voted by button, answered in the
question's thread, the one board edited in place, ended; a redelivered event changes nothing."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import httpx

from adapters.slack.interactive import (
    FORM_ACTION,
    FORM_BOXES_BLOCK,
    FORM_BOXES_INPUT,
    FORM_TEXT_BLOCK,
    FORM_TEXT_INPUT,
)
from bot.app import advance
from bot.core.clock import FakeClock
from bot.features.ama.feature import Ama
from bot.features.builtin import Builtin
from bot.testing import builders
from tests.integration.slack.conftest import (
    SharedTime,
    Tap,
    as_payload,
    buttons_of,
    deliver,
    shown,
    whole_porch,
)
from tests.standins.conftest import StandInFactory
from tests.standins.slack_api import SlackStandIn, User
from tests.standins.slack_inbound import SlackInbound, button_action

QUESTION = "Will the public API stay free for open-source projects?"


class Room:
    """The people of one AMA on Slack, and the few things they do, as signed requests."""

    def __init__(self, slack_api: SlackStandIn, inbound: SlackInbound) -> None:
        self.api, self.inbound = slack_api, inbound
        self.general = slack_api.general_id
        workspace = slack_api.workspace
        self.dana = workspace.add_user("dana", real_name="Dana Manager")
        self.lee = workspace.add_user("lee", real_name="Lee Host")
        self.bob = workspace.add_user("bob", real_name="Bob Asker")
        self.carol = workspace.add_user("carol", real_name="Carol Voter")
        for user in (self.dana, self.lee, self.bob, self.carol):
            slack_api.general.members.append(user.id)
        if slack_api.bot_user_id not in slack_api.general.members:
            slack_api.general.members.append(slack_api.bot_user_id)

    async def send(self, http: httpx.AsyncClient, tap: Tap, request: Any) -> bool:
        assert (await deliver(http, request)).status_code == 200
        return await tap.next()

    def command(self, user: User, text: str) -> Any:
        return self.inbound.slash_command_request(
            "/ama", text, user_id=user.id, channel_id=self.general
        )

    def click(self, user: User, message: Any, button: dict[str, Any]) -> Any:
        payload = self.inbound.block_actions(
            user.id,
            [button_action(button["action_id"], button["value"])],
            channel_id=self.general,
            message=as_payload(message),
        )
        return self.inbound.interactive_request(payload)

    def board(self) -> Any:
        [board] = [m for m in self.api.messages(self.general) if m.text.startswith("*AMA: ")]
        return board


def _view(call: Any) -> dict[str, Any]:
    view = call.args["view"]
    return json.loads(view) if isinstance(view, str) else dict(view)


def _ticked(view: dict[str, Any]) -> list[str]:
    [boxes] = [b for b in view["blocks"] if b.get("block_id") == FORM_BOXES_BLOCK]
    return [option["value"] for option in boxes["element"].get("initial_options", [])]


def _community(room: Room) -> Any:
    return builders.community(
        platform="slack", main=room.general, managers=(f"slack:{room.dana.id}",)
    )


async def test_an_ama_on_slack_with_the_question_modal_vote_buttons_and_one_board(
    slack_api_factory: StandInFactory,
) -> None:
    clock = FakeClock(builders.T0)
    slack_api = await slack_api_factory(clock=SharedTime(clock))
    inbound = slack_api.inbound(clock=time.time)
    room = Room(slack_api, inbound)
    features = (Builtin(), Ama())
    community = _community(room)
    async with whole_porch(slack_api, community, features, {}, clock=clock) as (porch, tap, http):
        start = f'start "Scaling our API" --host <@{room.lee.id}|lee>'
        assert await room.send(http, tap, room.command(room.dana, start)) is True
        await porch.settle()
        board = room.board()
        [ask_button] = [b for b in buttons_of(board) if b["action_id"] == FORM_ACTION]

        # bob opens the form from the board: anonymous is ticked, as the AMA is not --named.
        assert (await deliver(http, room.click(room.bob, board, ask_button))).status_code == 200
        view = _view(await slack_api.wait_for_call("views.open", lambda c: c.ok))
        assert _ticked(view) == ["anon"]
        anon = {"type": "checkboxes", "selected_options": [{"value": "anon"}]}
        submission = inbound.view_submission(
            room.bob.id,
            view["callback_id"],
            {
                FORM_TEXT_BLOCK: {FORM_TEXT_INPUT: QUESTION},
                FORM_BOXES_BLOCK: {FORM_BOXES_INPUT: anon},
            },
            private_metadata=view["private_metadata"],
        )
        assert await room.send(http, tap, inbound.interactive_request(submission)) is True
        assert await room.send(http, tap, inbound.interactive_request(submission)) is False
        await porch.settle()
        [question] = [m for m in slack_api.messages(room.general) if QUESTION in m.text]
        assert "#1" in question.text

        # carol votes with the question's button; Slack redelivers her 👍 and nothing changes.
        [upvote] = buttons_of(question)
        assert await room.send(http, tap, room.click(room.carol, question, upvote)) is True
        await advance(porch, clock, clock.now() + timedelta(seconds=6))
        thumbs = inbound.reaction_added(
            room.dana.id,
            "+1",
            channel=room.general,
            ts=question.ts,
            item_user=slack_api.bot_user_id,
        )
        envelope = inbound.event_callback(thumbs)
        assert await room.send(http, tap, inbound.sign_json(envelope)) is True
        retry = inbound.sign_json(envelope, retry_num=1, retry_reason="http_timeout")
        assert await room.send(http, tap, retry) is False
        await advance(porch, clock, clock.now() + timedelta(seconds=6))
        assert "2" in room.board().text

        # lee answers; the answer goes into the question's thread, the board is edited.
        answer = 'answer 1 "Yes, and we will write that down."'
        assert await room.send(http, tap, room.command(room.lee, answer)) is True
        await advance(porch, clock, clock.now() + timedelta(seconds=6))
        [reply] = slack_api.workspace.conversations[room.general].replies(question.ts)
        assert "write that down" in reply.text
        assert "write that down" in room.board().text

        assert await room.send(http, tap, room.command(room.dana, "end")) is True
        await advance(porch, clock, clock.now() + timedelta(seconds=6))
        final = room.board()
        assert not [b for b in buttons_of(final) if b["action_id"] == FORM_ACTION]

    boards = [
        c
        for c in slack_api.calls_to("chat.postMessage")
        if c.ok and str(c.args.get("text")).startswith("*AMA: ")
    ]
    updates = [c for c in slack_api.calls_to("chat.update") if c.ok and c.args["ts"] == board.ts]
    assert len(boards) == 1 and len(updates) >= 3
    for message in slack_api.messages(room.general):
        assert room.bob.id not in shown(message)
        assert "bob" not in shown(message).lower()
    for call in slack_api.calls_to("chat.update") + slack_api.calls_to("views.open"):
        assert room.bob.id not in json.dumps(call.args) and "Bob" not in json.dumps(call.args)


async def test_ama_ask_without_a_question_opens_the_form_unticked_in_a_named_ama(
    slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    room = Room(slack_api, inbound)
    features = (Builtin(), Ama())
    async with whole_porch(slack_api, _community(room), features, {}) as (porch, tap, http):
        start = 'start "Open roadmap" --named'
        assert await room.send(http, tap, room.command(room.dana, start)) is True
        await porch.settle()
        assert (await deliver(http, room.command(room.bob, "ask"))).status_code == 200
        view = _view(await slack_api.wait_for_call("views.open", lambda c: c.ok))
        assert _ticked(view) == []
        named = {"type": "checkboxes", "selected_options": []}
        submission = inbound.view_submission(
            room.bob.id,
            view["callback_id"],
            {
                FORM_TEXT_BLOCK: {FORM_TEXT_INPUT: "When?"},
                FORM_BOXES_BLOCK: {FORM_BOXES_INPUT: named},
            },
            private_metadata=view["private_metadata"],
        )
        assert await room.send(http, tap, inbound.interactive_request(submission)) is True
        await porch.settle()
        [question] = [m for m in slack_api.messages(room.general) if "When?" in m.text]
        assert "bob" in question.text.lower() or room.bob.id in shown(question)
    assert not [c for c in slack_api.calls_to("chat.postEphemeral") if "Usage" in str(c.args)]
