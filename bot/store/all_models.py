"""Imports every table module so `SQLModel.metadata` knows the whole schema (Alembic, tests)."""

from bot.store import models  # noqa: F401
