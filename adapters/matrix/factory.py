"""Building the Matrix adapter from settings and configuration (`bot.compose` calls this)."""

from __future__ import annotations

from adapters.matrix.adapter import MatrixAdapter, MatrixLogin
from adapters.matrix.lease import AdvisoryLease
from bot.config.schema import MatrixRateLimit, PorchConfig
from bot.config.settings import Settings
from bot.core.adapter import RateBudget
from bot.core.clock import Clock
from bot.core.errors import ConfigError, Problem


def build_matrix_adapter(settings: Settings, config: PorchConfig, clock: Clock) -> MatrixAdapter:
    """A Matrix adapter for the configured homeserver and rooms; does no I/O.

    The rooms of every community on `matrix` are the rooms whose invites Porch accepts. The
    secrets come from `PORCH_MATRIX_ACCESS_TOKEN` (preferred) or `PORCH_MATRIX_PASSWORD`.
    """
    matrix = config.platforms.matrix
    if matrix is None:
        raise ConfigError([Problem("configuration", None, "platforms.matrix", "is not set")])
    token = settings.matrix_access_token
    password = settings.matrix_password
    if token is None and password is None:
        raise ConfigError(
            [
                Problem(
                    "PORCH_MATRIX_ACCESS_TOKEN",
                    None,
                    "",
                    "set it (or PORCH_MATRIX_PASSWORD) so Porch can log in to Matrix",
                )
            ]
        )
    rooms = {
        room
        for community in config.communities
        if (channels := community.channels.get("matrix")) is not None
        for room in channels.all()
    }
    main_rooms = {
        channels.main
        for community in config.communities
        if (channels := community.channels.get("matrix")) is not None
    }
    levels = matrix.power_roles
    power_roles = {"moderator": levels.moderator, "manager": levels.manager}
    if levels.admin is not None:
        power_roles["admin"] = levels.admin
    return MatrixAdapter(
        homeserver=matrix.homeserver,
        user_id=matrix.user_id,
        login=MatrixLogin(
            access_token=token.get_secret_value() if token else None,
            password=password.get_secret_value() if password else None,
        ),
        data_dir=settings.data_dir / "matrix",
        clock=clock,
        rooms=rooms,
        trusted_inviters=matrix.invited_by,
        role_rooms=main_rooms,
        power_roles=power_roles,
        command_prefix=matrix.command_prefix,
        device_name=matrix.device_name,
        encryption=matrix.encryption.enabled,
        encrypt_new_dms=matrix.encryption.encrypt_new_dms,
        require_encrypted_dms=matrix.encryption.require_encrypted_dms,
        rate_budget=rate_budget(matrix.rate_limit),
        lease=lease_for(settings.database_url, matrix.user_id),
    )


def lease_for(database_url: str, user_id: str) -> AdvisoryLease | None:
    """On PostgreSQL, where several replicas may run, a lease per Matrix account decides which
    one runs Matrix; SQLite means one process, which needs none."""
    if not database_url.startswith(("postgres://", "postgresql")):
        return None
    return AdvisoryLease(database_url, f"porch:matrix:{user_id}")


def rate_budget(limit: MatrixRateLimit) -> RateBudget:
    """The Deliverer's budget for Matrix; a room's share defaults to the account's whole budget,
    because Synapse counts `rc_message` per sender, not per room."""
    return RateBudget(
        per_second=limit.per_second,
        burst=limit.burst,
        per_channel_per_second=limit.per_room_per_second or limit.per_second,
        per_channel_burst=limit.per_room_burst or limit.burst,
    )
