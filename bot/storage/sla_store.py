"""`SlaStore` over SQLAlchemy: clock rows in the desk's session, claimed with row locks on PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

import aiosqlite
from sqlalchemy import Row, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.storage import models
from bot.storage.desk_store import SqlDeskStore, ticket_view
from bot.storage.outbox_rows import outgoing_values
from escalation.ports import DeskStore, Outgoing, TicketChange
from escalation.priority import Priority
from escalation.sla_service import SlaClock, SlaStore, TicketActivity
from escalation.tickets import TicketView

_CLOCKS = models.Base.metadata.tables[models.SlaClock.__tablename__]
_TICKETS = models.Base.metadata.tables[models.Ticket.__tablename__]

# One executemany per batch; bind names differ from column names (SQLAlchemy reserves those).
_SAVE_CLOCK = (
    update(_CLOCKS)
    .where(_CLOCKS.c.ticket_id == bindparam("b_ticket_id"))
    .values(
        state=bindparam("b_state"),
        priority=bindparam("b_priority"),
        vip=bindparam("b_vip"),
        next_due_at=bindparam("b_next_due_at"),
        updated_at=bindparam("b_updated_at"),
    )
)
_TOUCH_TICKET = (
    update(_TICKETS).where(_TICKETS.c.id == bindparam("b_id")).values(updated_at=bindparam("b_updated_at"))
)


def _clock(row: models.SlaClock | Row[Any]) -> SlaClock:
    return SlaClock.from_json(
        row.ticket_id, row.state, priority=Priority(row.priority), vip=row.vip, next_due_at=row.next_due_at
    )


class SqlSlaStore(SlaStore):
    """Shares the desk's session, so clock changes commit with the ticket change that caused them.

    `locking` (PostgreSQL): `load` takes the row lock, so a change waits for a firing in progress
    and then sees its result; `claim_due` skips rows another worker holds.
    """

    def __init__(self, session: AsyncSession, *, locking: bool) -> None:
        self.session = session
        self._locking = locking
        # Rows this unit of work loaded: a save needs no second query (the identity map holds them weakly).
        self._rows: dict[int, models.SlaClock] = {}

    async def load(self, ticket_id: int) -> SlaClock | None:
        row = await self._row(ticket_id)
        return None if row is None else _clock(row)

    async def _row(self, ticket_id: int) -> models.SlaClock | None:
        query = select(models.SlaClock).where(models.SlaClock.ticket_id == ticket_id)
        if self._locking:
            query = query.with_for_update()
        # populate_existing: a row claimed earlier in this session may have changed since.
        row: models.SlaClock | None = await self.session.scalar(
            query.execution_options(populate_existing=True)
        )
        if row is not None:
            self._rows[ticket_id] = row
        return row

    async def save(self, clock: SlaClock, *, at: datetime) -> None:
        row = self._rows.get(clock.ticket_id)
        if row is None:
            row = await self.session.scalar(
                select(models.SlaClock).where(models.SlaClock.ticket_id == clock.ticket_id)
            )
        if row is None:
            row = models.SlaClock(ticket_id=clock.ticket_id)
            self.session.add(row)
        self._rows[clock.ticket_id] = row
        row.state = clock.to_json()
        row.priority = clock.priority.value
        row.vip = clock.vip
        row.next_due_at = clock.next_due_at
        row.updated_at = at

    async def activity(self, ticket_id: int) -> TicketActivity:
        rows = (
            await self.session.execute(
                select(models.Message.author, func.max(models.Message.id))
                .where(
                    models.Message.ticket_id == ticket_id,
                    models.Message.author.in_(("buyer", "agent")),
                )
                .group_by(models.Message.author)
            )
        ).tuples()
        latest = {author: last or 0 for author, last in rows}
        return TicketActivity(
            last_buyer_message=latest.get("buyer", 0), last_agent_message=latest.get("agent", 0)
        )

    async def claim_due(self, now: datetime, *, limit: int) -> list[SlaClock]:
        connection = await self.session.connection()
        if connection.dialect.name == "sqlite":
            await _take_sqlite_write_lock(connection)
        # Plain rows, not ORM objects: the batch is written back in bulk (`save_all`).
        query = (
            select(
                _CLOCKS.c.ticket_id, _CLOCKS.c.state, _CLOCKS.c.priority, _CLOCKS.c.vip, _CLOCKS.c.next_due_at
            )
            .where(_CLOCKS.c.next_due_at <= now)
            .order_by(_CLOCKS.c.next_due_at, _CLOCKS.c.id)
            .limit(limit)
        )
        if self._locking:
            # Several workers on one PostgreSQL: each due clock goes to exactly one of them.
            query = query.with_for_update(skip_locked=True)
        return [_clock(row) for row in await self.session.execute(query)]

    async def tickets(self, ticket_ids: Collection[int]) -> Mapping[int, TicketView]:
        if not ticket_ids:
            return {}
        rows = await self.session.scalars(
            select(models.Ticket)
            .where(models.Ticket.id.in_(ticket_ids))
            .execution_options(populate_existing=True)
        )
        return {row.id: ticket_view(row) for row in rows}

    async def save_all(self, clocks: Sequence[SlaClock], *, at: datetime) -> None:
        if not clocks:
            return
        await self.session.execute(
            _SAVE_CLOCK,
            [
                {
                    "b_ticket_id": clock.ticket_id,
                    "b_state": clock.to_json(),
                    "b_priority": clock.priority.value,
                    "b_vip": clock.vip,
                    "b_next_due_at": clock.next_due_at,
                    "b_updated_at": at,
                }
                for clock in clocks
            ],
        )

    async def record_events(self, events: Sequence[tuple[int, TicketChange]]) -> None:
        if not events:
            return
        for _, change in events:
            if change.state or change.priority or change.claimed_by or change.clear_claim:
                raise ValueError("record_events takes event-only changes; use DeskStore.change_ticket")
        await self.session.execute(
            insert(models.TicketEvent),
            [
                {
                    "ticket_id": ticket_id,
                    "kind": change.event.value,
                    "actor": change.actor,
                    "data": dict(change.data),
                    "at": change.at,
                }
                for ticket_id, change in events
            ],
        )
        # Tickets `tickets()` loaded keep their old `updated_at` in memory; nothing on this path
        # reads it, and a later `change_ticket` sets it again.
        await self.session.execute(
            _TOUCH_TICKET, [{"b_id": ticket_id, "b_updated_at": change.at} for ticket_id, change in events]
        )

    async def enqueue_all(self, items: Sequence[Outgoing], *, at: datetime) -> None:
        if not items:
            return
        # The same rows as `SqlDeskStore.enqueue`, in one statement.
        await self.session.execute(
            insert(models.OutboxItem), [outgoing_values(item, at=at) for item in items]
        )

    async def earliest_due(self) -> datetime | None:
        return await self.session.scalar(select(func.min(models.SlaClock.next_due_at)))


async def _take_sqlite_write_lock(connection: AsyncConnection) -> None:
    """Start the firing transaction as SQLite's one writer, asking often instead of queueing behind others.

    SQLite has no queue for its write lock: a waiter in its busy handler re-checks ever more
    rarely (every 100 ms after a while), so under steady desk traffic a firing could wait
    seconds while fresh transactions keep slipping in. Here the lock is requested without the
    busy handler and retried from the event loop every few milliseconds, up to the connection's
    own busy timeout. Taking it before the claim also serialises the claim itself: two processes
    on one SQLite file cannot both take the same due clocks.

    The statements go straight to aiosqlite, whose worker thread frees a failed statement's
    cursor. Through SQLAlchemy a failure leaves the cursor in a reference cycle, and the cycle
    collector would later free it on the event loop's thread, which then blocks on the mutex of
    whatever busy connection the pool has since handed it to (the whole loop stalls).
    """
    raw = (await connection.get_raw_connection()).driver_connection
    if not isinstance(raw, aiosqlite.Connection) or raw.in_transaction:
        return  # not aiosqlite, or the unit of work already writes: the busy handler applies
    (patience_ms,) = next(iter(await raw.execute_fetchall("PRAGMA busy_timeout")))
    await raw.execute_fetchall("PRAGMA busy_timeout = 0")
    try:
        give_up = time.monotonic() + patience_ms / 1000
        pause = 0.0005
        while True:
            try:
                await raw.execute_fetchall("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                busy = error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
                error.__traceback__ = None  # no frames kept alive by the retry loop
                if not busy or time.monotonic() >= give_up:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.004)
    finally:
        await raw.execute_fetchall(f"PRAGMA busy_timeout = {patience_ms}")


class SqlSlaStores:
    """The `SlaStoreFor` of the SQL desk store: its clock store shares the desk's session."""

    def __init__(self, *, locking: bool) -> None:
        self._locking = locking

    def __call__(self, desk: DeskStore) -> SqlSlaStore:
        if not isinstance(desk, SqlDeskStore):
            raise TypeError(f"SQL clocks need the SQL desk store, got {type(desk).__name__}")
        return SqlSlaStore(desk.session, locking=self._locking)
