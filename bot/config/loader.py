"""Loading the configuration, and the community directory built from it.

With no configuration at all, Porch runs the demo community (`demo.yaml` beside this file), so the
quick start shows something real.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.config.schema import CommunityConfig, PorchConfig
from bot.config.yamlsrc import PathKey, Source, load_file, validate
from bot.core.errors import Problem

DEMO_CONFIG = Path(__file__).parent / "demo.yaml"


def load_config(path: Path | None) -> tuple[PorchConfig | None, Source]:
    """Parse and validate; every problem found is in the returned source's `problems`."""
    source = load_file(path or DEMO_CONFIG)
    if not source.problems and source.data is None:
        source.problems.append(
            Problem(
                source.file,
                None,
                "",
                "is empty; a configuration needs at least 'communities:' "
                "(config/porch.example.yaml shows every field)",
            )
        )
    if source.problems:
        return None, source
    config = validate(PorchConfig, source)
    if config is not None:
        source.problems.extend(_cross_checks(config, source))
    return config, source


def _cross_checks(config: PorchConfig, source: Source) -> list[Problem]:
    """What a schema cannot see: duplicate ids, and a channel claimed by two communities."""
    problems: list[Problem] = []
    seen_ids: set[str] = set()
    owner: dict[tuple[str, str], str] = {}
    for i, community in enumerate(config.communities):
        if community.id in seen_ids:
            path: PathKey = ("communities", i, "id")
            problems.append(
                Problem(
                    source.file,
                    source.line_of(path),
                    f"communities[{i}].id",
                    f"the id '{community.id}' is used by two communities; ids must be unique",
                )
            )
        seen_ids.add(community.id)
        for platform, channels in community.channels.items():
            for channel in channels.all():
                other = owner.setdefault((platform, channel), community.id)
                if other != community.id:
                    path = ("communities", i, "channels", platform)
                    problems.append(
                        Problem(
                            source.file,
                            source.line_of(path),
                            f"communities[{i}].channels.{platform}",
                            f"{channel} already belongs to community '{other}'; a channel belongs to one community",
                        )
                    )
    return problems


@dataclass(frozen=True)
class Directory:
    """Answers "which community is this channel in?" in O(1)."""

    config: PorchConfig

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], CommunityConfig] = {}
        for community in self.config.communities:
            for platform, channels in community.channels.items():
                for channel in channels.all():
                    index[(platform, channel)] = community
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_by_id", {c.id: c for c in self.config.communities})

    def community_of(self, platform: str, channel: str) -> CommunityConfig | None:
        index: dict[tuple[str, str], CommunityConfig] = self._index  # type: ignore[attr-defined]
        return index.get((platform, channel))

    def community(self, community_id: str) -> CommunityConfig | None:
        by_id: dict[str, CommunityConfig] = self._by_id  # type: ignore[attr-defined]
        return by_id.get(community_id)

    def on_platform(self, platform: str) -> list[CommunityConfig]:
        """The communities that have channels on `platform`, in configuration order."""
        return [c for c in self.config.communities if platform in c.channels]

    def platforms(self) -> set[str]:
        return {p for c in self.config.communities for p in c.channels}
