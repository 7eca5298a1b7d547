from datetime import timedelta

import pytest

from bot.core.commands import CommandSpec, CommandTable, Kind, Param, help_lines, tokenize
from bot.core.errors import UsageError
from bot.core.roles import Role

AMA_START = CommandSpec(
    "ama",
    "start",
    "ama.summary_start",
    args=(Param("topic"),),
    options=(
        Param("host", Kind.MEMBERS),
        Param("in", Kind.DURATION),
        Param("for", Kind.DURATION),
        Param("named", Kind.FLAG),
    ),
    roles=frozenset({Role.MANAGER, Role.HOST}),
)
ASK = CommandSpec("ama", "ask", "ama.summary_ask", args=(Param("question", rest=True),))
VOTE = CommandSpec("ama", "vote", "ama.summary_vote", args=(Param("number", Kind.INT),))


@pytest.fixture
def table() -> CommandTable:
    return CommandTable([AMA_START, ASK, VOTE])


def test_the_full_grammar_parses_quotes_members_and_durations(table: CommandTable) -> None:
    parsed = table.parse(
        "ama", 'start "Scaling our API" --host @dana,@lee --in 2d --for 45m --named'
    )
    assert parsed.values == {
        "topic": "Scaling our API",
        "host": ("dana", "lee"),
        "in": timedelta(days=2),
        "for": timedelta(minutes=45),
        "named": True,
    }


def test_curly_quotes_from_chat_clients_work_like_straight_ones(table: CommandTable) -> None:
    assert table.parse("ama", "start “Roadmap 2027”").get("topic") == "Roadmap 2027"


def test_a_rest_argument_takes_unquoted_text(table: CommandTable) -> None:
    assert table.parse("ama", "ask How do we hire?").get("question") == "How do we hire?"


def test_an_unknown_subcommand_suggests_the_closest(table: CommandTable) -> None:
    with pytest.raises(UsageError) as err:
        table.parse("ama", "strat Topic")
    assert err.value.key == "command.unknown"
    assert err.value.params["suggestion"] == "/ama start"


def test_a_missing_argument_names_it_and_shows_usage(table: CommandTable) -> None:
    with pytest.raises(UsageError) as err:
        table.parse("ama", "start --for 45m")
    assert err.value.key == "command.missing_arg"
    assert err.value.params["name"] == "topic"
    assert err.value.params["usage"].startswith("/ama start <topic>")


def test_an_unknown_option_suggests_the_closest(table: CommandTable) -> None:
    with pytest.raises(UsageError) as err:
        table.parse("ama", "start Topic --hots @dana")
    assert "--host" in err.value.params["suggestion"]


def test_a_bad_duration_says_how_to_write_one(table: CommandTable) -> None:
    with pytest.raises(UsageError) as err:
        table.parse("ama", "start Topic --for soon")
    assert err.value.key == "command.bad_value"
    assert "45m" in err.value.params["detail"]


def test_a_member_option_requires_a_mention(table: CommandTable) -> None:
    with pytest.raises(UsageError):
        table.parse("ama", "start Topic --host dana")


def test_an_option_without_its_value_is_an_error(table: CommandTable) -> None:
    with pytest.raises(UsageError) as err:
        table.parse("ama", "start Topic --for")
    assert err.value.key == "command.option_needs_value"


def test_extra_words_without_quotes_are_an_error_that_mentions_quotes(table: CommandTable) -> None:
    with pytest.raises(UsageError) as err:
        table.parse("ama", "start Scaling our API")
    assert err.value.key == "command.too_many_args"
    assert err.value.params["extra"] == "our"


def test_an_unclosed_quote_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as err:
        tokenize('start "Topic')
    assert err.value.key == "command.unbalanced_quotes"


def test_integers_accept_a_leading_hash(table: CommandTable) -> None:
    assert table.parse("ama", "vote #3").get("number") == 3


def test_an_empty_command_lists_the_subcommands(table: CommandTable) -> None:
    with pytest.raises(UsageError) as err:
        table.parse("ama", "")
    assert err.value.params["names"] == "ask, start, vote"


def test_declaring_a_command_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        CommandTable([VOTE, VOTE])


def test_help_is_generated_from_the_declarations(table: CommandTable) -> None:
    lines = help_lines(table, "ama")
    assert lines[1].startswith("`/ama start <topic> [--host <members>] [--in <duration>]")
    assert "[--named]" in lines[1]
