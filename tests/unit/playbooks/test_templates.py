"""Playbook texts: a fixed set of variables, checked before anything runs, rendered in a sandbox."""

from __future__ import annotations

import pytest
from jinja2.exceptions import SecurityError

from bot.playbooks import templates
from bot.playbooks.templates import Person


def _check(source: str) -> list[str]:
    return templates.check(source, answers=["intro", "welcome"], settings=["docs"])


def test_the_documented_variables_pass_the_check() -> None:
    source = (
        "{{ member.name }} {{ community.intro_channel }} {{ manager.name }} {{ buddy.id }} "
        "{{ answers.intro }} {{ settings.docs }} {{ rules_version }}"
        "{% for r in rules %}{{ r.number }} {{ r.title }}{% endfor %}"
        "{% for m in moderators %}{{ m.name }}{% endfor %}{% for i in interests %}{{ i.channel }}{% endfor %}"
    )
    assert _check(source) == []


def test_an_unknown_variable_is_an_error_with_a_suggestion() -> None:
    assert _check("Hi {{ membr.name }}") == ["unknown variable 'membr' (did you mean 'member'?)"]


def test_an_attribute_a_variable_does_not_have_is_an_error() -> None:
    assert _check("Hi {{ member.nme }}") == [
        "'member' has no 'nme' (did you mean 'name'?); it has id, name"
    ]


def test_an_attribute_of_a_loop_item_is_checked_too() -> None:
    assert _check("{% for r in rules %}{{ r.titel }}{% endfor %}") == [
        "'r' has no 'titel' (did you mean 'title'?); it has number, text, title"
    ]


def test_an_answer_or_setting_the_playbook_does_not_define_is_an_error() -> None:
    assert _check("{{ answers.intr }} {{ settings['doc'] }}") == [
        "no step with an answer 'intr' for 'answers.intr' (did you mean 'intro'?)",
        "no setting 'doc' for 'settings.doc' (did you mean 'docs'?)",
    ]


def test_a_list_used_like_an_object_says_to_loop_over_it() -> None:
    assert _check("{{ rules.title }}") == [
        "'rules' is a list; loop over it: {% for item in rules %}"
    ]


def test_a_variable_that_a_kind_of_text_may_not_use_is_named() -> None:
    problems = templates.check(
        "{{ settings.docs }}", answers=[], settings=["docs"], allowed=templates.IN_SETTINGS
    )
    assert problems == ["'settings' cannot be used in this text"]


def test_a_template_that_does_not_parse_says_where() -> None:
    assert _check("line one\n{% if member %}open") == [
        "template error on its line 2: Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'."
    ]


def test_rendering_asks_only_for_the_variables_the_text_uses() -> None:
    asked: list[str] = []

    def lookup(name: str) -> object:
        asked.append(name)
        return Person("alice", "Alice")

    assert templates.render("Hi {{ member.name }}!\n", lookup) == "Hi Alice!"
    assert asked == ["member"]


def test_a_person_who_is_not_there_is_falsy() -> None:
    source = "{% if buddy %}{{ buddy.name }}{% else %}nobody{% endif %}"
    assert templates.render(source, lambda _: Person()) == "nobody"
    assert templates.render(source, lambda _: Person("bob", "Bob")) == "Bob"


def test_the_sandbox_refuses_to_reach_into_python() -> None:
    with pytest.raises(SecurityError):
        templates.render("{{ member.__class__.__mro__ }}", lambda _: Person("a", "A"))


def test_the_language_is_the_members_then_the_communitys_then_english() -> None:
    text = {"en": "Hello", "de": "Hallo", "fr": "Bonjour"}
    assert templates.pick(text, "de-CH", "fr") == "Hallo"
    assert templates.pick(text, "it", "fr") == "Bonjour"
    assert templates.pick({"en": "Hello", "de": "Hallo"}, "it", "es") == "Hello"
    assert templates.pick("Hi", "de") == "Hi"


def test_a_members_words_never_ping_a_whole_channel() -> None:
    assert "@channel" not in templates.defuse("hi @channel and @HERE and @room")
    assert templates.defuse("mail me at a@b.org") == "mail me at a@b.org"


def test_quote_turns_a_members_text_into_a_markdown_quote() -> None:
    assert templates.quote("one\n\ntwo") == "> one\n>\n> two"
