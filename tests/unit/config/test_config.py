from pathlib import Path

from bot.config.loader import DEMO_CONFIG, Directory, load_config
from bot.config.settings import Settings

GOOD = """\
communities:
  - id: excel
    name: Excel explained
    kind: interest
    timezone: Europe/Berlin
    channels:
      shell: {main: "#excel"}
"""


def _load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "porch.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_the_demo_configuration_is_valid() -> None:
    config, source = load_config(DEMO_CONFIG)
    assert config is not None and not source.problems
    assert Directory(config).community_of("shell", "#general") is not None


def test_the_example_configuration_is_valid_and_shows_every_platform_setting() -> None:
    example = Path(__file__).resolve().parents[3] / "config" / "porch.example.yaml"
    config, source = load_config(example)
    assert source.problems == [] and config is not None
    matrix = config.platforms.matrix
    assert matrix is not None
    text = example.read_text(encoding="utf-8")
    assert all(f"{name}:" in text for name in type(matrix).model_fields)


def test_a_valid_configuration_loads(tmp_path: Path) -> None:
    config, source = _load(tmp_path, GOOD)
    assert config is not None and source.problems == []


def test_every_problem_is_reported_at_once_with_file_line_and_field(tmp_path: Path) -> None:
    text = GOOD.replace("kind: interest", "kind: intrest").replace(
        "timezone: Europe/Berlin", "timezone: Europe/Berln"
    )
    text = text.replace('main: "#excel"}', 'mian: "#excel"}')
    _, source = _load(tmp_path, text)
    rendered = sorted(str(p) for p in source.problems)
    assert any(
        ":4 communities[0].kind: 'intrest' is not allowed (did you mean 'interest'?)" in r
        for r in rendered
    ), rendered
    assert any(
        ":5 communities[0].timezone: unknown time zone 'Europe/Berln'" in r for r in rendered
    ), rendered
    assert any(
        ":7 communities[0].channels.shell.mian: unknown field 'mian' (did you mean 'main'?)" in r
        for r in rendered
    ), rendered
    assert any("channels.shell.main: is required" in r for r in rendered), rendered
    assert len(rendered) == 4, rendered


def test_a_duplicate_key_is_reported_not_silently_overwritten(tmp_path: Path) -> None:
    _, source = _load(
        tmp_path, GOOD.replace("    kind: interest\n", "    kind: interest\n    kind: project\n")
    )
    assert any("appears twice" in str(p) and ":5" in str(p) for p in source.problems)


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    _, source = _load(tmp_path, GOOD + "  - id: [unclosed\n")
    assert len(source.problems) == 1
    assert "not valid YAML" in str(source.problems[0])
    assert source.problems[0].line is not None


def test_a_channel_claimed_by_two_communities_is_an_error(tmp_path: Path) -> None:
    second = GOOD.replace("communities:\n", "").replace("id: excel", "id: expats")
    _, source = _load(tmp_path, GOOD + second)
    assert any("already belongs to community 'excel'" in str(p) for p in source.problems)


def test_a_secret_in_the_file_is_refused_as_an_unknown_field(tmp_path: Path) -> None:
    _, source = _load(tmp_path, GOOD + "slack_bot_token: xoxb-123\n")
    assert any("unknown field 'slack_bot_token'" in str(p) for p in source.problems)


def test_placeholder_secrets_from_the_docs_are_refused(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PORCH_SLACK_BOT_TOKEN", "xoxb-your-token")
    problems = Settings().secret_problems()
    assert [p.file for p in problems] == ["PORCH_SLACK_BOT_TOKEN"]


def test_secrets_never_show_in_a_repr(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PORCH_SLACK_BOT_TOKEN", "xoxb-real-secret-value")
    assert "real-secret" not in repr(Settings())


def test_a_missing_configuration_file_says_so_without_an_errno(tmp_path: Path) -> None:
    _, source = load_config(tmp_path / "porhc.yaml")
    assert [str(p) for p in source.problems] == [
        f"{tmp_path / 'porhc.yaml'}: there is no such file; check the path"
    ]


def test_a_folder_given_as_the_configuration_is_named_as_a_folder(tmp_path: Path) -> None:
    _, source = load_config(tmp_path)
    assert [str(p) for p in source.problems] == [f"{tmp_path}: is a folder; name a YAML file"]


def test_an_empty_configuration_says_what_it_needs_not_that_something_is_missing(
    tmp_path: Path,
) -> None:
    config, source = _load(tmp_path, "# nothing yet\n")
    assert config is None
    (problem,) = source.problems
    assert "is empty; a configuration needs at least 'communities:'" in str(problem)


def test_a_configuration_that_is_not_utf8_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "porch.yaml"
    path.write_bytes(b"communities:\n  - name: Caf\xe9\n")
    config, source = load_config(path)
    assert config is None
    assert [p.message for p in source.problems] == [
        "is not UTF-8 text (byte 26 cannot be read); save it as UTF-8"
    ]


def test_a_list_where_fields_belong_says_so_in_plain_words(tmp_path: Path) -> None:
    _, top = _load(tmp_path, "- excel\n- python\n")
    _, managers = _load(tmp_path, GOOD + "    managers: dana\n")
    assert [str(p).split(" ", 1)[1] for p in top.problems] == [
        "expected fields here (name: value, one per line), found a list"
    ]
    assert [p.message for p in managers.problems] == [
        "expected a list here (one '- item' per line), found a text"
    ]
