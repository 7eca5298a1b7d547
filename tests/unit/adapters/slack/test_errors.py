"""Slack's failures -> Porch's typed errors (the whole retry policy for Slack)."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.errors import from_exception
from bot.core.errors import AuthFailed, PlatformError, RateLimited, Transient


def _api_error(
    data: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> SlackApiError:
    response = AsyncSlackResponse(
        client=AsyncWebClient(),
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data=data,
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError("failed", response)  # type: ignore[no-untyped-call]


def test_a_429_honours_retry_after() -> None:
    error = from_exception(
        "chat.postMessage",
        _api_error({"ok": False, "error": "ratelimited"}, 429, {"Retry-After": "7"}),
    )
    assert isinstance(error, RateLimited) and error.retry_after == 7.0


@pytest.mark.parametrize("code", ["invalid_auth", "token_revoked"])
def test_a_refused_token_is_auth_failed(code: str) -> None:
    error = from_exception("auth.test", _api_error({"ok": False, "error": code}))
    assert isinstance(error, AuthFailed) and "PORCH_SLACK_BOT_TOKEN" in str(error)


def test_missing_scope_names_the_scope() -> None:
    error = from_exception(
        "pins.add", _api_error({"ok": False, "error": "missing_scope", "needed": "pins:write"})
    )
    assert isinstance(error, PlatformError) and "pins:write" in str(error)


@pytest.mark.parametrize("code", ["channel_not_found", "not_in_channel"])
def test_channel_problems_are_permanent(code: str) -> None:
    error = from_exception("chat.postMessage", _api_error({"ok": False, "error": code}))
    assert type(error) is PlatformError and error.code == code


@pytest.mark.parametrize(
    "failure",
    [
        _api_error({"ok": False, "error": "fatal_error"}, 500),
        aiohttp.ServerDisconnectedError(),
        TimeoutError(),
    ],
)
def test_server_errors_and_timeouts_are_transient(failure: BaseException) -> None:
    assert isinstance(from_exception("chat.postMessage", failure), Transient)


def test_an_unrelated_exception_is_not_mapped() -> None:
    assert from_exception("chat.postMessage", KeyError("x")) is None
