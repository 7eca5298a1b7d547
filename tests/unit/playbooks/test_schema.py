"""The playbook format: every error at once, with file, line, field and a did-you-mean."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.playbooks.loader import load_playbook
from bot.playbooks.registry import SHIPPED
from bot.playbooks.schema import json_schema

SHIPPED_FILES = sorted(SHIPPED.glob("*.yaml"))

BROKEN = """\
kind: onboarding
title: Interest community
steps:
  - id: welcome
    do: ask
    text: Hello!
    choices:
      - id: learn
        label: Learn
  - id: intro
    do: ask_text
    min_length: 20
    text: Who are you?
  - do: asign_buddy
    capacity: 2
"""


def _problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> list[str]:
    folder = tmp_path / "playbooks"
    folder.mkdir(exist_ok=True)
    (folder / "interest.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    loaded, problems = load_playbook(Path("playbooks/interest.yaml"))
    assert loaded is None
    return [str(p) for p in problems]


def test_an_unknown_step_names_file_line_field_and_the_step_it_probably_means(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _problems(tmp_path, monkeypatch, BROKEN) == [
        "playbooks/interest.yaml:14 steps[2].do: unknown step 'asign_buddy' (did you mean 'assign_buddy'?)"
    ]


def test_an_unknown_step_without_a_likely_meaning_lists_the_steps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = BROKEN.replace("asign_buddy", "juggle")
    (problem,) = _problems(tmp_path, monkeypatch, text)
    assert problem.startswith(
        "playbooks/interest.yaml:14 steps[2].do: unknown step 'juggle'; expected one of: message, ask,"
    )


def test_a_step_without_do_says_it_needs_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = BROKEN.replace("  - do: asign_buddy\n    capacity: 2\n", "  - capacity: 1\n")
    (problem,) = _problems(tmp_path, monkeypatch, text)
    assert problem.startswith(
        "playbooks/interest.yaml:14 steps[2].do: is required: name the step, one of:"
    )


def test_every_error_is_reported_at_once_each_in_its_own_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        BROKEN.replace("    min_length: 20\n", "    min_lenght: 20\n")
        .replace("title: Interest community", "titel: Interest community")
        .replace(
            "      - id: learn\n        label: Learn", "      - id: learn\n        label: [Learn]"
        )
        + "  - do: wait\n    for: three days\n"
    )
    assert _problems(tmp_path, monkeypatch, text) == [
        "playbooks/interest.yaml:1 title: is required but missing",
        "playbooks/interest.yaml:9 steps[0].choices[0].label: a text is a string, or a map of locales such as {en: 'Hello', de: 'Hallo'}",
        "playbooks/interest.yaml:12 steps[1].min_lenght: unknown field 'min_lenght' (did you mean 'min_length'?)",
        "playbooks/interest.yaml:14 steps[2].do: unknown step 'asign_buddy' (did you mean 'assign_buddy'?)",
        "playbooks/interest.yaml:17 steps[3].for: not a duration: 'three days' (use for example 45m, 2h, 3d, 1h30m)",
        "playbooks/interest.yaml:2 titel: unknown field 'titel' (did you mean 'title'?)",
    ]


def test_an_unknown_kind_is_refused_with_a_suggestion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _problems(tmp_path, monkeypatch, "kind: onbording\n") == [
        "playbooks/interest.yaml:1 kind: unknown kind 'onbording' (did you mean 'onboarding'?)"
    ]


def test_a_text_in_a_map_needs_locales_as_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = BROKEN.replace("    text: Hello!\n", "    text: {english: Hello}\n").replace(
        "asign_", "assign_"
    )
    assert _problems(tmp_path, monkeypatch, text) == [
        "playbooks/interest.yaml:6 steps[0].text: 'english' is not a locale; write en, de, de-CH, ..."
    ]


def test_yaml_that_does_not_parse_is_reported_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (problem,) = _problems(tmp_path, monkeypatch, "kind: onboarding\nsteps: [\n")
    assert problem.startswith("playbooks/interest.yaml:3 not valid YAML")


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.name)
def test_each_shipped_playbook_is_valid(path: Path) -> None:
    loaded, problems = load_playbook(path)
    assert problems == [] and loaded is not None


def _texts(node: object, path: str = "") -> list[tuple[str, object]]:
    """Every `text`, `label`, `title` and setting in a playbook's data, with where it is."""
    found: list[tuple[str, object]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}"
            if key in ("text", "label", "title", "buddy_text", "done_text") or path.endswith(
                "settings"
            ):
                found.append((here, value))
            else:
                found += _texts(value, here)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found += _texts(item, f"{path}[{i}]")
    return found


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.name)
def test_each_shipped_playbook_speaks_english_and_german_everywhere(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    missing = [
        where
        for where, text in _texts(data)
        if not (isinstance(text, dict) and {"en", "de"} <= set(text))
    ]
    assert missing == []


def test_the_committed_json_schema_is_the_one_the_models_generate() -> None:
    committed = (SHIPPED / "schema.json").read_text(encoding="utf-8")
    assert committed == json_schema(), (
        "playbooks/schema.json is stale: run `porch playbooks schema`"
    )


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.name)
def test_each_shipped_playbook_satisfies_the_json_schema_editors_use(path: Path) -> None:
    schema = json.loads((SHIPPED / "schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)


def test_the_json_schema_rejects_an_unknown_step() -> None:
    schema = json.loads((SHIPPED / "schema.json").read_text(encoding="utf-8"))
    playbook = {"kind": "onboarding", "title": "x", "steps": [{"do": "asign_buddy"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(playbook, schema)
