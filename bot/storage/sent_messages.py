"""Read access to what the outbox already sent, for senders that act on an earlier message (edits)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import models


@dataclass(frozen=True)
class SentMessage:
    """An outbox row as far as a later edit cares: its status and the channel's id for it."""

    status: str  # "pending" | "sent" | "failed"
    channel_message_id: str | None
    last_error: str | None = None


class SentMessages(Protocol):
    async def find(self, outbox_id: int) -> SentMessage | None:
        """The outbox row `outbox_id`, or None when there is no such row."""
        ...


class SqlSentMessages:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def find(self, outbox_id: int) -> SentMessage | None:
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(
                        models.OutboxItem.status,
                        models.OutboxItem.channel_message_id,
                        models.OutboxItem.last_error,
                    ).where(models.OutboxItem.id == outbox_id)
                )
            ).one_or_none()
        if row is None:
            return None
        return SentMessage(
            status=row.status, channel_message_id=row.channel_message_id, last_error=row.last_error
        )
