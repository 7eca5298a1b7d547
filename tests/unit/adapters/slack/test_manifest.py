"""`porch slack manifest`: one paste creates an app with everything Porch uses."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from adapters.slack import manifest as slack_manifest
from adapters.slack.manifest import (
    EVENT_SCOPES,
    METHOD_SCOPES,
    SCOPE_PURPOSES,
    bot_scopes,
    manifest,
)
from bot.cli import app

SLACK_DIR = Path(slack_manifest.__file__).parent
_CALLED = re.compile(r"\"((?:chat|conversations|reactions|pins|views|users|auth)\.[A-Za-z]+)\"")


def _methods_called_by_the_adapter() -> set[str]:
    found: set[str] = set()
    for path in SLACK_DIR.glob("*.py"):
        if path.name != "manifest.py":
            found |= set(_CALLED.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_method_the_adapter_calls_has_its_scopes_in_the_manifest() -> None:
    called = _methods_called_by_the_adapter()
    assert {"chat.postMessage", "conversations.history", "reactions.add"} <= called
    assert called - set(METHOD_SCOPES) == set()
    wanted = manifest(socket_mode=True)["oauth_config"]["scopes"]["bot"]
    assert {s for m in called for s in METHOD_SCOPES[m]} <= set(wanted)


def test_every_scope_is_explained_for_the_docs() -> None:
    assert set(bot_scopes()) <= set(SCOPE_PURPOSES)


def test_the_manifest_has_commands_shortcut_events_and_urls() -> None:
    data = manifest(url="https://porch.example.org/")
    url = "https://porch.example.org/slack/events"
    commands = data["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/porch", "/ama"]
    assert all(c["url"] == url for c in commands)
    assert data["features"]["shortcuts"][0]["callback_id"] == "porch_report"
    assert data["settings"]["event_subscriptions"]["request_url"] == url
    assert data["settings"]["interactivity"]["request_url"] == url
    assert set(data["settings"]["event_subscriptions"]["bot_events"]) == set(EVENT_SCOPES)
    assert data["settings"]["socket_mode_enabled"] is False
    assert 175 <= len(data["display_information"]["long_description"]) <= 4000


def test_socket_mode_needs_no_url() -> None:
    data = manifest(socket_mode=True)
    assert data["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in data["settings"]["event_subscriptions"]
    assert all("url" not in c for c in data["features"]["slash_commands"])


def test_http_mode_without_a_url_is_refused() -> None:
    with pytest.raises(ValueError, match="--url"):
        manifest()


def test_the_cli_prints_yaml_that_parses() -> None:
    result = CliRunner().invoke(app, ["slack", "manifest", "--socket-mode"])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.output)["settings"]["socket_mode_enabled"] is True


@pytest.mark.parametrize("args", [[], ["--url", "http://insecure.example.org"]])
def test_the_cli_refuses_what_slack_would_refuse(args: list[str]) -> None:
    result = CliRunner().invoke(app, ["slack", "manifest", *args])
    assert result.exit_code == 2


def test_the_porch_command_does_not_load_the_slack_sdk() -> None:
    code = "import sys, bot.cli; sys.exit(int('slack_sdk' in sys.modules or 'slack_bolt' in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_workspace_roles_are_read_and_followed_with_users_read() -> None:
    """users.list at start-up and `user_change` afterwards make admins and owners Porch admins."""
    data = manifest(socket_mode=True)
    assert "user_change" in data["settings"]["event_subscriptions"]["bot_events"]
    assert EVENT_SCOPES["user_change"] == METHOD_SCOPES["users.list"] == ("users:read",)
    assert "users:read" in data["oauth_config"]["scopes"]["bot"]
