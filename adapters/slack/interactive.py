"""The ids Porch gives its interactive Slack elements, shared by rendering, inbound and the manifest.

A button carries everything needed to turn a click back into a `ChoicePicked`: the prompt and the
choice travel in the button's `value` (JSON, well under Slack's 2000-character limit), so no
state has to be kept between posting a prompt and receiving the click, and a click that reaches
another replica is understood there too.
"""

from __future__ import annotations

import json

COMMAND_ROOTS = ("porch", "ama")
"""Slash commands Porch registers (`/porch`, `/ama`)."""

CHOICE_ACTION = "porch_choice"
"""`action_id` prefix of a choice button; the index follows (`porch_choice:2`), as action ids
must be unique within a message."""

ANSWER_ACTION = "porch_answer"
"""`action_id` of the button that opens the free-text answer modal; `value` is the prompt id."""

ANSWER_VIEW = "porch_answer"
"""`callback_id` of the answer modal; `private_metadata` is the prompt id."""

ANSWER_BLOCK = "porch_answer_block"
ANSWER_INPUT = "porch_answer_text"

REPORT_SHORTCUT = "porch_report"
"""`callback_id` of the message shortcut "Report to moderators"."""


def choice_action_id(index: int) -> str:
    return f"{CHOICE_ACTION}:{index}"


def encode_choice(prompt_id: str, choice_id: str) -> str:
    """The button `value` for one choice of a prompt."""
    return json.dumps({"p": prompt_id, "c": choice_id}, separators=(",", ":"))


def decode_choice(value: str) -> tuple[str, str] | None:
    """`(prompt_id, choice_id)` from a button value; None if it is not one of ours."""
    return _decode_pair(value, "p", "c")


def _decode_pair(value: str, first: str, second: str) -> tuple[str, str] | None:
    """Two non-empty strings from the JSON object Porch encoded; None for anything else."""
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    a, b = data.get(first), data.get(second)
    if isinstance(a, str) and isinstance(b, str) and a and b:
        return a, b
    return None


FORM_ACTION = "porch_form"
"""`action_id` of a button that opens a form (`bot.core.forms`); `value` is the form id."""

FORM_VIEW = "porch_form"
"""`callback_id` of a form's modal; `private_metadata` says which form and where it was opened."""

FORM_TEXT_BLOCK = "porch_form_text_block"
FORM_TEXT_INPUT = "porch_form_text"
FORM_BOXES_BLOCK = "porch_form_boxes_block"
FORM_BOXES_INPUT = "porch_form_boxes"


def encode_form(form_id: str, channel: str) -> str:
    """A form modal's `private_metadata`: the form, and the channel the command belongs to."""
    return json.dumps({"f": form_id, "c": channel}, separators=(",", ":"))


def decode_form(metadata: str) -> tuple[str, str] | None:
    """`(form_id, channel)` from a form modal's `private_metadata`; None if it is not ours."""
    return _decode_pair(metadata, "f", "c")
