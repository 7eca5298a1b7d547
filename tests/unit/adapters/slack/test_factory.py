"""Settings -> a Slack adapter: missing secrets are named, and nothing connects yet."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import SecretStr

from adapters.slack.adapter import SlackAdapter, SlackCredentials
from adapters.slack.factory import build_slack_adapter
from bot.config.schema import PlatformsConfig, PorchConfig, SlackSettings
from bot.config.settings import Settings
from bot.core.actions import Capability
from bot.core.clock import FakeClock
from bot.core.errors import ConfigError
from bot.testing import builders


@pytest.fixture(autouse=True)
def _no_slack_secrets_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BOT_TOKEN", "SIGNING_SECRET", "APP_TOKEN", "ADMIN_TOKEN"):
        monkeypatch.delenv(f"PORCH_SLACK_{name}", raising=False)


def _config(mode: str) -> PorchConfig:
    slack = SlackSettings.model_validate({"mode": mode})
    return builders.config(platforms=PlatformsConfig(slack=slack))


def test_missing_secrets_are_all_named_before_anything_connects() -> None:
    with pytest.raises(ConfigError) as err:
        build_slack_adapter(Settings(), _config("http"), FakeClock())
    named = {p.file for p in err.value.problems}
    assert named == {"PORCH_SLACK_BOT_TOKEN", "PORCH_SLACK_SIGNING_SECRET"}


def test_socket_mode_asks_for_the_app_token_instead_of_the_signing_secret() -> None:
    settings = Settings(slack_bot_token=SecretStr("xoxb-1"))
    with pytest.raises(ConfigError) as err:
        build_slack_adapter(settings, _config("socket"), FakeClock())
    assert {p.file for p in err.value.problems} == {"PORCH_SLACK_APP_TOKEN"}


def test_a_configured_adapter_is_built_without_io_and_hides_its_secrets() -> None:
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-secret-1"), slack_signing_secret=SecretStr("s3cr3t")
    )
    adapter = build_slack_adapter(settings, _config("http"), FakeClock())
    assert adapter.platform == "slack"
    assert Capability.REDACT in adapter.capabilities and Capability.BAN not in adapter.capabilities
    assert [r.path for r in adapter.routes()] == ["/slack/events"]  # type: ignore[attr-defined]
    assert "xoxb-secret-1" not in repr(vars(adapter))


@pytest.mark.parametrize(
    ("mode", "credentials"),
    [
        ("http", SlackCredentials(bot_token="xoxb-1")),
        ("socket", SlackCredentials(bot_token="xoxb-1", signing_secret="s")),
    ],
)
def test_an_adapter_without_its_modes_secret_is_refused(
    mode: Literal["http", "socket"], credentials: SlackCredentials
) -> None:
    with pytest.raises(ValueError, match="PORCH_SLACK_"):
        SlackAdapter(credentials=credentials, clock=FakeClock(), mode=mode)


def test_removing_others_messages_is_a_capability_only_with_the_admin_token() -> None:
    from adapters.slack.adapter import SlackAdapter, SlackCredentials
    from bot.core.actions import Capability
    from bot.core.clock import FakeClock

    plain = SlackAdapter(
        credentials=SlackCredentials("xoxb-1", signing_secret="s"), clock=FakeClock()
    )
    admin = SlackAdapter(
        credentials=SlackCredentials("xoxb-1", signing_secret="s", admin_token="xoxp-2"),
        clock=FakeClock(),
    )
    assert Capability.REDACT_ANY not in plain.capabilities
    assert Capability.REDACT_ANY in admin.capabilities
