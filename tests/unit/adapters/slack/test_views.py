"""The answer modal and forms' modals, built within Slack's view limits."""

from __future__ import annotations

from dataclasses import replace

from adapters.slack.interactive import FORM_BOXES_BLOCK, FORM_TEXT_BLOCK, decode_form
from adapters.slack.views import answer_modal, form_modal, question_of
from bot.core.forms import ShownCheckbox, ShownForm
from bot.features.ama.commands import ASK_FORM


def test_the_answer_modal_carries_its_prompt_and_fits_slacks_title_limit() -> None:
    for locale in ("en", "de"):
        view = answer_modal("intro:1", "What do you do?", locale)
        assert view["private_metadata"] == "intro:1"
        assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24
        assert view["blocks"][-1]["type"] == "input"


def test_a_form_modal_ticks_its_boxes_as_the_core_says_and_names_form_and_channel() -> None:
    shown = ShownForm(
        form=ASK_FORM,
        title="Ask a question",
        text_label="Your question",
        submit="Ask",
        checkboxes=(ShownCheckbox("anon", "Ask anonymously " + "x" * 100, ticked=True),),
    )
    view = form_modal(shown, "C0GENERAL", "de")
    assert decode_form(view["private_metadata"]) == ("ama.ask", "C0GENERAL")
    [text, boxes] = view["blocks"]
    assert text["block_id"] == FORM_TEXT_BLOCK and boxes["block_id"] == FORM_BOXES_BLOCK
    assert boxes["optional"] is True and boxes["label"]["text"] == "Optionen"
    [option] = boxes["element"]["options"]
    assert option["value"] == "anon" and len(option["text"]["text"]) <= 75
    assert boxes["element"]["initial_options"] == [option]
    unticked = form_modal(replace(shown, checkboxes=(ShownCheckbox("anon", "A", False),)), "D1")
    assert "initial_options" not in unticked["blocks"][1]["element"]


def test_the_question_is_the_prompts_first_section() -> None:
    message = {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Why?"}}]}
    assert question_of(message) == "Why?"
    assert question_of(None) == ""
