"""The outbox relay: delivers queued messages per channel, retries, and never drops one silently.

Rows are written in the same transaction as the decision that caused them (see `SqlDeskStore`),
so a crash between deciding and sending leaves a pending row that the next run delivers. Delivery is
at-least-once: neither Telegram's sendMessage nor Slack's chat.postMessage takes an idempotency key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import models
from escalation.sla import Clock

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Envelope:
    """An outbox row as a sender sees it."""

    id: int
    channel: str
    destination: str
    payload: Mapping[str, Any]
    ticket_id: int | None
    attempts: int


@dataclass(frozen=True)
class Delivered:
    channel_message_id: str | None = None


@dataclass(frozen=True)
class RetryLater:
    after: timedelta
    reason: str
    # Rate limiting (429, pacing) is not a failure: it delays the row but never exhausts its attempts.
    throttled: bool = False


@dataclass(frozen=True)
class Undeliverable:
    """A permanent failure (buyer blocked the bot, chat gone): recorded, never retried."""

    reason: str


DeliveryResult = Delivered | RetryLater | Undeliverable


class ChannelSender(Protocol):
    async def deliver(self, envelope: Envelope) -> DeliveryResult: ...


MAX_ATTEMPTS = 12
MAX_BACKOFF = timedelta(minutes=10)


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        senders: Mapping[str, ChannelSender],
        clock: Clock,
        *,
        batch_size: int = 50,
        poll_interval: float = 1.0,
        skip_locked: bool = False,
    ) -> None:
        self._sessions = sessions
        self._senders = dict(senders)
        self._clock = clock
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._skip_locked = skip_locked
        self._wake = asyncio.Event()

    def add_senders(self, senders: Mapping[str, ChannelSender]) -> None:
        """Channels wired after the app is built (Slack's desk sender needs the app's observer)."""
        self._senders.update(senders)

    def wake(self) -> None:
        """Called after a commit that queued something, so delivery does not wait for the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Deliver every due item of a channel we can send on; returns how many were attempted."""
        now = self._clock.now()
        async with self._sessions() as session:
            ids = (
                await session.scalars(
                    select(models.OutboxItem.id)
                    .where(
                        models.OutboxItem.status == "pending",
                        models.OutboxItem.next_attempt_at <= now,
                        models.OutboxItem.channel.in_(list(self._senders)),
                    )
                    .order_by(models.OutboxItem.id)
                    .limit(self._batch_size)
                )
            ).all()
        attempted = 0
        for item_id in ids:
            if await self._deliver_one(item_id):
                attempted += 1
        return attempted

    async def _deliver_one(self, item_id: int) -> bool:
        async with self._sessions() as session, session.begin():
            query = select(models.OutboxItem).where(
                models.OutboxItem.id == item_id, models.OutboxItem.status == "pending"
            )
            if self._skip_locked:
                # Several workers on one PostgreSQL: each row goes to exactly one of them.
                query = query.with_for_update(skip_locked=True)
            row = await session.scalar(query)
            if row is None:
                return False
            envelope = Envelope(
                row.id, row.channel, row.destination, row.payload, row.ticket_id, row.attempts
            )
            try:
                result = await self._senders[row.channel].deliver(envelope)
            except Exception as exc:  # an unexpected sender bug must not stop the relay
                logger.exception("outbox item %s: sender failed", row.id)
                result = RetryLater(after=timedelta(seconds=30), reason=f"{type(exc).__name__}: {exc}")
            self._apply(row, result, self._clock.now())
            return True

    @staticmethod
    def _apply(row: models.OutboxItem, result: DeliveryResult, now: datetime) -> None:
        if not (isinstance(result, RetryLater) and result.throttled):
            row.attempts += 1
        match result:
            case Delivered(channel_message_id=message_id):
                row.status = "sent"
                row.sent_at = now
                row.channel_message_id = message_id
                row.last_error = None
            case Undeliverable(reason=reason):
                row.status = "failed"
                row.last_error = reason
                logger.warning("outbox item %s undeliverable: %s", row.id, reason)
            case RetryLater(after=after, reason=reason):
                row.last_error = reason
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = "failed"
                    logger.error("outbox item %s failed after %s attempts: %s", row.id, row.attempts, reason)
                else:
                    backoff = min(MAX_BACKOFF, max(after, timedelta(seconds=2 ** min(row.attempts, 9))))
                    row.next_attempt_at = now + (after if after > timedelta(0) else backoff)

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                logger.exception("outbox relay pass failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_interval)
            self._wake.clear()
