"""Settings and configuration -> a SlackAdapter (no I/O; `start()` connects).

Missing secrets are reported all at once as a `ConfigError`, naming the environment variable
to set, before anything connects.
"""

from __future__ import annotations

from pydantic import SecretStr

from adapters.slack.adapter import SlackAdapter, SlackCredentials
from bot.config.schema import PorchConfig, SlackSettings
from bot.config.settings import Settings
from bot.core.clock import Clock
from bot.core.errors import ConfigError, Problem


def build_slack_adapter(settings: Settings, config: PorchConfig, clock: Clock) -> SlackAdapter:
    slack = config.platforms.slack or SlackSettings()
    credentials = slack_credentials(settings, slack)
    return SlackAdapter(
        credentials=credentials,
        clock=clock,
        mode=slack.mode,
        api_url=slack.api_url,
        locale=config.communities[0].locale,
        role_channels=[
            channels.main
            for community in config.communities
            if (channels := community.channels.get("slack")) is not None
        ],
    )


def slack_credentials(settings: Settings, slack: SlackSettings) -> SlackCredentials:
    """The secrets this mode needs; raises ConfigError listing every one that is missing."""
    needed = {"PORCH_SLACK_BOT_TOKEN": settings.slack_bot_token}
    if slack.mode == "http":
        needed["PORCH_SLACK_SIGNING_SECRET"] = settings.slack_signing_secret
    else:
        needed["PORCH_SLACK_APP_TOKEN"] = settings.slack_app_token
    missing = [name for name, value in needed.items() if not _value(value)]
    if missing:
        raise ConfigError(
            [
                Problem(name, None, "", f"is required for Slack in {slack.mode} mode")
                for name in missing
            ]
        )
    return SlackCredentials(
        bot_token=_value(settings.slack_bot_token),
        signing_secret=_value(settings.slack_signing_secret) or None,
        app_token=_value(settings.slack_app_token) or None,
        admin_token=_value(settings.slack_admin_token) or None,
    )


def _value(secret: SecretStr | None) -> str:
    return secret.get_secret_value().strip() if secret is not None else ""
