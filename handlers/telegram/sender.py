"""Delivers the outbox's buyer replies to Telegram: rendering, splitting, pacing, error rules."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup

from bot.outbox import Delivered, DeliveryResult, Envelope, RetryLater, Undeliverable
from escalation.conversation import Reply
from escalation.ports import OutgoingKind
from handlers.i18n import Translator
from handlers.telegram.keyboards import keyboard
from handlers.telegram.pacing import Later, Pacer
from handlers.telegram.splitting import split_message

logger = logging.getLogger(__name__)

OnBlocked = Callable[[str], Awaitable[None]]
# Zero lets the relay apply its exponential back-off.
_BACK_OFF = timedelta(0)


class TelegramSender:
    """A `ChannelSender` for the "telegram" outbox channel; destination is the chat id."""

    def __init__(
        self, bot: Bot, translator: Translator, *, on_blocked: OnBlocked, pacer: Pacer | None = None
    ) -> None:
        self._bot = bot
        self._translator = translator
        self._on_blocked = on_blocked
        self._pacer = pacer or Pacer()
        # Parts of a split reply already sent, so a retry after a failure mid-way does not repeat them.
        self._parts_sent: dict[int, int] = {}

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        if envelope.payload.get("kind") != OutgoingKind.REPLY.value:
            return Undeliverable(f"telegram cannot deliver outbox kind {envelope.payload.get('kind')!r}")
        reply = Reply.from_payload(envelope.payload["reply"])
        text = self._translator.render(reply).strip()
        if not text:
            return Undeliverable("empty reply")
        admitted = await self._pacer.admit(envelope.destination, envelope.id)
        if isinstance(admitted, Later):
            return RetryLater(
                after=timedelta(seconds=admitted.seconds), reason="paced (per-chat rate)", throttled=True
            )
        parts = split_message(text)
        markup = keyboard(reply, self._translator)
        try:
            message_id = await self._send_parts(envelope, parts, markup)
        except TelegramRetryAfter as exc:
            return RetryLater(
                after=timedelta(seconds=exc.retry_after),
                reason=f"429 retry after {exc.retry_after}s",
                throttled=True,
            )
        except TelegramForbiddenError as exc:
            self._parts_sent.pop(envelope.id, None)
            await self._on_blocked(envelope.destination)
            return Undeliverable(f"forbidden: {exc.message}")
        except (TelegramBadRequest, TelegramMigrateToChat) as exc:
            self._parts_sent.pop(envelope.id, None)
            return Undeliverable(f"bad request: {exc.message}")
        except (TelegramServerError, TelegramNetworkError) as exc:
            return RetryLater(after=_BACK_OFF, reason=f"{type(exc).__name__}: {exc.message}")
        except TelegramAPIError as exc:  # unauthorized, conflict, unknown: transient until an operator acts
            logger.warning("telegram delivery of outbox item %s failed: %s", envelope.id, exc)
            return RetryLater(after=_BACK_OFF, reason=f"{type(exc).__name__}: {exc.message}")
        return Delivered(channel_message_id=message_id)

    async def _send_parts(
        self, envelope: Envelope, parts: list[str], markup: InlineKeyboardMarkup | None
    ) -> str | None:
        message_id: str | None = None
        first = self._parts_sent.get(envelope.id, 0)
        for index in range(first, len(parts)):
            last = index == len(parts) - 1
            sent = await self._bot.send_message(
                chat_id=envelope.destination,
                text=parts[index],
                reply_markup=markup if last else None,
            )
            message_id = str(sent.message_id)
            self._parts_sent[envelope.id] = index + 1
        self._parts_sent.pop(envelope.id, None)
        return message_id
