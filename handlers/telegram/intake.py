"""Plumbing middleware: every update is stored in the inbox before any handler sees it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from bot.storage.inbox import InboxEntry, InboxStatus
from escalation.conversation import Reply
from handlers.telegram import TELEGRAM_CHANNEL

logger = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class Inbox(Protocol):
    """What the Telegram adapter needs from storage (`bot.storage.inbox.SqlInbox`)."""

    async def receive(self, channel: str, external_id: str, payload: Mapping[str, Any]) -> InboxStatus: ...

    async def processed(self, channel: str, external_id: str) -> None: ...

    async def failed(self, channel: str, external_id: str, error: str) -> None: ...

    async def pending(self, channel: str, *, max_attempts: int = ...) -> Sequence[InboxEntry]: ...

    async def set_blocked(self, channel: str, user_id: str, *, blocked: bool) -> None: ...

    async def conversation_language(self, channel: str, chat_id: str) -> str | None: ...

    async def enqueue_reply(self, channel: str, chat_id: str, reply: Reply) -> None: ...


def update_payload(update: Update) -> dict[str, Any]:
    """The update as Telegram sent it, to be stored and replayed with `Update.model_validate`."""
    return update.model_dump(mode="json", by_alias=True, exclude_none=True)


class InboxMiddleware(BaseMiddleware):
    """Store first, process once: a redelivered update that was processed is skipped."""

    def __init__(self, inbox: Inbox) -> None:
        self._inbox = inbox

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        external_id = str(event.update_id)
        status = await self._inbox.receive(TELEGRAM_CHANNEL, external_id, update_payload(event))
        if status is InboxStatus.DONE:
            logger.info("telegram update %s was already processed; skipped", external_id)
            return None
        try:
            result = await handler(event, data)
        except Exception as exc:
            await self._inbox.failed(TELEGRAM_CHANNEL, external_id, f"{type(exc).__name__}: {exc}")
            raise
        await self._inbox.processed(TELEGRAM_CHANNEL, external_id)
        return result
