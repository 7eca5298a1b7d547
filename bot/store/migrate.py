"""Schema migrations, driven from Porch rather than an `alembic.ini`.

`porch run` creates the schema of a brand-new database by itself, but refuses to touch an
existing one that is behind: it says so and names `porch db upgrade` (back up first).
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, String, Table, inspect, select
from sqlmodel import SQLModel

from bot.core.errors import DatabaseNotMigrated
from bot.store.db import Store

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\b[^=]*=\s*(.+)$", re.MULTILINE)

_VERSION_TABLE = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), primary_key=True, nullable=False),
)
"""Alembic's own bookkeeping table, as Alembic creates it."""


def alembic_config(store: Store) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", store.url.replace("%", "%%"))
    return cfg


def head_revisions(store: Store | None = None) -> set[str]:
    """Every head: each feature's tables are an Alembic branch of their own off the foundation,
    so features developed side by side never fight over one linear chain of revisions.

    Read from the migration files' `revision` / `down_revision` lines rather than through
    Alembic, whose import alone (Mako, Pygments) took a fifth of `porch run`'s start-up.
    """
    return set(_graph()[1])


def unknown_revisions(current: set[str]) -> set[str]:
    """Revisions in the database that no migration of this Porch names: a newer Porch wrote them."""
    return current - _graph()[0]


@cache
def _graph() -> tuple[frozenset[str], frozenset[str]]:
    """Every revision, and the heads among them."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(
            (m.group(1), ast.literal_eval(m.group(2).strip()))
            for m in _ASSIGNMENT.finditer(path.read_text(encoding="utf-8"))
        )
        revisions.add(found["revision"])
        down = found.get("down_revision")
        parents.update((down,) if isinstance(down, str) else (down or ()))
    return frozenset(revisions), frozenset(revisions - parents)


def current_revisions(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        if not inspect(conn).has_table(_VERSION_TABLE.name):
            return set()
        return set(conn.execute(select(_VERSION_TABLE.c.version_num)).scalars())


def upgrade(store: Store, revision: str = "heads") -> None:
    from alembic import command

    cfg = alembic_config(store)
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def ensure_schema(store: Store) -> str:
    """Make sure the schema is current. A new database is created; an old one is refused.

    A new database gets the models' tables and is stamped with every head, in one transaction:
    Alembic's own recipe for a database built from scratch (a test proves the result equals
    what the migrations build). Returns what happened: `created`, or `current`.
    """
    current = current_revisions(store)
    heads = head_revisions()
    if current == heads:
        return "current"
    if not current and not inspect(store.engine).get_table_names():
        import bot.store.all_models  # noqa: F401  (registers every table)

        with store.engine.begin() as conn:
            SQLModel.metadata.create_all(conn)
            _VERSION_TABLE.create(conn)
            conn.execute(_VERSION_TABLE.insert(), [{"version_num": h} for h in sorted(heads)])
        return "created"
    newer = unknown_revisions(current)
    if newer:
        raise DatabaseNotMigrated(
            f"the database is at schema revision {_show(current)}, and {_show(newer)} is not "
            f"known to this Porch (it needs {_show(heads)}): a newer Porch has upgraded it. "
            "Run that newer Porch, or restore a backup made before the upgrade"
        )
    raise DatabaseNotMigrated(
        f"the database is at schema revision {_show(current)}, this Porch needs {_show(heads)}. "
        "Back it up, then run `porch db upgrade`."
    )


def _show(revisions: set[str]) -> str:
    return ", ".join(sorted(revisions)) or "none (tables without a revision)"
