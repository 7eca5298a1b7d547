"""Which ritual playbooks a community runs.

They come from `Services.playbooks` (validated by `bot.playbooks` at start-up). Where Porch was
put together without them (the playbook registry not yet wired into every entry point), the
enabled ritual files are read from the playbook folders here, validated with the same model, and
any problem is raised as a `ConfigError` naming file, line and field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from bot.config.yamlsrc import load_file, validate
from bot.core.errors import ConfigError
from bot.features.base import Context
from bot.features.rituals.settings import RitualPlaybook


def ritual_playbooks(ctx: Context) -> dict[str, RitualPlaybook]:
    """The enabled ritual playbooks of the context's community, by id, in configuration order."""
    return enabled_rituals(
        ctx.community.playbooks, ctx.services.playbooks, ctx.services.config.playbook_dirs
    )


def enabled_rituals(
    ids: Sequence[str], known: Mapping[str, Any], extra_dirs: Sequence[str] = ()
) -> dict[str, RitualPlaybook]:
    found: dict[str, RitualPlaybook] = {}
    for playbook_id in ids:
        playbook = known.get(playbook_id)
        if playbook is None and not known:
            playbook = read_ritual(playbook_id, tuple(extra_dirs))
        if isinstance(playbook, RitualPlaybook) and playbook.enabled:
            found[playbook_id] = playbook
    return found


def folders(extra_dirs: Sequence[str]) -> list[Path]:
    from bot.playbooks.registry import SHIPPED

    return [*(Path(d) for d in reversed(extra_dirs)), SHIPPED]


@cache
def read_ritual(playbook_id: str, extra_dirs: tuple[str, ...] = ()) -> RitualPlaybook | None:
    """The ritual playbook `<id>.yaml` from the playbook folders; None if it is another kind."""
    for folder in folders(extra_dirs):
        path = folder / f"{playbook_id}.yaml"
        if path.is_file():
            source = load_file(path)
            data = source.data
            if not isinstance(data, dict) or data.get("kind") != "ritual":
                return None
            model = None if source.problems else validate(RitualPlaybook, source)
            if model is None:
                raise ConfigError(source.problems)
            return model
    return None
