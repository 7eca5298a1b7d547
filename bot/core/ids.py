"""Typed identifiers.

Every id is a plain string at runtime; the NewTypes keep a member id from being passed where a
channel id is expected. Ids are the platform's own, never rewritten: a Slack user is `U0123`, a
Matrix user `@dana:example.org`, a terminal-chat user `dana`.
"""

from typing import NewType

Platform = NewType("Platform", str)
"""`slack`, `matrix`, `shell` or `memory`."""

CommunityId = NewType("CommunityId", str)
"""The id a community has in the configuration (`excel-explained`)."""

MemberId = NewType("MemberId", str)
"""A platform user id; unique only together with its platform."""

ChannelId = NewType("ChannelId", str)
"""A platform channel or room id (`C0123`, `!room:example.org`, `#general`)."""

MessageId = NewType("MessageId", str)
"""A platform message id (Slack `ts`, Matrix event id, shell `m12`)."""
