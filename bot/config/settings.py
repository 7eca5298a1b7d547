"""Process settings from the environment (`PORCH_*`), including every secret.

Secrets are `SecretStr`, so they print as `**********` in logs, errors and reprs. Start-up refuses
placeholder values copied from the docs.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.errors import Problem

_PLACEHOLDERS = ("changeme", "your-", "xoxb-xxx", "xapp-xxx", "example-secret", "...")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PORCH_", extra="ignore")

    config: Path | None = None
    database_url: str = "sqlite:///porch.db"
    data_dir: Path = Path(".porch")
    log_level: str = "INFO"

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_admin_token: SecretStr | None = None
    matrix_access_token: SecretStr | None = None
    matrix_password: SecretStr | None = None

    def secret_problems(self) -> list[Problem]:
        """Secrets that are plainly placeholders from an example."""
        problems = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                raw = value.get_secret_value().lower()
                if not raw or any(p in raw for p in _PLACEHOLDERS):
                    problems.append(
                        Problem(
                            f"PORCH_{name.upper()}",
                            None,
                            "",
                            "holds a placeholder; set the real secret or unset the variable",
                        )
                    )
        return problems
