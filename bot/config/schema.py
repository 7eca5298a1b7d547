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


class MatrixSettings(_Strict):
    homeserver: str
    user_id: str
    command_prefix: str = "!"
    device_name: str = "Porch"
    invited_by: tuple[str, ...] = ()
    """Matrix users whose invites Porch accepts to any room (the managers who add it to rooms)."""


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
