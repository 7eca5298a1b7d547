"""Prompts on Slack through a whole Porch: a DM with buttons, a click, a modal, an answer.

A test-only feature asks; the member clicks the button Porch rendered (the payload is built from
the blocks the stand-in stored) or opens the "Answer" modal and submits it. The answer must reach
the feature that asked, once.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from adapters.slack.interactive import ANSWER_BLOCK, ANSWER_INPUT
from bot.core.clock import FakeClock
from bot.core.commands import CommandSpec, ParsedCommand
from bot.core.events import ChoicePicked, CommandInvoked, TextAnswered
from bot.core.message import Choice, Message
from bot.features.base import Context, Feature
from bot.store.models import PromptRecord
from bot.testing import builders
from tests.integration.slack.conftest import asgi_client, deliver, running_porch
from tests.standins.slack_api import SlackStandIn
from tests.standins.slack_inbound import SlackInbound, button_action


class Asker(Feature):
    """`/porch quiz` asks a choice in a DM; `/porch essay` asks for typed text."""

    name: ClassVar[str] = "asker"
    commands: ClassVar[tuple[CommandSpec, ...]] = (
        CommandSpec("porch", "quiz", "builtin.summary_ping"),
        CommandSpec("porch", "essay", "builtin.summary_ping"),
    )

    def __init__(self) -> None:
        self.answers: list[str] = []

    def on_command(self, command: ParsedCommand, event: CommandInvoked, ctx: Context) -> None:
        if command.spec.name == "quiz":
            choices = (Choice(id="tea", label="Tea"), Choice(id="coffee", label="Coffee"))
            message = Message(text="Tea or coffee?", choices=choices)
        else:
            message = Message(text="What do you work on?", expects_text=True)
        ctx.ask(f"{command.spec.name}:{event.member}", event.member, message, feature=self.name)

    def on_prompt(
        self, event: ChoicePicked | TextAnswered, prompt: PromptRecord, ctx: Context
    ) -> None:
        self.answers.append(event.choice_id if isinstance(event, ChoicePicked) else event.text)


def _dm_prompt(slack_api: SlackStandIn, member: str) -> Any:
    conversation, _ = slack_api.workspace.open_dm([slack_api.bot_user_id, member])
    [prompt] = slack_api.messages(conversation.id)
    return conversation.id, prompt


def _as_payload(message: Any) -> dict[str, Any]:
    return {"type": "message", "ts": message.ts, "text": message.text, "blocks": message.blocks}


async def test_a_button_in_a_dm_answers_the_prompt_once(
    slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    asker = Asker()
    member = slack_api.owner.id
    clock = FakeClock(builders.T0)
    async with (
        running_porch(slack_api, clock, (asker,)) as (porch, adapter, tap),
        asgi_client(adapter) as http,
    ):
        command = inbound.slash_command_request(
            "/porch", "quiz", user_id=member, channel_id=slack_api.general_id
        )
        await deliver(http, command)
        assert await tap.next() is True
        await porch.settle()
        channel, prompt = _dm_prompt(slack_api, member)
        coffee = prompt.blocks[-1]["elements"][1]
        click = inbound.block_actions(
            member,
            [button_action(coffee["action_id"], coffee["value"])],
            channel_id=channel,
            message=_as_payload(prompt),
        )
        await deliver(http, inbound.interactive_request(click))
        assert await tap.next() is True
        await deliver(http, inbound.interactive_request(click))
        assert await tap.next() is False
    assert asker.answers == ["coffee"]


async def test_the_answer_modal_answers_a_text_prompt(
    slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    asker = Asker()
    member = slack_api.owner.id
    async with (
        running_porch(slack_api, FakeClock(builders.T0), (asker,)) as (porch, adapter, tap),
        asgi_client(adapter) as http,
    ):
        command = inbound.slash_command_request(
            "/porch", "essay", user_id=member, channel_id=slack_api.general_id
        )
        await deliver(http, command)
        await tap.next()
        await porch.settle()
        channel, prompt = _dm_prompt(slack_api, member)
        answer = prompt.blocks[-1]["elements"][0]
        click = inbound.block_actions(
            member,
            [button_action(answer["action_id"], answer["value"])],
            channel_id=channel,
            message=_as_payload(prompt),
        )
        await deliver(http, inbound.interactive_request(click))
        opened = await slack_api.wait_for_call("views.open")
        view = opened.args["view"]
        view = json.loads(view) if isinstance(view, str) else view
        submission = inbound.view_submission(
            member,
            view["callback_id"],
            {ANSWER_BLOCK: {ANSWER_INPUT: "Spreadsheets for the finance team"}},
            private_metadata=view["private_metadata"],
        )
        await deliver(http, inbound.interactive_request(submission))
        assert await tap.next() is True
    assert asker.answers == ["Spreadsheets for the finance team"]
