"""Schema migrations, driven from Porch rather than an `alembic.ini`.

`porch run` creates the schema of a brand-new database by itself, but refuses to touch an
existing one that is behind: it says so and names `porch db upgrade` (back up first).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.core.errors import DatabaseNotMigrated
from bot.store.db import Store

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(store: Store) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", store.url.replace("%", "%%"))
    return cfg


def head_revisions(store: Store) -> set[str]:
    """Every head: each feature's tables are an Alembic branch of their own off the foundation,
    so features developed side by side never fight over one linear chain of revisions."""
    return set(ScriptDirectory.from_config(alembic_config(store)).get_heads())


def current_revisions(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def upgrade(store: Store, revision: str = "heads") -> None:
    cfg = alembic_config(store)
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def ensure_schema(store: Store) -> str:
    """Make sure the schema is current. A new database is created; an old one is refused.

    Returns what happened: `created`, or `current`.
    """
    current = current_revisions(store)
    heads = head_revisions(store)
    if current == heads:
        return "current"
    if not current and not inspect(store.engine).get_table_names():
        upgrade(store)
        return "created"
    raise DatabaseNotMigrated(
        f"the database is at schema revision {_show(current)}, this Porch needs {_show(heads)}. "
        "Back it up, then run `porch db upgrade`."
    )


def _show(revisions: set[str]) -> str:
    return ", ".join(sorted(revisions)) or "none (tables without a revision)"
