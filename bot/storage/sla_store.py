"""`SlaStore` over SQLAlchemy: clock rows in the desk's session, claimed with row locks on PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import models
from bot.storage.desk_store import SqlDeskStore
from escalation.ports import DeskStore
from escalation.priority import Priority
from escalation.sla_service import SlaClock, SlaStore, TicketActivity


def _clock(row: models.SlaClock) -> SlaClock:
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
        self._held: list[object] = []

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
        query = (
            select(models.SlaClock)
            .where(models.SlaClock.next_due_at <= now)
            .order_by(models.SlaClock.next_due_at, models.SlaClock.id)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        if self._locking:
            # Several workers on one PostgreSQL: each due clock goes to exactly one of them.
            query = query.with_for_update(skip_locked=True)
        rows = list(await self.session.scalars(query))
        self._rows.update((row.ticket_id, row) for row in rows)
        await self._prefetch([row.ticket_id for row in rows])
        return [_clock(row) for row in rows]

    async def _prefetch(self, ticket_ids: list[int]) -> None:
        """Load the batch's tickets, conversations and buyers in three queries instead of per clock.

        Held strongly here, they stay in the session's identity map, so the desk store's
        `session.get` calls while firing need no round trip.
        """
        if not ticket_ids:
            return
        tickets = list(
            await self.session.scalars(select(models.Ticket).where(models.Ticket.id.in_(ticket_ids)))
        )
        conversations = list(
            await self.session.scalars(
                select(models.Conversation).where(
                    models.Conversation.id.in_({t.conversation_id for t in tickets})
                )
            )
        )
        buyers = list(
            await self.session.scalars(
                select(models.Buyer).where(models.Buyer.id.in_({c.buyer_id for c in conversations}))
            )
        )
        self._held = [*tickets, *conversations, *buyers]

    async def earliest_due(self) -> datetime | None:
        return await self.session.scalar(select(func.min(models.SlaClock.next_due_at)))


class SqlSlaStores:
    """The `SlaStoreFor` of the SQL desk store: its clock store shares the desk's session."""

    def __init__(self, *, locking: bool) -> None:
        self._locking = locking

    def __call__(self, desk: DeskStore) -> SqlSlaStore:
        if not isinstance(desk, SqlDeskStore):
            raise TypeError(f"SQL clocks need the SQL desk store, got {type(desk).__name__}")
        return SqlSlaStore(desk.session, locking=self._locking)
