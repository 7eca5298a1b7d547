"""Imports every table module so `SQLModel.metadata` knows the whole schema (Alembic, tests)."""

import bot.store.ama  # noqa: F401
from bot.store import (  # noqa: F401
    engagement,
    models,
    moderation,
    onboarding,
    rituals,
)
