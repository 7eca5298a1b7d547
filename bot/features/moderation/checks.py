"""What `porch check` should warn about in a community's moderation setup (not errors: Porch
runs, but moderators may miss something).

Without a moderators' channel on a platform, queue items go by DM to the community's
moderators there (else its managers); without those either, they are only written to the
moderation log. `queue_warning` says which, for one community and platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.config.schema import CommunityConfig, PorchConfig
from bot.core.roles import ids_on_platform
from bot.playbooks.schema import ModerationPlaybook


def queue_warning(community: CommunityConfig, platform: str) -> str | None:
    """A warning when `community` has no moderators' channel on `platform`, else None."""
    channels = community.channels.get(platform)  # type: ignore[call-overload]
    if channels is None or channels.moderators:
        return None
    where = f"community '{community.id}' has no moderators channel on {platform}"
    people = ids_on_platform(community.moderators, platform)
    who = "moderators"
    if not people:
        people, who = ids_on_platform(community.managers, platform), "managers"
    if not people:
        return (
            f"{where} and no moderators or managers there: queue items are only written to "
            "the moderation log. Set channels.<platform>.moderators."
        )
    return f"{where}: queue items go by DM to its {who} ({', '.join(people)})"


def warnings(config: PorchConfig, playbooks: Mapping[str, Any]) -> list[str]:
    """`queue_warning` for every community that has a moderation playbook, on each platform."""
    found: list[str] = []
    for community in config.communities:
        if not any(isinstance(playbooks.get(p), ModerationPlaybook) for p in community.playbooks):
            continue
        for platform in community.channels:
            warning = queue_warning(community, platform)
            if warning is not None:
                found.append(warning)
    return found
