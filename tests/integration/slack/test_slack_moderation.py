"""Moderation on Slack through a whole Porch (issue 8): a member reports a message with the
"Report to moderators" shortcut, a moderator removes it from the queue with one click.

The adapter runs with the admin user token, so Porch may remove other members' messages; the
stand-in refuses the bot token for that and accepts the admin's, as Slack does.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

import httpx

from adapters.slack.interactive import REPORT_SHORTCUT
from bot.app import Porch
from bot.features.builtin import Builtin
from bot.features.moderation.feature import Moderation
from bot.features.onboarding.feature import Onboarding
from bot.testing import builders
from tests.integration.slack.conftest import (
    Tap,
    as_payload,
    buttons_of,
    deliver,
    shown,
    whole_porch,
)
from tests.standins.slack_api import DemoWorkspace, SlackStandIn, seed_demo_workspace
from tests.standins.slack_inbound import SlackInbound, button_action
from tests.unit.features.moderation.kit import playbook as moderation_playbook


def moderated_porch(
    standin: SlackStandIn, demo: DemoWorkspace, moderator: str
) -> AbstractAsyncContextManager[tuple[Porch, Tap, httpx.AsyncClient]]:
    """A Porch moderating #general, its queue in the private #mods, with the admin token."""
    community = builders.community(
        platform="slack",
        main=standin.general_id,
        moderators_channel=demo.mods.id,
        moderators=(f"slack:{moderator}",),
        playbooks=("rules",),
    )
    return whole_porch(
        standin,
        community,
        (Moderation(),),
        {"rules": moderation_playbook()},
        admin_token=demo.admin_token,
    )


async def test_a_reported_message_is_removed_by_a_moderator_from_the_queue(
    slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    demo = seed_demo_workspace(slack_api)
    mona = slack_api.workspace.add_user("mona", real_name="Mona Moderator")
    demo.mods.members.append(mona.id)
    author, reporter, general = demo.alice, demo.bob, slack_api.general_id

    async with moderated_porch(slack_api, demo, mona.id) as (porch, tap, http):
        # alice says something (no rule breached); Porch sees it, so it knows the author.
        stored = slack_api.workspace.post(general, author.id, "Nobody here knows anything")
        said = inbound.message(general, author.id, stored.text, ts=stored.ts)
        assert (await deliver(http, inbound.events_request(said))).status_code == 200
        assert await tap.next() is True
        await porch.settle()

        # bob reports it with the message shortcut.
        report = inbound.message_action(
            reporter.id, REPORT_SHORTCUT, channel_id=general, message=as_payload(stored)
        )
        assert (await deliver(http, inbound.interactive_request(report))).status_code == 200
        assert await tap.next() is True
        await porch.settle()

        posted = await slack_api.wait_for_call(
            "chat.postMessage", lambda c: c.args.get("channel") == demo.mods.id and c.ok
        )
        assert posted.token_kind == "bot"
        [item] = slack_api.messages(demo.mods.id)
        buttons = buttons_of(item)
        assert len(buttons) >= 3
        assert "Nobody here knows anything" in shown(item)
        assert reporter.id not in shown(item)
        assert reporter.real_name not in shown(item)
        [remove] = [b for b in buttons if "remov" in b["text"]["text"].lower()]

        # mona, a moderator, clicks "Remove message" on the queue item.
        click = inbound.block_actions(
            mona.id,
            [button_action(remove["action_id"], remove["value"])],
            channel_id=demo.mods.id,
            message=as_payload(item),
        )
        assert (await deliver(http, inbound.interactive_request(click))).status_code == 200
        assert await tap.next() is True
        await porch.settle()

        deleted = await slack_api.wait_for_call(
            "chat.delete", lambda c: c.args.get("ts") == stored.ts and c.ok
        )
        assert deleted.token_kind == "user"
        refused = [c for c in slack_api.calls_to("chat.delete") if c.token_kind == "bot"]
        assert [c.error for c in refused] == ["cant_delete_message"]
        assert deleted.args["channel"] == general
        assert stored.ts not in [m.ts for m in slack_api.messages(general)]

        conversation, _ = slack_api.workspace.open_dm([slack_api.bot_user_id, author.id])
        await slack_api.wait_for_call(
            "chat.postMessage", lambda c: c.args.get("channel") == conversation.id and c.ok
        )
        [notice] = slack_api.messages(conversation.id)
        assert "removed" in notice.text.lower()

    seen_by_author = [
        m
        for conv in slack_api.workspace.conversations.values()
        if author.id in conv.members
        for m in conv.messages
    ]
    assert notice in seen_by_author
    for message in seen_by_author:
        assert reporter.id not in shown(message)
        assert reporter.real_name not in shown(message)
        assert "bob" not in shown(message).lower()


async def test_a_report_of_a_message_porch_never_saw_still_names_its_author_and_text(
    slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    demo = seed_demo_workspace(slack_api)
    mona = slack_api.workspace.add_user("mona", real_name="Mona Moderator")
    demo.mods.members.append(mona.id)
    general = slack_api.general_id
    # posted while Porch was not running: Porch never saw it.
    stored = slack_api.workspace.post(general, demo.alice.id, "Buy cheap followers here")

    async with moderated_porch(slack_api, demo, mona.id) as (porch, tap, http):
        report = inbound.message_action(
            demo.bob.id, REPORT_SHORTCUT, channel_id=general, message=as_payload(stored)
        )
        assert (await deliver(http, inbound.interactive_request(report))).status_code == 200
        assert await tap.next() is True
        await porch.settle()
        await slack_api.wait_for_call(
            "chat.postMessage", lambda c: c.args.get("channel") == demo.mods.id and c.ok
        )
        [item] = slack_api.messages(demo.mods.id)
        assert "Buy cheap followers here" in shown(item)
        assert "not known" not in shown(item)
        assert demo.alice.id in shown(item) or "alice" in shown(item).lower()
        assert demo.bob.id not in shown(item)
        link = f"https://{slack_api.workspace.domain}.slack.com/archives/{general}/p"
        assert f"<{link}{stored.ts.replace('.', '')}|open the message>" in item.text


async def test_a_report_of_a_thread_reply_porch_never_saw_links_into_its_thread(
    slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    demo = seed_demo_workspace(slack_api)
    mona = slack_api.workspace.add_user("mona", real_name="Mona Moderator")
    demo.mods.members.append(mona.id)
    general = slack_api.general_id
    parent = slack_api.workspace.post(general, demo.bob.id, "Who has a good pivot table guide?")
    reply = slack_api.workspace.post(
        general, demo.alice.id, "DM me for cheap followers", thread_ts=parent.ts
    )

    async with moderated_porch(slack_api, demo, mona.id) as (porch, tap, http):
        payload = {**as_payload(reply), "thread_ts": parent.ts}
        report = inbound.message_action(
            demo.bob.id, REPORT_SHORTCUT, channel_id=general, message=payload
        )
        assert (await deliver(http, inbound.interactive_request(report))).status_code == 200
        assert await tap.next() is True
        await porch.settle()
        [item] = slack_api.messages(demo.mods.id)
    archive = f"https://{slack_api.workspace.domain}.slack.com/archives/{general}"
    link = f"{archive}/p{reply.ts.replace('.', '')}?thread_ts={parent.ts}&amp;cid={general}"
    assert f"<{link}|open the message>" in item.text


WELCOME = builders.welcome_journey(
    """\
  - id: thanks
    do: message
    text: "Thanks, noted."
"""
)


async def test_a_member_who_joins_gets_a_welcome_dm_with_buttons_and_picks_one(
    slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    erin = slack_api.workspace.add_user("erin", real_name="Erin Newcomer")
    general = slack_api.general_id
    if slack_api.bot_user_id not in slack_api.general.members:
        slack_api.general.members.append(slack_api.bot_user_id)
    community = builders.community(platform="slack", main=general, playbooks=("welcome",))
    welcome = WELCOME
    features = (Builtin(), Onboarding())
    async with whole_porch(slack_api, community, features, {"welcome": welcome}) as (
        porch,
        tap,
        http,
    ):
        slack_api.general.members.append(erin.id)
        joined = inbound.member_joined_channel(erin.id, general)
        assert (await deliver(http, inbound.events_request(joined))).status_code == 200
        assert await tap.next() is True
        await porch.settle()

        conversation, _ = slack_api.workspace.open_dm([slack_api.bot_user_id, erin.id])
        await slack_api.wait_for_call(
            "chat.postMessage", lambda c: c.args.get("channel") == conversation.id and c.ok
        )
        [prompt] = slack_api.messages(conversation.id)
        assert "welcome" in prompt.text.lower()
        buttons = buttons_of(prompt)
        labels = [b["text"]["text"] for b in buttons]
        assert "I want to learn" in labels and "I want to help" in labels
        [help_button] = [b for b in buttons if b["text"]["text"] == "I want to help"]

        click = inbound.block_actions(
            erin.id,
            [button_action(help_button["action_id"], help_button["value"])],
            channel_id=conversation.id,
            message=as_payload(prompt),
        )
        assert (await deliver(http, inbound.interactive_request(click))).status_code == 200
        assert await tap.next() is True
        await porch.settle()

        await slack_api.wait_for_call(
            "chat.postMessage",
            lambda c: c.args.get("channel") == conversation.id and "Thanks" in str(c.args),
        )
        assert any(m.text == "Thanks, noted." for m in slack_api.messages(conversation.id))
