"""Rendering the platform-neutral message as terminal transcript lines (pure)."""

from __future__ import annotations

from bot.core.message import Message


def message_lines(header: str, message: Message) -> list[str]:
    """`header` is `[#general] porch (m7)`; the text follows it, choices and fields below."""
    text_lines = message.text.splitlines() or [""]
    lines = [f"{header}: {text_lines[0]}"]
    lines += [f"    {line}" if line else "" for line in text_lines[1:]]
    lines += [f"    {f.label}: {f.value}" for f in message.fields]
    for number, choice in enumerate(message.choices, start=1):
        emoji = f"{choice.emoji} " if choice.emoji else ""
        lines.append(f"  {number}) {emoji}{choice.label}")
    if message.context:
        lines.append(f"    ({message.context})")
    return lines
