"""The terminal chat's script language, parsed without side effects.

    :join alice #general          :leave alice #general
    :say alice #general Hello     :say dana #general /ama start "Roadmap 2027"
    :dm alice /porch help         :dm alice I'm Alice, I build dashboards
    :click alice 2                :click alice 1,3
    :react bob m12 👍             :advance 3d
    :restart                      # a comment

`parse_script` checks every line before anything runs, so a typo on line 40 is reported before
line 1 has changed the database.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from difflib import get_close_matches

from bot.core.clock import parse_duration

DIRECTIVES = ("join", "leave", "say", "dm", "click", "react", "advance", "restart", "help", "quit")


@dataclass(frozen=True)
class Directive:
    line: int
    verb: str
    user: str = ""
    channel: str = ""
    text: str = ""
    picks: tuple[int, ...] = ()
    ref: str = ""
    duration: timedelta = timedelta(0)


class ScriptError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}")


_USAGE = {
    "join": ":join USER #channel",
    "leave": ":leave USER #channel",
    "say": ":say USER #channel TEXT",
    "dm": ":dm USER TEXT",
    "click": ":click USER N (or N,M for several)",
    "react": ":react USER mREF EMOJI",
    "advance": ":advance DURATION (e.g. 3d, 2h30m)",
    "restart": ":restart",
    "help": ":help",
    "quit": ":quit",
}


def parse_line(raw: str, line: int, channels: Collection[str] = ()) -> Directive | None:
    """One line to a directive; None for blank lines and comments.

    `channels`, when given, are the only ones a directive may name (the configured ones): a
    typo like `#generl` would otherwise reach no community and do nothing, silently.
    """
    text = raw.strip()
    if not text or text.startswith("#"):
        return None
    if not text.startswith(":"):
        raise ScriptError(
            line, f"expected a directive such as ':say', got {text[:30]!r}; try :help"
        )
    verb, _, rest = text[1:].partition(" ")
    verb = verb.lower()
    if verb not in DIRECTIVES:
        hint = get_close_matches(verb, DIRECTIVES, n=1)
        suggestion = f" (did you mean ':{hint[0]}'?)" if hint else ""
        raise ScriptError(line, f"unknown directive ':{verb}'{suggestion}")
    parts = rest.split()
    try:
        return _build(verb, parts, rest, line, channels)
    except UnknownChannel as exc:
        raise ScriptError(line, str(exc)) from None
    except (IndexError, ValueError) as exc:
        detail = f": {exc}" if isinstance(exc, ValueError) and str(exc) else ""
        raise ScriptError(line, f"malformed ':{verb}'{detail}; usage: {_USAGE[verb]}") from None


def _build(
    verb: str, parts: list[str], rest: str, line: int, channels: Collection[str]
) -> Directive:
    if verb in ("restart", "help", "quit"):
        return Directive(line, verb)
    if verb == "advance":
        return Directive(line, verb, duration=parse_duration(parts[0]))
    user = parts[0]
    if verb in ("join", "leave"):
        _require_channel(parts[1], channels)
        if len(parts) > 2:
            raise ValueError(f"unexpected {parts[2]!r}")
        return Directive(line, verb, user=user, channel=parts[1])
    if verb == "say":
        _require_channel(parts[1], channels)
        text = rest.split(None, 2)[2]
        return Directive(line, verb, user=user, channel=parts[1], text=text)
    if verb == "dm":
        return Directive(line, verb, user=user, text=rest.split(None, 1)[1])
    if verb == "click":
        if not all(p.isdigit() for p in parts[1].split(",") if p):
            raise ValueError(f"{parts[1]!r} is not a choice number")
        picks = tuple(int(p) for p in parts[1].split(",") if p)
        if not picks or any(p < 1 for p in picks):
            raise ValueError("choices are numbered from 1")
        return Directive(line, verb, user=user, picks=picks)
    ref = parts[1]
    if not (ref.startswith("m") and ref[1:].isdigit()):
        raise ValueError(f"{ref!r} is not a message ref like m12")
    return Directive(line, verb, user=user, ref=ref, text=parts[2])


def _require_channel(name: str, channels: Collection[str]) -> None:
    if not name.startswith("#") or len(name) < 2:
        raise ValueError(f"{name!r} is not a channel (write #name)")
    if channels and name not in channels:
        known = sorted(channels)
        hint = get_close_matches(name, known, n=1)
        suggestion = f"did you mean {hint[0]}? " if hint else ""
        raise UnknownChannel(
            f"there is no channel {name}; {suggestion}the channels are {', '.join(known)} "
            "(a community's channels.shell in the configuration adds more)"
        )


class UnknownChannel(ValueError):
    """A channel no community has: reported alone, since the directive itself is well formed."""


def parse_script(text: str, channels: Collection[str] = ()) -> list[Directive]:
    """Every directive of a script; raises one ScriptError listing every bad line."""
    directives: list[Directive] = []
    errors: list[ScriptError] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        try:
            directive = parse_line(raw, number, channels)
        except ScriptError as exc:
            errors.append(exc)
            continue
        if directive is not None:
            directives.append(directive)
    if errors:
        first = errors[0]
        raise ScriptError(
            first.line, "\n".join(str(e) for e in errors).removeprefix(f"line {first.line}: ")
        )
    return directives
