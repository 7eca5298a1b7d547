"""`porch onboard --existing` on Slack through a whole Porch: members who were in the channel
before Porch ran are listed with conversations.members and each one who is not staff (the
configured managers, and the workspace's owner, whom only Slack names) is welcomed by DM exactly
once; running the command again welcomes nobody twice.

The command runs for real (the `porch` CLI, in-process) on a database file it shares with the
running Porch, exactly as an admin would run it next to a live Porch.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config.loader import load_config
from bot.core.clock import FakeClock
from bot.features.builtin import Builtin
from bot.features.onboarding.feature import Onboarding
from bot.playbooks.registry import playbooks_for
from tests.integration.slack.conftest import whole_porch
from tests.standins.slack_api import SlackStandIn

WELCOME = """\
kind: onboarding
title: Welcome
steps:
  - id: welcome
    do: ask
    text: "Hi {{ member.name }}, welcome to {{ community.name }}! What brings you here?"
    choices:
      - {id: learn, label: "I want to learn"}
"""


def _config(tmp_path: Path, general: str, manager: str) -> Path:
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "playbooks" / "welcome.yaml").write_text(WELCOME, encoding="utf-8")
    path = tmp_path / "porch.yaml"
    path.write_text(
        f"""\
communities:
  - id: excel
    name: Excel Explained
    kind: interest
    timezone: Europe/Berlin
    channels:
      slack: {{main: {general}}}
    managers: ["slack:{manager}"]
    playbooks: [welcome]
playbook_dirs: [playbooks]
platforms:
  slack: {{mode: http}}
""",
        encoding="utf-8",
    )
    return path


def _onboard_existing(config: Path, database_url: str) -> str:
    result = CliRunner().invoke(
        app, ["onboard", "--existing", "excel", "--config", str(config), "--db", database_url]
    )
    assert result.exit_code == 0, result.output
    return result.output


def _welcomes(standin: SlackStandIn, member: str) -> list[Any]:
    dm, _ = standin.workspace.open_dm([standin.bot_user_id, member])
    return [m for m in standin.messages(dm.id) if "welcome to Excel Explained" in m.text]


async def test_members_from_before_porch_are_listed_and_each_welcomed_once(
    slack_api: SlackStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = slack_api.workspace
    dana = workspace.add_user("dana", real_name="Dana Manager")
    olga = workspace.add_user("olga", real_name="Olga Early")
    pete = workspace.add_user("pete", real_name="Pete Early")
    helper = workspace.add_bot_user("otherbot")
    slack_api.general.members.extend([slack_api.bot_user_id, dana.id, olga.id, helper.id, pete.id])
    owner = slack_api.owner  # the workspace's owner: staff, though the configuration never says so
    assert owner.id in slack_api.general.members and owner.is_owner
    config = _config(tmp_path, slack_api.general_id, dana.id)
    database_url = f"sqlite:///{tmp_path / 'porch.db'}"
    monkeypatch.chdir(tmp_path)
    loaded, _ = load_config(config)
    assert loaded is not None
    playbooks = dict(playbooks_for(loaded, tmp_path))
    first = _onboard_existing(config, database_url)
    assert "the platform asked for everyone in" in first
    clock = FakeClock(datetime.now(UTC))
    async with whole_porch(
        slack_api,
        loaded.communities[0],
        (Builtin(), Onboarding()),
        playbooks,
        clock=clock,
        database_url=database_url,
    ) as (porch, _tap, _http):
        await porch.settle()
        assert len(slack_api.calls_to("conversations.members")) == 1
        assert len(_welcomes(slack_api, olga.id)) == 1
        assert len(_welcomes(slack_api, pete.id)) == 1
        assert _welcomes(slack_api, dana.id) == [] and _welcomes(slack_api, owner.id) == []

        _onboard_existing(config, database_url)
        clock.set(datetime.now(UTC))
        await porch.settle()
        assert len(slack_api.calls_to("conversations.members")) == 2
    assert len(_welcomes(slack_api, olga.id)) == 1
    assert len(_welcomes(slack_api, pete.id)) == 1
    assert _welcomes(slack_api, dana.id) == []
    dms = [c for c in slack_api.calls_to("chat.postMessage") if c.ok]
    assert len(dms) == 2
