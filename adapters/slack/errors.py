"""Slack's failures -> Porch's typed errors, with messages an admin can act on.

The Deliverer decides by type: `RateLimited` waits as long as Slack said, `Transient` backs off,
a `PlatformError` is dead-lettered with its reason. So the mapping here is the whole retry
policy for Slack, and the messages are what an admin reads in the dead-letter list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core.errors import AuthFailed, PlatformError, PorchError, RateLimited, Transient

DEFAULT_RETRY_AFTER = 30.0
"""Slack always sends Retry-After with a 429; this covers a proxy that drops the header."""

_AUTH_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)
_TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
_EXPLAINED: dict[str, str] = {
    "channel_not_found": "Porch cannot see this channel: check the channel id in the "
    "configuration, and invite Porch to private channels (/invite @Porch)",
    "not_in_channel": "Porch is not a member of this channel: invite it with /invite @Porch",
    "is_archived": "the channel is archived",
    "cant_delete_message": "Slack lets a bot delete only its own messages; set "
    "PORCH_SLACK_ADMIN_TOKEN (a workspace admin's user token with chat:write) to remove others'",
    "cant_update_message": "Slack lets a bot edit only its own messages",
    "msg_too_long": "the message is longer than Slack allows",
    "user_not_found": "no such Slack user",
    "user_disabled": "the Slack account is deactivated",
    "cant_kick_from_general": "Slack does not let anyone be removed from the general channel",
    "restricted_action": "a workspace setting forbids this action; an admin can change it",
}


def from_slack_api_error(method: str, exc: SlackApiError) -> PorchError:
    """The typed error for a refused Web API call."""
    response = exc.response
    status = int(getattr(response, "status_code", 200) or 200)
    data: Mapping[str, Any] = response.data if isinstance(response.data, dict) else {}
    code = str(data.get("error") or f"http_{status}")
    if status == 429 or code == "ratelimited":
        return RateLimited(_retry_after(getattr(response, "headers", {}) or {}), scope="channel")
    if status >= 500 or code in _TRANSIENT_ERRORS:
        return Transient(f"Slack {method} failed with {code} (HTTP {status})")
    if code in _AUTH_ERRORS:
        return AuthFailed(
            code,
            f"Slack refused Porch's token on {method}; check PORCH_SLACK_BOT_TOKEN "
            "(reinstall the app if it was revoked)",
        )
    if code == "missing_scope":
        return PlatformError(code, _missing_scope(method, data))
    return PlatformError(code, f"{method}: {_EXPLAINED.get(code, 'refused by Slack')}")


def from_exception(method: str, exc: BaseException) -> PorchError | None:
    """The typed error for any failure of a Web API call; None if it is not a Slack failure."""
    if isinstance(exc, SlackApiError):
        return from_slack_api_error(method, exc)
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | SlackClientError):
        return Transient(f"Slack {method}: {type(exc).__name__}: {exc}")
    return None


def _retry_after(headers: Mapping[str, Any]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(1.0, float(str(value[0] if isinstance(value, list) else value)))
            except ValueError:
                break
    return DEFAULT_RETRY_AFTER


def _missing_scope(method: str, data: Mapping[str, Any]) -> str:
    needed = data.get("needed") or "(Slack did not say)"
    return (
        f"{method} needs the OAuth scope '{needed}': add it under OAuth & Permissions -> Bot "
        "Token Scopes (or run `porch slack manifest` and update the app), then reinstall the app"
    )
