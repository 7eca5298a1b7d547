"""Slack payloads -> Porch events. Pure: no I/O, no clock, no SDK.

`to_event(body, ctx)` takes what Slack sent (an Events API `event_callback`, a slash command's
form fields, or an interactivity payload) and returns the normalized event, or None for what
Porch ignores: its own messages, other bots, housekeeping subtypes (`channel_join`), events
from before start-up (Slack redelivers those after a restart, and they were handled or are
stale), and anything unknown. Malformed input also yields None rather than an exception, so
one odd payload never breaks the endpoint.

Dedupe keys: Events API deliveries use the `event_id` (a retry carries the same one, so the
Inbox drops it); `team_join` is keyed by workspace and user, so even a second delivery under a
new event id welcomes nobody twice; commands and interactions use their single-use `trigger_id`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from adapters.slack.emoji import from_slack
from adapters.slack.interactive import (
    ANSWER_BLOCK,
    ANSWER_INPUT,
    ANSWER_VIEW,
    CHOICE_ACTION,
    FORM_BOXES_BLOCK,
    FORM_BOXES_INPUT,
    FORM_TEXT_BLOCK,
    FORM_TEXT_INPUT,
    FORM_VIEW,
    REPORT_SHORTCUT,
    decode_choice,
    decode_form,
)
from bot.core.events import (
    ChoicePicked,
    CommandInvoked,
    Event,
    HomeOpened,
    MemberJoined,
    MemberRolesChanged,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    QuotedMessage,
    ReactionAdded,
    ReactionRemoved,
    TextAnswered,
)
from bot.core.forms import CommandForm

PLATFORM = "slack"
Payload = Mapping[str, Any]

_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL_MENTION = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL_MENTION = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_POSTED_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})


@dataclass(frozen=True)
class InboundContext:
    """What normalizing needs to know besides the payload.

    `started_at` is when the adapter started: older events are dropped. `received_at` dates
    payloads that carry no time of their own (slash commands, clicks). `forms` are the core's
    forms by id, to turn a submitted form modal back into its command.
    """

    bot_user_id: str
    bot_id: str
    started_at: datetime
    received_at: datetime
    forms: Mapping[str, CommandForm] = field(default_factory=dict)
    workspace_url: str = ""
    """`https://<workspace>.slack.com/` (auth.test's `url`), for links to messages."""
    role_channels: tuple[str, ...] = ()
    """The communities' main channels: a workspace admin or owner holds their role in each."""


def to_event(body: Payload, ctx: InboundContext) -> Event | None:
    """The event for one Slack payload, or None if Porch has nothing to do with it."""
    try:
        if body.get("type") == "event_callback":
            return _from_callback(body, ctx)
        if "command" in body:
            return _from_command(body, ctx)
        kind = body.get("type")
        if kind == "block_actions":
            return _from_block_actions(body, ctx)
        if kind == "view_submission":
            return _from_view_submission(body, ctx)
        if kind == "message_action":
            return _from_message_action(body, ctx)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return None


def slack_text_to_markdown(text: str) -> str:
    """Slack mrkdwn as typed by people -> the core's text: mentions become `@U123`.

    `<@U123|dana>` -> `@U123` (ids, not names, so command parsing yields member ids),
    `<#C123|general>` -> `#general`, `<https://x|label>` -> `[label](https://x)`, and Slack's
    `&amp;`/`&lt;`/`&gt;` escapes are undone.
    """
    text = _USER_MENTION.sub(r"@\1", text)
    text = _CHANNEL_MENTION.sub(lambda m: f"#{m.group(2) or m.group(1)}", text)
    text = _SPECIAL_MENTION.sub(r"@\1", text)
    text = _LINK.sub(lambda m: f"[{m.group(2)}]({m.group(1)})" if m.group(2) else m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mentioned_users(text: str) -> tuple[str, ...]:
    """Member ids mentioned in raw Slack text, in order, without repeats."""
    return tuple(dict.fromkeys(_USER_MENTION.findall(text)))


def ts_to_datetime(ts: str | float | int) -> datetime:
    """A Slack `ts` or epoch seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(float(ts), tz=UTC)


# -- Events API ---------------------------------------------------------------------------


def _from_callback(body: Payload, ctx: InboundContext) -> Event | None:
    event: Payload = body["event"]
    occurred_at = ts_to_datetime(body.get("event_time") or event.get("event_ts") or 0)
    if _before_start(occurred_at, ctx):
        return None
    base: dict[str, Any] = {
        "platform": PLATFORM,
        "dedupe_key": f"slack:{body['event_id']}",
        "occurred_at": occurred_at,
    }
    kind = event.get("type")
    if kind == "message":
        return _from_message(event, base, ctx)
    if kind in ("reaction_added", "reaction_removed"):
        return _from_reaction(event, base, ctx)
    if kind == "member_joined_channel":
        return _from_channel_join(event, base, ctx)
    if kind == "team_join":
        return _from_team_join(body, event, base)
    if kind == "app_home_opened" and event.get("tab") == "home":
        return HomeOpened(**base, member=event["user"])
    return None


def _before_start(occurred_at: datetime, ctx: InboundContext) -> bool:
    """`event_time` has whole seconds: compare at that grain, so nothing from the start second
    itself is lost."""
    return int(occurred_at.timestamp()) < int(ctx.started_at.timestamp())


def _is_ours_or_a_bot(message: Payload, ctx: InboundContext) -> bool:
    return bool(
        message.get("bot_id")
        or message.get("subtype") == "bot_message"
        or message.get("user") in (None, "", ctx.bot_user_id, "USLACKBOT")
    )


def _from_message(event: Payload, base: dict[str, Any], ctx: InboundContext) -> Event | None:
    subtype = event.get("subtype")
    channel = event["channel"]
    if subtype == "message_changed":
        return _from_edit(event, base, ctx)
    if subtype == "message_deleted":
        previous: Payload = event.get("previous_message") or {}
        if _is_ours_or_a_bot(previous, ctx):
            return None
        return MessageDeleted(
            **base, member=previous["user"], channel=channel, message_id=event["deleted_ts"]
        )
    if subtype not in _POSTED_SUBTYPES or _is_ours_or_a_bot(event, ctx):
        return None
    raw = event.get("text") or ""
    ts = event["ts"]
    thread_ts = event.get("thread_ts")
    return MessagePosted(
        **base,
        member=event["user"],
        channel=channel,
        text=slack_text_to_markdown(raw),
        message_id=ts,
        is_direct=event.get("channel_type") == "im",
        thread_id=thread_ts if thread_ts and thread_ts != ts else None,
        mentions=mentioned_users(raw),
        permalink=permalink(ctx.workspace_url, channel, ts, thread_ts),
    )


def permalink(workspace_url: str, channel: str, ts: str, thread_ts: str | None = None) -> str:
    """`https://<workspace>.slack.com/archives/<C>/p<ts without its dot>`, Slack's own link (what
    `chat.getPermalink` answers, without the call); a reply in a thread adds
    `?thread_ts=<parent ts>&cid=<C>`, so the link opens the thread."""
    if not workspace_url:
        return ""
    link = f"{workspace_url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel}"
    return link


def _from_edit(event: Payload, base: dict[str, Any], ctx: InboundContext) -> Event | None:
    """An edit by a person; Slack also sends `message_changed` for link unfurls, which change
    nothing a feature reads, so those (same text) are dropped."""
    message: Payload = event["message"]
    previous: Payload = event.get("previous_message") or {}
    if _is_ours_or_a_bot(message, ctx) or message.get("text") == previous.get("text"):
        return None
    return MessageEdited(
        **base,
        member=message["user"],
        channel=event["channel"],
        message_id=message["ts"],
        text=slack_text_to_markdown(message.get("text") or ""),
    )


def _from_reaction(event: Payload, base: dict[str, Any], ctx: InboundContext) -> Event | None:
    item: Payload = event["item"]
    if item.get("type") != "message" or event["user"] == ctx.bot_user_id:
        return None
    kind = ReactionAdded if event["type"] == "reaction_added" else ReactionRemoved
    return kind(
        **base,
        member=event["user"],
        channel=item["channel"],
        message_id=item["ts"],
        emoji=from_slack(event["reaction"]),
    )


def _from_channel_join(event: Payload, base: dict[str, Any], ctx: InboundContext) -> Event | None:
    if event["user"] == ctx.bot_user_id:
        return None
    return MemberJoined(**base, member=event["user"], channel=event["channel"])


def _from_team_join(body: Payload, event: Payload, base: dict[str, Any]) -> Event | None:
    """A new workspace member. `channel` is empty: they joined the workspace, no channel yet."""
    user: Payload = event["user"]
    if user.get("is_bot") or user.get("is_app_user"):
        return None
    profile: Payload = user.get("profile") or {}
    team = user.get("team_id") or body.get("team_id", "")
    return MemberJoined(
        **{**base, "dedupe_key": f"slack:team_join:{team}:{user['id']}"},
        member=user["id"],
        channel="",
        display_name=profile.get("display_name") or user.get("real_name") or user.get("name", ""),
        locale=user.get("locale"),
        timezone=user.get("tz"),
    )


# -- workspace roles ---------------------------------------------------------------------------

ADMIN_ROLES = ("admin",)
"""What a workspace admin or owner is in each community the workspace serves: Porch's highest
role. Slack's admins and owners may already manage every channel and member of the workspace,
so anything less in Porch would only make them work around it; owners get nothing more,
because Porch has nothing above admin."""


def workspace_roles(user: Payload, bot_user_id: str) -> tuple[str, ...] | None:
    """The Porch roles a Slack user object grants (`users.list`, `user_change`): `ADMIN_ROLES`
    for an admin or owner, () for anyone else or a deactivated account; None for Porch itself,
    bots and apps, who hold no roles and are not members."""
    if (
        user.get("is_bot")
        or user.get("is_app_user")
        or user.get("id") in (bot_user_id, "USLACKBOT")
    ):
        return None
    if user.get("deleted") or not (user.get("is_admin") or user.get("is_owner")):
        return ()
    return ADMIN_ROLES


def roles_from_user_change(body: Payload, ctx: InboundContext) -> list[Event]:
    """`user_change` (sent with the whole user object for any change to a member, a promotion or
    demotion included): their current roles, in every community channel. Always sent, even for
    a member who never had a role: the adapter cannot tell who Porch knows as an admin (another
    replica may have seen the promotion), and a missed demotion would leave an admin in place.
    Keyed by the event id and channel, so a redelivery is dropped."""
    event = body.get("event") if body.get("type") == "event_callback" else None
    if not isinstance(event, Mapping) or event.get("type") != "user_change":
        return []
    try:
        user: Payload = event["user"]
        occurred_at = ts_to_datetime(body.get("event_time") or event.get("event_ts") or 0)
        roles = workspace_roles(user, ctx.bot_user_id)
        if roles is None or _before_start(occurred_at, ctx):
            return []
        return [
            MemberRolesChanged(
                platform=PLATFORM,
                dedupe_key=f"slack:{body['event_id']}:{channel}",
                occurred_at=occurred_at,
                member=str(user["id"]),
                channel=channel,
                roles=roles,
            )
            for channel in ctx.role_channels
        ]
    except (KeyError, TypeError, ValueError, AttributeError):
        return []


# -- slash commands ---------------------------------------------------------------------------


def _from_command(body: Payload, ctx: InboundContext) -> Event | None:
    root = str(body["command"]).lstrip("/").lower()
    channel = body["channel_id"]
    return CommandInvoked(
        platform=PLATFORM,
        dedupe_key=f"slack:command:{body['trigger_id']}",
        occurred_at=ctx.received_at,
        member=body["user_id"],
        root=root,
        text=slack_text_to_markdown(body.get("text") or "").strip(),
        channel=channel,
        is_direct=channel.startswith("D") or body.get("channel_name") == "directmessage",
        display_name=body.get("user_name", ""),
        context={
            "trigger_id": body["trigger_id"],
            "response_url": body.get("response_url", ""),
        },
    )


# -- interactivity ----------------------------------------------------------------------------


def _from_block_actions(body: Payload, ctx: InboundContext) -> Event | None:
    for action in body.get("actions") or ():
        if not str(action.get("action_id", "")).startswith(CHOICE_ACTION):
            continue
        decoded = decode_choice(str(action.get("value", "")))
        if decoded is None:
            return None
        prompt_id, choice_id = decoded
        container: Payload = body.get("container") or {}
        return ChoicePicked(
            platform=PLATFORM,
            dedupe_key=f"slack:action:{body['trigger_id']}",
            occurred_at=_action_time(action, ctx),
            member=body["user"]["id"],
            prompt_id=prompt_id,
            choice_id=choice_id,
            channel=container.get("channel_id", ""),
        )
    return None


def _action_time(action: Payload, ctx: InboundContext) -> datetime:
    stamp = action.get("action_ts")
    return ts_to_datetime(stamp) if stamp else ctx.received_at


def _from_view_submission(body: Payload, ctx: InboundContext) -> Event | None:
    view: Payload = body["view"]
    if view.get("callback_id") == FORM_VIEW:
        return _from_form(body, view, ctx)
    if view.get("callback_id") != ANSWER_VIEW or not view.get("private_metadata"):
        return None
    value = view["state"]["values"][ANSWER_BLOCK][ANSWER_INPUT].get("value") or ""
    return TextAnswered(
        platform=PLATFORM,
        dedupe_key=f"slack:view:{view['id']}:{view.get('hash', '')}",
        occurred_at=ctx.received_at,
        member=body["user"]["id"],
        prompt_id=view["private_metadata"],
        text=value,
    )


def _from_form(body: Payload, view: Payload, ctx: InboundContext) -> Event | None:
    """A submitted form: the command it stands for, from the channel it was opened in, so the
    core applies every rule of that command as if it had been typed."""
    decoded = decode_form(str(view.get("private_metadata", "")))
    form = ctx.forms.get(decoded[0]) if decoded else None
    if decoded is None or form is None:
        return None
    values: Payload = view["state"]["values"]
    text = (values.get(FORM_TEXT_BLOCK) or {}).get(FORM_TEXT_INPUT, {}).get("value") or ""
    boxes: Payload = (values.get(FORM_BOXES_BLOCK) or {}).get(FORM_BOXES_INPUT) or {}
    ticked = {str(option.get("value")) for option in boxes.get("selected_options") or ()}
    channel = decoded[1]
    return CommandInvoked(
        platform=PLATFORM,
        dedupe_key=f"slack:view:{view['id']}:{view.get('hash', '')}",
        occurred_at=ctx.received_at,
        member=body["user"]["id"],
        root=form.root,
        text=form.command_text(text, ticked),
        channel=channel,
        is_direct=channel.startswith("D"),
        display_name=body["user"].get("username") or body["user"].get("name", ""),
    )


def _workspace_url(body: Payload, ctx: InboundContext) -> str:
    """auth.test's workspace URL; failing that, the one the payload's team domain names."""
    domain = (body.get("team") or {}).get("domain")
    return ctx.workspace_url or (f"https://{domain}.slack.com/" if domain else "")


def _from_message_action(body: Payload, ctx: InboundContext) -> Event | None:
    """ "Report to moderators": a `/porch report <channel> <ts>` command, so the moderation
    feature handles a report from Slack exactly as one typed on any platform. The payload
    carries the reported message, so its author, text and link come along (`quoted`) even when
    Porch never saw it (posted before Porch started, or in a channel it only just joined)."""
    if body.get("callback_id") != REPORT_SHORTCUT:
        return None
    channel = body["channel"]["id"]
    message: Payload = body.get("message") or {}
    quoted = None
    if not _is_ours_or_a_bot(message, ctx):
        ts = body["message_ts"]
        quoted = QuotedMessage(
            author=message["user"],
            text=slack_text_to_markdown(message.get("text") or ""),
            permalink=permalink(_workspace_url(body, ctx), channel, ts, message.get("thread_ts")),
        )
    return CommandInvoked(
        platform=PLATFORM,
        dedupe_key=f"slack:shortcut:{body['trigger_id']}",
        occurred_at=ctx.received_at,
        member=body["user"]["id"],
        root="porch",
        text=f"report {channel} {body['message_ts']}",
        channel=channel,
        is_direct=channel.startswith("D"),
        display_name=body["user"].get("username") or body["user"].get("name", ""),
        context={
            "trigger_id": body["trigger_id"],
            "response_url": body.get("response_url", ""),
        },
        quoted=quoted,
    )
