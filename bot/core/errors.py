"""The kinds of failure Porch knows.

Expected failures are exceptions with a kind, so that callers decide by type and never by a
returned `False`. A `UserError` is shown to the member who caused it (with what to do instead);
anything else that escapes a handler is logged with a trace and the member gets a short apology
with an error id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class PorchError(Exception):
    """Base of every error Porch raises on purpose."""


class UserError(PorchError):
    """A mistake the member can fix. `key` names a catalogue text, `params` fill it in."""

    def __init__(self, key: str, /, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(f"{key} {params}" if params else key)


class UsageError(UserError):
    """A command was written wrongly; the reply names the problem and shows the usage."""


class PermissionDenied(UserError):
    """The member lacks a role; `params['roles']` names the roles that would allow it."""


class Unsupported(PorchError):
    """An adapter lacks the capability an action needs."""

    def __init__(self, platform: str, capability: str) -> None:
        self.platform = platform
        self.capability = capability
        super().__init__(f"{platform} cannot {capability}")


class RateLimited(PorchError):
    """The platform asked us to slow down; retry no sooner than `retry_after` seconds."""

    def __init__(self, retry_after: float, scope: str = "channel") -> None:
        self.retry_after = retry_after
        self.scope = scope
        super().__init__(f"rate limited for {retry_after:.3f}s ({scope})")


class Transient(PorchError):
    """A failure that may pass: a timeout, a 5xx, a dropped connection. Retried with back-off."""


class PlatformError(PorchError):
    """A permanent refusal by the platform (`missing_scope`, `M_FORBIDDEN`). Dead-lettered."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}" if detail else code)


class AuthFailed(PlatformError):
    """The platform refused our credentials; Porch cannot work until an admin fixes them."""


@dataclass(frozen=True)
class Problem:
    """One finding of `porch check`: where it is, what is wrong, and a suggestion if we have one."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else f"{self.file}:"
        field = f" {self.field}:" if self.field else ""
        return f"{where}{field} {self.message}"


class ConfigError(PorchError):
    """The configuration or a playbook is invalid. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class DatabaseNotMigrated(PorchError):
    """The database schema is older than the code; the message says how to upgrade it."""


class CannotStart(PorchError):
    """Porch cannot run as asked (an address it cannot listen on, a database it cannot open);
    the message names the problem and what to change, and nothing has been touched."""


class DatabaseUnavailable(CannotStart):
    """The database cannot be opened or read; the message names it (without a password) and
    what to check, so `porch` shows one line instead of a driver's traceback."""
