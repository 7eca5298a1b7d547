"""The platform-neutral message as Matrix content: a plain `body` and an HTML `formatted_body`.

Pure functions. The body keeps Porch's Markdown subset as typed (readable in any client and in
notifications); the HTML is what Element shows. Choices become a numbered list, because on
Matrix a member picks by reacting with the keycap of the number or by replying with it.
"""

from __future__ import annotations

import html
import re
from typing import Any

from bot.core.message import Message
from bot.dispatcher import KEYCAPS

_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])_(.+?)_(?![\w*])")
_LIST_ITEM = re.compile(r"^\s*[-*] (.*)$")
_CHOICE_LINE = re.compile(r"^(\d+)\. (.*)$")


def content_of(message: Message) -> dict[str, Any]:
    """The `m.room.message` content for `message` (without relations)."""
    return {
        "msgtype": "m.text",
        "body": plain_body(message),
        "format": "org.matrix.custom.html",
        "formatted_body": html_body(message),
    }


def plain_body(message: Message) -> str:
    lines = [message.text]
    lines += [f"{f.label}: {f.value}" for f in message.fields]
    lines += [
        f"{n}. {_choice_label(c.emoji, c.label)}" for n, c in enumerate(message.choices, start=1)
    ]
    if message.context:
        lines.append(message.context)
    return "\n".join(lines)


def html_body(message: Message) -> str:
    parts = [markdown_to_html(message.text)]
    if message.fields:
        items = "".join(
            f"<li><strong>{_escape(f.label)}</strong>: {inline_html(f.value)}</li>"
            for f in message.fields
        )
        parts.append(f"<ul>{items}</ul>")
    if message.choices:
        items = "".join(
            f"<li>{_escape(_choice_label(c.emoji, c.label))}</li>" for c in message.choices
        )
        parts.append(f"<ol>{items}</ol>")
    if message.context:
        parts.append(f"<p><em>{inline_html(message.context)}</em></p>")
    return "".join(parts)


def keycaps_for(message: Message) -> tuple[str, ...]:
    """The reactions Porch adds under a prompt: one keycap per choice, at most ten."""
    return KEYCAPS[: len(message.choices)]


def choice_labels(body: str) -> tuple[str, ...]:
    """The labels of a numbered choice list in a body Porch rendered (for drivers and tests)."""
    return tuple(m.group(2) for line in body.split("\n") if (m := _CHOICE_LINE.match(line)))


def markdown_to_html(text: str) -> str:
    """Porch's Markdown subset as Matrix HTML: paragraphs, `-` lists and the inline marks."""
    blocks: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append("<p>" + "<br>".join(inline_html(p) for p in paragraph) + "</p>")
            paragraph.clear()
        if items:
            blocks.append("<ul>" + "".join(f"<li>{inline_html(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.split("\n"):
        item = _LIST_ITEM.match(line)
        if item:
            if paragraph:
                flush()
            items.append(item.group(1))
        elif not line.strip():
            flush()
        else:
            if items:
                flush()
            paragraph.append(line)
    flush()
    return "".join(blocks)


def inline_html(text: str) -> str:
    """Escape, then turn `code`, links, **bold** and _italic_ into HTML (code is left verbatim)."""
    pieces = _CODE.split(text)
    out = []
    for index, piece in enumerate(pieces):
        if index % 2:
            out.append(f"<code>{_escape(piece)}</code>")
            continue
        escaped = _escape(piece)
        escaped = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', escaped)
        escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
        out.append(_ITALIC.sub(r"<em>\1</em>", escaped))
    return "".join(out)


def _choice_label(emoji: str | None, label: str) -> str:
    return f"{emoji} {label}" if emoji else label


def _escape(text: str) -> str:
    return html.escape(text, quote=True)
