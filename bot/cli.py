"""The `porch` command."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from adapters.slack import cli as slack_cli
from bot.config.loader import load_config
from bot.config.schema import PorchConfig
from bot.config.settings import Settings
from bot.core.errors import CannotStart, ConfigError, DatabaseNotMigrated, Problem
from bot.features.onboarding.cli import onboard, onboarding_app, playbooks_app
from bot.store.db import Store

if TYPE_CHECKING:
    from sqlmodel import Session

app = typer.Typer(
    help="Porch: community management for the team chat you already use.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(slack_cli.app, name="slack")
app.add_typer(__import__("bot.features.rituals.cli", fromlist=["app"]).app, name="rituals")
app.command("modlog")(__import__("bot.features.moderation.cli", fromlist=["modlog"]).modlog)

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Configuration file (default: the demo community)."),
]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: PORCH_DATABASE_URL or sqlite:///porch.db)."),
]


def _settings(config: Path | None, db: str | None) -> Settings:
    settings = Settings()
    updates: dict[str, object] = {}
    if config is not None:
        updates["config"] = config
    if db is not None:
        updates["database_url"] = db
    return settings.model_copy(update=updates)


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def checked_config(settings: Settings) -> PorchConfig:
    """Everything `porch check` validates; raises ConfigError listing every problem."""
    config, source = load_config(settings.config)
    problems: list[Problem] = list(source.problems) + settings.secret_problems()
    base = settings.config.parent if settings.config else Path.cwd()
    if config is not None:
        from bot.playbooks.registry import check_playbooks

        problems += check_playbooks(config, base=base, source=source)
    elif source.data is not None:
        from bot.playbooks.registry import check_playbooks_of_invalid_config

        problems += check_playbooks_of_invalid_config(source.data, base, source)
    if problems or config is None:
        raise ConfigError(problems)
    return config


@app.command()
def check(config: ConfigOpt = None) -> None:
    """Validate the configuration and every playbook; report all errors at once."""
    settings = _settings(config, None)
    try:
        checked = checked_config(settings)
    except ConfigError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise _fail(f"{len(exc.problems)} problem(s) found.") from None
    names = ", ".join(c.id for c in checked.communities)
    typer.echo(f"OK: {len(checked.communities)} communities ({names}).")
    for warning in config_warnings(settings, checked):
        typer.echo(f"warning: {warning}", err=True)


def config_warnings(settings: Settings, config: PorchConfig) -> list[str]:
    """What is allowed but may surprise: Porch runs, and says so at `porch check` and start."""
    from bot.compose import config_base
    from bot.features.moderation.checks import warnings
    from bot.playbooks.registry import playbooks_for

    return warnings(config, playbooks_for(config, config_base(settings)))


@app.command()
def run(
    config: ConfigOpt = None,
    db: DbOpt = None,
    script: Annotated[
        Path | None,
        typer.Option(
            help="Run a terminal-chat script (default: standard input when it is not a terminal)."
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            help="Scripted runs: the fake clock's start, ISO 8601 (UTC unless a zone is given)."
        ),
    ] = None,
    http: Annotated[
        str | None,
        typer.Option(
            help="Serve /healthz, /readyz, /metrics (and platform endpoints) on HOST:PORT."
        ),
    ] = None,
) -> None:
    """Check the configuration, then run Porch (the terminal chat when no platform is configured)."""
    settings = _settings(config, db)
    scripted = script is not None or not sys.stdin.isatty()
    level = (
        "WARNING"
        if scripted and "PORCH_LOG_LEVEL" not in os.environ
        else settings.log_level.upper()
    )
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        checked = checked_config(settings)
    except ConfigError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise _fail(
            f"Porch did not start: {len(exc.problems)} problem(s) in the configuration."
        ) from None
    from bot.compose import run_porch

    try:
        code = asyncio.run(
            run_porch(
                settings,
                checked,
                script=script,
                scripted=scripted,
                start=start,
                http=http,
                database_given=db is not None or "PORCH_DATABASE_URL" in os.environ,
            )
        )
    except (DatabaseNotMigrated, CannotStart) as exc:
        raise _fail(f"Porch did not start: {exc}") from None
    except ConfigError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise _fail("Porch did not start.") from None
    raise typer.Exit(code)


OUTBOX_STATUSES = ("pending", "in_flight", "done", "dead")


@app.command("outbox")
def outbox_cmd(
    db: DbOpt = None,
    status: Annotated[
        str | None, typer.Option(help="pending, in_flight, done or dead (default: all but done).")
    ] = None,
    retry: Annotated[
        list[int] | None, typer.Option(help="Give this dead item another try (repeatable).")
    ] = None,
    retry_dead: Annotated[bool, typer.Option(help="Give every dead item another try.")] = False,
) -> None:
    """List pending and dead effects, and retry dead ones."""
    from bot.compose import open_store
    from bot.core.clock import SystemClock
    from bot.delivery import outbox

    if status is not None and status not in OUTBOX_STATUSES:
        hint = get_close_matches(status, OUTBOX_STATUSES, n=1)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
        raise _fail(
            f"--status {status!r} is not a status{suggestion}; use one of: "
            + ", ".join(OUTBOX_STATUSES)
        )
    store = _open(db, open_store)
    with store.transaction() as session:
        if retry or retry_dead:
            refused = [] if retry_dead else _not_retryable(session, retry or [])
            if refused:
                raise _fail(
                    "\n".join(refused) + "\nNothing was queued again; `porch outbox` lists the "
                    "dead items (only those can be retried)."
                )
            n = outbox.requeue(
                session, item_ids=None if retry_dead else list(retry or []), now=SystemClock().now()
            )
            typer.echo(f"{n} item(s) queued again.")
            return
        counts = outbox.counts(session)
        typer.echo(
            "  ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "The outbox is empty."
        )
        items = outbox.list_items(session, status=status)
        for item in items:
            if status is None and item.status == "done":
                continue
            error = f"  {item.last_error}" if item.last_error else ""
            typer.echo(
                f"#{item.id} {item.status:9} {item.platform:7} tries={item.attempts} {item.key}{error}"
            )


def _not_retryable(session: Session, item_ids: list[int]) -> list[str]:
    """Why each of `item_ids` cannot be retried: it does not exist, or it is not dead."""
    from bot.store.models import OutboxItem

    reasons: list[str] = []
    for item_id in item_ids:
        item = session.get(OutboxItem, item_id)
        if item is None:
            reasons.append(f"There is no outbox item #{item_id}.")
        elif item.status != "dead":
            reasons.append(f"#{item_id} is {item.status}, not dead.")
    return reasons


def _open(db: str | None, opener: Callable[[str], Store]) -> Store:
    """The store for a `porch` subcommand; a database that cannot be used ends it with one line."""
    try:
        return opener(_settings(None, db).database_url)
    except (DatabaseNotMigrated, CannotStart) as exc:
        raise _fail(str(exc)) from None


def _connect(url: str) -> Store:
    """The database at `url` as it is, schema unchecked (for `porch db`)."""
    from bot.compose import database_errors
    from bot.store.migrate import current_revisions

    with database_errors(url):
        store = Store(url)
        current_revisions(store)
    return store


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None) -> None:
    """Migrate the database schema to this Porch's version (back up first)."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store.migrate import current_revisions, head_revisions, unknown_revisions, upgrade

    store = _open(db, _connect)
    current = current_revisions(store)
    before = ", ".join(sorted(current)) or "empty"
    newer = unknown_revisions(current)
    if newer:
        raise _fail(
            f"The database is at revision {before}; {', '.join(sorted(newer))} is not known to "
            "this Porch, so a newer Porch has upgraded it. Run that newer Porch instead; "
            "nothing was changed."
        )
    try:
        upgrade(store)
    except (SQLAlchemyError, CommandError) as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise _fail(
            f"The upgrade from {before} stopped: {detail}. The database's tables do not match "
            "its recorded revision; restore the backup you made before the upgrade, or ask for "
            "help with the output of `porch db current`."
        ) from None
    typer.echo(f"Schema upgraded from {before} to {', '.join(sorted(head_revisions(store)))}.")


@db_app.command("current")
def db_current(db: DbOpt = None) -> None:
    """Show the schema revision of the database and the one this Porch needs."""
    from bot.store.migrate import current_revisions, head_revisions

    store = _open(db, _connect)
    current = ", ".join(sorted(current_revisions(store))) or "empty"
    typer.echo(f"database: {current}; needed: {', '.join(sorted(head_revisions(store)))}")


app.command("onboard")(onboard)
app.add_typer(onboarding_app, name="onboarding")
app.add_typer(playbooks_app, name="playbooks")


def main() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        os.environ.setdefault("PYTHONIOENCODING", "utf-8")
        try:
            app()
        except Exception as exc:
            from bot.compose import database_problem

            problem = database_problem(exc)
            if problem is None:
                raise
            typer.echo(f"porch: {problem}", err=True)
            sys.exit(2)
