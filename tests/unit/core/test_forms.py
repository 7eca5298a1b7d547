"""A filled-in form is an ordinary command line: the core parses it like a typed one."""

from __future__ import annotations

import pytest

from bot.core.commands import CommandTable
from bot.features.ama.commands import ASK_FORM, COMMANDS

TABLE = CommandTable(list(COMMANDS))


@pytest.mark.parametrize(
    "text",
    [
        "Will the API stay free?",
        'What does "done" mean here?',
        "It's Dana’s “pet project”, isn't it?",
        "--named is a flag, but this is a question",
        "Line one\nline two",
    ],
)
def test_the_question_comes_back_whole_from_the_parsed_command(text: str) -> None:
    parsed = TABLE.parse("ama", ASK_FORM.command_text(text, {"anon"}))
    expected = " ".join(text.translate(str.maketrans("’“”", '\'""')).split())
    assert parsed.spec.name == "ask"
    assert parsed.get("question").strip() == expected
    assert parsed.get("anon") is True and parsed.get("named") is None


def test_an_unticked_anonymous_box_asks_by_name() -> None:
    parsed = TABLE.parse("ama", ASK_FORM.command_text("Who decides?", ()))
    assert parsed.get("named") is True and parsed.get("anon") is None


def test_only_the_bare_command_opens_the_form() -> None:
    assert ASK_FORM.opened_by("ama", " ask ")
    assert ASK_FORM.opened_by("ama", "ASK")
    assert not ASK_FORM.opened_by("ama", "ask Why?")
    assert not ASK_FORM.opened_by("porch", "ask")
