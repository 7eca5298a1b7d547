"""Onboarding through the real `porch` command: transcripts of each shipped playbook, restarts,
broken playbooks, the report, and enrolling members who were there before Porch."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.e2e.golden import assert_golden, run_script

INTEREST = """\
# A newcomer to an interest community (the demo): welcome, house rules, an introduction that is
# too short and then posted, interests, and on day 3 a nudge, because she has not written yet.
:join alice #general
:click alice 2
:click alice 1
:dm alice Hi!
:dm alice Hi everyone, I'm Alice from controlling. I build Excel dashboards and want to learn Power Query.
:click alice 1,3
:advance 3d
:advance 4d
:click alice 2
:dm alice I can't find where people share templates.
:say dana #general /porch onboarding
"""

INTEREST_POSTED = """\
# Bob writes in the community before day 3: no first-question nudge, just the day-7 check-in.
:join bob #general
:click bob 1
:click bob 1
:dm bob I'm Bob, new in the finance team and curious about macros.
:click bob 5
:say bob #general Hello all! Does anyone have a good template for monthly reports?
:advance 3d
:advance 4d
:click bob 1
"""

PROJECT_CONFIG = """\
communities:
  - id: atlas
    name: Project Atlas
    kind: project
    timezone: Europe/Berlin
    channels:
      shell: {main: "#atlas", intro: "#atlas-intros"}
    managers: [lena]
    moderators: [mo, max]
    playbooks: [project]
"""

PROJECT = """\
# A new engineer on a project: role, where things live, a buddy, who is who, the meeting rhythm,
# an introduction for the team, and on day 7 "anything unclear?", passed on to the project lead.
:join alice #atlas
:click alice 1
:dm alice I was a backend developer at a bank; looking forward to shipping Atlas with you.
:advance 7d
:click alice 2
:dm alice How do releases work here?
"""

DEPARTMENT_CONFIG = """\
communities:
  - id: vertrieb
    name: Vertrieb
    kind: department
    locale: de
    timezone: Europe/Berlin
    channels:
      shell: {main: "#vertrieb"}
    managers: [henrike]
    playbooks: [department]
"""

DEPARTMENT = """\
# Ein neuer Kollege in der Abteilung (auf Deutsch): Begrüßung durch die Leitung, die Checkliste in
# zwei Etappen, am nächsten Arbeitsmorgen die Einladung, der Leitung eine Frage zu stellen.
:join jonas #vertrieb
:click jonas 1,2
:click jonas 1,2
:advance 1d
:click jonas 1
:dm jonas Wie läuft bei uns die Quartalsplanung ab?
"""


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "porch.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _porch(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORCH_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_the_interest_playbook_transcript(tmp_path: Path) -> None:
    result = run_script(INTEREST, tmp_path)
    assert result.returncode == 0, result.stderr
    assert_golden("onboarding-interest", result.stdout)


def test_a_member_who_posted_gets_no_day_three_nudge(tmp_path: Path) -> None:
    result = run_script(INTEREST_POSTED, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "how are your first days going" not in result.stdout
    assert_golden("onboarding-interest-posted", result.stdout)


def test_the_project_playbook_transcript(tmp_path: Path) -> None:
    result = run_script(PROJECT, tmp_path, config=_config(tmp_path, PROJECT_CONFIG))
    assert result.returncode == 0, result.stderr
    assert_golden("onboarding-project", result.stdout)


def test_the_department_playbook_transcript_in_german(tmp_path: Path) -> None:
    result = run_script(DEPARTMENT, tmp_path, config=_config(tmp_path, DEPARTMENT_CONFIG))
    assert result.returncode == 0, result.stderr
    assert_golden("onboarding-department", result.stdout)


def _porch_lines(output: str) -> list[str]:
    """What Porch said and did, without the refs (which continue across runs on one database)."""
    return [
        line.split(")", 1)[1] if " porch (m" in line else line
        for line in output.splitlines()
        if " porch (m" in line or line.startswith("* porch")
    ]


def test_restarts_in_the_middle_of_a_journey_repeat_nothing(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'porch.db'}"
    with_restarts = "\n".join(
        line + ("\n:restart" if line.startswith((":click", ":dm", ":advance")) else "")
        for line in INTEREST.splitlines()
    )
    restarted = run_script(with_restarts, tmp_path, db=db)
    (tmp_path / "calm").mkdir()
    calm = run_script(INTEREST, tmp_path / "calm")
    assert restarted.returncode == calm.returncode == 0, restarted.stderr
    assert restarted.stdout.count("-- Porch restarted --") == 9
    assert _porch_lines(restarted.stdout) == _porch_lines(calm.stdout)


def test_a_second_run_on_the_same_database_does_not_welcome_anyone_again(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'porch.db'}"
    first = run_script(":join alice #general\n", tmp_path, db=db)
    second = run_script(":join alice #general\n:advance 1h\n", tmp_path, db=db)
    assert first.returncode == second.returncode == 0
    assert first.stdout.count("welcome to **Porch demo**") == 1
    assert "porch" not in second.stdout.replace("* alice joined #general", "")


BROKEN = """\
kind: onboarding
title: Our interest community
steps:
  - id: welcome
    do: message
    text: Hello {{ member.name }}!
  - id: intro
    do: ask_text
    text: Who are you?
  - do: asign_buddy
"""


def test_a_broken_playbook_is_refused_with_its_file_and_line_by_check_and_run(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "playbooks"
    folder.mkdir()
    (folder / "interest.yaml").write_text(BROKEN, encoding="utf-8")
    config = _config(
        tmp_path, PROJECT_CONFIG.replace("[project]", "[interest]") + "playbook_dirs: [playbooks]\n"
    )
    expected = f"{folder / 'interest.yaml'}:10 steps[2].do: unknown step 'asign_buddy' (did you mean 'assign_buddy'?)"
    for command in (["check"], ["run", "--script", "/dev/null"]):
        result = _porch(*command, "--config", str(config))
        assert result.returncode == 2
        assert expected in result.stderr.splitlines()
        assert "porch (m" not in result.stdout


def test_the_report_lists_every_journey_as_a_table_or_csv(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'porch.db'}"
    script = ":join alice #general\n:join bob #general\n:click bob 1\n:advance 4d\n"
    assert run_script(script, tmp_path, db=db).returncode == 0
    table = _porch("onboarding", "report", "--db", db)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == [
        "community",
        "name",
        "playbook",
        "state",
        "step",
        "started",
        "at",
        "waiting",
        "days",
        "completed",
        "at",
        "buddy",
    ]
    assert lines[2].split()[:5] == ["demo", "alice", "interest", "stuck", "welcome"]
    assert lines[3].split()[:5] == ["demo", "bob", "interest", "stuck", "rules"]
    result = _porch("onboarding", "report", "--db", db, "--format", "csv", "--community", "demo")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["member"], r["state"], r["waiting_days"]) for r in rows] == [
        ("alice", "stuck", rows[0]["waiting_days"]),
        ("bob", "stuck", rows[1]["waiting_days"]),
    ]
    assert _porch("onboarding", "report", "--db", db, "--community", "nope").returncode == 2


def test_members_from_before_porch_are_enrolled_once_and_welcomed_by_the_running_porch(
    tmp_path: Path,
) -> None:
    db = f"sqlite:///{tmp_path / 'porch.db'}"
    before = ":say olga #general I've been here since 2019\n:say dana #general hi\n:join alice #general\n"
    assert run_script(before, tmp_path, db=db).returncode == 0
    dry = _porch("onboard", "--existing", "demo", "--db", db, "--dry-run")
    assert dry.stdout.splitlines() == [
        "shell:olga olga",
        "1 member(s) of demo Porch has seen would be enrolled into interest; the members of "
        "#general on shell would be asked for too (only the platform knows them).",
    ]
    first = _porch("onboard", "--existing", "demo", "--db", db)
    second = _porch("onboard", "--existing", "demo", "--db", db)
    assert first.stdout.splitlines()[-1].startswith(
        "1 member(s) of demo Porch has seen enrolled into interest, and the platform asked for "
        "everyone in #general on shell"
    )
    assert second.stdout.splitlines()[-1].startswith("0 member(s) of demo Porch has seen enrolled")
    now = datetime.now(UTC).isoformat()
    later = run_script(":advance 1m\n", tmp_path, db=db, start=now)
    assert later.stdout.count("Hi olga, welcome to **Porch demo**!") == 1
    assert "Hi alice" not in later.stdout and "Hi dana" not in later.stdout
    # Each run asked this terminal chat, which knows only who joined in that run: nobody.
    assert later.stdout.count("* porch listed the 0 member(s) of #general") == 2


def test_the_committed_playbook_schema_is_current() -> None:
    result = _porch("playbooks", "schema", "--check")
    assert result.returncode == 0, result.stderr
