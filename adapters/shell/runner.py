"""Running the terminal chat: a script (deterministic, fake clock) or a person at the keyboard."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Collection
from datetime import UTC, datetime

from adapters.shell.adapter import ShellAdapter, ShellError
from adapters.shell.inbound import _USAGE, Directive, ScriptError, parse_line
from bot.app import Porch, advance
from bot.core.clock import FakeClock, OffsetClock

PorchFactory = Callable[[ShellAdapter], Porch]


async def run_script(
    directives: list[Directive],
    *,
    build: PorchFactory,
    adapter: ShellAdapter,
    clock: FakeClock,
    zone: str,
    write: Callable[[str], None],
) -> int:
    """Execute each directive and let all due work finish after it. Returns the exit code."""
    porch = build(adapter)
    await porch.start(loops=False)
    try:
        for directive in directives:
            try:
                porch = await _step(directive, porch, build, adapter, clock, zone, write)
            except ShellError as exc:
                write(f"error: line {directive.line}: {exc}")
                return 1
    finally:
        await porch.stop()
        porch.store.dispose()
    return 0


async def _step(
    d: Directive,
    porch: Porch,
    build: PorchFactory,
    adapter: ShellAdapter,
    clock: FakeClock,
    zone: str,
    write: Callable[[str], None],
) -> Porch:
    if d.verb == "advance":
        target = _later(clock.now(), d)
        with adapter.stamping(zone):
            await advance(porch, clock, target)
        return porch
    if d.verb == "restart":
        await porch.stop()
        porch = build(adapter)
        await porch.start(loops=False)
        write("-- Porch restarted --")
        await porch.settle()
        return porch
    if d.verb in ("help", "quit"):
        return porch
    event = adapter.to_event(d)
    if event is not None:
        await porch.handle(event)
    await porch.settle()
    return porch


HELP = "\n".join(["Directives (one per line):", *(f"  {u}" for u in _USAGE.values())])


async def run_interactive(
    *,
    porch: Porch,
    adapter: ShellAdapter,
    clock: OffsetClock,
    zone: str,
    write: Callable[[str], None],
    channels: Collection[str] = (),
) -> int:
    """A person types directives; Porch runs its loops on the (offset) wall clock meanwhile."""
    await porch.start()
    write("Porch is running on the terminal chat. Type :help for the directives, :quit to leave.")
    loop = asyncio.get_running_loop()
    number = 0
    try:
        while True:
            try:
                raw = await loop.run_in_executor(None, _read, "> ")
            except EOFError:
                break
            number += 1
            try:
                directive = parse_line(raw, number, channels)
            except ScriptError as exc:
                write(f"error: {str(exc).split(': ', 1)[1]}")
                continue
            if directive is None:
                continue
            if directive.verb == "quit":
                break
            if directive.verb == "help":
                write(HELP)
            elif directive.verb == "advance":
                try:
                    _later(clock.now(), directive)
                except ShellError as exc:
                    write(f"error: {exc}")
                    continue
                clock.advance(directive.duration)
                write(adapter.now_line(zone, clock.now()))
            elif directive.verb == "restart":
                write("(:restart is for scripts; stop and start `porch run` instead)")
            else:
                try:
                    event = adapter.to_event(directive)
                except ShellError as exc:
                    write(f"error: {exc}")
                    continue
                if event is not None:
                    await porch.handle(event)
            porch.wake()
            await asyncio.sleep(0.05)
    finally:
        await porch.stop()
    return 0


def _later(now: datetime, d: Directive) -> datetime:
    try:
        return now + d.duration
    except OverflowError:
        raise ShellError(f"the clock cannot move past the year 9999 (it is {now:%Y})") from None


def _read(prompt: str) -> str:
    sys.stdout.write(prompt)
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line.rstrip("\n")


def fake_start(text: str | None, now: datetime) -> datetime:
    """`--start 2026-01-05T09:00` (UTC unless it names a zone), or now."""
    if not text:
        return now
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
