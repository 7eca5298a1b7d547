"""Engagement tracking: counts per member, community and day, and the segments built on them."""
