"""Roles per community.

Roles come from the configuration (managers, moderators, admins by platform id) and from platform
facts the adapter reports (Slack workspace admins and owners; Matrix power levels 50 and 100).
Higher roles include the lower ones: an admin may do what a manager may, a manager what a
moderator may. `host` is granted per AMA by that feature and implies nothing else.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    MEMBER = "member"
    HOST = "host"
    MODERATOR = "moderator"
    MANAGER = "manager"
    ADMIN = "admin"


_IMPLIES: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset({Role.ADMIN, Role.MANAGER, Role.MODERATOR, Role.MEMBER}),
    Role.MANAGER: frozenset({Role.MANAGER, Role.MODERATOR, Role.MEMBER}),
    Role.MODERATOR: frozenset({Role.MODERATOR, Role.MEMBER}),
    Role.HOST: frozenset({Role.HOST, Role.MEMBER}),
    Role.MEMBER: frozenset({Role.MEMBER}),
}


def expand(roles: set[Role] | frozenset[Role]) -> frozenset[Role]:
    """All roles a member effectively has, given the ones granted."""
    out: set[Role] = {Role.MEMBER}
    for role in roles:
        out |= _IMPLIES[role]
    return frozenset(out)


def allows(granted: set[Role] | frozenset[Role], needed: frozenset[Role]) -> bool:
    """True if any granted role (expanded) is among the needed ones, or the member is an admin."""
    effective = expand(granted)
    return Role.ADMIN in effective or bool(effective & needed)


PLATFORM_PREFIXES = frozenset({"slack", "matrix", "shell", "memory"})


def _split(entry: str) -> tuple[str | None, str]:
    """`slack:U0123` -> ("slack", "U0123"); `dana` -> (None, "dana"); Matrix ids keep their colons."""
    prefix, sep, rest = entry.partition(":")
    return (prefix, rest) if sep and prefix in PLATFORM_PREFIXES else (None, entry)


def identity_matches(entry: str, platform: str, member: str) -> bool:
    """Does a config entry (`dana`, `slack:U0123`, `matrix:@dana:example.org`) name this member?

    A bare entry matches the member id on any platform; a `platform:` prefix pins it to one.
    """
    pinned, member_id = _split(entry)
    return pinned in (None, platform) and member_id == member


def ids_on_platform(entries: tuple[str, ...], platform: str) -> list[str]:
    """The member ids config entries name on one platform (to message the managers there)."""
    return [member_id for pinned, member_id in map(_split, entries) if pinned in (None, platform)]
