"""One command grammar for every platform.

`/ama start "Scaling our API" --host @dana,@lee --in 2d --for 45m` parses the same whether it came
from a Slack slash command, a Matrix `!ama` line or the terminal chat. Commands are declared as
data (`CommandSpec`); parsing, usage errors and help are generated from the declarations.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import timedelta
from difflib import get_close_matches
from enum import StrEnum
from typing import Any

from bot.core.clock import parse_duration
from bot.core.errors import UsageError
from bot.core.roles import Role

_SMART_QUOTES = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "«": '"', "»": '"'}
)


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    DURATION = "duration"
    MEMBER = "member"
    MEMBERS = "members"
    FLAG = "flag"
    CHOICE = "choice"


@dataclass(frozen=True)
class Param:
    """A positional argument (`name`) or an option (`--name`)."""

    name: str
    kind: Kind = Kind.TEXT
    help: str = ""
    required: bool = True
    rest: bool = False
    """A last positional that takes the rest of the line (free text without quotes)."""
    values: tuple[str, ...] = ()
    """Allowed values for `Kind.CHOICE`."""

    def usage(self) -> str:
        shown = f"{{{'|'.join(self.values)}}}" if self.kind is Kind.CHOICE else self.name
        if self.rest:
            shown += "..."
        return f"<{shown}>" if self.required else f"[{shown}]"


@dataclass(frozen=True)
class CommandSpec:
    root: str
    name: str
    summary: str
    args: tuple[Param, ...] = ()
    options: tuple[Param, ...] = ()
    roles: frozenset[Role] = frozenset({Role.MEMBER})
    """Any of these roles may run it (admins may run everything)."""
    example: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.root} {self.name}"

    def usage(self) -> str:
        parts = [f"/{self.full_name}"]
        parts += [a.usage() for a in self.args]
        for o in self.options:
            parts.append(f"[--{o.name}]" if o.kind is Kind.FLAG else f"[--{o.name} <{o.kind}>]")
        return " ".join(parts)


@dataclass(frozen=True)
class ParsedCommand:
    spec: CommandSpec
    values: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


def tokenize(text: str) -> list[str]:
    """Split like a shell, accepting the curly quotes that chat clients like to insert."""
    try:
        return shlex.split(text.translate(_SMART_QUOTES))
    except ValueError as exc:
        raise UsageError("command.unbalanced_quotes", detail=str(exc)) from None


def _convert(param: Param, raw: str, spec: CommandSpec) -> Any:
    try:
        if param.kind is Kind.INT:
            return int(raw.lstrip("#"))
        if param.kind is Kind.DURATION:
            return parse_duration(raw)
        if param.kind is Kind.MEMBER:
            return _member(raw)
        if param.kind is Kind.MEMBERS:
            return tuple(_member(m) for m in raw.split(",") if m.strip())
        if param.kind is Kind.CHOICE and raw not in param.values:
            raise ValueError(f"{raw!r} is not one of {', '.join(param.values)}")
    except ValueError as exc:
        raise UsageError(
            "command.bad_value", name=param.name, value=raw, detail=str(exc), usage=spec.usage()
        ) from None
    return raw


def _member(raw: str) -> str:
    raw = raw.strip()
    if not raw.startswith("@") or len(raw) < 2:
        raise ValueError(f"{raw!r} is not a member mention (write @name)")
    return raw[1:]


class CommandTable:
    """All commands Porch knows, by root and name."""

    def __init__(self, specs: list[CommandSpec] | None = None) -> None:
        self._specs: dict[tuple[str, str], CommandSpec] = {}
        for spec in specs or []:
            self.add(spec)

    def add(self, spec: CommandSpec) -> None:
        key = (spec.root, spec.name)
        if key in self._specs:
            raise ValueError(f"command /{spec.full_name} is declared twice")
        self._specs[key] = spec

    def roots(self) -> list[str]:
        return sorted({r for r, _ in self._specs})

    def specs(self, root: str | None = None) -> list[CommandSpec]:
        return [s for (r, _), s in sorted(self._specs.items()) if root in (None, r)]

    def parse(self, root: str, text: str) -> ParsedCommand:
        tokens = tokenize(text)
        names = [s.name for s in self.specs(root)]
        if not names:
            raise UsageError("command.unknown_root", root=root, roots=", ".join(self.roots()))
        if not tokens:
            raise UsageError("command.missing_sub", root=root, names=", ".join(names))
        name, rest = tokens[0].lower(), tokens[1:]
        spec = self._specs.get((root, name))
        if spec is None:
            hint = get_close_matches(name, names, n=1)
            raise UsageError(
                "command.unknown",
                root=root,
                name=name,
                suggestion=f"/{root} {hint[0]}" if hint else f"/{root} help",
            )
        return ParsedCommand(spec, _bind(spec, rest))


def _bind(spec: CommandSpec, tokens: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    positional: list[str] = []
    options = {o.name: o for o in spec.options}
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.startswith("--") and len(tok) > 2:
            name, _, inline = tok[2:].partition("=")
            opt = options.get(name)
            if opt is None:
                hint = get_close_matches(name, list(options), n=1)
                raise UsageError(
                    "command.unknown_option",
                    option=f"--{name}",
                    suggestion=f" (did you mean --{hint[0]}?)" if hint else "",
                    usage=spec.usage(),
                )
            if opt.kind is Kind.FLAG:
                values[opt.name] = True
            else:
                if not inline:
                    if i + 1 >= len(tokens):
                        raise UsageError(
                            "command.option_needs_value", option=f"--{name}", usage=spec.usage()
                        )
                    i += 1
                    inline = tokens[i]
                values[opt.name] = _convert(opt, inline, spec)
        else:
            positional.append(tok)
        i += 1
    _bind_positionals(spec, positional, values)
    return values


def _bind_positionals(spec: CommandSpec, positional: list[str], values: dict[str, Any]) -> None:
    args = list(spec.args)
    for index, arg in enumerate(args):
        if arg.rest:
            taken = positional[index:]
            positional = positional[:index]
            if taken:
                values[arg.name] = _convert(arg, " ".join(taken), spec)
            break
        if index < len(positional):
            values[arg.name] = _convert(arg, positional[index], spec)
    else:
        if len(positional) > len(args):
            extra = positional[len(args)]
            raise UsageError("command.too_many_args", extra=extra, usage=spec.usage())
    for arg in args:
        if arg.required and arg.name not in values:
            raise UsageError("command.missing_arg", name=arg.name, usage=spec.usage())


def help_lines(table: CommandTable, root: str | None = None) -> list[str]:
    """One line per command: usage and summary, generated from the declarations."""
    return [f"`{s.usage()}`: {s.summary}" for s in table.specs(root)]


def duration_text(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
