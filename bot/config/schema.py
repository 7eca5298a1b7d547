"""The configuration file (`config/porch.example.yaml` shows every field).

Reviewed by people, validated in full before anything connects. Secrets never live here: tokens
and passwords come from `PORCH_*` environment variables (see `settings.py`); a field that looks
like one is refused by `extra="forbid"`.
"""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PlatformName = Literal["slack", "matrix", "shell", "memory"]
"""`memory` is the in-memory test platform of `bot.testing`."""
CommunityKind = Literal["interest", "project", "department"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Channels(_Strict):
    """A community's channels or rooms on one platform, by purpose."""

    main: str
    intro: str | None = None
    moderators: str | None = None
    others: tuple[str, ...] = ()
    """Further channels that belong to the community (interest channels members may join)."""

    def all(self) -> tuple[str, ...]:
        return tuple(c for c in (self.main, self.intro, self.moderators, *self.others) if c)


class WorkingHours(_Strict):
    start: int = Field(9, ge=0, le=23)
    end: int = Field(18, ge=1, le=24)
    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    """Weekdays, Monday = 0."""


class CommunityConfig(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    name: str
    kind: CommunityKind
    locale: str = "en"
    timezone: str = "UTC"
    channels: dict[PlatformName, Channels]
    managers: tuple[str, ...] = ()
    moderators: tuple[str, ...] = ()
    admins: tuple[str, ...] = ()
    playbooks: tuple[str, ...] = ()
    working_hours: WorkingHours = WorkingHours()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone '{value}'; use an IANA name such as Europe/Berlin"
            ) from None
        return value


class MatrixPowerRoles(_Strict):
    """The power level in a community's main room from which a member has a Porch role."""

    moderator: int = Field(50, ge=0)
    manager: int = Field(100, ge=0)
    admin: int | None = Field(None, ge=0)
    """None: no power level makes a Porch admin (admins come from the configuration)."""


class MatrixRateLimit(_Strict):
    """How fast Porch sends to Matrix. The defaults are Synapse's own `rc_message` (0.2 events
    per second, burst 10, counted per sender across all rooms); raise them once the homeserver
    admin has exempted the bot (docs/matrix.md, "Rate limits")."""

    per_second: float = Field(0.2, gt=0)
    burst: int = Field(10, ge=1)
    per_room_per_second: float | None = Field(None, gt=0)
    """None: the same as `per_second`."""
    per_room_burst: int | None = Field(None, ge=1)
    """None: the same as `burst`."""


class MatrixEncryption(_Strict):
    """End-to-end encryption (docs/matrix.md, "Encryption")."""

    enabled: bool = True
    """False: no crypto store, and Porch can neither read nor write in encrypted rooms."""
    encrypt_new_dms: bool = True
    """The DM and group rooms Porch opens itself are encrypted (only when `enabled`)."""
    require_encrypted_dms: bool = False
    """Porch never DMs into an unencrypted room: it opens an encrypted one instead, and it
    ignores what members write in unencrypted DMs."""

    @model_validator(mode="after")
    def _consistent(self) -> MatrixEncryption:
        for wanted in ("encrypt_new_dms", "require_encrypted_dms"):
            if not self.enabled and getattr(self, wanted) and wanted in self.model_fields_set:
                raise ValueError(f"{wanted}: true needs enabled: true")
        if self.require_encrypted_dms and not self.encrypt_new_dms:
            raise ValueError("require_encrypted_dms: true needs encrypt_new_dms: true")
        return self


class MatrixSettings(_Strict):
    homeserver: str
    user_id: str
    command_prefix: str = "!"
    device_name: str = "Porch"
    invited_by: tuple[str, ...] = ()
    """Matrix users whose invites Porch accepts to any room (the managers who add it to rooms)."""
    power_roles: MatrixPowerRoles = MatrixPowerRoles()
    rate_limit: MatrixRateLimit = MatrixRateLimit()
    encryption: MatrixEncryption = MatrixEncryption()


class SlackSettings(_Strict):
    mode: Literal["http", "socket"] = "http"
    api_url: str = "https://slack.com/api/"


class PlatformsConfig(_Strict):
    slack: SlackSettings | None = None
    matrix: MatrixSettings | None = None


class PorchConfig(_Strict):
    communities: tuple[CommunityConfig, ...]
    playbook_dirs: tuple[str, ...] = ()
    platforms: PlatformsConfig = PlatformsConfig()
    retention_days: int = Field(30, ge=1)

    @model_validator(mode="after")
    def _some_community(self) -> PorchConfig:
        if not self.communities:
            raise ValueError("communities: at least one community is needed")
        return self
