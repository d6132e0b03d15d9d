"""The inbox: every inbound channel update is stored before it is processed, and processed once.

A channel adapter calls `receive` first (duplicates of a processed update are skipped), `processed`
or `failed` afterwards; `pending` lists what a crash left unprocessed so start-up can replay it.
The same repository records what the channel tells us about a buyer (blocked the bot) and queues
the adapter's own plumbing notices (the flood-control reply) through the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import models
from bot.storage.outbox_rows import pending_values
from escalation.conversation import Reply
from escalation.ports import OutgoingKind
from escalation.sla import Clock

# An update that failed this often is left for an operator rather than replayed at every start.
MAX_REPLAYS = 5


class InboxStatus(StrEnum):
    NEW = "new"  # stored just now: process it
    PENDING = "pending"  # stored before but not processed (crash, or still queued): process it
    DONE = "done"  # already processed: a duplicate delivery, skip it


@dataclass(frozen=True)
class InboxEntry:
    channel: str
    external_id: str
    payload: Mapping[str, Any]
    attempts: int


class SqlInbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def receive(self, channel: str, external_id: str, payload: Mapping[str, Any]) -> InboxStatus:
        """Store an update unless it is already there; say whether it still needs processing."""
        async with self._sessions() as session:
            session.add(
                models.InboxItem(
                    channel=channel,
                    external_id=external_id,
                    payload=dict(payload),
                    received_at=self._clock.now(),
                    attempts=0,
                )
            )
            try:
                await session.commit()
                return InboxStatus.NEW
            except IntegrityError:
                await session.rollback()
            processed_at = await session.scalar(
                select(models.InboxItem.processed_at).where(
                    models.InboxItem.channel == channel, models.InboxItem.external_id == external_id
                )
            )
            return InboxStatus.PENDING if processed_at is None else InboxStatus.DONE

    async def processed(self, channel: str, external_id: str) -> None:
        await self._update(channel, external_id, processed_at=self._clock.now(), last_error=None)

    async def failed(self, channel: str, external_id: str, error: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(models.InboxItem)
                .where(models.InboxItem.channel == channel, models.InboxItem.external_id == external_id)
                .values(attempts=models.InboxItem.attempts + 1, last_error=error[:2000])
            )

    async def pending(self, channel: str, *, max_attempts: int = MAX_REPLAYS) -> Sequence[InboxEntry]:
        """Unprocessed updates in arrival order, except those that keep failing."""
        async with self._sessions() as session:
            rows = (
                await session.scalars(
                    select(models.InboxItem)
                    .where(
                        models.InboxItem.channel == channel,
                        models.InboxItem.processed_at.is_(None),
                        models.InboxItem.attempts < max_attempts,
                    )
                    .order_by(models.InboxItem.id)
                )
            ).all()
            return [InboxEntry(row.channel, row.external_id, row.payload, row.attempts) for row in rows]

    async def set_blocked(self, channel: str, user_id: str, *, blocked: bool) -> None:
        """The buyer blocked (or unblocked) the bot: replies to them cannot be delivered meanwhile."""
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(models.Buyer)
                .where(models.Buyer.channel == channel, models.Buyer.channel_user_id == user_id)
                .values(blocked_at=now if blocked else None, updated_at=now)
            )

    async def is_blocked(self, channel: str, user_id: str) -> bool:
        async with self._sessions() as session:
            blocked_at = await session.scalar(
                select(models.Buyer.blocked_at).where(
                    models.Buyer.channel == channel, models.Buyer.channel_user_id == user_id
                )
            )
            return blocked_at is not None

    async def conversation_language(self, channel: str, chat_id: str) -> str | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(models.Conversation.language).where(
                    models.Conversation.channel == channel, models.Conversation.channel_chat_id == chat_id
                )
            )

    async def enqueue_reply(self, channel: str, chat_id: str, reply: Reply) -> None:
        """A notice from the channel's own plumbing (not a conversation turn), delivered like any reply."""
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            session.add(
                models.OutboxItem(
                    **pending_values(
                        channel=channel,
                        destination=chat_id,
                        payload={"kind": OutgoingKind.REPLY.value, "reply": reply.to_payload()},
                        at=now,
                    )
                )
            )

    async def _update(self, channel: str, external_id: str, **values: Any) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(models.InboxItem)
                .where(models.InboxItem.channel == channel, models.InboxItem.external_id == external_id)
                .values(**values)
            )
