"""Per-buyer flood control: a buyer sending too fast is told, once, that we are catching up.

Nothing is dropped: every message is still stored and answered (replies are paced per chat by the
sender), so the buyer is slowed down, not ignored.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject, Update

from escalation.conversation import Reply, ReplyKey
from handlers.telegram import TELEGRAM_CHANNEL
from handlers.telegram.intake import Handler, Inbox
from knowledge.languages import SUPPORTED_LANGUAGES

FALLBACK_LANGUAGE = "en"


class FloodControl:
    """Sliding window per buyer; `over_limit` is true once per burst, when the limit is first passed."""

    def __init__(
        self, messages: int, seconds: float, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = messages
        self._window = seconds
        self._monotonic = monotonic
        self._seen: dict[str, deque[float]] = {}
        self._warned: set[str] = set()

    def over_limit(self, buyer: str) -> bool:
        now = self._monotonic()
        times = self._seen.setdefault(buyer, deque())
        times.append(now)
        while times and times[0] <= now - self._window:
            times.popleft()
        if len(times) <= self._limit:
            self._warned.discard(buyer)
            return False
        if buyer in self._warned:
            return False
        self._warned.add(buyer)
        return True

    def forget_idle(self) -> None:
        now = self._monotonic()
        for buyer in [b for b, times in self._seen.items() if not times or times[-1] <= now - self._window]:
            del self._seen[buyer]
            self._warned.discard(buyer)


class FloodMiddleware(BaseMiddleware):
    def __init__(self, control: FloodControl, inbox: Inbox, wake: Callable[[], None]) -> None:
        self._control = control
        self._inbox = inbox
        self._wake = wake
        self._seen_updates = 0

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        message = _message_of(event)
        if message is not None and message.from_user is not None:
            buyer = str(message.from_user.id)
            if self._control.over_limit(buyer):
                await self._slow_down(message)
            self._seen_updates += 1
            if self._seen_updates % 1000 == 0:
                self._control.forget_idle()
        return await handler(event, data)

    async def _slow_down(self, message: Message) -> None:
        chat_id = str(message.chat.id)
        language = await self._inbox.conversation_language(TELEGRAM_CHANNEL, chat_id)
        if language is None:
            tag = message.from_user.language_code if message.from_user else None
            code = (tag or "").split("-")[0].lower()
            language = code if code in SUPPORTED_LANGUAGES else FALLBACK_LANGUAGE
        await self._inbox.enqueue_reply(TELEGRAM_CHANNEL, chat_id, Reply(ReplyKey.SLOW_DOWN, language))
        self._wake()


def _message_of(event: TelegramObject) -> Message | None:
    if isinstance(event, Update):
        return event.message or event.edited_message
    return None
