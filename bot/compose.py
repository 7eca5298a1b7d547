"""Putting a running Porch together from settings and configuration (used by `porch run`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
from sqlmodel import col, select

from adapters.shell.adapter import ShellAdapter
from adapters.shell.inbound import ScriptError, parse_script
from adapters.shell.runner import fake_start, run_interactive, run_script
from bot.app import Porch
from bot.config.schema import PorchConfig
from bot.config.settings import Settings
from bot.core.adapter import Adapter
from bot.core.clock import Clock, FakeClock, OffsetClock, SystemClock
from bot.core.errors import CannotStart, ConfigError, DatabaseUnavailable, PorchError, Problem
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
    name = script or "standard input"
    try:
        return script.read_text(encoding="utf-8") if script else sys.stdin.read()
    except UnicodeDecodeError as exc:
        raise CannotStart(
            f"the script {name} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise CannotStart(
            f"cannot read the script {name}: {exc.strerror or exc}; check the path"
        ) from None


def _fake_start(text: str | None) -> datetime:
    try:
        return fake_start(text, datetime.now(UTC))
    except ValueError:
        raise CannotStart(
            f"--start {text!r} is not a date and time; write ISO 8601, such as "
            "2026-01-05T09:00 (UTC) or 2026-01-05T09:00+01:00"
        ) from None


def _first_free_ref(store: Store) -> int:
    """Continue the terminal chat's message refs where an earlier run on this database stopped."""
    with store.transaction() as session:
        ids = session.exec(select(col(OutboxItem.message_id)).where(OutboxItem.platform == "shell"))
        numbers = [int(m[1:]) for m in ids if m and m[1:].isdigit()]
    return max(numbers, default=0) + 1


def shown_url(url: str) -> str:
    """The database URL as it may appear in a message: never with its password."""
    return re.sub(r"(//[^:/@]*):[^@/]*@", r"\1:***@", url)


def database_problem(exc: BaseException, url: str | None = None) -> str | None:
    """One line for a failure to open or read the database, naming it and the fix; None for
    any other failure (a constraint violated mid-run is a bug to trace, not a setting to fix)."""
    named = f" {shown_url(url)}" if url else ""
    # Where no URL was just opened, only an error about the URL itself is one; others are bugs.
    url_error = isinstance(exc, ArgumentError) and (url is not None or "URL" in str(exc))
    if url_error or (url is not None and isinstance(exc, ImportError)):
        what = f"{shown_url(url)!r} is not a database URL" if url else "the database URL is not one"
        return (
            f"{what} Porch can use ({exc}). Porch keeps its data in SQLite (sqlite:///porch.db) "
            "or PostgreSQL (postgresql://user@host/db); set it with --db or PORCH_DATABASE_URL"
        )
    if isinstance(exc, OperationalError) or type(exc) is DatabaseError:
        orig = str(getattr(exc, "orig", "") or exc).strip()
        detail = orig.splitlines()[0] if orig else type(exc).__name__
        return (
            f"cannot use the database{named}: {detail}. Check the URL (--db or "
            "PORCH_DATABASE_URL), that the server is running, and for SQLite that the folder "
            "exists and the file is a Porch database"
        )
    return None


@contextlib.contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Around opening the database and checking its schema: a failure becomes one line."""
    try:
        yield
    except (ArgumentError, ImportError, DatabaseError) as exc:
        problem = database_problem(exc, url)
        if problem is None:
            raise
        raise DatabaseUnavailable(problem) from None


def open_store(url: str) -> Store:
    """The database at `url` with a current schema: a new one is created, an old one refused."""
    with database_errors(url):
        store = Store(url)
    try:
        with database_errors(url):
            ensure_schema(store)
    except PorchError:
        store.dispose()
        raise
    return store


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
    if scripted and http:
        raise CannotStart(
            "--http serves a Porch that keeps running, but this run is a script (--script, or "
            "standard input is not a terminal) and ends with it. Drop --http, or start "
            "`porch run --http ...` on a terminal or with a platform configured"
        )
    if scripted:
        start_at = _fake_start(start)
        text = await asyncio.to_thread(_read_script, script)
        try:
            directives = parse_script(text, shell_channels(config))
        except ScriptError as exc:
            _write(f"error: {script or 'stdin'}: {exc}")
            return 2
        store = open_store(settings.database_url if database_given else "sqlite://")
        clock = FakeClock(start_at)
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
    store = open_store(settings.database_url)
    offset_clock = OffsetClock()
    adapter = ShellAdapter(clock=offset_clock, write=_write, first_ref=_first_free_ref(store))
    porch = Porch(
        config=config, store=store, clock=offset_clock, adapters=[adapter], playbooks=playbooks
    )
    server = _serve_or_close(store, lambda: _http_server(porch, http)) if http else None
    serving = asyncio.create_task(server.serve()) if server else None
    try:
        return await run_interactive(
            porch=porch,
            adapter=adapter,
            clock=offset_clock,
            zone=zone,
            write=_write,
            channels=shell_channels(config),
        )
    finally:
        if server is not None and serving is not None:
            server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await serving
        store.dispose()


def shell_channels(config: PorchConfig) -> frozenset[str]:
    """Every terminal-chat channel a community of `config` has: the ones a script may name."""
    return frozenset(
        channel
        for community in config.communities
        for channel in (community.channels["shell"].all() if "shell" in community.channels else ())
    )


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
    store = open_store(settings.database_url)
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
    server = _serve_or_close(store, lambda: _http_server(porch, http, routes)) if http else None
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


def _serve_or_close(store: Store, make: Callable[[], _Server]) -> _Server:
    """The HTTP server, bound; when its address cannot be used, the store is closed first."""
    try:
        return make()
    except CannotStart:
        store.dispose()
        raise


def parse_bind(text: str) -> tuple[str, int]:
    """`--http HOST:PORT` (`:8080` means 127.0.0.1); anything else is refused with an example."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise CannotStart(
            f"--http wants HOST:PORT with a port from 1 to 65535, such as 127.0.0.1:8080, "
            f"not {text!r}"
        )
    return host, int(port)


def _listen(bind: str) -> socket.socket:
    """Bind before Porch starts, so an address that cannot be used stops nothing half-way."""
    host, port = parse_bind(bind)
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise CannotStart(
            f"cannot listen on {bind}: {exc.strerror or exc}; use an address of this machine, such as 127.0.0.1:8080 or 0.0.0.0:8080"
        ) from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise CannotStart(
            f"cannot listen on {bind}: {exc.strerror or exc}; choose another port, or an "
            "address of this machine (127.0.0.1, 0.0.0.0)"
        ) from None
    return sock


class _Server:
    """uvicorn on a socket bound in advance (see `_listen`)."""

    def __init__(self, server: uvicorn.Server, sock: socket.socket) -> None:
        self._server = server
        self._sock = sock

    @property
    def should_exit(self) -> bool:
        return bool(self._server.should_exit)

    @should_exit.setter
    def should_exit(self, value: bool) -> None:
        self._server.should_exit = value

    async def serve(self) -> None:
        try:
            await self._server.serve(sockets=[self._sock])
        finally:
            self._sock.close()


def _http_server(porch: Porch, bind: str, routes: Sequence[BaseRoute] = ()) -> _Server:
    sock = _listen(bind)
    import uvicorn

    from bot.web.app import make_app

    host, port = parse_bind(bind)
    config = uvicorn.Config(
        make_app(porch, routes), host=host, port=port, log_level="warning", lifespan="off"
    )
    return _Server(uvicorn.Server(config), sock)
