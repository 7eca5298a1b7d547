"""Slack views Porch opens itself: the free-text answer modal and forms' modals. Pure builders.

The answer modal exists because a button can start a typed answer but not carry one: "Answer"
opens it, and its submission comes back as a `TextAnswered` for the prompt (`private_metadata`).
A form's modal (`bot.core.forms`) comes back as the command it stands for. The App Home is the
core's page (`PublishHome`), rendered in `render.home_view`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.slack.interactive import (
    ANSWER_BLOCK,
    ANSWER_INPUT,
    ANSWER_VIEW,
    FORM_BOXES_BLOCK,
    FORM_BOXES_INPUT,
    FORM_TEXT_BLOCK,
    FORM_TEXT_INPUT,
    FORM_VIEW,
    encode_form,
)
from bot.core.forms import ShownForm
from bot.i18n.catalogue import Catalogue

View = dict[str, Any]

TEXTS = Catalogue.load(Path(__file__).parent / "i18n")
MAX_TITLE = 24
MAX_QUESTION = 3000
MAX_OPTION_TEXT = 75
MAX_HINT = 150


def answer_modal(prompt_id: str, question: str, locale: str = "en") -> View:
    """The modal that asks for a free-text answer to the prompt `prompt_id`."""
    blocks: list[dict[str, Any]] = []
    if question.strip():
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": question[:MAX_QUESTION]}}
        )
    blocks.append(
        {
            "type": "input",
            "block_id": ANSWER_BLOCK,
            "label": _plain(TEXTS.text("slack.answer_label", locale)),
            "element": {"type": "plain_text_input", "action_id": ANSWER_INPUT, "multiline": True},
        }
    )
    return {
        "type": "modal",
        "callback_id": ANSWER_VIEW,
        "private_metadata": prompt_id,
        "title": _plain(TEXTS.text("slack.answer_title", locale)[:MAX_TITLE]),
        "submit": _plain(TEXTS.text("slack.answer_submit", locale)[:MAX_TITLE]),
        "blocks": blocks,
    }


def form_modal(shown: ShownForm, channel: str, locale: str = "en") -> View:
    """A form (`bot.core.forms`) as a modal: its text field, then its checkboxes, ticked as the
    core says they start. The submission names the form and `channel` (`private_metadata`)."""
    text: dict[str, Any] = {
        "type": "input",
        "block_id": FORM_TEXT_BLOCK,
        "label": _plain(shown.text_label),
        "element": {"type": "plain_text_input", "action_id": FORM_TEXT_INPUT, "multiline": True},
    }
    if shown.text_hint:
        text["hint"] = _plain(shown.text_hint[:MAX_HINT])
    blocks = [text]
    if shown.checkboxes:
        options = {
            box.flag: {"text": _plain(box.label[:MAX_OPTION_TEXT]), "value": box.flag}
            for box in shown.checkboxes
        }
        boxes: dict[str, Any] = {"type": "checkboxes", "action_id": FORM_BOXES_INPUT}
        boxes["options"] = list(options.values())
        ticked = [options[box.flag] for box in shown.checkboxes if box.ticked]
        if ticked:
            boxes["initial_options"] = ticked
        blocks.append(
            {
                "type": "input",
                "block_id": FORM_BOXES_BLOCK,
                "optional": True,
                "label": _plain(TEXTS.text("slack.form_options", locale)),
                "element": boxes,
            }
        )
    return {
        "type": "modal",
        "callback_id": FORM_VIEW,
        "private_metadata": encode_form(shown.form.id, channel),
        "title": _plain(shown.title[:MAX_TITLE]),
        "submit": _plain(shown.submit[:MAX_TITLE]),
        "blocks": blocks,
    }


def answer_button_label(locale: str = "en") -> str:
    return TEXTS.text("slack.answer_button", locale)


def question_of(message: dict[str, Any] | None) -> str:
    """The text of the prompt a clicked "Answer" button sits under (its first section)."""
    for block in (message or {}).get("blocks") or ():
        text = block.get("text") if isinstance(block, dict) else None
        if block.get("type") == "section" and isinstance(text, dict):
            return str(text.get("text", ""))
    return ""


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}
