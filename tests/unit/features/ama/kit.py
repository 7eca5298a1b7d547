"""Shared helpers for the AMA scenario tests (not a test module)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.config.schema import PorchConfig
from bot.core.actions import Edit
from bot.features.ama.feature import Ama
from bot.features.base import Feature
from bot.features.builtin import Builtin
from bot.features.home import Home
from bot.testing.builders import community, config
from bot.testing.harness import Harness
from bot.testing.memory import Executed


def features() -> list[Feature]:
    return [Builtin(), Ama(), Home()]


def ama_config(**extra: Any) -> PorchConfig:
    return config(community(others=("#help",), **extra))


@asynccontextmanager
async def harness(url: str, **kw: Any) -> AsyncIterator[Harness]:
    async with Harness.create(
        url, features=features(), config=kw.pop("config", ama_config()), **kw
    ) as h:
        yield h


def by_key(h: Harness, key: str) -> Executed:
    (found,) = [e for e in h.adapter.executed if e.key == key]
    return found


def keys(h: Harness, prefix: str = "") -> list[str]:
    return [e.key for e in h.adapter.executed if e.key.startswith(prefix)]


def board(h: Harness, ama: int = 1) -> str:
    """The board as members see it now: the last edit of it, or the first post."""
    shown = [
        e
        for e in h.adapter.executed
        if e.key == f"ama:{ama}:board"
        or (isinstance(e.action, Edit) and e.key.startswith(f"ama:{ama}:board:edit:"))
    ]
    action = shown[-1].action
    assert hasattr(action, "message")
    return str(action.message.text)


def replies_to(h: Harness, member: str) -> list[str]:
    return [
        e.action.message.text
        for e in h.adapter.executed
        if getattr(e.action, "member", None) == member and hasattr(e.action, "message")
    ]
