"""The terminal chat through the real `porch` command: transcripts, bad lines, bad config, restarts."""

import subprocess
import sys
from pathlib import Path

from tests.e2e.golden import assert_golden, run_script

BASICS = """\
# Everyone can ask Porch what it can do; errors say what is wrong and how to do it right.
:join alice #general
:say alice #general Hello everyone
:say alice #general /porch whoami
:say dana #general /porch whoami
:dm dana /porch help
:dm alice /porch help whoami
:say mo #general /porch ping
:say alice #general /porch whoamii
:say alice #general /porch
:say alice #general /porch help "unclosed
"""


def test_the_basic_commands_produce_the_expected_transcript(tmp_path: Path) -> None:
    result = run_script(BASICS, tmp_path)
    assert result.returncode == 0, result.stderr
    assert_golden("basics", result.stdout)


def test_a_malformed_script_is_refused_before_anything_runs_naming_every_bad_line(
    tmp_path: Path,
) -> None:
    result = run_script(
        ":join alice #general\n:sya alice #general hi\n:click alice two\n", tmp_path
    )
    assert result.returncode == 2
    assert "line 2: unknown directive ':sya' (did you mean ':say'?)" in result.stdout
    assert "line 3: malformed ':click'" in result.stdout
    assert "* alice joined" not in result.stdout


def test_a_line_that_cannot_be_carried_out_stops_the_run_with_its_number(tmp_path: Path) -> None:
    result = run_script(
        ":say alice #general hi\n:click alice 1\n:say alice #general never\n", tmp_path
    )
    assert result.returncode == 1
    assert "error: line 2: alice has no question with choices to click" in result.stdout
    assert "never" not in result.stdout


def test_a_configuration_with_typos_is_refused_with_every_problem(tmp_path: Path) -> None:
    config = tmp_path / "porch.yaml"
    config.write_text(
        "communities:\n  - id: excel\n    name: Excel\n    kind: intrest\n"
        "    channels:\n      shell: {main: '#excel', mods: '#m'}\n",
        encoding="utf-8",
    )
    for command in (["check"], ["run", "--script", "/dev/null"]):
        result = subprocess.run(
            [sys.executable, "-m", "bot", *command, "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2
        assert (
            f"{config}:4 communities[0].kind: 'intrest' is not allowed (did you mean 'interest'?)"
            in result.stderr
        )
        assert (
            f"{config}:6 communities[0].channels.shell.mods: unknown field 'mods'" in result.stderr
        )


def test_a_community_without_a_moderators_channel_passes_the_check_with_a_warning(
    tmp_path: Path,
) -> None:
    config = tmp_path / "porch.yaml"
    config.write_text(
        "communities:\n  - id: excel\n    name: Excel\n    kind: interest\n"
        "    moderators: [mo]\n    playbooks: [house-rules]\n"
        "    channels:\n      shell: {main: '#excel'}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "warning: community 'excel' has no moderators channel on shell: queue items go by DM "
        "to its moderators (mo)" in result.stderr
    )


def test_the_demo_configuration_passes_the_check() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: 1 communities (demo)")


def test_a_second_run_on_the_same_database_continues_without_repeating_itself(
    tmp_path: Path,
) -> None:
    db = f"sqlite:///{tmp_path / 'porch.db'}"
    first = run_script(":say alice #general /porch ping\n", tmp_path, db=db)
    second = run_script(":say alice #general /porch ping\n", tmp_path, db=db)
    assert first.returncode == second.returncode == 0
    refs = [
        line.split("(")[1].split(")")[0]
        for line in (first.stdout + second.stdout).splitlines()
        if "porch (" in line
    ]
    assert len(refs) == len(set(refs)) == 2


def test_an_old_database_is_refused_with_the_command_that_fixes_it(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "porch.db"
    assert run_script(":say alice #general hi\n", tmp_path, db=f"sqlite:///{path}").returncode == 0
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM alembic_version")
        conn.execute("INSERT INTO alembic_version (version_num) VALUES ('0000')")
    result = run_script(":say alice #general hi\n", tmp_path, db=f"sqlite:///{path}")
    assert result.returncode == 2
    assert "porch db upgrade" in result.stderr
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM inbox").fetchone()[0] == 1
