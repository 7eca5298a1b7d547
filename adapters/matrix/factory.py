"""Building the Matrix adapter from settings and configuration (`bot.compose` calls this)."""

from __future__ import annotations

from adapters.matrix.adapter import MatrixAdapter, MatrixLogin
from bot.config.schema import PorchConfig
from bot.config.settings import Settings
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
        command_prefix=matrix.command_prefix,
        device_name=matrix.device_name,
    )
