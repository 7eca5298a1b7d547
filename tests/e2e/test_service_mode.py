"""`porch run` against configured platforms: refusals that save an operator an afternoon."""

import subprocess
import sys
from pathlib import Path

CONFIG = """\
communities:
  - id: excel
    name: Excel explained
    kind: interest
    channels:
      slack: {main: C0123456789}
platforms:
  slack: {mode: http}
"""


def test_slack_http_mode_without_an_http_listener_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "porch.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    env = {
        "PATH": "/usr/bin:/bin",
        "PORCH_SLACK_BOT_TOKEN": "xoxb-1-real",
        "PORCH_SLACK_SIGNING_SECRET": "s3cr3t-real",
        "PORCH_DATABASE_URL": f"sqlite:///{tmp_path / 'porch.db'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "platforms.slack.mode: HTTP mode receives Slack's events over HTTP" in result.stderr
    assert "s3cr3t" not in result.stderr + result.stdout
