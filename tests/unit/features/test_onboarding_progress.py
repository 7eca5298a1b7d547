"""The rows behind `/porch onboarding` and `porch onboarding report`."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from bot.features.onboarding import progress
from bot.store.onboarding import Journey
from bot.testing.builders import T0
from tests.unit.features.onboarding_kit import playbook


def _journey(member: str, **fields: object) -> Journey:
    values: dict[str, object] = {
        "platform": "slack",
        "member": member,
        "community": "demo",
        "playbook": "interest",
        "trigger": "join",
        "step": "welcome",
        "waiting": "answer",
        "started_at": T0,
        "updated_at": T0,
        "waiting_since": T0,
        **fields,
    }
    return Journey(**values)


def test_a_journey_waiting_for_an_answer_longer_than_its_playbook_allows_is_stuck() -> None:
    now = T0 + timedelta(days=3)
    assert progress.state_of(_journey("a"), now, timedelta(days=3)) == "stuck"
    assert progress.state_of(_journey("a"), now, timedelta(days=4)) == "in_progress"
    waiting_for_time = _journey("a", waiting="timer", waiting_since=None)
    assert progress.state_of(waiting_for_time, now, timedelta(days=1)) == "in_progress"
    assert progress.state_of(_journey("a", status="paused"), now, timedelta(days=1)) == "paused"


def test_rows_carry_names_and_days_waiting() -> None:
    rows = progress.rows(
        [_journey("U1"), _journey("U2", status="completed", waiting="", completed_at=T0)],
        {("slack", "U1"): "Alice"},
        now=T0 + timedelta(days=5),
        stuck_after={"interest": timedelta(days=3)},
    )
    assert [(r.name, r.state, r.waiting_days) for r in rows] == [
        ("Alice", "stuck", "5"),
        ("U2", "completed", ""),
    ]


def test_the_csv_has_every_column_and_the_table_lines_up() -> None:
    rows = progress.rows([_journey("U1")], {}, now=T0, stuck_after={})
    parsed = list(csv.DictReader(io.StringIO(progress.csv_text(rows))))
    assert list(parsed[0]) == list(progress.COLUMNS)
    lines = progress.table(rows).splitlines()
    assert len(lines) == 3 and set(lines[1]) <= {"-", " "}
    assert lines[2].split()[:4] == ["demo", "U1", "interest", "in_progress"]


def test_the_chat_summary_shows_at_most_fifteen_names_a_group() -> None:
    rows = progress.rows(
        [_journey(f"m{i}", waiting="timer", step="day3") for i in range(20)],
        {},
        now=T0,
        stuck_after={},
    )
    text = progress.summary(
        rows,
        community="Demo",
        stuck_after=timedelta(days=3),
        text=lambda key, **params: f"{key} {sorted(params.items())}",
    )
    lines = text.splitlines()
    assert sum(1 for line in lines if line.startswith("- ")) == 15
    assert lines[-1] == "onboarding.progress_more [('count', 5)]"


TITLED = playbook(
    """
steps:
  - id: welcome
    do: ask
    title: {en: Say hello, de: Hallo sagen}
    text: Hi!
    choices:
      - id: lost
        label: Lost
        then:
          - id: lost_what
            do: ask_text
            text: What?
  - id: day3
    do: wait
    for: 3d
"""
)


def test_a_step_is_shown_by_its_title_in_the_readers_language() -> None:
    assert progress.step_title(TITLED, "welcome", "de", "en") == "Hallo sagen"
    assert progress.step_title(TITLED, "welcome", "fr", "en") == "Say hello"


def test_a_nested_step_without_a_title_is_shown_by_the_step_that_holds_it() -> None:
    assert progress.step_title(TITLED, "lost_what", "en", "en") == "Say hello"


def test_a_step_without_any_title_or_no_longer_there_has_none() -> None:
    assert progress.step_title(TITLED, "day3", "en", "en") is None
    assert progress.step_title(TITLED, "gone", "en", "en") is None


def test_the_chat_summary_names_the_step_as_it_is_told() -> None:
    rows = progress.rows([_journey("U1", waiting="timer")], {}, now=T0, stuck_after={})
    catalogue = {"onboarding.progress_line_at": "{name}: at {step}, started {date}"}
    text = progress.summary(
        rows,
        community="Demo",
        stuck_after=timedelta(days=3),
        text=lambda key, **params: catalogue.get(key, key).format(**params),
        step_of=lambda row: f"<{row.step}>",
    )
    assert "- U1: at <welcome>, started 2026-01-05" in text.splitlines()
