"""nio's returned errors become Porch's typed exceptions."""

from __future__ import annotations

from typing import Any

import aiohttp
import nio
import pytest

from adapters.matrix.errors import DEFAULT_RETRY_AFTER, call, error_for
from bot.core.errors import AuthFailed, PlatformError, RateLimited, Transient


class FakeTransport:
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.headers = headers or {}


def error(code: str | None, status: int, retry_after_ms: int | None = None, **headers: str) -> Any:
    response = nio.RoomSendError("refused", code, retry_after_ms)
    response.transport_response = FakeTransport(status, headers)
    return response


def test_limit_exceeded_becomes_rate_limited_in_seconds() -> None:
    exc = error_for(error("M_LIMIT_EXCEEDED", 429, 2500), "send")
    assert isinstance(exc, RateLimited) and exc.retry_after == 2.5


def test_a_429_without_a_body_time_uses_the_retry_after_header() -> None:
    exc = error_for(error(None, 429, None, **{"Retry-After": "7"}), "send")
    assert isinstance(exc, RateLimited) and exc.retry_after == 7.0


def test_a_429_naming_no_time_waits_the_default() -> None:
    exc = error_for(error("M_LIMIT_EXCEEDED", 429), "send")
    assert isinstance(exc, RateLimited) and exc.retry_after == DEFAULT_RETRY_AFTER


def test_an_unknown_token_is_an_auth_failure() -> None:
    assert isinstance(error_for(error("M_UNKNOWN_TOKEN", 401), "sync"), AuthFailed)


def test_forbidden_is_a_permanent_platform_error() -> None:
    exc = error_for(error("M_FORBIDDEN", 403), "send to !r:x")
    assert isinstance(exc, PlatformError) and not isinstance(exc, AuthFailed)
    assert exc.code == "forbidden" and "send to !r:x" in exc.detail


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(status: int) -> None:
    assert isinstance(error_for(error(None, status), "send"), Transient)


async def test_transport_failures_are_transient() -> None:
    async def broken() -> None:
        raise aiohttp.ClientConnectionError("connection reset")

    with pytest.raises(Transient):
        await call(broken(), nio.RoomSendResponse, "send")


async def test_the_expected_response_is_returned() -> None:
    response = nio.RoomSendResponse("$event", "!room:x")

    async def sent() -> nio.RoomSendResponse:
        return response

    assert await call(sent(), nio.RoomSendResponse, "send") is response


async def test_a_room_nio_does_not_know_yet_is_transient() -> None:
    async def unknown_room() -> None:
        raise nio.LocalProtocolError("No such room with id !r:x found.")

    with pytest.raises(Transient):
        await call(unknown_room(), nio.RoomSendResponse, "send")


async def test_an_encryption_failure_is_permanent() -> None:
    async def broken_crypto() -> None:
        raise nio.exceptions.EncryptionError("bad payload")

    with pytest.raises(PlatformError) as err:
        await call(broken_crypto(), nio.RoomSendResponse, "send")
    assert err.value.code == "encryption"
