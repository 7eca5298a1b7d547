"""Message -> Block Kit: mrkdwn, buttons that carry their prompt, and Slack's size limits."""

from __future__ import annotations

import pytest

from adapters.slack.emoji import from_slack, slack_name
from adapters.slack.interactive import FORM_ACTION, decode_choice
from adapters.slack.render import (
    MAX_BLOCKS,
    MAX_SECTION_TEXT,
    MAX_TEXT,
    render,
    render_single,
    split_text,
    to_mrkdwn,
)
from bot.core.message import Choice, Field, FormOffer, Message


@pytest.mark.parametrize(
    ("markdown", "mrkdwn"),
    [
        ("**bold** and _italic_", "*bold* and _italic_"),
        ("[docs](https://example.org)", "<https://example.org|docs>"),
        ("- one\n- two", "• one\n• two"),
        ("hi @U0DANA001", "hi <@U0DANA001>"),
        ("<!channel> & co", "&lt;!channel&gt; &amp; co"),
    ],
)
def test_markdown_becomes_mrkdwn(markdown: str, mrkdwn: str) -> None:
    assert to_mrkdwn(markdown) == mrkdwn


def test_a_short_message_is_one_section_with_the_same_fallback_text() -> None:
    [part] = render(Message(text="Hello **there**"))
    assert part.blocks == [{"type": "section", "text": {"type": "mrkdwn", "text": "Hello *there*"}}]
    assert part.text == "Hello *there*"


def test_choices_become_buttons_that_carry_prompt_and_choice() -> None:
    message = Message(
        text="Pick",
        prompt_id="welcome:1",
        choices=(
            Choice(id="yes", label="Yes", emoji="👍", style="primary"),
            Choice(id="no", label="No"),
        ),
    )
    [part] = render(message)
    actions = part.blocks[-1]
    assert actions["type"] == "actions"
    first, second = actions["elements"]
    assert first["text"]["text"] == "👍 Yes" and first["style"] == "primary"
    assert "style" not in second
    assert decode_choice(first["value"]) == ("welcome:1", "yes")
    assert first["action_id"] != second["action_id"]


def test_fields_and_context_are_shown_below_the_text() -> None:
    message = Message(text="Board", fields=(Field(label="Open", value="3"),), context="updated now")
    [part] = render(message)
    assert [b["type"] for b in part.blocks] == ["section", "section", "context"]
    assert part.blocks[1]["fields"][0]["text"] == "*Open*\n3"


def test_a_very_long_message_is_split_within_every_limit_with_buttons_last() -> None:
    text = "\n\n".join(f"Paragraph {n} " + "x" * 2500 for n in range(80))
    choices = tuple(Choice(id=str(n), label=f"Option {n}") for n in range(30))
    parts = render(Message(text=text, prompt_id="p", choices=choices))
    assert len(parts) > 1
    for part in parts:
        assert len(part.blocks) <= MAX_BLOCKS and len(part.text) <= MAX_TEXT
        assert all(len(b["text"]["text"]) <= MAX_SECTION_TEXT for b in part.blocks if "text" in b)
    buttons = [e for b in parts[-1].blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(buttons) == 30
    assert all(b["type"] != "actions" for p in parts[:-1] for b in p.blocks)


def test_render_single_shortens_instead_of_splitting() -> None:
    part = render_single(Message(text="y " * 100_000))
    assert len(part.blocks) <= MAX_BLOCKS and len(part.text) <= MAX_TEXT


def test_split_text_prefers_paragraph_boundaries() -> None:
    pieces = split_text("a" * 10 + "\n\n" + "b" * 10, 15)
    assert pieces == ["a" * 10, "b" * 10]


def test_split_text_cuts_a_word_longer_than_the_limit() -> None:
    assert split_text("z" * 25, 10) == ["z" * 10, "z" * 10, "z" * 5]


@pytest.mark.parametrize(
    ("emoji", "name"), [("👍", "thumbsup"), ("1️⃣", "one"), (":custom:", "custom"), ("🎉", "tada")]
)
def test_emoji_and_slack_names_round_trip(emoji: str, name: str) -> None:
    assert slack_name(emoji) == name
    assert from_slack(name) == (emoji if not emoji.startswith(":") else ":custom:")


def test_skin_tones_and_aliases_normalize() -> None:
    assert from_slack("+1::skin-tone-3") == "👍"
    assert from_slack("unknown_emoji") == ":unknown_emoji:"


def test_a_prompt_that_expects_text_gets_an_answer_button() -> None:
    [part] = render(Message(text="Tell us about you", prompt_id="intro:1", expects_text=True))
    button = part.blocks[-1]["elements"][0]
    assert (button["action_id"], button["value"]) == ("porch_answer", "intro:1")


def test_channel_ids_become_channel_links_except_in_code_and_urls() -> None:
    assert to_mrkdwn("No AMA is live in C0123ABCD.") == "No AMA is live in <#C0123ABCD>."
    assert to_mrkdwn("See #G0123ABCD") == "See <#G0123ABCD>"
    assert to_mrkdwn("`/ama ask --channel C0123ABCD`") == "`/ama ask --channel C0123ABCD`"
    assert to_mrkdwn("CONTRIBUTING and CHANNELS") == "CONTRIBUTING and CHANNELS"
    assert to_mrkdwn("[log](https://x.org/C0123ABCD)") == "<https://x.org/C0123ABCD|log>"
    thread = "https://a.slack.com/archives/C0123ABCD/p1?thread_ts=1.0&cid=C0123ABCD"
    assert to_mrkdwn(f"[open]({thread})") == f"<{thread.replace('&', '&amp;')}|open>"


def test_a_message_that_offers_a_form_gets_a_button_that_opens_it() -> None:
    offer = FormOffer(form="ama.ask", label="✋ Ask a question")
    [part] = render(Message(text="**AMA: Roadmap**", form=offer))
    [button] = part.blocks[-1]["elements"]
    assert button["action_id"] == FORM_ACTION and button["value"] == "ama.ask"
    assert "Ask a question" in part.text
