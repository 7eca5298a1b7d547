"""Putting a running Porch together from settings and configuration (used by `porch run`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import col, select

from adapters.shell.adapter import ShellAdapter
from adapters.shell.inbound import ScriptError, parse_script
from adapters.shell.runner import fake_start, run_interactive, run_script
from bot.app import Porch
from bot.config.schema import PorchConfig
from bot.config.settings import Settings
from bot.core.adapter import Adapter
from bot.core.clock import Clock, FakeClock, OffsetClock, SystemClock
from bot.core.errors import ConfigError, Problem
from bot.playbooks.registry import playbooks_for
from bot.store.db import Store
from bot.store.migrate import ensure_schema
from bot.store.models import OutboxItem

if TYPE_CHECKING:
    import uvicorn
    from starlette.routing import BaseRoute

log = logging.getLogger(__name__)


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
    if config.platforms.slack is not None or config.platforms.matrix is not None:
        return await run_service(settings, config, http=http)
    playbooks = playbooks_for(config, config_base(settings))
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
                build=lambda a: Porch(
                    config=config, store=store, clock=clock, adapters=[a], playbooks=playbooks
                ),
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
    porch = Porch(
        config=config, store=store, clock=offset_clock, adapters=[adapter], playbooks=playbooks
    )
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


def config_base(settings: Settings) -> Path:
    """Where relative paths of the configuration (its `playbook_dirs`) start."""
    return settings.config.parent if settings.config else Path.cwd()


def platform_adapters(settings: Settings, config: PorchConfig, clock: Clock) -> list[Adapter]:
    """The adapters of the configured platforms; each platform's SDK is imported only if used."""
    adapters: list[Adapter] = []
    if config.platforms.slack is not None:
        from adapters.slack.factory import build_slack_adapter

        adapters.append(build_slack_adapter(settings, config, clock))
    if config.platforms.matrix is not None:
        from adapters.matrix.factory import build_matrix_adapter

        adapters.append(build_matrix_adapter(settings, config, clock))
    return adapters


async def run_service(settings: Settings, config: PorchConfig, *, http: str | None) -> int:
    """Run against real platforms until SIGTERM or SIGINT; the HTTP app serves probes and webhooks."""
    slack = config.platforms.slack
    if slack is not None and slack.mode == "http" and not http:
        raise ConfigError(
            [
                Problem(
                    "configuration",
                    None,
                    "platforms.slack.mode",
                    "HTTP mode receives Slack's events over HTTP: start with "
                    "`porch run --http 0.0.0.0:8080` (or use mode: socket)",
                )
            ]
        )
    store = Store(settings.database_url)
    ensure_schema(store)
    clock = SystemClock()
    adapters = platform_adapters(settings, config, clock)
    porch = Porch(
        config=config,
        store=store,
        clock=clock,
        adapters=adapters,
        playbooks=playbooks_for(config, config_base(settings)),
    )
    routes = [r for a in adapters for r in getattr(a, "routes", list)()]
    server = _http_server(porch, http, routes) if http else None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    serving = asyncio.create_task(server.serve()) if server else None
    try:
        await porch.start()
        log.info("Porch is ready on %s", ", ".join(sorted(porch.adapters)))
        await stop.wait()
    finally:
        await porch.stop()
        if server is not None and serving is not None:
            server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await serving
        store.dispose()
    return 0


def _http_server(porch: Porch, bind: str, routes: Sequence[BaseRoute] = ()) -> uvicorn.Server:
    import uvicorn

    from bot.web.app import make_app

    host, _, port = bind.rpartition(":")
    config = uvicorn.Config(
        make_app(porch, routes),
        host=host or "127.0.0.1",
        port=int(port),
        log_level="warning",
        lifespan="off",
    )
    return uvicorn.Server(config)
