"""Outbound pacing: about one message per second per chat and 30 per second overall.

The outbox relay delivers one row at a time, so a sleep here would hold up every other buyer.
Short waits (the overall rate) are slept; a chat's later slot is reserved and the row is handed
back to the relay to retry at that time, so other chats keep flowing and order per chat is kept.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Pace:
    per_chat_interval: float = 1.0
    global_interval: float = 1 / 30
    # Waits up to this long are slept inline rather than rescheduled through the relay.
    inline_wait: float = 0.1


@dataclass(frozen=True)
class Go:
    """Send now."""


@dataclass(frozen=True)
class Later:
    """Come back after `seconds`; the slot is reserved for this item."""

    seconds: float


class Pacer:
    def __init__(
        self,
        pace: Pace = Pace(),
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._pace = pace
        self._monotonic = monotonic
        self._sleep = sleep
        self._chat_free: dict[str, float] = {}
        self._reserved: dict[int, float] = {}
        self._global_free = 0.0

    async def admit(self, chat_id: str, item_id: int) -> Go | Later:
        """Decide when item `item_id` for `chat_id` may be sent; sleeps only for short waits."""
        now = self._monotonic()
        slot = self._reserved.get(item_id)
        if slot is None:
            slot = max(now, self._chat_free.get(chat_id, 0.0))
            self._chat_free[chat_id] = slot + self._pace.per_chat_interval
        if slot - now > self._pace.inline_wait:
            self._reserved[item_id] = slot
            return Later(slot - now)
        self._reserved.pop(item_id, None)
        global_slot = max(now, slot, self._global_free)
        self._global_free = global_slot + self._pace.global_interval
        if global_slot > now:
            await self._sleep(global_slot - now)
        self._forget_idle(now)
        return Go()

    def release(self, chat_id: str, item_id: int) -> None:
        """The item will not be sent now (failure): give its reservation up."""
        self._reserved.pop(item_id, None)

    def _forget_idle(self, now: float) -> None:
        if len(self._chat_free) > 10_000:
            self._chat_free = {chat: free for chat, free in self._chat_free.items() if free > now}
