"""Which playbooks exist, and which communities run them.

The shipped playbooks live in the top-level `playbooks/` folder (`PORCH_PLAYBOOKS` overrides it,
as the Docker image does); the configuration may name more folders.
"""

from __future__ import annotations

import os
from difflib import get_close_matches
from pathlib import Path

from bot.config.schema import PorchConfig
from bot.core.errors import Problem

SHIPPED = Path(os.environ.get("PORCH_PLAYBOOKS", Path(__file__).resolve().parents[2] / "playbooks"))


def playbook_dirs(config: PorchConfig, base: Path) -> list[Path]:
    return [SHIPPED, *((base / d) for d in config.playbook_dirs)]


def playbook_files(config: PorchConfig, base: Path) -> tuple[list[Path], list[Problem]]:
    files: list[Path] = []
    problems: list[Problem] = []
    for i, directory in enumerate(playbook_dirs(config, base)):
        if not directory.is_dir():
            if directory != SHIPPED:
                problems.append(
                    Problem(
                        "configuration",
                        None,
                        f"playbook_dirs[{i - 1}]",
                        f"the folder {directory} does not exist",
                    )
                )
            continue
        files += sorted(p for p in directory.glob("*.yaml") if p.is_file())
    return files, problems


def check_playbooks(config: PorchConfig, base: Path) -> list[Problem]:
    """Every community's playbook ids must name a playbook file (`<id>.yaml`)."""
    files, problems = playbook_files(config, base)
    known = {p.stem for p in files}
    for i, community in enumerate(config.communities):
        for j, playbook in enumerate(community.playbooks):
            if playbook not in known:
                hint = get_close_matches(playbook, sorted(known), n=1)
                suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
                problems.append(
                    Problem(
                        "configuration",
                        None,
                        f"communities[{i}].playbooks[{j}]",
                        f"no playbook '{playbook}'{suggestion}",
                    )
                )
    return problems
