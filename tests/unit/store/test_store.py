"""The store behaves the same on SQLite and PostgreSQL (each test runs on both)."""

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import SQLModel, select

import bot.store.all_models  # noqa: F401
from bot.core.actions import DirectMessage
from bot.core.errors import DatabaseNotMigrated
from bot.core.message import Message
from bot.delivery import inbox, outbox
from bot.store.db import Store
from bot.store.migrate import (
    alembic_config,
    current_revisions,
    ensure_schema,
    head_revisions,
    upgrade,
)
from bot.store.models import AuditEntry

T = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


def _dm(text: str = "hi") -> DirectMessage:
    return DirectMessage(platform="memory", member="alice", message=Message(text=text))


def test_the_migrations_build_exactly_the_schema_of_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
    assert current_revisions(store) == head_revisions(store)


def test_the_heads_read_from_the_migration_files_are_alembics_heads() -> None:
    script = ScriptDirectory.from_config(alembic_config(Store("sqlite://")))
    assert head_revisions() == set(script.get_heads())


def _schema(store: Store) -> dict[str, object]:
    """Tables with their columns, indexes and unique constraints, as the database reports them."""
    found = inspect(store.engine)
    return {
        table: (
            sorted((c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)),
            sorted(
                (i["name"], tuple(i["column_names"]), i["unique"]) for i in found.get_indexes(table)
            ),
            sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(table)),
            found.get_pk_constraint(table)["constrained_columns"],
        )
        for table in sorted(found.get_table_names())
    }


def test_a_database_created_at_first_start_equals_one_built_by_the_migrations(
    database_url: str,
) -> None:
    store = Store(database_url)
    try:
        assert ensure_schema(store) == "created"
        created = _schema(store)
        assert current_revisions(store) == head_revisions()
        upgrade(store)  # `porch db upgrade` finds nothing to do
        assert _schema(store) == created
        SQLModel.metadata.drop_all(store.engine)
        with store.engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
        assert inspect(store.engine).get_table_names() == []
        upgrade(store)
        assert _schema(store) == created
    finally:
        store.dispose()


def test_an_event_key_is_claimed_once(store: Store) -> None:
    with store.transaction() as s:
        assert inbox.claim(s, dedupe_key="Ev1", kind="x", now=T)
        assert not inbox.claim(s, dedupe_key="Ev1", kind="x", now=T)
    with store.transaction() as s:
        assert not inbox.claim(s, dedupe_key="Ev1", kind="x", now=T)


def test_a_rolled_back_claim_lets_the_redelivery_through(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as s:
        inbox.claim(s, dedupe_key="Ev2", kind="x", now=T)
        raise RuntimeError("crash mid-handling")
    with store.transaction() as s:
        assert inbox.claim(s, dedupe_key="Ev2", kind="x", now=T)


def test_an_effect_is_enqueued_once_per_key(store: Store) -> None:
    with store.transaction() as s:
        assert outbox.enqueue(s, key="welcome:alice", action=_dm(), now=T)
        assert not outbox.enqueue(s, key="welcome:alice", action=_dm("again"), now=T)
    with store.transaction() as s:
        items = outbox.due(s, now=T, limit=10)
    assert [i.action["message"]["text"] for i in items] == ["hi"]


def test_a_row_is_claimed_by_one_deliverer_only(store: Store) -> None:
    with store.transaction() as s:
        outbox.enqueue(s, key="k", action=_dm(), now=T)
        (item,) = outbox.due(s, now=T, limit=1)
    assert item.id is not None
    with store.transaction() as s:
        assert outbox.claim(s, item_id=item.id, now=T)
    with store.transaction() as s:
        assert not outbox.claim(s, item_id=item.id, now=T)


def test_a_row_in_flight_past_its_lease_comes_back_marked_maybe_sent(store: Store) -> None:
    with store.transaction() as s:
        outbox.enqueue(s, key="k", action=_dm(), now=T)
        (item,) = outbox.due(s, now=T, limit=1)
        assert item.id is not None
        outbox.claim(s, item_id=item.id, now=T)
    with store.transaction() as s:
        assert outbox.recover_stale(s, now=T + timedelta(seconds=10)) == 0
        assert outbox.recover_stale(s, now=T + outbox.LEASE) == 1
        (again,) = outbox.due(s, now=T + outbox.LEASE, limit=1)
    assert again.maybe_sent


def test_times_come_back_as_aware_utc(store: Store) -> None:
    berlin_summer_change = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    with store.transaction() as s:
        s.add(AuditEntry(at=berlin_summer_change, community="c", actor="a", action="x"))
    with store.transaction() as s:
        entry = s.exec(select(AuditEntry)).one()
    assert entry.at == berlin_summer_change
    assert entry.at.tzinfo is not None


def test_naive_datetimes_are_refused_by_the_store(store: Store) -> None:
    with pytest.raises(Exception, match="naive datetime"), store.transaction() as s:
        s.add(AuditEntry(at=datetime(2026, 1, 1), community="c", actor="a", action="x"))
        s.flush()


def test_a_fresh_database_gets_its_schema_and_an_old_one_is_refused(database_url: str) -> None:
    store = Store(database_url)
    try:
        assert ensure_schema(store) == "created"
        assert ensure_schema(store) == "current"
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM alembic_version")
            conn.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES ('0001')")
        with pytest.raises(DatabaseNotMigrated, match="porch db upgrade"):
            ensure_schema(store)
    finally:
        store.dispose()
