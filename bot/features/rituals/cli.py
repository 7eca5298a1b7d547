"""`porch rituals`: next runs, last runs and missed ones; `porch rituals run ID --now`.

A run by hand is an occurrence like any other: a timer row whose key (the claim) is the ritual
and the current minute, so asking twice in a minute queues it once, and the running Porch (or
the next one to start) claims and runs it exactly once, even with several replicas.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.config.schema import CommunityConfig, PorchConfig
from bot.config.settings import Settings
from bot.core.clock import SystemClock
from bot.core.errors import ConfigError, DatabaseNotMigrated
from bot.features.rituals.playbooks import enabled_rituals
from bot.features.rituals.reach import FEATURE
from bot.features.rituals.schedule import next_occurrence, occurrence_key
from bot.features.rituals.settings import RitualPlaybook
from bot.store.db import Store, insert_ignore
from bot.store.models import TimerRecord
from bot.store.rituals import MISSED, RitualRun

app = typer.Typer(
    help="Rituals: next runs, last runs, missed ones; run one by hand.",
    invoke_without_command=True,
    no_args_is_help=False,
)

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="Configuration file.")]
DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL.")]
MISSED_SHOWN = 10


@app.callback(invoke_without_command=True)
def overview(ctx: typer.Context, config: ConfigOpt = None, db: DbOpt = None) -> None:
    """List every enabled ritual with its next run, its last run and missed occurrences."""
    if ctx.invoked_subcommand is not None:
        return
    porch_config, store = _open(config, db)
    now = SystemClock().now()
    with store.transaction() as session:
        for community, ritual, playbook in _rituals(porch_config, config):
            for line in _describe(session, community, ritual, playbook, now):
                typer.echo(line)


@app.command("run")
def run_now(
    ritual: Annotated[str, typer.Argument(help="The ritual's playbook id.")],
    now: Annotated[bool, typer.Option("--now", help="Run it now (required).")] = False,
    community: Annotated[
        str | None, typer.Option(help="Only this community (default: every one running it).")
    ] = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Queue one occurrence now: claimed like any other, so it runs once."""
    if not now:
        raise _fail("Say --now to run the ritual now: `porch rituals run ID --now`.")
    porch_config, store = _open(config, db)
    at = SystemClock().now().replace(second=0, microsecond=0)
    targets = [
        c
        for c, rid, _ in _rituals(porch_config, config)
        if rid == ritual and community in (None, c.id)
    ]
    if not targets:
        raise _fail(f"No enabled ritual '{ritual}'" + (f" in '{community}'." if community else "."))
    with store.transaction() as session:
        for target in targets:
            for platform in target.channels:
                key = occurrence_key(target.id, platform, ritual, at)
                queued = _queue(session, target, platform, ritual, key, at)
                state = "queued" if queued else "already queued this minute"
                typer.echo(f"{target.id}/{platform} {ritual}: {state} ({key})")
    typer.echo("A running Porch claims and runs it once, within half a minute.")


def _queue(
    session: Session, community: CommunityConfig, platform: str, ritual: str, key: str, at: datetime
) -> bool:
    return insert_ignore(
        session,
        TimerRecord,
        {
            "key": key,
            "feature": FEATURE,
            "community": community.id,
            "platform": platform,
            "member": "",
            "subject": ritual,
            "payload": {
                "kind": "occurrence",
                "ritual": ritual,
                "due": at.isoformat(),
                "manual": "1",
            },
            "due_at": at,
            "status": "pending",
        },
    )


def _describe(
    session: Session,
    community: CommunityConfig,
    ritual: str,
    playbook: RitualPlaybook,
    now: datetime,
) -> Iterator[str]:
    zone = ZoneInfo(community.timezone)

    def local(when: datetime) -> str:
        return f"{when.astimezone(zone):%a %Y-%m-%d %H:%M %Z}"

    title = (
        playbook.title if isinstance(playbook.title, str) else next(iter(playbook.title.values()))
    )
    yield f"{community.id} {ritual} ({playbook.action.do}): {title} [{playbook.schedule}]"
    planned = session.exec(
        select(func.min(TimerRecord.due_at)).where(
            TimerRecord.feature == FEATURE,
            TimerRecord.community == community.id,
            TimerRecord.subject == ritual,
            TimerRecord.status == "pending",
        )
    ).one()
    upcoming = planned or next_occurrence(playbook.schedule, community.timezone, now)
    note = "" if planned else " (planned when Porch starts)"
    yield f"  next: {local(upcoming) if upcoming else 'never'}{note}"
    runs = select(RitualRun).where(RitualRun.community == community.id, RitualRun.ritual == ritual)
    last = session.exec(
        runs.where(RitualRun.status != MISSED).order_by(col(RitualRun.due_at).desc())
    ).first()
    if last is not None:
        reason = f" ({last.reason})" if last.reason else ""
        yield f"  last: {local(last.due_at)} {last.status}{reason}"
    else:
        yield "  last: never"
    missed = session.exec(
        runs.where(RitualRun.status == MISSED)
        .order_by(col(RitualRun.due_at).desc())
        .limit(MISSED_SHOWN)
    ).all()
    for run in missed:
        yield f"  MISSED: {local(run.due_at)} (Porch was down past the misfire window)"


def _rituals(
    config: PorchConfig, path: Path | None
) -> Iterator[tuple[CommunityConfig, str, RitualPlaybook]]:
    from bot.playbooks.registry import playbooks_for

    base = path.parent if path else Path.cwd()
    known = playbooks_for(config, base)
    for community in config.communities:
        found = enabled_rituals(community.playbooks, known, config.playbook_dirs)
        for ritual, playbook in found.items():
            yield community, ritual, playbook


def _open(config: Path | None, db: str | None) -> tuple[PorchConfig, Store]:
    from bot.cli import checked_config
    from bot.store.migrate import ensure_schema

    settings = Settings()
    updates: dict[str, object] = {}
    if config is not None:
        updates["config"] = config
    if db is not None:
        updates["database_url"] = db
    settings = settings.model_copy(update=updates)
    try:
        porch_config = checked_config(settings)
        store = Store(settings.database_url)
        ensure_schema(store)
    except ConfigError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise _fail(f"{len(exc.problems)} problem(s) in the configuration.") from None
    except DatabaseNotMigrated as exc:
        raise _fail(str(exc)) from None
    return porch_config, store


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(2)
