"""The Slack app manifest Porch needs: every scope, event, command, shortcut and URL, in one paste.

Kept beside the code that needs each entry, so the two cannot drift apart unnoticed: a test
checks that every Web API method the adapter calls has its scope here, and that the manifest
asks for all of them. No slack_sdk import: `porch slack manifest` works without the extra.
"""

from __future__ import annotations

from typing import Any

from adapters.slack.interactive import COMMAND_ROOTS, REPORT_SHORTCUT

EVENTS_PATH = "/slack/events"
"""The one Request URL for events, slash commands and interactivity (the adapter serves it)."""

METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",),
    "conversations.open": ("im:write", "mpim:write"),
    "conversations.history": (
        "channels:history",
        "groups:history",
        "im:history",
        "mpim:history",
    ),
    "conversations.replies": (
        "channels:history",
        "groups:history",
        "im:history",
        "mpim:history",
    ),
    "conversations.invite": ("channels:manage", "groups:write"),
    "conversations.members": ("channels:read", "groups:read"),
    "conversations.kick": ("channels:manage", "groups:write"),
    "reactions.add": ("reactions:write",),
    "pins.add": ("pins:write",),
    "pins.remove": ("pins:write",),
    "views.open": (),
    "views.publish": (),
    "users.info": ("users:read",),
    "users.list": ("users:read",),
    "auth.test": (),
}
"""Bot scopes per Web API method Porch calls (public and private channels, DMs, group DMs)."""

EVENT_SCOPES: dict[str, tuple[str, ...]] = {
    "member_joined_channel": ("channels:read", "groups:read"),
    "team_join": ("users:read",),
    "user_change": ("users:read",),
    "message.channels": ("channels:history",),
    "message.groups": ("groups:history",),
    "message.im": ("im:history",),
    "message.mpim": ("mpim:history",),
    "reaction_added": ("reactions:read",),
    "reaction_removed": ("reactions:read",),
    "app_home_opened": (),
}
"""Bot events Porch subscribes to, with the scopes Slack requires for each."""

FEATURE_SCOPES: tuple[str, ...] = ("commands",)
"""Slash commands and shortcuts."""

USER_SCOPES: tuple[str, ...] = ("chat:write",)
"""For the optional admin user token: only an admin's user token may delete others' messages."""

SCOPE_PURPOSES: dict[str, str] = {
    "chat:write": "post, update, delete its messages; ephemeral replies",
    "im:write": "open a DM with a member (welcome DMs, prompts)",
    "mpim:write": "open a group DM (introductions of several members)",
    "channels:history": "read messages in public channels (activity, replies, crash recovery)",
    "groups:history": "read messages in private channels Porch was invited to",
    "im:history": "read DMs to Porch (answers to prompts)",
    "mpim:history": "read group DMs Porch is part of",
    "channels:manage": "invite members to and remove them from public channels",
    "groups:write": "invite members to and remove them from private channels",
    "channels:read": "learn that a member joined a public channel",
    "groups:read": "learn that a member joined a private channel",
    "users:read": (
        "greet members by name, in their language and time zone; team_join; "
        "workspace admins and owners as Porch admins (users.list, user_change)"
    ),
    "reactions:read": "see reactions (votes, picks by emoji)",
    "reactions:write": "add reactions",
    "pins:write": "pin messages (AMA boards, rules)",
    "commands": "the /porch and /ama commands and the Report shortcut",
}

_COMMAND_HELP = {
    "porch": ("Porch: help, whoami, and community tools", "help"),
    "ama": ("Ask-me-anything sessions", 'start "Topic" --host @name --in 2d'),
}


def bot_scopes() -> list[str]:
    """Every bot scope Porch needs, sorted."""
    needed = {s for scopes in METHOD_SCOPES.values() for s in scopes}
    needed |= {s for scopes in EVENT_SCOPES.values() for s in scopes}
    return sorted(needed | set(FEATURE_SCOPES))


def request_url(base: str) -> str:
    """`https://porch.example.org` -> `https://porch.example.org/slack/events` (idempotent)."""
    base = base.rstrip("/")
    return base if base.endswith(EVENTS_PATH) else base + EVENTS_PATH


def manifest(
    *, url: str | None = None, socket_mode: bool = False, name: str = "Porch"
) -> dict[str, Any]:
    """The app manifest. HTTP mode needs `url` (Porch's public base URL); Socket Mode needs none."""
    if not socket_mode and not url:
        raise ValueError("HTTP mode needs the public URL of Porch (--url https://...)")
    endpoint = request_url(url) if url and not socket_mode else None
    return {
        "display_information": {
            "name": name,
            "description": "Community management in your team chat",
            "long_description": (
                "Porch puts community management into Slack. It welcomes new members with a "
                "short onboarding in their DMs, runs ask-me-anything sessions with questions "
                "and votes, keeps rituals on schedule, and brings reported messages to your "
                "moderators. Community managers describe what should happen in reviewed YAML "
                "playbooks; Porch carries them out reliably and never spams anyone twice."
            ),
            "background_color": "#2f4f4f",
        },
        "features": _features(endpoint),
        "oauth_config": {"scopes": {"bot": bot_scopes(), "user": list(USER_SCOPES)}},
        "settings": _settings(endpoint, socket_mode),
    }


def _features(endpoint: str | None) -> dict[str, Any]:
    commands = []
    for root in COMMAND_ROOTS:
        description, hint = _COMMAND_HELP[root]
        command: dict[str, Any] = {
            "command": f"/{root}",
            "description": description,
            "usage_hint": hint,
            "should_escape": True,
        }
        if endpoint:
            command["url"] = endpoint
        commands.append(command)
    return {
        "app_home": {
            "home_tab_enabled": True,
            "messages_tab_enabled": True,
            "messages_tab_read_only_enabled": False,
        },
        "bot_user": {"display_name": "Porch", "always_online": True},
        "shortcuts": [
            {
                "name": "Report to moderators",
                "type": "message",
                "callback_id": REPORT_SHORTCUT,
                "description": "Send this message to the community's moderators",
            }
        ],
        "slash_commands": commands,
    }


def _settings(endpoint: str | None, socket_mode: bool) -> dict[str, Any]:
    events: dict[str, Any] = {"bot_events": sorted(EVENT_SCOPES)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if endpoint:
        events = {"request_url": endpoint, **events}
        interactivity["request_url"] = endpoint
    return {
        "event_subscriptions": events,
        "interactivity": interactivity,
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": False,
    }
