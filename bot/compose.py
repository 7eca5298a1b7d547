"""Putting a running Porch together from settings and configuration (used by `porch run`)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import col, select

from adapters.shell.adapter import ShellAdapter
from adapters.shell.inbound import ScriptError, parse_script
from adapters.shell.runner import fake_start, run_interactive, run_script
from bot.app import Porch
from bot.config.schema import PorchConfig
from bot.config.settings import Settings
from bot.core.clock import FakeClock, OffsetClock
from bot.core.errors import ConfigError, Problem
from bot.store.db import Store
from bot.store.migrate import ensure_schema
from bot.store.models import OutboxItem


def _write(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _read_script(script: Path | None) -> str:
    return script.read_text(encoding="utf-8") if script else sys.stdin.read()


def _first_free_ref(store: Store) -> int:
    """Continue the terminal chat's message refs where an earlier run on this database stopped."""
    with store.transaction() as session:
        ids = session.exec(select(col(OutboxItem.message_id)).where(OutboxItem.platform == "shell"))
        numbers = [int(m[1:]) for m in ids if m and m[1:].isdigit()]
    return max(numbers, default=0) + 1


async def run_porch(
    settings: Settings,
    config: PorchConfig,
    *,
    script: Path | None,
    scripted: bool,
    start: str | None,
    http: str | None,
    database_given: bool = False,
) -> int:
    platforms = [
        name for name in ("slack", "matrix") if getattr(config.platforms, name) is not None
    ]
    if platforms:
        raise ConfigError(
            [
                Problem(
                    "configuration",
                    None,
                    f"platforms.{platforms[0]}",
                    f"the {platforms[0]} adapter is not part of this Porch version yet",
                )
            ]
        )
    zone = config.communities[0].timezone
    if scripted:
        text = await asyncio.to_thread(_read_script, script)
        try:
            directives = parse_script(text)
        except ScriptError as exc:
            _write(f"error: {script or 'stdin'}: {exc}")
            return 2
        url = settings.database_url if database_given else "sqlite://"
        store = Store(url)
        ensure_schema(store)
        clock = FakeClock(fake_start(start, datetime.now(UTC)))
        adapter = ShellAdapter(clock=clock, write=_write, first_ref=_first_free_ref(store))
        try:
            return await run_script(
                directives,
                build=lambda a: Porch(config=config, store=store, clock=clock, adapters=[a]),
                adapter=adapter,
                clock=clock,
                zone=zone,
                write=_write,
            )
        finally:
            store.dispose()
    store = Store(settings.database_url)
    ensure_schema(store)
    offset_clock = OffsetClock()
    adapter = ShellAdapter(clock=offset_clock, write=_write, first_ref=_first_free_ref(store))
    porch = Porch(config=config, store=store, clock=offset_clock, adapters=[adapter])
    server = _http_server(porch, http) if http else None
    serving = asyncio.create_task(server.serve()) if server else None
    try:
        return await run_interactive(
            porch=porch, adapter=adapter, clock=offset_clock, zone=zone, write=_write
        )
    finally:
        if server is not None and serving is not None:
            server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await serving
        store.dispose()


def _http_server(porch: Porch, bind: str):  # type: ignore[no-untyped-def]
    import uvicorn

    from bot.web.app import make_app

    host, _, port = bind.rpartition(":")
    config = uvicorn.Config(
        make_app(porch),
        host=host or "127.0.0.1",
        port=int(port),
        log_level="warning",
        lifespan="off",
    )
    return uvicorn.Server(config)
