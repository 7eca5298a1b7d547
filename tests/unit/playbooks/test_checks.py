"""What `porch check` finds beyond the schema: references, templates, and each community's needs."""

from __future__ import annotations

from pathlib import Path

from bot.config.schema import PorchConfig
from bot.playbooks.loader import load_playbook
from bot.playbooks.registry import check_playbooks, load_playbooks
from bot.testing import builders

INTEREST_CHANNELS = ("#help", "#show-and-tell", "#events", "#random")


def _own(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "book.yaml"
    path.write_text("kind: onboarding\ntitle: T\n" + text, encoding="utf-8")
    _, problems = load_playbook(path)
    return [str(p).removeprefix(f"{path}:") for p in problems]


def test_a_template_error_names_the_texts_line_and_locale(tmp_path: Path) -> None:
    text = "steps:\n  - do: message\n    text:\n      en: Hi {{ member.name }}\n      de: Hallo {{ membr.name }}\n"
    assert _own(tmp_path, text) == [
        "7 steps[0].text.de: unknown variable 'membr' (did you mean 'member'?)"
    ]


def test_step_ids_must_be_unique(tmp_path: Path) -> None:
    text = (
        "steps:\n  - {id: intro, do: ask_text, text: a}\n"
        "  - {do: if, posted: true, then: [{id: intro, do: ask_text, text: b}]}\n"
    )
    assert _own(tmp_path, text) == [
        "5 steps[1].then[0].id: the id 'intro' is already used by steps[0]; step ids must be unique"
    ]


def test_post_intro_must_name_an_ask_text_step(tmp_path: Path) -> None:
    text = "steps:\n  - {id: intro, do: ask_text, text: a}\n  - {do: post_intro, answer: intr}\n"
    assert _own(tmp_path, text) == [
        "5 steps[1].answer: no ask_text step 'intr' (did you mean 'intro'?); post_intro posts the answer of an ask_text step"
    ]


def test_an_if_on_an_answer_must_name_a_question_and_one_of_its_choices(tmp_path: Path) -> None:
    text = (
        "steps:\n  - {id: mood, do: ask, text: q, choices: [{id: good, label: G}, {id: bad, label: B}]}\n"
        "  - {do: if, answered: mod}\n  - {do: if, answered: mood, choice: god}\n"
    )
    assert _own(tmp_path, text) == [
        "5 steps[1].answered: no step 'mod' with an answer (did you mean 'mood'?)",
        "6 steps[2].choice: 'mood' has no choice 'god' (did you mean 'good'?); it has good, bad",
    ]


def test_steps_after_an_end_are_never_reached(tmp_path: Path) -> None:
    text = "steps:\n  - {do: end}\n  - {do: message, text: lost}\n"
    assert _own(tmp_path, text) == [
        "5 steps[1]: comes after an 'end' in the same list: never reached"
    ]


def test_a_community_may_only_override_settings_the_playbook_has(tmp_path: Path) -> None:
    text = (
        "settings: {docs: here}\ncommunities:\n  demo:\n    settings: {doc: there}\n"
        "steps: [{do: message, text: '{{ settings.docs }}'}]\n"
    )
    assert _own(tmp_path, text) == [
        "6 communities.demo.settings.doc: the playbook has no setting 'doc' (did you mean 'docs'?)"
    ]


def test_choice_labels_may_not_use_answers(tmp_path: Path) -> None:
    text = "steps:\n  - {id: q, do: ask, text: q, choices: [{id: a, label: '{{ answers.q }}'}]}\n"
    assert _own(tmp_path, text) == [
        "4 steps[0].choices[0].label: 'answers' cannot be used in this text"
    ]


def _config(tmp_path: Path, **community: object) -> tuple[PorchConfig, Path]:
    return builders.config(builders.community(platform="shell", **community)), tmp_path  # type: ignore[arg-type]


def _community_problems(tmp_path: Path, **community: object) -> list[str]:
    config, base = _config(tmp_path, **community)
    return [str(p) for p in check_playbooks(config, base)]


def test_the_shipped_playbooks_pass_for_a_community_that_has_what_they_need(tmp_path: Path) -> None:
    assert (
        _community_problems(
            tmp_path, playbooks=("interest", "house-rules"), others=INTEREST_CHANNELS
        )
        == []
    )
    assert _community_problems(tmp_path, playbooks=("project",)) == []
    assert _community_problems(tmp_path, playbooks=("department",)) == []


def test_accepting_rules_needs_a_community_with_house_rules(tmp_path: Path) -> None:
    problems = _community_problems(tmp_path, playbooks=("interest",), others=INTEREST_CHANNELS)
    assert len(problems) == 1
    assert (
        "interest.yaml:" in problems[0]
        and "steps[1].do: community 'demo' runs this playbook but enables no house rules"
        in problems[0]
    )


def test_an_interest_channel_the_community_does_not_have_is_named(tmp_path: Path) -> None:
    problems = _community_problems(
        tmp_path, playbooks=("interest", "house-rules"), others=("#help",)
    )
    assert len(problems) == 3
    assert (
        "interests[1].channel: '#show-and-tell' is not one of community 'demo''s channels on shell"
        in problems[0]
    )


def test_two_playbooks_greeting_on_join_would_welcome_everyone_twice(tmp_path: Path) -> None:
    problems = _community_problems(tmp_path, playbooks=("project", "department"))
    assert problems == [
        "configuration: communities[0].playbooks[1]: demo would greet every newcomer twice: project, department all start on join; keep one, or set on_join: false in the others"
    ]


def test_a_buddy_step_needs_volunteers(tmp_path: Path) -> None:
    problems = _community_problems(tmp_path, playbooks=("project",), moderators=())
    assert any("steps[2].do: community 'demo' has no buddies" in p for p in problems)


def test_an_unknown_playbook_id_gets_a_suggestion(tmp_path: Path) -> None:
    assert _community_problems(tmp_path, playbooks=("intrest",)) == [
        "configuration: communities[0].playbooks[0]: no playbook 'intrest' (did you mean 'interest'?)"
    ]


def test_a_playbook_in_a_configured_folder_replaces_the_shipped_one_of_that_id(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "interest.yaml").write_text(
        "kind: onboarding\ntitle: Ours\nsteps: [{do: message, text: Hi}]\n", encoding="utf-8"
    )
    config = builders.config(
        builders.community(platform="shell", playbooks=("interest",)), playbook_dirs=("mine",)
    )
    loaded, problems = load_playbooks(config, tmp_path)
    assert problems == []
    assert loaded["interest"].model.title == "Ours"


def test_a_broken_playbook_is_reported_even_if_no_community_runs_it(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "draft.yaml").write_text(
        "kind: onboarding\ntitle: D\nsteps: [{do: mesage}]\n", encoding="utf-8"
    )
    config = builders.config(builders.community(platform="shell"), playbook_dirs=("mine",))
    problems = [str(p) for p in check_playbooks(config, tmp_path)]
    assert problems == [
        f"{folder / 'draft.yaml'}:3 steps[0].do: unknown step 'mesage' (did you mean 'message'?)"
    ]


def test_per_community_values_must_name_a_community_of_the_configuration(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "ours.yaml").write_text(
        "kind: onboarding\ntitle: D\ncommunities:\n  dmo: {}\nsteps: [{do: message, text: Hi}]\n",
        encoding="utf-8",
    )
    config = builders.config(builders.community(platform="shell"), playbook_dirs=("mine",))
    problems = [str(p) for p in check_playbooks(config, tmp_path)]
    assert problems == [
        f"{folder / 'ours.yaml'}:4 communities.dmo: no community 'dmo' in the configuration (did you mean 'demo'?)"
    ]
