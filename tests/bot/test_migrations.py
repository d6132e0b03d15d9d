"""The schema exists only as Alembic migrations, and they agree with the ORM models."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import DatabaseSettings, Settings
from bot.storage import migrate
from bot.wiring import StartupError, ensure_schema

TABLES = {"buyers", "conversations", "messages", "inbox", "outbox", "tickets", "ticket_events"}


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def _round_trip(url: str) -> None:
    await migrate.upgrade(url)
    assert await _tables(url) >= TABLES
    await migrate.check(url)  # raises when models and migrations disagree
    await migrate.downgrade(url, "base")
    assert not (TABLES & await _tables(url))
    await migrate.upgrade(url)
    await migrate.check(url)
    engine = create_async_engine(url)
    try:
        status = await migrate.schema_status(engine)
    finally:
        await engine.dispose()
    assert status.up_to_date
    assert status.current == migrate.head_revision()


async def test_migrations_round_trip_on_sqlite(sqlite_url: str) -> None:
    """upgrade → check → downgrade → upgrade works on the embedded default."""
    await _round_trip(sqlite_url)


async def test_migrations_round_trip_on_postgresql(postgres_url: str) -> None:
    """The same migrations work on PostgreSQL and match the models there too."""
    await _round_trip(postgres_url)


async def test_startup_upgrades_embedded_sqlite(sqlite_url: str) -> None:
    """A new SQLite file is brought to the newest schema at start-up."""
    settings = Settings(database=DatabaseSettings(url=sqlite_url))
    engine = create_async_engine(sqlite_url)
    try:
        await ensure_schema(engine, settings)
        assert (await migrate.schema_status(engine)).up_to_date
    finally:
        await engine.dispose()


async def test_startup_refuses_outdated_shared_database(postgres_url: str) -> None:
    """On PostgreSQL start-up does not migrate behind the operator's back: it stops and says how."""
    settings = Settings(database=DatabaseSettings(url=postgres_url))
    engine = create_async_engine(postgres_url)
    try:
        with pytest.raises(StartupError, match="borderdesk db upgrade"):
            await ensure_schema(engine, settings)
    finally:
        await engine.dispose()
