"""An introduction on Slack through a whole Porch (issue 8): a member joins, gets a welcome DM
with buttons, picks by click, answers the introduction question through the "Answer" modal, and
the introduction is posted once to the intro channel, however often Slack repeats itself."""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.interactive import ANSWER_ACTION, ANSWER_BLOCK, ANSWER_INPUT
from bot.features.builtin import Builtin
from bot.features.onboarding.feature import Onboarding
from bot.testing import builders
from tests.integration.slack.conftest import as_payload, buttons_of, deliver, whole_porch
from tests.standins.slack_api import SlackStandIn
from tests.standins.slack_inbound import SlackInbound, button_action

JOURNEY = builders.welcome_journey(
    """\
  - id: intro
    do: ask_text
    min_length: 20
    text: "Introduce yourself in a few sentences; I'll post it in {{ community.intro_channel }}."
  - do: post_intro
    answer: intro
    text: "Please welcome **{{ member.name }}**! {{ answers.intro | quote }}"
"""
)
INTRO = "I build spreadsheets for the finance team and want to learn Python."


def _newest(slack_api: SlackStandIn, conversation: str) -> Any:
    return slack_api.messages(conversation)[-1]


async def test_a_newcomer_picks_by_click_and_introduces_themselves_through_the_modal(
    slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    erin = slack_api.workspace.add_user("erin", real_name="Erin Newcomer")
    general = slack_api.general_id
    intros = slack_api.workspace.add_channel("introductions", members=[slack_api.bot_user_id])
    if slack_api.bot_user_id not in slack_api.general.members:
        slack_api.general.members.append(slack_api.bot_user_id)
    community = builders.community(
        platform="slack", main=general, intro=intros.id, playbooks=("welcome",)
    )
    journey = JOURNEY
    features = (Builtin(), Onboarding())
    async with whole_porch(slack_api, community, features, {"welcome": journey}) as (
        porch,
        tap,
        http,
    ):

        async def send(request: Any) -> bool:
            assert (await deliver(http, request)).status_code == 200
            return await tap.next()

        slack_api.general.members.append(erin.id)
        joined = inbound.event_callback(inbound.member_joined_channel(erin.id, general))
        assert await send(inbound.sign_json(joined)) is True
        retried = inbound.sign_json(joined, retry_num=1, retry_reason="http_timeout")
        assert await send(retried) is False
        await porch.settle()

        dm, _ = slack_api.workspace.open_dm([slack_api.bot_user_id, erin.id])
        [welcome] = slack_api.messages(dm.id)
        [learn] = [b for b in buttons_of(welcome) if b["text"]["text"] == "I want to learn"]
        click = inbound.block_actions(
            erin.id,
            [button_action(learn["action_id"], learn["value"])],
            channel_id=dm.id,
            message=as_payload(welcome),
        )
        assert await send(inbound.interactive_request(click)) is True
        await porch.settle()

        question = _newest(slack_api, dm.id)
        assert "Introduce yourself" in question.text
        [answer] = [b for b in buttons_of(question) if b["action_id"] == ANSWER_ACTION]
        opening = inbound.block_actions(
            erin.id,
            [button_action(answer["action_id"], answer["value"])],
            channel_id=dm.id,
            message=as_payload(question),
        )
        assert (await deliver(http, inbound.interactive_request(opening))).status_code == 200
        opened = await slack_api.wait_for_call("views.open", lambda c: c.ok)
        view = opened.args["view"]
        view = json.loads(view) if isinstance(view, str) else view
        assert "Introduce yourself" in json.dumps(view["blocks"])
        submission = inbound.view_submission(
            erin.id,
            view["callback_id"],
            {ANSWER_BLOCK: {ANSWER_INPUT: INTRO}},
            private_metadata=view["private_metadata"],
        )
        assert await send(inbound.interactive_request(submission)) is True
        assert await send(inbound.interactive_request(submission)) is False
        await porch.settle()

        # A later DM is just a DM: the introduction is not posted again.
        said = slack_api.workspace.post(dm.id, erin.id, INTRO)
        message = inbound.message(dm.id, erin.id, INTRO, ts=said.ts, channel_type="im")
        assert await send(inbound.events_request(message)) is True
        await porch.settle()

    posted = [m for m in slack_api.messages(intros.id) if INTRO in m.text]
    assert len(posted) == 1
    assert "erin" in posted[0].text.lower()
    assert [c for c in slack_api.calls_to("chat.postMessage") if c.ok and INTRO in str(c.args)]
