"""Shared fixtures: isolated databases (SQLite always, PostgreSQL when reachable)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest

POSTGRES_ADMIN_URL = os.environ.get("BORDERDESK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _isolated_config(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads the developer's ./config.toml or BORDERDESK_* variables by accident."""
    for name in list(os.environ):
        if name.startswith("BORDERDESK_") and name != "BORDERDESK_TEST_POSTGRES":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture
def sqlite_url(tmp_path: pytest.TempPathFactory) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/borderdesk.db"


async def _postgres_reachable() -> str | None:
    try:
        import asyncpg  # noqa: PLC0415

        connection = await asyncio.wait_for(asyncpg.connect(POSTGRES_ADMIN_URL), timeout=3)
    except (OSError, TimeoutError, ImportError) as exc:
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc}"
    except Exception as exc:  # asyncpg raises its own errors for auth/db problems
        return f"PostgreSQL at {POSTGRES_ADMIN_URL} refused the connection: {exc}"
    await connection.close()
    return None


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards; skips when none is reachable."""
    reason = await _postgres_reachable()
    if reason is not None:
        pytest.skip(reason)
    import asyncpg  # noqa: PLC0415

    name = f"borderdesk_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
