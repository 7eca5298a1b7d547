"""Builders for requests Slack sends *to* an app, signed exactly as Slack signs them.

An app's HTTP endpoints (Events API, slash commands, interactivity) must be
tested with the bytes and headers Slack really sends, or signature checks and
payload parsing go untested.  These builders produce:

* payload dicts (``event_callback`` envelopes, slash-command fields,
  interactivity payloads) that can also be pushed through Socket Mode with
  ``SlackStandIn.socket_send``;
* :class:`InboundRequest` objects (body bytes + headers) signed per Slack:
  ``v0=HMAC_SHA256(signing_secret, "v0:{timestamp}:{body}")`` in
  ``X-Slack-Signature`` with ``X-Slack-Request-Timestamp``, plus optional
  ``X-Slack-Retry-Num`` / ``X-Slack-Retry-Reason`` on redeliveries.

Shapes follow Slack's docs and its Events API JSON schema
(slack-api-specs/events-api); a test validates the envelopes against it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

JSONDict = dict[str, Any]

SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
RETRY_REASONS = frozenset(
    {
        "http_timeout",
        "too_many_requests",
        "http_error",
        "unknown_error",
        "ssl_error",
        "connection_failed",
    }
)
_ID_ALPHABET = string.ascii_uppercase + string.digits


# --------------------------------------------------------------------------
# Signing
# --------------------------------------------------------------------------


def sign(signing_secret: str, timestamp: int | str, body: bytes | str) -> str:
    """Slack's v0 request signature for ``body`` sent at ``timestamp``."""
    raw = body if isinstance(body, bytes) else body.encode("utf-8")
    basestring = b"v0:" + str(timestamp).encode("ascii") + b":" + raw
    digest = hmac.new(signing_secret.encode("utf-8"), basestring, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def verify(signing_secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """Check a request the way a receiver should (constant-time compare)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp = lowered.get("x-slack-request-timestamp", "")
    expected = sign(signing_secret, timestamp, body)
    return hmac.compare_digest(expected, lowered.get("x-slack-signature", ""))


@dataclass(frozen=True)
class InboundRequest:
    """An HTTP POST exactly as Slack would deliver it to the app."""

    body: bytes
    headers: dict[str, str]
    method: str = "POST"

    @property
    def content_type(self) -> str:
        """The Content-Type header value."""
        return self.headers["Content-Type"]

    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8")

    def json(self) -> JSONDict:
        """Parsed JSON body (Events API requests)."""
        data: JSONDict = json.loads(self.body)
        return data

    def form(self) -> dict[str, str]:
        """Parsed form body (slash commands, interactivity)."""
        return dict(parse_qsl(self.text(), keep_blank_values=True))

    def payload(self) -> JSONDict:
        """The JSON inside the ``payload`` form field (interactivity)."""
        data: JSONDict = json.loads(self.form()["payload"])
        return data


# --------------------------------------------------------------------------
# IDs
# --------------------------------------------------------------------------


def new_event_id() -> str:
    """A globally unique Events API id, shaped like ``Ev0PV52K25``."""
    return "Ev" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))


def make_trigger_id(now: float | None = None) -> str:
    """A trigger_id shaped like Slack's: ``<digits>.<digits>.<32 hex>``."""
    stamp = int((time.time() if now is None else now) * 1000)
    return f"{stamp}.{secrets.randbelow(10**9):09d}.{secrets.token_hex(16)}"


def _default_name(object_id: str) -> str:
    return object_id.lower()


# --------------------------------------------------------------------------
# Interactivity element helpers
# --------------------------------------------------------------------------


def plain_text(text: str) -> JSONDict:
    """A Block Kit plain_text object."""
    return {"type": "plain_text", "text": text, "emoji": True}


def button_action(
    action_id: str, value: str = "", *, block_id: str | None = None, text: str = "Button"
) -> JSONDict:
    """One entry of ``actions`` for a clicked button (action_ts filled in later)."""
    action: JSONDict = {
        "action_id": action_id,
        "block_id": block_id or secrets.token_hex(3),
        "text": plain_text(text),
        "type": "button",
    }
    if value:
        action["value"] = value
    return action


def static_select_action(
    action_id: str, value: str, *, block_id: str | None = None, text: str = ""
) -> JSONDict:
    """One entry of ``actions`` for a chosen static_select option."""
    return {
        "action_id": action_id,
        "block_id": block_id or secrets.token_hex(3),
        "type": "static_select",
        "selected_option": {"text": plain_text(text or value), "value": value},
    }


def state_values(values: Mapping[str, Mapping[str, Any]]) -> JSONDict:
    """``view.state.values``; plain strings become plain_text_input values."""
    return {
        block_id: {
            action_id: value
            if isinstance(value, dict)
            else {"type": "plain_text_input", "value": value}
            for action_id, value in actions.items()
        }
        for block_id, actions in values.items()
    }


# --------------------------------------------------------------------------
# The builder
# --------------------------------------------------------------------------


@dataclass
class SlackInbound:
    """Builds inbound Slack requests for one app installation.

    ``clock`` drives signing timestamps and generated ``ts`` values; keep the
    real clock for signing unless the receiver's clock is injected too.
    ``on_trigger`` is told about every trigger_id handed out, so a stand-in
    can later accept it in views.open.
    """

    signing_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    team_id: str = "T000000001"
    team_domain: str = "standin"
    api_app_id: str = "A000000001"
    bot_user_id: str = "U000000001"
    verification_token: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    clock: Callable[[], float] = time.time
    on_trigger: Callable[[str], None] | None = None
    user_name: Callable[[str], str] = _default_name
    channel_name: Callable[[str], str] = _default_name
    _last_ts_micros: int = field(default=0, init=False, repr=False)

    # -- ids ----------------------------------------------------------------

    def ts(self) -> str:
        """A fresh Slack ``ts``, unique and increasing within this builder."""
        micros = max(int(self.clock() * 1_000_000), self._last_ts_micros + 1)
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def trigger_id(self) -> str:
        """A trigger_id, reported to ``on_trigger`` so views.open can accept it."""
        trigger_id = make_trigger_id(self.clock())
        if self.on_trigger is not None:
            self.on_trigger(trigger_id)
        return trigger_id

    def response_url(self, kind: str = "commands") -> str:
        """A hooks.slack.com response_url like Slack's (never called in tests)."""
        return f"https://hooks.slack.com/{kind}/{self.team_id}/{secrets.randbelow(10**12)}/{secrets.token_urlsafe(18)}"

    # -- Events API envelopes ---------------------------------------------------

    def event_callback(
        self,
        event: JSONDict,
        *,
        event_id: str | None = None,
        event_time: int | None = None,
        include_authed_users: bool = True,
    ) -> JSONDict:
        """Wrap an event in Slack's ``event_callback`` envelope."""
        envelope: JSONDict = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or new_event_id(),
            "event_time": int(self.clock()) if event_time is None else event_time,
            "authorizations": [self._authorization()],
            "is_ext_shared_channel": False,
            "event_context": self._event_context(event),
        }
        if include_authed_users:
            # Deprecated by Slack in 2021 (trimmed to one entry) but still in
            # its published wrapper schema, which lists it as required.
            envelope["authed_users"] = [self.bot_user_id]
        return envelope

    def url_verification(self, challenge: str | None = None) -> JSONDict:
        """The handshake Slack sends when a Request URL is configured."""
        return {
            "token": self.verification_token,
            "challenge": challenge or secrets.token_urlsafe(36),
            "type": "url_verification",
        }

    def _authorization(self) -> JSONDict:
        return {
            "enterprise_id": None,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "is_bot": True,
            "is_enterprise_install": False,
        }

    def _event_context(self, event: JSONDict) -> str:
        context = {
            "et": event.get("type"),
            "tid": self.team_id,
            "aid": self.api_app_id,
            "cid": event.get("channel"),
        }
        encoded = base64.urlsafe_b64encode(json.dumps(context).encode()).decode().rstrip("=")
        return f"4-{encoded}"

    # -- event bodies ---------------------------------------------------------

    def message(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        ts: str | None = None,
        thread_ts: str | None = None,
        parent_user_id: str | None = None,
        channel_type: str = "channel",
        blocks: Sequence[JSONDict] | None = None,
    ) -> JSONDict:
        """A ``message`` event from a person (top level, or a thread reply)."""
        ts = ts or self.ts()
        event: JSONDict = {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel_type": channel_type,
            "team": self.team_id,
            "client_msg_id": _uuid(),
            "blocks": list(blocks) if blocks is not None else [_rich_text(text)],
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
            event["parent_user_id"] = parent_user_id or user
        return event

    def thread_reply(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        thread_ts: str,
        parent_user_id: str,
        **kwargs: Any,
    ) -> JSONDict:
        """A reply in a thread: carries the parent's ts and author."""
        return self.message(
            channel, user, text, thread_ts=thread_ts, parent_user_id=parent_user_id, **kwargs
        )

    def bot_message(
        self,
        channel: str,
        bot_id: str,
        text: str,
        *,
        username: str = "bot",
        app_id: str | None = None,
        ts: str | None = None,
        channel_type: str = "channel",
    ) -> JSONDict:
        """A ``bot_message`` subtype event (integrations, webhooks, other apps)."""
        ts = ts or self.ts()
        event: JSONDict = {
            "type": "message",
            "subtype": "bot_message",
            "channel": channel,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "bot_id": bot_id,
            "username": username,
            "channel_type": channel_type,
        }
        if app_id:
            event["app_id"] = app_id
        return event

    def message_changed(
        self,
        channel: str,
        message: JSONDict,
        previous_message: JSONDict,
        *,
        channel_type: str = "channel",
    ) -> JSONDict:
        """A ``message_changed`` event; ``message`` gets an ``edited`` stamp."""
        event_ts = self.ts()
        edited = {**message, "edited": {"user": message.get("user", ""), "ts": event_ts}}
        return {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": channel,
            "ts": event_ts,
            "event_ts": event_ts,
            "message": _strip_event_fields(edited),
            "previous_message": _strip_event_fields(previous_message),
            "channel_type": channel_type,
        }

    def message_deleted(
        self, channel: str, previous_message: JSONDict, *, channel_type: str = "channel"
    ) -> JSONDict:
        """A ``message_deleted`` event for ``previous_message``."""
        event_ts = self.ts()
        return {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "channel": channel,
            "ts": event_ts,
            "deleted_ts": previous_message["ts"],
            "event_ts": event_ts,
            "previous_message": _strip_event_fields(previous_message),
            "channel_type": channel_type,
        }

    def member_joined_channel(
        self, user: str, channel: str, *, channel_type: str = "C", inviter: str | None = None
    ) -> JSONDict:
        """``member_joined_channel``; channel_type is "C" (public) or "G" (private)."""
        event: JSONDict = {
            "type": "member_joined_channel",
            "user": user,
            "channel": channel,
            "channel_type": channel_type,
            "team": self.team_id,
            "event_ts": self.ts(),
        }
        if inviter:
            event["inviter"] = inviter
        return event

    def team_join(
        self, user_id: str, *, name: str | None = None, real_name: str = "", is_bot: bool = False
    ) -> JSONDict:
        """``team_join`` with the new member's full user object."""
        user = self.user_object(user_id, name=name, real_name=real_name, is_bot=is_bot)
        return {
            "type": "team_join",
            "user": user,
            "cache_ts": int(self.clock()),
            "event_ts": self.ts(),
        }

    def user_change(self, user: JSONDict) -> JSONDict:
        """``user_change``: Slack sends the member's whole, current user object (as users.info
        and users.list give it) whenever anything about them changes, their role included."""
        return {
            "type": "user_change",
            "user": user,
            "cache_ts": int(self.clock()),
            "event_ts": self.ts(),
        }

    def user_object(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str = "",
        is_bot: bool = False,
        is_admin: bool = False,
        is_owner: bool = False,
        deleted: bool = False,
    ) -> JSONDict:
        """A user object as Slack puts it into events (the Web API's ``objs_user``)."""
        name = name or self.user_name(user_id)
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": deleted,
            "real_name": real_name or name,
            "tz": "Europe/London",
            "tz_label": "Greenwich Mean Time",
            "tz_offset": 0,
            "profile": {"real_name": real_name or name, "display_name": name, "team": self.team_id},
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(self.clock()),
        }

    def reaction_added(
        self, user: str, reaction: str, *, channel: str, ts: str, item_user: str
    ) -> JSONDict:
        """``reaction_added`` on a message."""
        return self._reaction("reaction_added", user, reaction, channel, ts, item_user)

    def reaction_removed(
        self, user: str, reaction: str, *, channel: str, ts: str, item_user: str
    ) -> JSONDict:
        """``reaction_removed`` on a message."""
        return self._reaction("reaction_removed", user, reaction, channel, ts, item_user)

    def _reaction(
        self, kind: str, user: str, reaction: str, channel: str, ts: str, item_user: str
    ) -> JSONDict:
        return {
            "type": kind,
            "user": user,
            "reaction": reaction,
            "item_user": item_user,
            "item": {"type": "message", "channel": channel, "ts": ts},
            "event_ts": self.ts(),
        }

    def app_home_opened(
        self, user: str, *, channel: str, tab: str = "home", view: JSONDict | None = None
    ) -> JSONDict:
        """``app_home_opened``; ``view`` is present once a home view was published."""
        event: JSONDict = {
            "type": "app_home_opened",
            "user": user,
            "channel": channel,
            "tab": tab,
            "event_ts": self.ts(),
        }
        if view is not None:
            event["view"] = view
        return event

    # -- slash commands ----------------------------------------------------------

    def slash_command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str,
        channel_id: str,
        trigger_id: str | None = None,
        response_url: str | None = None,
    ) -> dict[str, str]:
        """The form fields of a slash command invocation, in Slack's order."""
        return {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": self.channel_name(channel_id),
            "user_id": user_id,
            "user_name": self.user_name(user_id),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url or self.response_url("commands"),
            "trigger_id": trigger_id or self.trigger_id(),
        }

    # -- interactivity -------------------------------------------------------------

    def block_actions(
        self,
        user_id: str,
        actions: Sequence[JSONDict],
        *,
        channel_id: str | None = None,
        message: JSONDict | None = None,
        view: JSONDict | None = None,
    ) -> JSONDict:
        """``block_actions`` from a message (channel_id+message) or a view."""
        action_ts = self.ts()
        payload: JSONDict = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": self.trigger_id(),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [{**a, "action_ts": action_ts} for a in actions],
        }
        if view is not None:
            payload.update({"container": {"type": "view", "view_id": view["id"]}, "view": view})
            payload["state"] = view.get("state", {"values": {}})
            return payload
        if channel_id is None or message is None:
            raise ValueError("message-based block_actions need channel_id and message")
        payload.update(
            {
                "container": {
                    "type": "message",
                    "message_ts": message["ts"],
                    "channel_id": channel_id,
                    "is_ephemeral": False,
                },
                "channel": {"id": channel_id, "name": self.channel_name(channel_id)},
                "message": message,
                "state": {"values": {}},
                "response_url": self.response_url("actions"),
            }
        )
        return payload

    def view_submission(
        self,
        user_id: str,
        callback_id: str,
        values: Mapping[str, Mapping[str, Any]],
        *,
        view_id: str | None = None,
        private_metadata: str = "",
        external_id: str = "",
        title: str = "Form",
        blocks: Sequence[JSONDict] = (),
    ) -> JSONDict:
        """``view_submission`` with ``view.state.values`` built from ``values``."""
        view_id = view_id or "V" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))
        view = {
            "id": view_id,
            "team_id": self.team_id,
            "type": "modal",
            "blocks": list(blocks),
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": state_values(values)},
            "hash": f"{int(self.clock())}.{secrets.token_hex(4)}",
            "title": plain_text(title),
            "clear_on_close": False,
            "notify_on_close": False,
            "close": plain_text("Cancel"),
            "submit": plain_text("Submit"),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.api_app_id,
            "external_id": external_id,
            "app_installed_team_id": self.team_id,
            "bot_id": None,
        }
        return {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": self.trigger_id(),
            "view": view,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def message_action(
        self, user_id: str, callback_id: str, *, channel_id: str, message: JSONDict
    ) -> JSONDict:
        """A message shortcut (``message_action``) invoked on ``message``."""
        return {
            "type": "message_action",
            "token": self.verification_token,
            "action_ts": self.ts(),
            "team": self._team(),
            "user": self._user(user_id),
            "channel": {"id": channel_id, "name": self.channel_name(channel_id)},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": self.trigger_id(),
            "response_url": self.response_url("app"),
            "message_ts": message["ts"],
            "message": message,
        }

    def shortcut(self, user_id: str, callback_id: str) -> JSONDict:
        """A global shortcut (``shortcut``)."""
        return {
            "type": "shortcut",
            "token": self.verification_token,
            "action_ts": self.ts(),
            "team": self._team(),
            "user": self._user(user_id),
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": self.trigger_id(),
        }

    def _user(self, user_id: str) -> JSONDict:
        name = self.user_name(user_id)
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> JSONDict:
        return {"id": self.team_id, "domain": self.team_domain}

    # -- signed HTTP requests ------------------------------------------------------

    def sign_json(
        self,
        body: JSONDict,
        *,
        timestamp: int | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> InboundRequest:
        """A signed ``application/json`` POST (Events API)."""
        raw = json.dumps(body, separators=(",", ":")).encode("utf-8")
        return self._signed(raw, "application/json", timestamp, retry_num, retry_reason)

    def sign_form(
        self, fields: Mapping[str, str], *, timestamp: int | None = None
    ) -> InboundRequest:
        """A signed form POST (slash commands and interactivity)."""
        raw = urlencode(list(fields.items())).encode("utf-8")
        return self._signed(raw, "application/x-www-form-urlencoded", timestamp, None, None)

    def events_request(
        self,
        event: JSONDict,
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        **envelope: Any,
    ) -> InboundRequest:
        """An Events API delivery of ``event`` (optionally a retry)."""
        return self.sign_json(
            self.event_callback(event, **envelope), retry_num=retry_num, retry_reason=retry_reason
        )

    def slash_command_request(self, command: str, text: str = "", **fields: Any) -> InboundRequest:
        """A signed slash command POST."""
        return self.sign_form(self.slash_command(command, text, **fields))

    def interactive_request(self, payload: JSONDict) -> InboundRequest:
        """A signed interactivity POST: form field ``payload`` holding JSON."""
        return self.sign_form({"payload": json.dumps(payload, separators=(",", ":"))})

    def _signed(
        self,
        raw: bytes,
        content_type: str,
        timestamp: int | None,
        retry_num: int | None,
        retry_reason: str | None,
    ) -> InboundRequest:
        stamp = int(self.clock()) if timestamp is None else timestamp
        headers = {
            "Content-Type": content_type,
            "User-Agent": SLACK_USER_AGENT,
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": sign(self.signing_secret, stamp, raw),
        }
        if retry_num is not None:
            if retry_reason not in RETRY_REASONS:
                raise ValueError(f"retry_reason must be one of {sorted(RETRY_REASONS)}")
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        return InboundRequest(body=raw, headers=headers)


def _uuid() -> str:
    raw = secrets.token_hex(16)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


def _rich_text(text: str) -> JSONDict:
    """The rich_text block Slack clients attach to typed messages."""
    return {
        "type": "rich_text",
        "block_id": secrets.token_hex(2),
        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
    }


def _strip_event_fields(message: JSONDict) -> JSONDict:
    """Nested messages in change/delete events carry no event/channel fields."""
    return {k: v for k, v in message.items() if k not in {"event_ts", "channel", "channel_type"}}
