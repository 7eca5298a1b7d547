"""Rendering the platform-neutral message as Matrix content."""

from __future__ import annotations

from adapters.matrix.render import (
    choice_labels,
    content_of,
    inline_html,
    keycaps_for,
    markdown_to_html,
)
from bot.core.message import Choice, Field, Message
from bot.dispatcher import KEYCAPS


def test_text_becomes_body_and_html() -> None:
    content = content_of(Message(text="Hello **there**, _you_"))
    assert content["msgtype"] == "m.text"
    assert content["body"] == "Hello **there**, _you_"
    assert content["format"] == "org.matrix.custom.html"
    assert content["formatted_body"] == "<p>Hello <strong>there</strong>, <em>you</em></p>"


def test_html_is_escaped_before_marks_are_applied() -> None:
    assert inline_html("<b>x</b> & **y**") == "&lt;b&gt;x&lt;/b&gt; &amp; <strong>y</strong>"


def test_code_is_left_verbatim_and_links_become_anchors() -> None:
    html = inline_html("run `**not bold**` see [docs](https://example.org/a?b=1)")
    assert "<code>**not bold**</code>" in html
    assert '<a href="https://example.org/a?b=1">docs</a>' in html


def test_snake_case_words_are_not_italicized() -> None:
    assert inline_html("use my_var_name") == "use my_var_name"


def test_dash_lists_become_html_lists_and_paragraphs_split_on_blank_lines() -> None:
    html = markdown_to_html("Intro\n- one\n- **two**\n\nAfter")
    assert html == "<p>Intro</p><ul><li>one</li><li><strong>two</strong></li></ul><p>After</p>"


def test_choices_are_a_numbered_list_with_one_keycap_each() -> None:
    message = Message(
        text="Pick one",
        prompt_id="p1",
        choices=(Choice(id="a", label="Apples"), Choice(id="b", label="Pears", emoji="🍐")),
    )
    content = content_of(message)
    assert content["body"] == "Pick one\n1. Apples\n2. 🍐 Pears"
    assert content["formatted_body"].endswith("<ol><li>Apples</li><li>🍐 Pears</li></ol>")
    assert keycaps_for(message) == KEYCAPS[:2]
    assert choice_labels(content["body"]) == ("Apples", "🍐 Pears")


def test_keycaps_stop_at_ten() -> None:
    choices = tuple(Choice(id=str(n), label=str(n)) for n in range(12))
    assert len(keycaps_for(Message(text="many", choices=choices))) == 10


def test_fields_and_context_are_shown_below_the_text() -> None:
    message = Message(text="Board", fields=(Field(label="Votes", value="3"),), context="updated")
    content = content_of(message)
    assert content["body"] == "Board\nVotes: 3\nupdated"
    assert "<li><strong>Votes</strong>: 3</li>" in content["formatted_body"]
    assert content["formatted_body"].endswith("<p><em>updated</em></p>")
