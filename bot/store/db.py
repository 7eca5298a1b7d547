"""Engines, transactions and the few SQL idioms every store function shares.

SQLite runs in WAL mode with `synchronous=NORMAL` (durable across process crashes, and fast);
PostgreSQL is used through psycopg 3. Sessions are short and synchronous: a handler's whole
transaction is a few small statements, far cheaper than a network round trip to a platform.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, bindparam, event, text
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine


def normalize_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` as psycopg 3 URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    """`hide_parameters`: a database error must never put member ids or message text in a log."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=StaticPool if memory else None,
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Store:
    """The database: hands out transactions. Construction connects nothing."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self.engine = make_engine(url)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back if it raises."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def create_all(self) -> None:
        """Create tables straight from the models (tests that do not test migrations)."""
        import bot.store.all_models  # noqa: F401  (registers every table)

        SQLModel.metadata.create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def insert_ignore(session: Session, model: type[SQLModel], values: dict[str, Any]) -> bool:
    """INSERT unless the unique key exists; True if a row was inserted.

    `ON CONFLICT DO NOTHING` keeps the surrounding transaction usable on PostgreSQL, where a
    failed INSERT would abort it. RETURNING, not rowcount: psycopg reports -1 for ON CONFLICT
    inserts. Columns left out get their (scalar) column defaults. Runs on the hot path
    (`execute_hot`): every inbound event claims its Inbox key through here.
    """
    table = model.__table__  # type: ignore[attr-defined]
    row = {**_scalar_defaults(table), **values}
    statement = _insert_ignore_statement(table, tuple(sorted(row)), session.get_bind().dialect)
    return bool(execute_hot(session, statement, row))


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    names: tuple[str, ...]
    positional: bool
    processors: dict[str, Callable[[Any], Any]]


def execute_hot(session: Session, statement: Any, params: dict[str, Any]) -> list[Any]:
    """Run a prebuilt statement straight on the session's DB-API cursor; return its rows.

    For the few statements every event runs (the Inbox claim, the engagement counters): going
    through `Session.execute` cost about 55 µs per statement on top of the database's own work,
    more than the work. The statement is compiled once per dialect by SQLAlchemy, whose bind
    processors still convert the values (aware datetimes to UTC, JSON), and it runs inside the
    session's transaction. Pending ORM changes are flushed first, as `Session.execute` would.
    """
    session.flush()
    connection = session.connection()
    plan = _plan(statement, connection.dialect)
    processors = plan.processors
    if plan.positional:
        args: Any = tuple(
            processors[n](params[n]) if n in processors else params[n] for n in plan.names
        )
    else:
        args = {n: processors[n](params[n]) if n in processors else params[n] for n in plan.names}
    cursor = connection.connection.cursor()
    try:
        cursor.execute(plan.sql, args)
        return list(cursor.fetchall()) if cursor.description is not None else []
    finally:
        cursor.close()


_plans: dict[tuple[int, str], _Plan] = {}
_MAX_PLANS = 2048


def _plan(statement: Any, dialect: Dialect) -> _Plan:
    key = (id(statement), dialect.name)
    plan = _plans.get(key)
    if plan is None:
        if len(_plans) >= _MAX_PLANS:  # statements are cached and few; never let this grow
            _plans.clear()
            _keep_alive.clear()
        compiled = statement.compile(dialect=dialect)
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("execute_hot runs plain statements only (no IN lists or literals)")
        positional = bool(compiled.positional)
        names = tuple(compiled.positiontup if positional else compiled.binds)
        processors = {n: p for n, p in (compiled._bind_processors or {}).items() if p is not None}
        plan = _plans[key] = _Plan(compiled.string, names, positional, processors)
        _keep_alive.append(statement)
    return plan


_keep_alive: list[Any] = []
"""Statements with a plan stay referenced, so an `id()` is never reused for another one."""


@lru_cache(maxsize=512)
def _insert_ignore_statement(table: Table, columns: tuple[str, ...], dialect: Dialect) -> Any:
    """The statement for one table and set of columns, built once.

    SQLAlchemy does not cache its dialect `on_conflict_do_nothing()` inserts, and compiling one
    took longer than running it (several milliseconds on every join, vote and prompt); a text
    statement with typed parameters is compiled once and keeps the column types' conversions.
    """
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    params = ", ".join(f":{c}" for c in columns)
    sql = (
        f"INSERT INTO {quote(table.name)} ({names}) VALUES ({params}) "
        f"ON CONFLICT DO NOTHING RETURNING {quote('id')}"
    )
    return text(sql).bindparams(*(bindparam(c, type_=table.c[c].type) for c in columns))


@lru_cache(maxsize=128)
def _scalar_defaults(table: Table) -> dict[str, Any]:
    return {
        c.name: c.default.arg  # type: ignore[attr-defined]
        for c in table.columns
        if c.default is not None and c.default.is_scalar
    }


def affected(result: Any) -> int:
    """Rows an INSERT, UPDATE or DELETE touched (SQLAlchemy types `execute` too loosely)."""
    return int(result.rowcount)
