"""`/porch help`, `/porch whoami`, `/porch ping`: the commands every community has."""

from __future__ import annotations

from difflib import get_close_matches
from typing import ClassVar

from bot.core.commands import CommandSpec, Param, ParsedCommand
from bot.core.errors import UsageError
from bot.core.events import CommandInvoked
from bot.core.message import Message
from bot.core.roles import Role, allows, expand
from bot.features.base import Context, Feature

_ROLE_ORDER = (Role.ADMIN, Role.MANAGER, Role.MODERATOR, Role.HOST, Role.MEMBER)


class Builtin(Feature):
    name: ClassVar[str] = "builtin"
    commands: ClassVar[tuple[CommandSpec, ...]] = (
        CommandSpec(
            "porch",
            "help",
            "builtin.summary_help",
            args=(Param("command", required=False, rest=True),),
            example="/porch help whoami",
        ),
        CommandSpec("porch", "whoami", "builtin.summary_whoami"),
        CommandSpec("porch", "ping", "builtin.summary_ping"),
    )

    def on_command(self, command: ParsedCommand, event: CommandInvoked, ctx: Context) -> None:
        locale = ctx.locale_for(event.member)
        if command.spec.name == "help":
            text = self._help(ctx, event, locale, command.get("command"))
        elif command.spec.name == "whoami":
            roles = expand(ctx.roles_of(event.member))
            names = ", ".join(
                ctx.text(f"roles.{r.value}", locale) for r in _ROLE_ORDER if r in roles
            )
            text = ctx.text(
                "builtin.whoami",
                locale,
                name=ctx.name_of(event.member),
                community=ctx.community.name,
                roles=names,
            )
        else:
            text = ctx.text(
                "builtin.ping",
                locale,
                platform=event.platform,
                time=ctx.now.strftime("%Y-%m-%d %H:%M"),
            )
        ctx.reply(event, Message(text=text))

    def _help(self, ctx: Context, event: CommandInvoked, locale: str, wanted: str | None) -> str:
        specs = [s for f in ctx.services.features for s in f.commands]
        roles = ctx.roles_of(event.member)
        if wanted:
            name = " ".join(wanted.strip().lstrip("/").split())
            for spec in specs:
                if name in (spec.name, spec.full_name):
                    return _one(ctx, spec, locale)
            raise _no_such_command(name, specs)
        visible = [s for s in specs if allows(roles, s.roles)]
        lines = [ctx.text("builtin.help_title", locale, community=ctx.community.name)]
        lines += [
            f"- `{s.usage()}`: {ctx.text(s.summary, locale)}"
            for s in sorted(visible, key=lambda s: s.full_name)
        ]
        lines.append(ctx.text("builtin.help_footer", locale))
        return "\n".join(lines)


def _no_such_command(name: str, specs: list[CommandSpec]) -> UsageError:
    """`/porch help nosuch` names what is missing instead of listing everything silently."""
    root, _, sub = name.partition(" ")
    if not sub or root not in {s.root for s in specs}:
        root, sub = "porch", name
    same_root = [s for s in specs if s.root == root] or specs
    hint = get_close_matches(sub, [s.name for s in same_root], n=1)
    match = next((s for s in same_root if hint and s.name == hint[0]), None)
    topic = (match.name if match.root == "porch" else match.full_name) if match else ""
    suggestion = f"/porch help {topic}".rstrip()
    return UsageError("command.unknown", root=root, name=sub, suggestion=suggestion)


def _one(ctx: Context, spec: CommandSpec, locale: str) -> str:
    text = ctx.text(
        "builtin.help_one", locale, usage=spec.usage(), summary=ctx.text(spec.summary, locale)
    )
    if spec.example:
        text += "\n" + ctx.text("builtin.help_example", locale, example=spec.example)
    roles = ", ".join(ctx.text(f"roles.{r.value}", locale) for r in _ROLE_ORDER if r in spec.roles)
    return text + "\n" + ctx.text("builtin.help_roles", locale, roles=roles)
