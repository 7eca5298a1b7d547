"""Moderation: house rules kept by pure rule functions, with graduated responses."""
