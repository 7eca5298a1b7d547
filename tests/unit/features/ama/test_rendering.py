"""The board, a question's post, the summary and the export, rendered from plain values."""

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.features.ama.board import (
    BOARD_OPEN_ROWS,
    BoardView,
    render_board,
    render_question,
    render_summary,
    summarize,
)
from bot.features.ama.export import ExportHeader, render_export
from bot.features.ama.ranking import QuestionView
from bot.i18n.catalogue import Catalogue

T = datetime(2026, 1, 6, 14, 0, tzinfo=UTC)
CATALOGUE = Catalogue.load()


def en(key: str, /, **params: Any) -> str:
    return CATALOGUE.text(key, "en", **params)


def de(key: str, /, **params: Any) -> str:
    return CATALOGUE.text(key, "de", **params)


def q(number: int, votes: int, status: str = "open", **kw: Any) -> QuestionView:
    return QuestionView(
        number=number,
        text=kw.pop("text", f"Question {number}?"),
        status=status,
        votes=votes,
        created_at=T + timedelta(minutes=number),
        **kw,
    )


QUESTIONS = [
    q(1, 1),
    q(2, 4, asker_name="Bob"),
    q(3, 9, status="answered", answer="Yes."),
    q(4, 0, status="pending"),
    q(5, 2, status="declined"),
]


def test_the_board_lists_open_questions_by_votes_then_the_answered_ones() -> None:
    board = render_board(BoardView("Roadmap", "Lee", True, True, QUESTIONS), en)
    assert board.text.splitlines() == [
        "**AMA: Roadmap** (live) · hosts: Lee",
        "**Open questions**, most votes first:",
        "- **#2** · 4 👍 · Question 2? (Bob)",
        "- **#1** · 1 👍 · Question 1? (anonymous)",
        "**Answered:**",
        "- **#3** Question 3? → Yes.",
        "_1 waiting for review._",
    ]
    assert board.context is not None and "/ama vote N" in board.context


def test_the_board_speaks_german_in_a_german_community() -> None:
    board = render_board(BoardView("Roadmap", "Lee", True, False, QUESTIONS), de)
    assert "**Offene Fragen**" in board.text and "(anonym)" in board.text


def test_a_long_board_names_how_many_more_there_are() -> None:
    many = [q(n, n) for n in range(1, BOARD_OPEN_ROWS + 4)]
    board = render_board(BoardView("Roadmap", "Lee", True, False, many), en)
    assert board.text.splitlines()[-1] == "- … and 3 more (`/ama list`)"


def test_an_ended_board_has_no_voting_help_and_no_empty_open_list() -> None:
    board = render_board(BoardView("Roadmap", "Lee", False, False, [QUESTIONS[2]]), en)
    assert board.context is None
    assert "Open questions" not in board.text and "Not answered" not in board.text


def test_a_question_post_offers_an_upvote_button_and_hides_an_anonymous_asker() -> None:
    message = render_question(q(7, 0, text="Why?"), en, prompt_id="ama:1:q:7")
    assert message.text == "**Question #7** (anonymous):\nWhy?"
    assert [c.id for c in message.choices] == ["up"] and message.prompt_id == "ama:1:q:7"


def test_the_summary_counts_what_the_audience_saw_and_names_the_top_three() -> None:
    summary = summarize("Roadmap", [*QUESTIONS, q(6, 3, status="skipped")], 12, 3)
    text = render_summary(summary, en).text
    assert text.splitlines() == [
        '**The AMA "Roadmap" has ended.** Questions: 4 · answered: 1 · participants: 12. Thank you!',
        "Most wanted:",
        "1. **#3** Question 3? (9 👍)",
        "2. **#2** Question 2? (4 👍)",
        "3. **#6** Question 6? (3 👍)",
    ]


def test_the_export_is_markdown_without_declined_or_pending_questions() -> None:
    header = ExportHeader("Roadmap", "#general", "Lee", "2026-01-06 15:00", "2026-01-06 15:45", 12)
    merged = q(8, 0, status="merged", merged_into=2)
    markdown = render_export(header, [*QUESTIONS, merged], en)
    assert markdown.startswith("# AMA: Roadmap\n\n- Channel: #general\n- Hosts: Lee\n")
    assert "- Questions: 4, answered: 1, participants: 12" in markdown
    assert "### #3 · 9 👍 · anonymous\n\n> Question 3?\n\nYes." in markdown
    assert "### #2 · 4 👍 · Bob" in markdown
    assert "- #8 → #2: Question 8?" in markdown
    assert "Question 4?" not in markdown and "Question 5?" not in markdown
