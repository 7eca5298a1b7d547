"""What `porch check` warns about in a community's moderation setup."""

from __future__ import annotations

from bot.features.moderation.checks import queue_warning, warnings
from bot.testing import builders
from tests.unit.features.moderation.kit import playbook


def test_a_community_with_a_moderators_channel_gets_no_warning() -> None:
    assert queue_warning(builders.community(), "memory") is None


def test_without_a_moderators_channel_the_warning_names_who_gets_the_queue_by_dm() -> None:
    community = builders.community(moderators_channel=None, moderators=("mo", "memory:mia"))
    warning = queue_warning(community, "memory")
    assert warning is not None
    assert "no moderators channel on memory" in warning
    assert "by DM to its moderators (mo, mia)" in warning
    managers_only = builders.community(moderators_channel=None, moderators=("slack:U1",))
    assert "by DM to its managers (dana)" in (queue_warning(managers_only, "memory") or "")


def test_without_anyone_to_tell_the_warning_says_items_are_only_logged() -> None:
    community = builders.community(moderators_channel=None, moderators=(), managers=())
    assert "only written to the moderation log" in (queue_warning(community, "memory") or "")


def test_only_communities_with_a_moderation_playbook_are_warned_about() -> None:
    config = builders.config(
        builders.community(id="ruled", moderators_channel=None, playbooks=("rules",)),
        builders.community(id="free", moderators_channel=None, main="#free", intro="#free-intro"),
    )
    [warning] = warnings(config, {"rules": playbook()})
    assert "'ruled'" in warning
