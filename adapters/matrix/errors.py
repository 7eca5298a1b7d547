"""nio reports failures as returned values; Porch wants typed exceptions. This is the bridge.

Every nio call of the adapter goes through `call`: a response of the wrong type is turned into
the error the Deliverer understands (`RateLimited` waits exactly as long as Synapse asked,
`Transient` is retried with back-off, `PlatformError` is dead-lettered with its reason, and
`AuthFailed` stops everything until an admin fixes the token), and so are exceptions of the
transport underneath.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

import aiohttp
import nio

from bot.core.errors import AuthFailed, PlatformError, RateLimited, Transient

R = TypeVar("R")

DEFAULT_RETRY_AFTER = 5.0
"""Seconds to wait when a 429 names no time (the spec's advice for a missing Retry-After)."""

_AUTH_CODES = ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN", "M_USER_DEACTIVATED")


async def call(request: Awaitable[Any], expected: type[R], what: str) -> R:
    """Await one nio request; return its response if it is `expected`, raise a typed error if not."""
    try:
        response = await request
    except (aiohttp.ClientError, TimeoutError, ConnectionError) as exc:
        raise Transient(f"{what}: {type(exc).__name__}: {exc}") from exc
    except (nio.ProtocolError, nio.exceptions.GroupEncryptionError) as exc:
        # Raised before or instead of a request, e.g. for an encrypted room the sync has not
        # shown us yet or whose members' keys are still being fetched; the next attempt, after
        # another sync, usually succeeds.
        raise Transient(f"{what}: {type(exc).__name__}: {exc}") from exc
    except (nio.exceptions.EncryptionError, nio.exceptions.OlmTrustError) as exc:
        raise PlatformError("encryption", f"{what}: {exc}") from exc
    if isinstance(response, expected):
        return response
    raise error_for(response, what)


def error_for(response: object, what: str) -> Exception:
    """The Porch error for a nio error response (or any unexpected response)."""
    if not isinstance(response, nio.ErrorResponse):
        return Transient(f"{what}: unexpected response {type(response).__name__}")
    code = response.status_code or ""
    status = _http_status(response)
    message = response.message or code
    if code == "M_LIMIT_EXCEEDED" or status == 429:
        return RateLimited(_retry_after(response))
    if code in _AUTH_CODES or status == 401:
        return AuthFailed(code or "unauthorized", f"{what}: {message}")
    if status is None or status >= 500:
        return Transient(f"{what}: {code} {message}".strip())
    if code == "M_FORBIDDEN":
        return PlatformError("forbidden", f"{what}: {message}")
    return PlatformError(code or f"http_{status}", f"{what}: {message}")


def _http_status(response: nio.ErrorResponse) -> int | None:
    transport = getattr(response, "transport_response", None)
    status = getattr(transport, "status", None)
    return status if isinstance(status, int) else None


def _retry_after(response: nio.ErrorResponse) -> float:
    """Seconds to wait: `retry_after_ms` from the body, else the `Retry-After` header."""
    millis = response.retry_after_ms
    if isinstance(millis, int) and millis > 0:
        return max(0.001, millis / 1000)
    transport = getattr(response, "transport_response", None)
    header = transport.headers.get("Retry-After") if transport is not None else None
    try:
        return max(0.001, float(str(header))) if header else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER
