"""Ritual playbooks as files: the shipped ones load; a broken one is reported with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.features.rituals.settings import RitualPlaybook
from bot.playbooks.loader import load_playbook
from bot.playbooks.registry import SHIPPED

SHIPPED_RITUALS = sorted(SHIPPED.glob("rituals-*.yaml"))


def test_every_kind_of_ritual_action_is_shipped_as_an_example() -> None:
    kinds = set()
    for path in SHIPPED_RITUALS:
        loaded, problems = load_playbook(path)
        assert problems == [] and loaded is not None, path
        assert isinstance(loaded.model, RitualPlaybook)
        assert isinstance(loaded.model.title, dict) and {"en", "de"} <= set(loaded.model.title)
        kinds.add(loaded.model.action.do)
    assert kinds == {
        "prompt",
        "unanswered_digest",
        "quiet_checkin",
        "intro_pairing",
        "celebration",
        "health_digest",
    }


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("schedule: every funday 09:00", "schedule"),
        ("misfire_window: soon", "misfire_window"),
        ("skip_if: [crisis]", "skip_if"),
    ],
)
def test_a_broken_ritual_playbook_names_the_field_and_line(
    tmp_path: Path, line: str, expected: str
) -> None:
    path = tmp_path / "rituals-broken.yaml"
    path.write_text(
        "kind: ritual\ntitle: Broken\n"
        + line
        + "\naction: {do: prompt, text: hi}\n"
        + ("schedule: every monday 09:30\n" if not line.startswith("schedule") else ""),
        encoding="utf-8",
    )
    loaded, problems = load_playbook(path)
    assert loaded is None
    assert any(p.line == 3 and expected in str(p) for p in problems), problems
