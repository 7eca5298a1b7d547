"""The health digest's words: trends against last week and targets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.features.rituals.digest import WeekFigures, digest_lines, render_lines
from bot.features.rituals.settings import Targets
from bot.i18n.catalogue import Catalogue


def say(key: str, /, **params: Any) -> str:
    return Catalogue.load().text(key, "en", **params)


def test_each_figure_shows_its_trend_and_whether_its_target_was_met() -> None:
    now = WeekFigures(40, 5, 12, 4, 3, (timedelta(hours=1), timedelta(hours=3), timedelta(hours=2)))
    last = WeekFigures(36, 2, 12, 2, 2, (timedelta(hours=5),))
    targets = Targets(new_members=4, active_share=0.5, median_first_answer="4h")
    text = render_lines(digest_lines(now, last, targets, say), say)
    assert text.splitlines() == [
        "- Members: 40 (+4 vs last week)",
        "- New members: 5 (+3 vs last week, target 4 met)",
        "- Active members: 30% (-3 pp vs last week, target 50% missed)",
        "- Questions answered: 3 of 4 (-25 pp vs last week)",
        "- Median time to first answer: 2h 00m (-3h 00m vs last week, target 4h 00m met)",
    ]


def test_onboarding_and_other_features_figures_appear_only_when_known() -> None:
    base = WeekFigures(10, 1, 5, 0, 0)
    richer = WeekFigures(10, 1, 5, 0, 0, onboarding_completion=0.75, extra={"ama_participation": 7})
    keys = [line.key for line in digest_lines(base, base, Targets(), say)]
    assert "onboarding_completion" not in keys and "ama_participation" not in keys
    keys = [line.key for line in digest_lines(richer, base, Targets(), say)]
    assert keys[-2:] == ["onboarding_completion", "ama_participation"]


def test_a_week_without_questions_shows_no_answer_targets() -> None:
    empty = WeekFigures(10, 0, 2, 0, 0)
    targets = Targets(answered_share=0.8, median_first_answer="4h")
    text = render_lines(digest_lines(empty, empty, targets, say), say)
    assert "- Questions answered: 0 of 0\n" in text and "target" not in text.split("Questions")[1]
