"""Tests of the Slack stand-in itself.

The stand-in is only worth having if it rejects what Slack rejects, so most
tests drive it with the real slack_sdk / slack_bolt clients and assert on
Slack's error codes, HTTP statuses and headers.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from tests.standins.conftest import StandInFactory
from tests.standins.slack_api import (
    METHOD_LIMITS,
    TIER_1,
    TIER_2,
    TIER_3,
    TIER_4,
    DemoWorkspace,
    Limit,
    ManualClock,
    ScaledClock,
    SlackStandIn,
    SocketAckTimeout,
    seed_demo_workspace,
)
from tests.standins.slack_inbound import (
    InboundRequest,
    SlackInbound,
    button_action,
    sign,
    static_select_action,
    verify,
)
from tests.standins.slack_spec import (
    EVENTS_ASYNCAPI,
    EVENTS_WRAPPER_SCHEMA,
    WEB_API_SPEC,
    load_json,
    load_spec,
)

TS_PATTERN = re.compile(r"^\d{10}\.\d{6}$")
REPO_ROOT = Path(__file__).resolve().parents[2]


def web(standin: SlackStandIn, token: str | None = None) -> AsyncWebClient:
    """A real slack_sdk client pointed at the stand-in, without auto-retries."""
    return AsyncWebClient(
        token=token or standin.bot_token, base_url=standin.base_url, retry_handlers=[]
    )


async def slack_error(awaitable: Any) -> SlackApiError:
    """Await a client call that must fail and return the SlackApiError."""
    with pytest.raises(SlackApiError) as info:
        await awaitable
    return info.value


def bolt_request(request: InboundRequest) -> AsyncBoltRequest:
    """Hand an inbound request to Bolt the way its HTTP adapters do."""
    headers: dict[str, str | Sequence[str]] = dict(request.headers)
    return AsyncBoltRequest(body=request.text(), headers=headers)


def error_code(exc: SlackApiError) -> str:
    return str(exc.response["error"])


async def raw_post(standin: SlackStandIn, method: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    """POST with plain aiohttp, to control content types and token placement."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(standin.base_url + method, **kwargs) as resp,
    ):
        return resp.status, await resp.json()


# ==========================================================================
# The spec
# ==========================================================================


def test_spec_indexes_published_methods_and_supplement() -> None:
    spec = load_spec()
    post = spec.method("chat.postMessage")
    assert post is not None and post.in_published_spec
    assert "channel" in post.required and "metadata" in post.params
    assert "no_text" in post.errors
    socket_open = spec.method("apps.connections.open")
    assert socket_open is not None and not socket_open.in_published_spec
    assert socket_open.token_kinds == frozenset({"app"})
    assert spec.method("chat.postMesage") is None
    history = spec.method("conversations.history")
    assert history is not None and "channel" in history.required and not history.accepts_json


def test_rate_limit_table_names_only_real_methods() -> None:
    spec = load_spec()
    assert sorted(m for m in METHOD_LIMITS if m not in spec) == []


# ==========================================================================
# Contract enforcement
# ==========================================================================


async def test_unknown_method_is_rejected_and_recorded_as_violation(
    slack_api: SlackStandIn,
) -> None:
    exc = await slack_error(
        web(slack_api).api_call("chat.postMesage", json={"channel": "C1", "text": "x"})
    )
    assert exc.response.data == {
        "ok": False,
        "error": "unknown_method",
        "req_method": "chat.postMesage",
    }
    assert [str(v) for v in slack_api.take_violations()] == [
        "chat.postMesage: unknown Web API method (not in Slack's spec)"
    ]


async def test_missing_required_argument_gets_invalid_arguments(slack_api: SlackStandIn) -> None:
    exc = await slack_error(
        web(slack_api).api_call("conversations.history", http_verb="GET", params={})
    )
    assert error_code(exc) == "invalid_arguments"
    assert exc.response["response_metadata"]["messages"] == [
        "[ERROR] missing required field: channel"
    ]
    assert [v.message for v in slack_api.take_violations()] == [
        "missing required argument 'channel'"
    ]


async def test_unknown_argument_is_only_a_warning(slack_api: SlackStandIn) -> None:
    slack_api.general.members.append(slack_api.bot_user_id)
    client = web(slack_api)
    await client.chat_postMessage(channel=slack_api.general_id, text="hi", made_up_flag="1")
    await client.chat_postMessage(
        channel=slack_api.general_id, text="hi", metadata={"event_type": "t", "event_payload": {}}
    )
    assert [w.message for w in slack_api.warnings] == ["argument 'made_up_flag' is not in the spec"]
    assert slack_api.violations == []


async def test_postmessage_without_content_is_no_text(slack_api: SlackStandIn) -> None:
    slack_api.general.members.append(slack_api.bot_user_id)
    exc = await slack_error(
        web(slack_api).api_call("chat.postMessage", json={"channel": slack_api.general_id})
    )
    assert error_code(exc) == "no_text"
    assert slack_api.violations == []


async def test_token_inside_json_body_is_ignored_like_slack(slack_api: SlackStandIn) -> None:
    status, body = await raw_post(slack_api, "auth.test", json={"token": slack_api.bot_token})
    assert (status, body["error"]) == (200, "not_authed")
    messages = [v.message for v in slack_api.take_violations()]
    assert "token sent inside a JSON body; Slack ignores it" in messages


async def test_auth_errors(slack_api: SlackStandIn) -> None:
    assert (
        error_code(await slack_error(web(slack_api, "xoxb-not-registered").auth_test()))
        == "invalid_auth"
    )
    assert slack_api.violations == []
    assert (
        error_code(await slack_error(AsyncWebClient(base_url=slack_api.base_url).auth_test()))
        == "not_authed"
    )
    wrong_kind = web(slack_api).apps_connections_open(app_token=slack_api.bot_token)
    assert error_code(await slack_error(wrong_kind)) == "not_allowed_token_type"
    assert len(slack_api.take_violations()) == 2


async def test_revoked_token_is_invalid_auth(slack_api: SlackStandIn) -> None:
    slack_api.revoke_token(slack_api.bot_token)
    assert error_code(await slack_error(web(slack_api).auth_test())) == "invalid_auth"


async def test_form_multipart_query_and_json_bodies_are_all_understood(
    slack_api: SlackStandIn,
) -> None:
    slack_api.general.members.append(slack_api.bot_user_id)
    slack_api.disable_rate_limits()  # four posts to one channel in a second would be 429
    channel, token = slack_api.general_id, slack_api.bot_token
    form = {"token": token, "channel": channel, "text": "form"}
    assert (await raw_post(slack_api, "chat.postMessage", data=form))[1]["ok"]
    multipart = aiohttp.FormData({"channel": channel, "text": "multipart"})
    multipart.add_field("token", token)
    multipart.add_field("file", b"abc", filename="a.txt")
    assert (await raw_post(slack_api, "chat.postMessage", data=multipart))[1]["ok"]
    query = {"token": token, "channel": channel, "text": "query"}
    assert (await raw_post(slack_api, "chat.postMessage", params=query))[1]["ok"]
    auth = {"Authorization": f"Bearer {token}"}
    assert (
        await raw_post(
            slack_api, "chat.postMessage", json={"channel": channel, "text": "json"}, headers=auth
        )
    )[1]["ok"]
    assert [m.text for m in slack_api.messages(channel)] == ["form", "multipart", "query", "json"]
    assert slack_api.calls_to("chat.postMessage")[1].args["file"]["filename"] == "a.txt"


async def test_json_without_charset_gets_slacks_warning(slack_api: SlackStandIn) -> None:
    headers = {"Authorization": f"Bearer {slack_api.bot_token}", "Content-Type": "application/json"}
    _, body = await raw_post(slack_api, "auth.test", data=b"{}", headers=headers)
    assert body["ok"] and body["warning"] == "missing_charset"


async def test_invalid_json_body(slack_api: SlackStandIn) -> None:
    headers = {
        "Authorization": f"Bearer {slack_api.bot_token}",
        "Content-Type": "application/json; charset=utf-8",
    }
    _, body = await raw_post(slack_api, "auth.test", data=b"{nope", headers=headers)
    assert body["error"] == "invalid_json"
    assert len(slack_api.take_violations()) == 1


async def test_unmodelled_method_answers_with_spec_example(slack_api: SlackStandIn) -> None:
    response = await web(slack_api).api_call("reactions.list", http_verb="GET", params={})
    assert response["ok"] and "items" in response.data
    assert [w.message for w in slack_api.warnings] == [
        "method not modelled; answered with the spec's example"
    ]


def test_violation_fails_the_test_at_teardown(tmp_path: Path) -> None:
    """Run a tiny pytest session that uses the real fixture and check its outcome."""
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    (tmp_path / "conftest.py").write_text(
        "from tests.standins.conftest import slack_api, slack_api_factory  # noqa\n"
    )
    (tmp_path / "test_inner.py").write_text(
        textwrap.dedent(
            """
            import pytest
            from slack_sdk.errors import SlackApiError
            from slack_sdk.web.async_client import AsyncWebClient

            async def test_typo(slack_api):
                client = AsyncWebClient(token=slack_api.bot_token, base_url=slack_api.base_url)
                with pytest.raises(SlackApiError):
                    await client.api_call("chat.postMesage")

            async def test_clean(slack_api):
                client = AsyncWebClient(token=slack_api.bot_token, base_url=slack_api.base_url)
                await client.auth_test()
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 passed, 1 error" in result.stdout  # test_typo's body passed; its teardown errored
    assert "ERROR at teardown of test_typo" in result.stdout
    assert "chat.postMesage: unknown Web API method" in result.stdout


#: Fields real Slack sends that postdate the 2020-2021 spec's closed schemas.
NEWER_MESSAGE_FIELDS = {
    "app_id": {"type": "string"},
    "edited": {"type": "object"},
    "metadata": {"type": "object"},
}


def _relaxed_schema(schema: dict[str, Any]) -> dict[str, Any]:
    relaxed = copy.deepcopy(schema)
    relaxed.setdefault("properties", {})["response_metadata"] = {"type": "object"}
    relaxed["definitions"]["objs_message"]["properties"].update(NEWER_MESSAGE_FIELDS)
    return relaxed


async def test_success_responses_match_spec_schemas(slack_api_factory: StandInFactory) -> None:
    slack = await slack_api_factory(clock=ManualClock())
    demo = seed_demo_workspace(slack)
    client, general = web(slack), demo.general.id
    posted = await client.chat_postMessage(channel=general, text="x")
    responses = [
        posted,
        await client.auth_test(),
        await client.chat_update(channel=general, ts=posted["ts"], text="y"),
        await client.conversations_history(channel=general),
        await client.conversations_replies(channel=general, ts=posted["ts"]),
        await client.conversations_members(channel=general),
        await client.conversations_open(users=demo.alice.id),
        await client.conversations_info(channel=general),
        await client.conversations_list(),
        await client.conversations_invite(channel=demo.random.id, users=demo.carol.id),
        await client.conversations_kick(channel=demo.random.id, user=demo.carol.id),
        await client.users_info(user=demo.alice.id),
        await client.users_list(),
        await client.reactions_add(channel=general, timestamp=posted["ts"], name="tada"),
        await client.pins_add(channel=general, timestamp=posted["ts"]),
        await client.chat_getPermalink(channel=general, message_ts=posted["ts"]),
        await client.chat_postEphemeral(channel=general, user=demo.alice.id, text="e"),
        await client.team_info(),
        await client.chat_delete(channel=general, ts=posted["ts"]),
    ]
    spec = load_spec()
    for call, response in zip(slack.calls, responses, strict=True):
        schema = spec.response_schema(call.method)
        assert schema is not None, call.method
        errors = [
            e.message
            for e in jsonschema.Draft4Validator(_relaxed_schema(schema)).iter_errors(response.data)
        ]
        assert errors == [], call.method


# ==========================================================================
# Workspace model
# ==========================================================================


async def test_messages_threads_and_ts(slack_api_factory: StandInFactory) -> None:
    slack = await slack_api_factory(clock=ManualClock())
    demo = seed_demo_workspace(slack)
    client = web(slack)
    first = await client.chat_postMessage(channel=demo.general.id, text="one")
    second = await client.chat_postMessage(channel=demo.general.id, text="two")
    reply = await client.chat_postMessage(channel=demo.general.id, text="re", thread_ts=first["ts"])
    stamps = [first["ts"], second["ts"], reply["ts"]]
    assert all(TS_PATTERN.match(ts) for ts in stamps)
    assert stamps == sorted(stamps) and len(set(stamps)) == 3  # unique although the clock is frozen
    history = await client.conversations_history(channel=demo.general.id)
    assert [m["text"] for m in history["messages"]] == ["two", "one"]
    assert history["messages"][1]["reply_count"] == 1
    replies = await client.conversations_replies(channel=demo.general.id, ts=first["ts"])
    assert [m["text"] for m in replies["messages"]] == ["one", "re"]
    assert replies["messages"][1]["parent_user_id"] == slack.bot_user_id


async def test_history_returns_metadata_only_when_asked(
    slack_api: SlackStandIn, slack_demo: DemoWorkspace
) -> None:
    client = web(slack_api)
    metadata = {"event_type": "porch_prompt", "event_payload": {"prompt_id": "p-1"}}
    posted = await client.chat_postMessage(
        channel=slack_demo.general.id, text="Prompt", metadata=metadata
    )
    assert posted["message"]["metadata"] == metadata
    plain = await client.conversations_history(channel=slack_demo.general.id)
    assert "metadata" not in plain["messages"][0]
    full = await client.conversations_history(
        channel=slack_demo.general.id, include_all_metadata=True
    )
    assert full["messages"][0]["metadata"] == metadata
    replies = await client.conversations_replies(
        channel=slack_demo.general.id, ts=posted["ts"], include_all_metadata=True
    )
    assert replies["messages"][0]["metadata"] == metadata


async def test_malformed_metadata_is_rejected(
    slack_api: SlackStandIn, slack_demo: DemoWorkspace
) -> None:
    call = web(slack_api).chat_postMessage(
        channel=slack_demo.general.id, text="x", metadata={"event_type": "t"}
    )
    assert error_code(await slack_error(call)) == "invalid_metadata_format"


async def test_history_pagination_and_window(
    slack_api: SlackStandIn, slack_demo: DemoWorkspace
) -> None:
    posted = [
        slack_api.workspace.post(slack_demo.random.id, slack_demo.alice.id, f"m{i}")
        for i in range(5)
    ]
    client = web(slack_api)
    page1 = await client.conversations_history(channel=slack_demo.random.id, limit=2)
    assert [m["text"] for m in page1["messages"]] == ["m4", "m3"] and page1["has_more"]
    cursor = page1["response_metadata"]["next_cursor"]
    page2 = await client.conversations_history(channel=slack_demo.random.id, limit=2, cursor=cursor)
    assert [m["text"] for m in page2["messages"]] == ["m2", "m1"]
    window = await client.conversations_history(
        channel=slack_demo.random.id, oldest=posted[1].ts, latest=posted[3].ts, inclusive=True
    )
    assert [m["text"] for m in window["messages"]] == ["m3", "m2", "m1"]
    bad = client.conversations_history(channel=slack_demo.random.id, cursor="bm9wZQ==")
    assert error_code(await slack_error(bad)) == "invalid_cursor"


async def test_reading_requires_membership(
    slack_api: SlackStandIn, slack_demo: DemoWorkspace
) -> None:
    outsider = slack_api.workspace.add_channel("outside", members=[slack_demo.alice.id])
    client = web(slack_api)
    assert (
        error_code(await slack_error(client.conversations_history(channel=outsider.id)))
        == "not_in_channel"
    )
    secret = slack_api.workspace.add_channel("secret", private=True, members=[slack_demo.alice.id])
    assert (
        error_code(await slack_error(client.conversations_history(channel=secret.id)))
        == "channel_not_found"
    )
    user_client = web(slack_api, slack_demo.admin_token)
    assert (await user_client.conversations_history(channel=outsider.id))["ok"]


async def test_posting_rules(slack_api: SlackStandIn, slack_demo: DemoWorkspace) -> None:
    client = web(slack_api)
    outsider = slack_api.workspace.add_channel("outside", members=[slack_demo.alice.id])
    assert (
        error_code(await slack_error(client.chat_postMessage(channel=outsider.id, text="x")))
        == "not_in_channel"
    )
    assert (
        error_code(await slack_error(client.chat_postMessage(channel="C0NOPE0000", text="x")))
        == "channel_not_found"
    )
    by_name = await client.chat_postMessage(channel="#random", text="by name")
    assert by_name["channel"] == slack_demo.random.id
    public_writer = slack_api.add_bot_token(scopes={"chat:write", "chat:write.public"})
    assert (await web(slack_api, public_writer).chat_postMessage(channel=outsider.id, text="ok"))[
        "ok"
    ]
    to_user = await client.chat_postMessage(channel=slack_demo.alice.id, text="psst")
    opened = await client.conversations_open(users=slack_demo.alice.id)
    assert to_user["channel"] == opened["channel"]["id"] and to_user["channel"].startswith("D")


async def test_update_and_delete_permissions(
    slack_api: SlackStandIn, slack_demo: DemoWorkspace
) -> None:
    client = web(slack_api)
    mine = await client.chat_postMessage(channel=slack_demo.general.id, text="v1")
    updated = await client.chat_update(channel=slack_demo.general.id, ts=mine["ts"], text="v2")
    assert updated["message"]["text"] == "v2" and "edited" in updated["message"]
    theirs = slack_api.workspace.post(slack_demo.general.id, slack_demo.alice.id, "alice says")
    update_theirs = client.chat_update(channel=slack_demo.general.id, ts=theirs.ts, text="hacked")
    assert error_code(await slack_error(update_theirs)) == "cant_update_message"
    delete_theirs = client.chat_delete(channel=slack_demo.general.id, ts=theirs.ts)
    assert error_code(await slack_error(delete_theirs)) == "cant_delete_message"
    admin = web(slack_api, slack_demo.admin_token)
    assert (await admin.chat_delete(channel=slack_demo.general.id, ts=theirs.ts))["ok"]
    assert error_code(
        await slack_error(admin.chat_delete(channel=slack_demo.general.id, ts=theirs.ts))
    ) == ("message_not_found")
    assert (await client.chat_delete(channel=slack_demo.general.id, ts=mine["ts"]))["ok"]
    assert slack_api.messages(slack_demo.general.id) == []


async def test_deleting_a_thread_parent_leaves_a_tombstone(
    slack_api: SlackStandIn, slack_demo: DemoWorkspace
) -> None:
    client = web(slack_api)
    parent = await client.chat_postMessage(channel=slack_demo.general.id, text="parent")
    await client.chat_postMessage(
        channel=slack_demo.general.id, text="child", thread_ts=parent["ts"]
    )
    await client.chat_delete(channel=slack_demo.general.id, ts=parent["ts"])
    history = await client.conversations_history(channel=slack_demo.general.id)
    assert history["messages"][0]["subtype"] == "tombstone"


async def test_reactions(slack_api: SlackStandIn, slack_demo: DemoWorkspace) -> None:
    client = web(slack_api)
    message = slack_api.workspace.post(slack_demo.general.id, slack_demo.alice.id, "react to me")
    await client.reactions_add(channel=slack_demo.general.id, timestamp=message.ts, name="tada")
    again = client.reactions_add(channel=slack_demo.general.id, timestamp=message.ts, name="tada")
    assert error_code(await slack_error(again)) == "already_reacted"
    assert message.reactions == {"tada": [slack_api.bot_user_id]}
    await client.reactions_remove(channel=slack_demo.general.id, timestamp=message.ts, name="tada")
    gone = client.reactions_remove(channel=slack_demo.general.id, timestamp=message.ts, name="tada")
    assert error_code(await slack_error(gone)) == "no_reaction"
    missing = client.reactions_add(channel=slack_demo.general.id, timestamp="1.000001", name="tada")
    assert error_code(await slack_error(missing)) == "message_not_found"


async def test_pins(slack_api: SlackStandIn, slack_demo: DemoWorkspace) -> None:
    client = web(slack_api)
    message = await client.chat_postMessage(channel=slack_demo.general.id, text="rules")
    await client.pins_add(channel=slack_demo.general.id, timestamp=message["ts"])
    again = client.pins_add(channel=slack_demo.general.id, timestamp=message["ts"])
    assert error_code(await slack_error(again)) == "already_pinned"
    assert (
        error_code(await slack_error(client.pins_add(channel=slack_demo.general.id)))
        == "no_item_specified"
    )
    listed = await client.pins_list(channel=slack_demo.general.id)
    assert [item["message"]["text"] for item in listed["items"]] == ["rules"]


async def test_dms_are_stable_and_group_dms_exist(
    slack_api: SlackStandIn, slack_demo: DemoWorkspace
) -> None:
    client = web(slack_api)
    first = await client.conversations_open(users=slack_demo.alice.id)
    again = await client.conversations_open(users=[slack_demo.alice.id])
    assert first["channel"]["id"] == again["channel"]["id"] and again["already_open"]
    group = await client.conversations_open(
        users=[slack_demo.alice.id, slack_demo.bob.id], return_im=True
    )
    assert group["channel"]["is_mpim"] and group["channel"]["id"] != first["channel"]["id"]
    assert (
        error_code(await slack_error(client.conversations_open(users="U0NOBODY00")))
        == "user_not_found"
    )
    assert (
        error_code(await slack_error(client.conversations_open(users=slack_demo.departed.id)))
        == "user_disabled"
    )
    neither = client.api_call("conversations.open", params={})
    assert error_code(await slack_error(neither)) == "users_list_not_supplied"


async def test_invite_and_kick(slack_api: SlackStandIn, slack_demo: DemoWorkspace) -> None:
    client = web(slack_api)
    random = slack_demo.random.id
    assert error_code(
        await slack_error(client.conversations_invite(channel=random, users=slack_demo.alice.id))
    ) == ("already_in_channel")
    await client.conversations_invite(channel=random, users=[slack_demo.carol.id])
    assert slack_demo.carol.id in slack_demo.random.members
    invite_self = client.conversations_invite(channel=random, users=slack_api.bot_user_id)
    assert error_code(await slack_error(invite_self)) == "cant_invite_self"
    await client.conversations_kick(channel=random, user=slack_demo.carol.id)
    kick_again = client.conversations_kick(channel=random, user=slack_demo.carol.id)
    assert error_code(await slack_error(kick_again)) == "not_in_channel"
    kick_self = client.conversations_kick(channel=random, user=slack_api.bot_user_id)
    assert error_code(await slack_error(kick_self)) == "cant_kick_self"
    kick_general = client.conversations_kick(channel=slack_demo.general.id, user=slack_demo.bob.id)
    assert error_code(await slack_error(kick_general)) == "cant_kick_from_general"
    outsider = slack_api.workspace.add_channel("outside", members=[slack_demo.alice.id])
    not_member = client.conversations_invite(channel=outsider.id, users=slack_demo.bob.id)
    assert error_code(await slack_error(not_member)) == "not_in_channel"


async def test_members_users_and_auth(slack_api: SlackStandIn, slack_demo: DemoWorkspace) -> None:
    client = web(slack_api)
    page = await client.conversations_members(channel=slack_demo.general.id, limit=2)
    rest = await client.conversations_members(
        channel=slack_demo.general.id, cursor=page["response_metadata"]["next_cursor"]
    )
    assert page["members"] + rest["members"] == slack_demo.general.members
    info = await client.users_info(user=slack_demo.admin.id)
    assert info["user"]["is_admin"] and not info["user"]["is_bot"]
    assert error_code(await slack_error(client.users_info(user="U0NOBODY00"))) == "user_not_found"
    auth = await client.auth_test()
    assert (auth["user_id"], auth["team_id"], auth["bot_id"]) == (
        slack_api.bot_user_id,
        slack_api.team_id,
        slack_api.bot_user.bot_id,
    )


async def test_ephemeral_messages(slack_api: SlackStandIn, slack_demo: DemoWorkspace) -> None:
    client = web(slack_api)
    sent = await client.chat_postEphemeral(
        channel=slack_demo.random.id, user=slack_demo.alice.id, text="only you"
    )
    assert slack_api.workspace.ephemeral[-1]["ts"] == sent["message_ts"]
    not_there = client.chat_postEphemeral(
        channel=slack_demo.random.id, user=slack_demo.carol.id, text="x"
    )
    assert error_code(await slack_error(not_there)) == "user_not_in_channel"


# ==========================================================================
# Views and triggers
# ==========================================================================

MODAL = {
    "type": "modal",
    "callback_id": "signup",
    "title": {"type": "plain_text", "text": "Sign up"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "b",
            "label": {"type": "plain_text", "text": "Name"},
            "element": {"type": "plain_text_input", "action_id": "a"},
        }
    ],
}


async def test_views_open_consumes_triggers(slack_api_factory: StandInFactory) -> None:
    slack = await slack_api_factory(clock=ManualClock())
    client = web(slack)
    trigger = slack.issue_trigger_id()
    opened = await client.views_open(trigger_id=trigger, view=MODAL)
    assert opened["view"]["id"].startswith("V") and opened["view"]["callback_id"] == "signup"
    assert (
        error_code(await slack_error(client.views_open(trigger_id=trigger, view=MODAL)))
        == "exchanged_trigger_id"
    )
    stale = slack.issue_trigger_id()
    slack.advance(3.5)
    assert (
        error_code(await slack_error(client.views_open(trigger_id=stale, view=MODAL)))
        == "expired_trigger_id"
    )
    assert (
        error_code(await slack_error(client.views_open(trigger_id="nope", view=MODAL)))
        == "invalid_trigger_id"
    )
    assert (
        error_code(await slack_error(client.api_call("views.open", json={"view": MODAL})))
        == "invalid_arguments"
    )
    assert [v.message for v in slack.take_violations()] == [
        "missing required argument 'interactivity_pointer or trigger_id'"
    ]


async def test_inbound_trigger_ids_are_accepted_once(
    slack_api: SlackStandIn, slack_inbound: SlackInbound
) -> None:
    command = slack_inbound.slash_command(
        "/porch", "join", user_id=slack_api.owner.id, channel_id=slack_api.general_id
    )
    client = web(slack_api)
    assert (await client.views_open(trigger_id=command["trigger_id"], view=MODAL))["ok"]
    assert slack_api.warnings == []  # the trigger was known, so expiry was checked
    again = client.views_open(trigger_id=command["trigger_id"], view=MODAL)
    assert error_code(await slack_error(again)) == "exchanged_trigger_id"


async def test_view_validation(slack_api: SlackStandIn) -> None:
    client = web(slack_api)
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "A title that is far too long"}}
    exc = await slack_error(
        client.views_open(trigger_id=slack_api.issue_trigger_id(), view=long_title)
    )
    assert error_code(exc) == "invalid_arguments"
    assert "json-pointer:/view/title/text" in exc.response["response_metadata"]["messages"][0]
    no_submit = {k: v for k, v in MODAL.items() if k != "submit"}
    exc = await slack_error(
        client.views_open(trigger_id=slack_api.issue_trigger_id(), view=no_submit)
    )
    assert "submit is required" in exc.response["response_metadata"]["messages"][0]


async def test_home_views_are_stored_per_user(
    slack_api: SlackStandIn, slack_demo: DemoWorkspace
) -> None:
    client = web(slack_api)
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
    }
    first = await client.views_publish(user_id=slack_demo.alice.id, view=home)
    assert slack_api.workspace.home_views[slack_demo.alice.id]["id"] == first["view"]["id"]
    stale = client.views_publish(user_id=slack_demo.alice.id, view=home, hash="1.stale")
    assert error_code(await slack_error(stale)) == "hash_conflict"
    second = await client.views_publish(
        user_id=slack_demo.alice.id, view=home, hash=first["view"]["hash"]
    )
    assert second["view"]["id"] == first["view"]["id"]
    modal_as_home = client.views_publish(user_id=slack_demo.alice.id, view=MODAL)
    assert error_code(await slack_error(modal_as_home)) == "invalid_arguments"


async def test_views_update_by_external_id(slack_api: SlackStandIn) -> None:
    client = web(slack_api)
    opened = await client.views_open(
        trigger_id=slack_api.issue_trigger_id(), view={**MODAL, "external_id": "x1"}
    )
    changed = {**MODAL, "title": {"type": "plain_text", "text": "Thanks"}}
    updated = await client.views_update(external_id="x1", view=changed)
    assert (
        updated["view"]["id"] == opened["view"]["id"]
        and updated["view"]["title"]["text"] == "Thanks"
    )
    assert (
        error_code(await slack_error(client.views_update(view_id="V0NOPE", view=changed)))
        == "not_found"
    )


# ==========================================================================
# Rate limits
# ==========================================================================


def test_tier_table() -> None:
    limiter_methods = {
        "chat.update": TIER_3,
        "chat.delete": TIER_3,
        "reactions.add": TIER_3,
        "conversations.open": TIER_3,
        "conversations.invite": TIER_3,
        "conversations.kick": TIER_3,
        "conversations.history": TIER_3,
        "views.open": TIER_4,
        "views.publish": TIER_4,
        "users.info": TIER_4,
        "conversations.members": TIER_4,
        "pins.add": TIER_2,
        "apps.connections.open": TIER_1,
    }
    limiter = SlackStandIn(clock=ManualClock()).rate_limits
    assert {m: limiter.limit_for(m) for m in limiter_methods} == limiter_methods
    assert limiter.limit_for("conversations.mark") == TIER_3  # unlisted -> Tier 3


async def test_tier_limit_returns_429_with_retry_after(slack_api_factory: StandInFactory) -> None:
    slack = await slack_api_factory(clock=ManualClock())
    client = web(slack)
    for _ in range(TIER_2.burst):
        await client.pins_list(channel=slack.general_id)
    exc = await slack_error(client.pins_list(channel=slack.general_id))
    assert exc.response.status_code == 429 and error_code(exc) == "ratelimited"
    assert exc.response.headers["Retry-After"] == "3"  # 20/min -> one slot every 3 s
    other_token = slack.add_bot_token()
    assert (await web(slack, other_token).pins_list(channel=slack.general_id))["ok"]
    slack.advance(3)
    assert (await client.pins_list(channel=slack.general_id))["ok"]


async def test_tier_1_socket_mode_url(slack_api_factory: StandInFactory) -> None:
    slack = await slack_api_factory(clock=ManualClock())
    client = web(slack)
    urls = [
        (await client.apps_connections_open(app_token=slack.app_token))["url"]
        for _ in range(TIER_1.burst)
    ]
    assert all(url.startswith(f"ws://127.0.0.1:{slack.port}/link/?ticket=") for url in urls)
    exc = await slack_error(client.apps_connections_open(app_token=slack.app_token))
    assert exc.response.headers["Retry-After"] == "60"
    slack.advance(60)
    assert (await client.apps_connections_open(app_token=slack.app_token))["ok"]


async def test_post_message_one_per_second_per_channel(slack_api_factory: StandInFactory) -> None:
    slack = await slack_api_factory(clock=ManualClock())
    demo = seed_demo_workspace(slack)
    client = web(slack)
    for i in range(3):  # short bursts are allowed
        await client.chat_postMessage(channel=demo.general.id, text=f"burst {i}")
    exc = await slack_error(client.chat_postMessage(channel=demo.general.id, text="too fast"))
    assert exc.response.status_code == 429 and exc.response.headers["Retry-After"] == "1"
    assert (await client.chat_postMessage(channel=demo.random.id, text="other channel"))["ok"]
    slack.advance(1)
    assert (await client.chat_postMessage(channel=demo.general.id, text="paced"))["ok"]


async def test_rate_limits_can_be_switched_off(slack_api_factory: StandInFactory) -> None:
    slack = await slack_api_factory(clock=ManualClock(), rate_limits=False)
    demo = seed_demo_workspace(slack)
    client = web(slack)
    for i in range(10):
        await client.chat_postMessage(channel=demo.general.id, text=str(i))
    slack.enable_rate_limits()
    slack.rate_limits.set_limit("users.info", Limit(per_minute=6, burst=1))
    await client.users_info(user=demo.alice.id)
    exc = await slack_error(client.users_info(user=demo.alice.id))
    assert exc.response.headers["Retry-After"] == "10"


def test_scaled_clock_turns_real_milliseconds_into_slack_minutes() -> None:
    now = [100.0]
    clock = ScaledClock(600, start=1_700_000_000.0, monotonic=lambda: now[0])
    now[0] += 0.1
    assert clock.time() == pytest.approx(1_700_000_060.0)


# ==========================================================================
# Failure injection
# ==========================================================================


async def test_fail_next_missing_scope_then_recovers(
    slack_api: SlackStandIn, slack_demo: DemoWorkspace
) -> None:
    slack_api.fail_next("chat.postMessage", "missing_scope", needed="chat:write")
    client = web(slack_api)
    exc = await slack_error(client.chat_postMessage(channel=slack_demo.general.id, text="x"))
    assert (error_code(exc), exc.response["needed"]) == ("missing_scope", "chat:write")
    assert "chat:write" in exc.response["provided"]
    assert (await client.chat_postMessage(channel=slack_demo.general.id, text="x"))["ok"]


async def test_fail_next_http_statuses(slack_api: SlackStandIn) -> None:
    client = web(slack_api)
    slack_api.fail_next("auth.test", status=500)
    exc = await slack_error(client.auth_test())
    assert (exc.response.status_code, error_code(exc)) == (500, "fatal_error")
    slack_api.fail_next("auth.test", status=429, retry_after=3)
    exc = await slack_error(client.auth_test())
    assert (exc.response.status_code, exc.response.headers["Retry-After"]) == (429, "3")
    slack_api.fail_next("*", "invalid_auth", times=2)
    for _ in range(2):
        assert (
            error_code(await slack_error(client.users_info(user=slack_api.owner.id)))
            == "invalid_auth"
        )
    assert (await client.auth_test())["ok"]


async def test_dropped_connection(slack_api: SlackStandIn) -> None:
    slack_api.drop_next("auth.test")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await web(slack_api).auth_test()
    slack_api.drop_next("auth.test")
    retrying = AsyncWebClient(
        token=slack_api.bot_token, base_url=slack_api.base_url
    )  # default retry handlers
    assert (await retrying.auth_test())["ok"]
    assert [c.status for c in slack_api.calls_to("auth.test")] == [0, 0, 200]


# ==========================================================================
# Socket Mode
# ==========================================================================


async def test_socket_mode_with_slack_sdk_client(
    slack_api: SlackStandIn, slack_inbound: SlackInbound
) -> None:
    received: list[SocketModeRequest] = []

    async def on_request(client: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
        received.append(request)
        payload = {"text": "ok"} if request.type == "slash_commands" else None
        await client.send_socket_mode_response(
            SocketModeResponse(request.envelope_id, payload=payload)
        )

    client = SocketModeClient(app_token=slack_api.app_token, web_client=web(slack_api))
    client.socket_mode_request_listeners.append(on_request)
    await client.connect()
    try:
        event = slack_inbound.event_callback(
            slack_inbound.member_joined_channel(slack_api.owner.id, slack_api.general_id)
        )
        ack = await slack_api.socket_send("events_api", event)
        assert set(ack) == {"envelope_id"}
        command = slack_inbound.slash_command(
            "/porch", "help", user_id=slack_api.owner.id, channel_id=slack_api.general_id
        )
        ack = await slack_api.socket_send("slash_commands", command)
        assert ack["payload"] == {"text": "ok"}
    finally:
        await client.close()
    assert [r.type for r in received] == ["events_api", "slash_commands"]
    assert received[0].payload["event"]["type"] == "member_joined_channel"
    assert slack_api.socket.unacked == {}


async def test_socket_hello_unacked_envelopes_and_ticket_reuse(slack_api: SlackStandIn) -> None:
    url = (await web(slack_api).apps_connections_open(app_token=slack_api.app_token))["url"]
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(url) as ws:
            hello = await ws.receive_json()
            assert (
                hello["type"] == "hello" and hello["connection_info"]["app_id"] == slack_api.app_id
            )
            with pytest.raises(SocketAckTimeout) as info:
                await slack_api.socket_send(
                    "interactive", {"type": "block_actions"}, ack_timeout=0.05
                )
            envelope = await ws.receive_json()
            assert envelope["envelope_id"] == info.value.envelope["envelope_id"]
            assert list(slack_api.socket.unacked) == [envelope["envelope_id"]]
            await ws.send_json({"envelope_id": envelope["envelope_id"]})
            late_ack = await slack_api.socket.wait_for_ack(envelope["envelope_id"])
            assert late_ack == {"envelope_id": envelope["envelope_id"]}  # a late ack still counts
            await ws.send_json({"type": "not-an-ack"})
            await slack_api.socket.disconnect("refresh_requested")
            assert (await ws.receive_json())["type"] == "disconnect"
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await session.ws_connect(url)
    assert slack_api.socket.unacked == {}
    assert next(v.message for v in slack_api.take_violations()).startswith(
        "websocket connect with unknown or reused"
    )


async def test_bolt_socket_mode_app_round_trip(
    slack_api: SlackStandIn, slack_demo: DemoWorkspace
) -> None:
    app = AsyncApp(
        token=slack_api.bot_token, client=web(slack_api), signing_secret=slack_api.signing_secret
    )

    @app.event("message")
    async def greet(event: dict[str, Any], say: Any) -> None:
        await say(text=f"hello <@{event['user']}>", thread_ts=event["ts"])

    handler = AsyncSocketModeHandler(app, slack_api.app_token)
    await handler.connect_async()
    try:
        inbound = slack_api.inbound()
        event = inbound.message(slack_demo.general.id, slack_demo.alice.id, "hi bot")
        await slack_api.socket_send("events_api", inbound.event_callback(event))
        call = await slack_api.wait_for_call("chat.postMessage")
    finally:
        await handler.close_async()
    assert call.ok and call.args["thread_ts"] == event["ts"]
    assert slack_api.messages(slack_demo.general.id)[-1].text == f"hello <@{slack_demo.alice.id}>"


# ==========================================================================
# Inbound builders
# ==========================================================================


def test_signature_matches_slacks_documented_example() -> None:
    body = (
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    assert sign("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, body) == expected


def test_signed_requests_verify_with_slack_sdk(slack_inbound: SlackInbound) -> None:
    verifier = SignatureVerifier(slack_inbound.signing_secret)
    event = slack_inbound.reaction_added(
        "U1", "tada", channel="C1", ts="1700000000.000100", item_user="U2"
    )
    retry = slack_inbound.events_request(event, retry_num=1, retry_reason="http_timeout")
    assert verifier.is_valid_request(retry.body, retry.headers)
    assert (retry.headers["X-Slack-Retry-Num"], retry.headers["X-Slack-Retry-Reason"]) == (
        "1",
        "http_timeout",
    )
    assert retry.content_type == "application/json"
    tampered = retry.body.replace(b"tada", b"boom")
    assert not verifier.is_valid_request(tampered, retry.headers)
    assert not verify(slack_inbound.signing_secret, retry.headers, tampered)
    slash = slack_inbound.slash_command_request("/porch", "a b&c", user_id="U1", channel_id="C1")
    assert verifier.is_valid_request(slash.body, slash.headers)
    assert slash.form()["text"] == "a b&c" and b"text=a+b%26c" in slash.body


def _all_event_envelopes(inbound: SlackInbound) -> dict[str, dict[str, Any]]:
    original = inbound.message("C1", "U1", "hello")
    events = {
        "message": original,
        "thread_reply": inbound.thread_reply(
            "C1", "U2", "re", thread_ts=original["ts"], parent_user_id="U1"
        ),
        "bot_message": inbound.bot_message("C1", "B0OTHER000", "beep", app_id="A0OTHER000"),
        "message_changed": inbound.message_changed("C1", {**original, "text": "edited"}, original),
        "message_deleted": inbound.message_deleted("C1", original),
        "member_joined_channel": inbound.member_joined_channel("U1", "C1", inviter="U2"),
        "team_join": inbound.team_join("U3", name="newbie"),
        "user_change": inbound.user_change(inbound.user_object("U1", is_admin=True)),
        "reaction_added": inbound.reaction_added(
            "U1", "tada", channel="C1", ts=original["ts"], item_user="U1"
        ),
        "reaction_removed": inbound.reaction_removed(
            "U1", "tada", channel="C1", ts=original["ts"], item_user="U1"
        ),
        "app_home_opened": inbound.app_home_opened("U1", channel="D1"),
    }
    return {name: inbound.event_callback(event) for name, event in events.items()}


def test_event_envelopes_match_slacks_event_wrapper_schema(slack_inbound: SlackInbound) -> None:
    wrapper = load_json(EVENTS_WRAPPER_SCHEMA)
    asyncapi_wrapper = load_json(EVENTS_ASYNCAPI)["components"]["schemas"]["GenericEventWrapper"]
    for name, envelope in _all_event_envelopes(slack_inbound).items():
        jsonschema.validate(envelope, wrapper)
        jsonschema.validate(envelope, asyncapi_wrapper)
        assert envelope["event_id"].startswith("Ev") and envelope["authorizations"][0]["is_bot"], (
            name
        )
    without_event_ts = slack_inbound.event_callback({"type": "team_join"})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(without_event_ts, wrapper)


def _user_validator() -> jsonschema.Draft4Validator:
    """The spec's `objs_user` for a workspace (not an Enterprise) user, profile aside: these
    objects are here for their flags (`is_admin`, `is_owner`, `deleted`, `is_bot`), and the
    spec's profile demands a dozen fields (phone, skype, ...) nobody here reads."""
    definitions = load_json(WEB_API_SPEC)["definitions"]
    # `objs_user` lists its two shapes under `items`, which a validator would never apply.
    schema = copy.deepcopy(definitions["objs_user"]["items"][0])
    schema["properties"]["profile"] = {"type": "object"}
    return jsonschema.Draft4Validator({**schema, "definitions": definitions})


async def test_users_list_gives_each_users_admin_and_owner_flags_as_the_spec_has_them(
    slack_api: SlackStandIn, slack_demo: DemoWorkspace
) -> None:
    validator = _user_validator()
    listed = (await web(slack_api).users_list())["members"]
    for user in listed:
        errors = [e.message for e in validator.iter_errors(user)]
        assert errors == [], errors
    flags = {u["id"]: (u["is_admin"], u["is_owner"]) for u in listed}
    assert flags[slack_api.owner.id] == (True, True)
    assert flags[slack_demo.admin.id] == (True, False)
    assert flags[slack_demo.alice.id] == (False, False)


def test_user_objects_in_events_match_the_web_apis_user_schema(
    slack_inbound: SlackInbound,
) -> None:
    """team_join and user_change carry the user object users.list gives (admin and owner
    flags included), so they are checked against the Web API spec's `objs_user`."""
    validator = _user_validator()
    owner = slack_inbound.user_object("U0OWNER01", is_admin=True, is_owner=True)
    for event in (
        slack_inbound.team_join("U0NEWBIE1", name="newbie"),
        slack_inbound.user_change(owner),
        slack_inbound.user_change(slack_inbound.user_object("U0GONE001", deleted=True)),
    ):
        errors = [e.message for e in validator.iter_errors(event["user"])]
        assert errors == [], errors
    assert list(validator.iter_errors({**owner, "is_workspace_admin": True})) != []


def test_event_types_exist_in_the_events_api_catalog(slack_inbound: SlackInbound) -> None:
    topics = set(load_json(EVENTS_ASYNCAPI)["topics"])
    types = {e["event"]["type"] for e in _all_event_envelopes(slack_inbound).values()}
    catalogued = {t for t in types if t.replace("_", ".") in topics}
    # app_home_opened postdates the 2018 catalog; everything else must be in it.
    assert types - catalogued == {"app_home_opened"}


def test_interactivity_payloads(slack_inbound: SlackInbound) -> None:
    message = slack_inbound.message("C1", "U1", "approve?")
    clicked = slack_inbound.block_actions(
        "U1",
        [button_action("approve", "yes"), static_select_action("pick", "b")],
        channel_id="C1",
        message=message,
    )
    request = slack_inbound.interactive_request(clicked)
    assert request.content_type == "application/x-www-form-urlencoded"
    payload = request.payload()
    assert [a["action_id"] for a in payload["actions"]] == ["approve", "pick"]
    assert payload["container"] == {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": "C1",
        "is_ephemeral": False,
    }
    submitted = slack_inbound.view_submission(
        "U1", "signup", {"name": {"value": "Ada"}}, private_metadata="42"
    )
    assert submitted["view"]["state"]["values"]["name"]["value"] == {
        "type": "plain_text_input",
        "value": "Ada",
    }
    assert (
        slack_inbound.message_action("U1", "report", channel_id="C1", message=message)["message_ts"]
        == message["ts"]
    )
    assert slack_inbound.shortcut("U1", "new_ama")["type"] == "shortcut"


async def test_bolt_accepts_every_inbound_request_kind(
    slack_api: SlackStandIn, slack_inbound: SlackInbound
) -> None:
    """Bolt verifies signatures and parses bodies exactly as in production."""
    app = AsyncApp(
        token=slack_api.bot_token,
        client=web(slack_api),
        signing_secret=slack_api.signing_secret,
        process_before_response=True,
    )
    seen: list[str] = []

    async def record(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        seen.append(body.get("type") or body.get("command", ""))

    app.event("member_joined_channel")(record)
    app.command("/porch")(record)
    app.action("approve")(record)
    app.view("signup")(record)
    app.shortcut("new_ama")(record)
    app.shortcut("report")(record)
    owner, general = slack_api.owner.id, slack_api.general_id
    message = slack_inbound.message(general, owner, "approve?")
    requests = [
        slack_inbound.events_request(slack_inbound.member_joined_channel(owner, general)),
        slack_inbound.slash_command_request("/porch", "help", user_id=owner, channel_id=general),
        slack_inbound.interactive_request(
            slack_inbound.block_actions(
                owner, [button_action("approve", "1")], channel_id=general, message=message
            )
        ),
        slack_inbound.interactive_request(
            slack_inbound.view_submission(owner, "signup", {"b": {"a": "x"}})
        ),
        slack_inbound.interactive_request(slack_inbound.shortcut(owner, "new_ama")),
        slack_inbound.interactive_request(
            slack_inbound.message_action(owner, "report", channel_id=general, message=message)
        ),
    ]
    for request in requests:
        response = await app.async_dispatch(bolt_request(request))
        assert response.status == 200, response.body
    assert seen == [
        "event_callback",
        "/porch",
        "block_actions",
        "view_submission",
        "shortcut",
        "message_action",
    ]
    forged = slack_inbound.events_request(slack_inbound.member_joined_channel(owner, general))
    forged_headers = {**forged.headers, "X-Slack-Signature": "v0=" + "0" * 64}
    response = await app.async_dispatch(bolt_request(InboundRequest(forged.body, forged_headers)))
    assert response.status == 401
    assert json.loads(response.body) == {"error": "invalid request"}
