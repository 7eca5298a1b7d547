"""Which playbooks exist, and which communities run them.

The shipped playbooks live in the top-level `playbooks/` folder (`PORCH_PLAYBOOKS` overrides it,
as the Docker image does); the configuration may name more folders. A playbook's id is its file
name without `.yaml`; a file in a configured folder with the id of a shipped playbook replaces it
(that is how a community adapts `interest.yaml` without forking Porch).

Every playbook found is validated, enabled or not: a reviewed file that is broken is reported
now, not the day someone enables it. Then each community's choice is checked against the
playbooks: what an onboarding needs (house rules, interest channels, buddies, someone to notify)
must be there for that community.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.config.schema import CommunityConfig, PorchConfig
from bot.config.yamlsrc import PathKey, Source, render_path
from bot.core.errors import ConfigError, Problem
from bot.playbooks.loader import LoadedPlaybook, PlaybookModel, load_playbook
from bot.playbooks.program import walk
from bot.playbooks.schema import (
    AcceptRulesStep,
    AssignBuddyStep,
    ModerationPlaybook,
    NotifyStep,
    OnboardingPlaybook,
    channel_on,
)

SHIPPED = Path(os.environ.get("PORCH_PLAYBOOKS", Path(__file__).resolve().parents[2] / "playbooks"))


def playbook_dirs(config: PorchConfig, base: Path) -> list[Path]:
    return [SHIPPED, *((base / d) for d in config.playbook_dirs)]


def playbook_files(config: PorchConfig, base: Path) -> tuple[list[Path], list[Problem]]:
    """The playbook files by id, later folders replacing shipped ones of the same id."""
    by_id: dict[str, Path] = {}
    problems: list[Problem] = []
    for i, directory in enumerate(playbook_dirs(config, base)):
        if not directory.is_dir():
            if directory != SHIPPED:
                problems.append(
                    Problem(
                        "configuration",
                        None,
                        f"playbook_dirs[{i - 1}]",
                        f"the folder {directory} does not exist",
                    )
                )
            continue
        for path in sorted(p for p in directory.glob("*.yaml") if p.is_file()):
            earlier = by_id.get(path.stem)
            if earlier is not None and earlier.parent != SHIPPED:
                problems.append(
                    Problem(
                        str(path),
                        None,
                        "",
                        f"the playbook id '{path.stem}' is also {earlier}; ids must be unique",
                    )
                )
                continue
            by_id[path.stem] = path
    return list(by_id.values()), problems


def load_playbooks(
    config: PorchConfig, base: Path, *, source: Source | None = None
) -> tuple[dict[str, LoadedPlaybook], list[Problem]]:
    """Every playbook, validated, and every community's use of them checked.

    `source` is the parsed configuration, for the line numbers of community problems.
    """
    files, problems = playbook_files(config, base)
    loaded: dict[str, LoadedPlaybook] = {}
    for path in files:
        playbook, found = _load_once(path)
        problems += found
        if playbook is not None:
            loaded[playbook.id] = playbook
    known = {p.stem for p in files}
    where = _ConfigPlaces(source)
    for i, community in enumerate(config.communities):
        problems += _check_community(i, community, loaded, known, where)
    problems += _check_overrides(config, loaded)
    return loaded, problems


def _load_once(path: Path) -> tuple[LoadedPlaybook | None, list[Problem]]:
    """Parse and validate a file once per content: `porch run` checks, then runs, the same files."""
    stat = path.stat()
    playbook, found = _load_cached(str(path), stat.st_mtime_ns, stat.st_size)
    return playbook, list(found)


@lru_cache(maxsize=256)
def _load_cached(
    path: str, _mtime_ns: int, _size: int
) -> tuple[LoadedPlaybook | None, tuple[Problem, ...]]:
    playbook, found = load_playbook(Path(path))
    return playbook, tuple(found)


def check_playbooks(config: PorchConfig, base: Path, source: Source | None = None) -> list[Problem]:
    """Everything `porch check` says about playbooks."""
    return load_playbooks(config, base, source=source)[1]


def check_playbooks_of_invalid_config(data: Any, base: Path, source: Source) -> list[Problem]:
    """What `porch check` still says about playbooks when the configuration itself did not
    validate (all errors at once): broken playbook files, and communities naming a playbook
    that does not exist, read from the raw document."""
    raw = data if isinstance(data, dict) else {}
    dirs = raw.get("playbook_dirs")
    dirs = tuple(d for d in dirs if isinstance(d, str)) if isinstance(dirs, list) else ()
    stand_in = PorchConfig.model_construct(communities=(), playbook_dirs=dirs)
    files, problems = playbook_files(stand_in, base)
    for file in files:
        problems += _load_once(file)[1]
    known = {p.stem for p in files}
    where = _ConfigPlaces(source)
    communities = raw.get("communities")
    for i, community in enumerate(communities if isinstance(communities, list) else []):
        ids = community.get("playbooks") if isinstance(community, dict) else None
        for j, playbook_id in enumerate(ids if isinstance(ids, list) else []):
            if isinstance(playbook_id, str) and playbook_id not in known:
                place: PathKey = ("communities", i, "playbooks", j)
                problems.append(_unknown(playbook_id, known, place, where))
    return problems


def _unknown(playbook_id: str, known: set[str], path: PathKey, where: _ConfigPlaces) -> Problem:
    hint = get_close_matches(playbook_id, sorted(known), n=1)
    suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
    return where.problem(path, f"no playbook '{playbook_id}'{suggestion}")


def playbooks_for(config: PorchConfig, base: Path) -> Mapping[str, PlaybookModel]:
    """The validated playbooks by id, for `Services.playbooks`; raises ConfigError if any fails."""
    loaded, problems = load_playbooks(config, base)
    if problems:
        raise ConfigError(problems)
    return {pid: p.model for pid, p in loaded.items()}


class _ConfigPlaces:
    """Where in the configuration file a community's setting is (if we have the file)."""

    def __init__(self, source: Source | None) -> None:
        self.source = source

    def problem(self, path: PathKey, message: str) -> Problem:
        if self.source is None:
            return Problem("configuration", None, render_path(path), message)
        return Problem(self.source.file, self.source.line_of(path), render_path(path), message)


def _check_community(
    index: int,
    community: CommunityConfig,
    loaded: dict[str, LoadedPlaybook],
    known: set[str],
    where: _ConfigPlaces,
) -> list[Problem]:
    problems: list[Problem] = []
    onboarding: list[tuple[int, LoadedPlaybook]] = []
    house_rules: list[tuple[int, LoadedPlaybook]] = []
    for j, playbook_id in enumerate(community.playbooks):
        path: PathKey = ("communities", index, "playbooks", j)
        if playbook_id not in known:
            problems.append(_unknown(playbook_id, known, path, where))
            continue
        playbook = loaded.get(playbook_id)
        if playbook is None:
            continue
        if isinstance(playbook.model, OnboardingPlaybook):
            onboarding.append((j, playbook))
        elif isinstance(playbook.model, ModerationPlaybook):
            house_rules.append((j, playbook))
    problems += _at_most_one(index, community, onboarding, house_rules, where)
    for _, playbook in onboarding:
        problems += _onboarding_needs(community, playbook, bool(house_rules))
    return problems


def _at_most_one(
    index: int,
    community: CommunityConfig,
    onboarding: list[tuple[int, LoadedPlaybook]],
    house_rules: list[tuple[int, LoadedPlaybook]],
    where: _ConfigPlaces,
) -> list[Problem]:
    problems: list[Problem] = []
    on_join = [
        (j, p) for j, p in onboarding if isinstance(p.model, OnboardingPlaybook) and p.model.on_join
    ]
    if len(on_join) > 1:
        names = ", ".join(p.id for _, p in on_join)
        problems.append(
            where.problem(
                ("communities", index, "playbooks", on_join[1][0]),
                f"{community.id} would greet every newcomer twice: {names} all start on join; "
                "keep one, or set on_join: false in the others",
            )
        )
    if len(house_rules) > 1:
        names = ", ".join(p.id for _, p in house_rules)
        problems.append(
            where.problem(
                ("communities", index, "playbooks", house_rules[1][0]),
                f"{community.id} has two sets of house rules ({names}); enable one",
            )
        )
    return problems


def _onboarding_needs(
    community: CommunityConfig, playbook: LoadedPlaybook, has_rules: bool
) -> list[Problem]:
    """What the steps of `playbook` need from this community."""
    model = playbook.model
    assert isinstance(model, OnboardingPlaybook)
    source = playbook.source
    problems: list[Problem] = []

    def add(path: PathKey, message: str) -> None:
        problems.append(Problem(source.file, source.line_of(path), render_path(path), message))

    for path, step in walk(model.steps):
        if isinstance(step, AcceptRulesStep) and not has_rules:
            add(
                (*path, "do"),
                f"community '{community.id}' runs this playbook but enables no house rules: "
                "add a moderation playbook with house_rules (such as house-rules) to its playbooks",
            )
        if isinstance(step, AssignBuddyStep) and not _buddy_pool(model, community):
            add(
                (*path, "do"),
                f"community '{community.id}' has no buddies: list them under buddies "
                f"(or communities.{community.id}.buddies), or set buddies_from",
            )
        if isinstance(step, NotifyStep):
            problem = _nobody_to_notify(step, community)
            if problem:
                add((*path, "who"), problem)
    problems += _interest_channels(community, playbook)
    return problems


def _buddy_pool(model: OnboardingPlaybook, community: CommunityConfig) -> list[str]:
    pool = list(model.buddies_for(community.id))
    if model.buddies_from == "moderators":
        pool += community.moderators
    elif model.buddies_from == "managers":
        pool += community.managers
    return pool


def _nobody_to_notify(step: NotifyStep, community: CommunityConfig) -> str:
    if step.who == "moderators":
        has_channel = any(c.moderators for c in community.channels.values())
        if not has_channel and not community.moderators:
            return f"community '{community.id}' has neither a moderators channel nor moderators"
    elif not community.managers:
        return f"community '{community.id}' lists no managers to notify"
    return ""


def _interest_channels(community: CommunityConfig, playbook: LoadedPlaybook) -> list[Problem]:
    """Every interest must name a channel of the community on each of its platforms."""
    model = playbook.model
    assert isinstance(model, OnboardingPlaybook)
    overridden = community.id in model.communities and (
        model.communities[community.id].interests is not None
    )
    base: PathKey = ("communities", community.id, "interests") if overridden else ("interests",)
    problems = []
    for i, interest in enumerate(model.interests_for(community.id)):
        for platform, channels in community.channels.items():
            channel = channel_on(interest.channel, platform)
            if channel in channels.all():
                continue
            path = (*base, i, "channel")
            what = f"'{channel}' is not" if channel else "no channel is given for"
            problems.append(
                Problem(
                    playbook.source.file,
                    playbook.source.line_of(path),
                    render_path(path),
                    f"{what} one of community '{community.id}''s channels on {platform}; "
                    f"add it to channels.{platform}.others, or set the community's own interests "
                    f"under communities.{community.id}.interests",
                )
            )
    return problems


def _check_overrides(config: PorchConfig, loaded: dict[str, LoadedPlaybook]) -> list[Problem]:
    ids = [c.id for c in config.communities]
    problems = []
    for playbook in loaded.values():
        model: Any = playbook.model
        for community in getattr(model, "communities", {}):
            if community in ids:
                continue
            path: PathKey = ("communities", community)
            hint = get_close_matches(community, ids, n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            problems.append(
                Problem(
                    playbook.source.file,
                    playbook.source.line_of(path),
                    render_path(path),
                    f"no community '{community}' in the configuration{suggestion}",
                )
            )
    return problems
