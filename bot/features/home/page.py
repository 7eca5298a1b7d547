"""The home page as a message: pure, so its shape is tested without a database or a platform."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.message import Message


def home_page(title: str, intro: str, sections: Sequence[str | None]) -> Message:
    """The page: its title, a line about Porch, then every section a feature had to show."""
    parts = [title, intro, *(s.strip() for s in sections if s and s.strip())]
    return Message(text="\n\n".join(parts))


def grouped_page(
    title: str, intro: str, groups: Sequence[tuple[str, Sequence[str | None]]]
) -> Message:
    """A page for a member of several communities: each community's heading, then its sections.

    A heading stays even when no feature had anything to show there: the member still sees
    every community they belong to.
    """
    sections: list[str | None] = []
    for heading, parts in groups:
        sections += [heading, *parts]
    return home_page(title, intro, sections)


def glance(title: str, lines: Sequence[str]) -> str:
    return "\n".join([title, *lines])
