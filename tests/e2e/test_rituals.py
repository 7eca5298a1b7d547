"""Rituals through the real `porch` command: a week of rituals, the digest, restarts, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.golden import assert_golden, run_script

CONFIG = """\
communities:
  - id: demo
    name: Porch demo
    kind: interest
    locale: en
    timezone: Europe/Berlin
    channels:
      shell: {main: "#general", intro: "#introductions", moderators: "#moderators"}
    managers: [dana]
    playbooks: [rituals-working-out-loud, rituals-unanswered-questions, rituals-health-digest]
"""

WEEK = """\
# A week in a small community: rituals run on time in Berlin, the manager gets the health digest.
:join alice #general
:join bob #general
:say alice #general How do I freeze the top row?
:say bob #general Wie automatisiere ich einen Monatsbericht
:say bob #general I shared my dashboard template, have a look
:react alice m3 👍
:say alice #general /porch pairing on
:say bob #general /porch mute nudges
# Tuesday 11:00: the unanswered questions; Friday 11:00 is skipped (nobody wrote since).
# Friday 15:00: working out loud. Monday 09:00: dana's weekly health digest.
:advance 7d
:say alice #general Shipping the new pivot guide today
# Porch stops and starts again mid-week: nothing is planned or posted twice.
:advance 3d
:restart
:advance 2d
"""


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "porch.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_a_week_of_rituals_and_the_weekly_digest_produce_the_expected_transcript(
    tmp_path: Path,
) -> None:
    result = run_script(WEEK, tmp_path, config=_config(tmp_path))
    assert result.returncode == 0, result.stderr
    assert_golden("rituals-week", result.stdout)
    assert result.stdout.count("Working out loud Friday") == 2


def test_porch_rituals_lists_next_and_last_runs_and_queues_a_run_by_hand_once(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path)
    db = f"sqlite:///{tmp_path / 'porch.db'}"
    assert run_script(WEEK, tmp_path, config=config, db=db).returncode == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORCH_")}

    def porch(*args: str) -> subprocess.CompletedProcess[str]:
        command = [
            sys.executable,
            "-m",
            "bot",
            "rituals",
            *args,
            "--config",
            str(config),
            "--db",
            db,
        ]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=60, env=env, check=False
        )

    listing = porch()
    assert listing.returncode == 0, listing.stderr
    assert (
        "demo rituals-working-out-loud (prompt): Working out loud [every friday 15:00]"
        in listing.stdout
    )
    assert "  last: Fri 2026-01-16 15:00 CET ran" in listing.stdout
    assert "  next: Tue 2026-01-20 11:00 CET" in listing.stdout
    refused = porch("run", "rituals-health-digest")
    assert refused.returncode == 2 and "--now" in refused.stderr
    first, second = (
        porch("run", "rituals-health-digest", "--now"),
        porch("run", "rituals-health-digest", "--now"),
    )
    assert "demo/shell rituals-health-digest: queued" in first.stdout
    assert "already queued this minute" in second.stdout or "queued" in second.stdout
