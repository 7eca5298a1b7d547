"""Golden transcripts: run a terminal-chat script through the real `porch` command and compare.

Regenerate after an intended change with `PORCH_UPDATE_GOLDEN=1 pytest tests/e2e`, then read the
diff before committing it: the transcript is what a member would see.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
START = "2026-01-05T08:00:00+00:00"
"""A Monday, 09:00 in Berlin."""


def run_script(
    script: str,
    tmp_path: Path,
    *,
    config: Path | None = None,
    db: str | None = None,
    start: str = START,
) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "script.txt"
    path.write_text(script, encoding="utf-8")
    args = [sys.executable, "-m", "bot", "run", "--script", str(path), "--start", start]
    if config is not None:
        args += ["--config", str(config)]
    if db is not None:
        args += ["--db", db]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORCH_")}
    return subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, check=False)


def assert_golden(name: str, output: str) -> None:
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("PORCH_UPDATE_GOLDEN") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(output, encoding="utf-8")
        if os.environ.get("PORCH_UPDATE_GOLDEN") != "1":
            raise AssertionError(
                f"{path} did not exist; it was written now: read it, then commit it"
            )
        return
    expected = path.read_text(encoding="utf-8")
    assert output == expected, f"transcript differs from {path} (PORCH_UPDATE_GOLDEN=1 rewrites it)"
