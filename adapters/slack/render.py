"""The platform-neutral Message -> Block Kit blocks and the fallback `text`, within Slack's limits.

Slack refuses (not truncates) what is too big: more than 50 blocks, a section text over 3000
characters, a message text over 40,000. So a long message is split into several messages, each
within every limit, at paragraph or line boundaries where possible. The fallback `text` is what
notifications and screen readers show; it carries the same words as the blocks.

Choices become buttons in actions blocks (25 per block, Slack's limit), on the last part, so
they sit below everything they answer; a prompt that expects typed text gets an "Answer" button
that opens a modal, and a message that offers a form (an AMA board) a button that opens the
form's modal. The button's `value` says which prompt and which choice
(see `interactive`), so a click needs no stored state to be understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from adapters.slack.interactive import (
    ANSWER_ACTION,
    FORM_ACTION,
    choice_action_id,
    encode_choice,
)
from adapters.slack.views import answer_button_label
from bot.core.message import Choice, FormOffer, Message

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_TEXT = 40_000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_CONTEXT_TEXT = 2000
MAX_BUTTONS = 25
MAX_BUTTON_TEXT = 75
TEXT_BUDGET = 39_000
"""Characters of section text per message, leaving room for fields and context in `text`."""

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_LINK = re.compile(r"\[([^\]]+)\]\(((?:https?|mailto):[^)\s]+)\)")
_BULLET = re.compile(r"^(\s*)[-*] ", re.MULTILINE)
_MEMBER_ID = re.compile(r"(?<![\w<@])@([UW][A-Z0-9]{6,})\b")
_CHANNEL_ID = re.compile(r"(?<![\w<@#/|])#?([CG](?=[A-Z0-9]*\d)[A-Z0-9]{8,})\b")
"""A Slack channel id as the core writes it (`C0123ABCD` or `#C0123ABCD`): ids with a digit."""
_CODE_OR_LINK = re.compile(r"(`[^`\n]*`|<[^<>\n]*>)")
"""Code, and the links `to_mrkdwn` made (text's own `<` is escaped by then): no channel links
inside either (a thread link's `cid=C0123ABCD` must stay as it is)."""


@dataclass(frozen=True)
class Rendered:
    """One Slack message: `text` (fallback, ≤ 40k) and `blocks` (≤ 50)."""

    text: str
    blocks: list[Block]


def to_mrkdwn(text: str) -> str:
    """The core's Markdown subset -> Slack mrkdwn.

    `**bold**` -> `*bold*`, `[label](url)` -> `<url|label>`, `- item` -> `• item`, a member id
    `@U123…` -> a real mention, a channel id `C0123ABCD` (the core shows channels by id) -> a
    channel link outside code and links; `&`, `<`, `>` are escaped first, as Slack requires, so text a
    member typed can never smuggle in a `<!channel>` ping.
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", text)
    text = _BOLD.sub(r"*\1*", text)
    text = _BULLET.sub(r"\1• ", text)
    text = _MEMBER_ID.sub(r"<@\1>", text)
    return "".join(
        part if part.startswith(("`", "<")) else _CHANNEL_ID.sub(r"<#\1>", part)
        for part in _CODE_OR_LINK.split(text)
    )


def render(message: Message) -> list[Rendered]:
    """The Slack messages that show `message`: one, unless it is too long for one."""
    sections = [_section(part) for part in split_text(to_mrkdwn(message.text), MAX_SECTION_TEXT)]
    tail = _tail_blocks(message)
    parts: list[Rendered] = []
    current: list[Block] = []
    used = 0
    for block in sections:
        size = len(block["text"]["text"])
        if current and (used + size > TEXT_BUDGET or len(current) >= MAX_BLOCKS):
            parts.append(_rendered(current))
            current, used = [], 0
        current.append(block)
        used += size
    if current and len(current) + len(tail) > MAX_BLOCKS:
        parts.append(_rendered(current))
        current = []
    parts.append(_rendered(current + tail))
    return parts


def render_single(message: Message) -> Rendered:
    """`message` as one Slack message (for `chat.update`), its text shortened if it must be."""
    parts = render(message)
    if len(parts) == 1:
        return parts[0]
    tail = _tail_blocks(message)
    room = MAX_BLOCKS - len(tail)
    sections = [b for b in parts[0].blocks if b.get("type") == "section" and "text" in b][:room]
    sections[-1] = _section(_shorten(sections[-1]["text"]["text"], MAX_SECTION_TEXT))
    return _rendered(sections + tail)


def home_view(message: Message) -> dict[str, Any]:
    """The App Home tab showing `message`: a view holds up to 100 blocks, a message 50, so the
    parts a long message would be split into are shown one after another on the one page."""
    blocks = [block for part in render(message) for block in part.blocks]
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def split_text(text: str, limit: int) -> list[str]:
    """Cut `text` into pieces of at most `limit` characters, preferring paragraph, then line,
    then word boundaries; never returns an empty piece unless the text is empty."""
    pieces: list[str] = []
    rest = text.strip("\n")
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), 0) or max(window.rfind("\n"), 0) or window.rfind(" ")
        if cut <= limit // 4:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    pieces.append(rest)
    return [p for p in pieces if p] or [""]


def _rendered(blocks: list[Block]) -> Rendered:
    return Rendered(text=_fallback(blocks)[:MAX_TEXT], blocks=blocks)


def _fallback(blocks: list[Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        if block["type"] == "section" and "text" in block:
            lines.append(block["text"]["text"])
        elif block["type"] == "section":
            lines.extend(f["text"].replace("\n", ": ", 1) for f in block["fields"])
        elif block["type"] == "context":
            lines.extend(e["text"] for e in block["elements"])
        elif block["type"] == "actions":
            lines.extend(f"• {e['text']['text']}" for e in block["elements"])
    return "\n".join(lines) or " "


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text or " "}}


def _tail_blocks(message: Message) -> list[Block]:
    blocks: list[Block] = []
    fields = [
        {
            "type": "mrkdwn",
            "text": _shorten(f"*{to_mrkdwn(f.label)}*\n{to_mrkdwn(f.value)}", MAX_FIELD_TEXT),
        }
        for f in message.fields
    ]
    for start in range(0, len(fields), MAX_FIELDS):
        blocks.append({"type": "section", "fields": fields[start : start + MAX_FIELDS]})
    if message.context:
        text = _shorten(to_mrkdwn(message.context), MAX_CONTEXT_TEXT)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
    if message.choices and message.prompt_id:
        buttons = [
            _button(index, choice, message.prompt_id)
            for index, choice in enumerate(message.choices)
        ]
        for start in range(0, len(buttons), MAX_BUTTONS):
            blocks.append({"type": "actions", "elements": buttons[start : start + MAX_BUTTONS]})
    if message.expects_text and message.prompt_id:
        blocks.append({"type": "actions", "elements": [_answer_button(message.prompt_id)]})
    if message.form is not None:
        blocks.append({"type": "actions", "elements": [_form_button(message.form)]})
    return blocks


def _form_button(offer: FormOffer) -> Block:
    """Opens the form's modal (the adapter opens it at once, as the click's trigger allows)."""
    return {
        "type": "button",
        "action_id": FORM_ACTION,
        "text": {
            "type": "plain_text",
            "text": _shorten(offer.label, MAX_BUTTON_TEXT),
            "emoji": True,
        },
        "value": offer.form,
    }


def _answer_button(prompt_id: str) -> Block:
    """Opens the answer modal; replying in the DM answers too (the core maps that)."""
    return {
        "type": "button",
        "action_id": ANSWER_ACTION,
        "text": {"type": "plain_text", "text": answer_button_label(), "emoji": True},
        "value": prompt_id,
        "style": "primary",
    }


def _button(index: int, choice: Choice, prompt_id: str) -> Block:
    label = f"{choice.emoji} {choice.label}" if choice.emoji else choice.label
    button: Block = {
        "type": "button",
        "action_id": choice_action_id(index),
        "text": {"type": "plain_text", "text": _shorten(label, MAX_BUTTON_TEXT), "emoji": True},
        "value": encode_choice(prompt_id, choice.id),
    }
    if choice.style != "default":
        button["style"] = choice.style
    return button


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
