"""Onboarding journeys: every new member welcomed by DM, once, in their language."""

from bot.features.onboarding.feature import Onboarding

__all__ = ["Onboarding"]
