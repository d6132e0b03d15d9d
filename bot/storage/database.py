"""Engine and session factory: SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.config import DatabaseSettings


def database_url(settings: DatabaseSettings) -> str:
    """The URL with `[database] password` filled in, so the password can live in an env variable."""
    url = make_url(settings.url)
    if settings.password is not None:
        url = url.set(password=settings.password.get_secret_value())
    return url.render_as_string(hide_password=False)


def display_url(settings: DatabaseSettings) -> str:
    """The URL as it may appear in logs and messages: never with the password."""
    return make_url(settings.url).render_as_string(hide_password=True)


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    url = database_url(settings)
    kwargs: dict[str, Any] = {"echo": settings.echo}
    if settings.is_sqlite:
        # Tolerate brief write contention instead of failing at once (one writer at a time in SQLite).
        kwargs["connect_args"] = {"timeout": 15}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(url, **kwargs)
    if settings.is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
