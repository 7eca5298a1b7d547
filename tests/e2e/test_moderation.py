"""Moderation through the real `porch` command on the terminal chat: a reminder quoting a house
rule, escalation to the queue and a moderator's one-click removal, a 🚩 report by two members,
a member muted for an hour and unmuted by Porch's timer, a dry-run rule, crisis mode on (pinned)
and off (unpinned); and the moderation log as CSV on the command line."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.golden import assert_golden, run_script

WEEK = """\
# alice calls someone an idiot: a gentle DM that quotes house rule 1, in her language.
:say alice #general honestly, what an idiot move
:say alice #general only an idiot would ship on a Friday
:say alice #general idiots, all of them
# A fourth breach within 30 days is a pattern: it goes to the moderators' queue; mo removes it.
:say alice #general you are such an idiot
:react mo m8 3️⃣
# bob's message is reported with 🚩 by two members: the queue item's priority rises in place.
:say bob #general meet me in the car park after work, alone
:react carol m10 🚩
:react dave m10 🚩
:react mo m11 1️⃣
# frank is reported and muted in #general for an hour; Porch's timer lets him write again.
:say frank #general you will all regret this
:react heidi m12 🚩
:react mo m13 4️⃣
:advance 61m
# A rule in dry run (shouting) does nothing visible; the moderation log says what it would have done.
:say erin #general THIS IS THE BEST DAY EVER FOLKS
:say mo #general /porch modlog --since 1d
# Crisis mode: a statement, pinned, with a Q&A thread; then the all-clear.
:say dana #general /porch crisis on "We are reorganising the team. Details follow on Friday."
:say dana #general /porch crisis off
"""


def test_moderation_on_the_terminal_chat_produces_the_expected_transcript(tmp_path: Path) -> None:
    result = run_script(WEEK, tmp_path)
    assert result.returncode == 0, result.stderr
    assert_golden("moderation-week", result.stdout)


def test_the_reporters_are_named_in_nothing_porch_says(tmp_path: Path) -> None:
    result = run_script(WEEK, tmp_path)
    said_by_porch: list[str] = []
    in_porch_message = False
    for line in result.stdout.splitlines():
        if not line.startswith(" "):
            in_porch_message = line.startswith("[") and "] porch " in line
        if in_porch_message:
            said_by_porch.append(line)
    assert any("Reported by 2 member" in line for line in said_by_porch)
    assert not any(n in line for line in said_by_porch for n in ("carol", "dave", "heidi"))


def test_porch_modlog_writes_every_decision_as_csv(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'porch.db'}"
    result = run_script(WEEK, tmp_path, db=db)
    assert result.returncode == 0, result.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORCH_")}
    listed = subprocess.run(
        [sys.executable, "-m", "bot", "modlog", "--since", "3000d", "--format", "csv", "--db", db],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    actions = [r["action"] for r in rows]
    assert actions.count("reminded") == 3
    assert {
        "queued",
        "removed",
        "reported",
        "dismissed",
        "would_have",
        "crisis_on",
        "crisis_off",
        "muted",
        "unmuted",
    } <= set(actions)
    reporters = sorted(r["actor"] for r in rows if r["action"] == "reported")
    assert reporters == ["carol", "dave", "heidi"]


def test_porch_modlog_refuses_an_unknown_format(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "modlog",
            "--format",
            "xml",
            "--db",
            f"sqlite:///{tmp_path / 'x.db'}",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--format must be table or csv" in result.stdout + result.stderr
