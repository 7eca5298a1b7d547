"""The home page: each member's own page of Porch (Slack's App Home)."""

from bot.features.home.feature import Home

__all__ = ["Home"]
