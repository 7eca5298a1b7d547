"""`porch modlog`: the moderation log on the command line, as a table or CSV.

    porch modlog --since 30d --format csv [--community ID]

Unlike `/porch modlog` in chat, the CSV holds every detail, reporters included: it is for
whoever operates Porch, not for members.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.core.clock import SystemClock, parse_duration
from bot.core.errors import DatabaseNotMigrated
from bot.features.moderation import modlog as log
from bot.store.db import Store

DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: PORCH_DATABASE_URL or sqlite:///porch.db)."),
]
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="Configuration file.")]


def modlog(
    since: Annotated[str, typer.Option(help="How far back: 30d, 12h, 1w.")] = "30d",
    format: Annotated[str, typer.Option(help="table or csv.")] = "table",
    community: Annotated[
        str | None, typer.Option(help="Only this community (default: all).")
    ] = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Every moderation decision and action since a time: who, what, when, which rule."""
    from bot.cli import _fail, _settings
    from bot.store.migrate import ensure_schema

    if format not in ("table", "csv"):
        raise _fail(f"--format must be table or csv, not {format!r}")
    try:
        window = parse_duration(since)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    store = Store(_settings(config, db).database_url)
    try:
        ensure_schema(store)
    except DatabaseNotMigrated as exc:
        raise _fail(str(exc)) from None
    with store.transaction() as session:
        found = log.entries(session, since=SystemClock().now() - window, community=community)
        text = log.csv_text(found) if format == "csv" else log.table_text(found)
    store.dispose()
    typer.echo(text, nl=False)
