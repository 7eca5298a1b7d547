"""The home page as a message: pure, so its shape is tested without a database or a platform."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.message import Message


def home_page(title: str, intro: str, sections: Sequence[str | None]) -> Message:
    """The page: its title, a line about Porch, then every section a feature had to show."""
    parts = [title, intro, *(s.strip() for s in sections if s and s.strip())]
    return Message(text="\n\n".join(parts))


def glance(title: str, lines: Sequence[str]) -> str:
    return "\n".join([title, *lines])
