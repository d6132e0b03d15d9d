"""Delivers the outbox's buyer replies to Telegram: rendering, splitting, pacing, error rules, edits."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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
from bot.storage.sent_messages import SentMessages
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
# An edit queued before its original went out waits for it (without using up attempts).
_ORIGINAL_PENDING = timedelta(seconds=2)
# The outbox column holding the Telegram id(s) of a delivered reply.
_ID_COLUMN_LIMIT = 128
# Harmless answers when a step is repeated after a retry, or the buyer already removed the message.
_NOT_MODIFIED = "message is not modified"
_NOTHING_TO_DELETE = "message to delete not found"


@dataclass(frozen=True)
class _Step:
    """One Bot API call of a delivery: send a new message, edit one, or delete one."""

    action: str  # "send" | "edit" | "delete"
    message_id: int | None = None
    text: str = ""
    markup: InlineKeyboardMarkup | None = None


class TelegramSender:
    """A `ChannelSender` for the "telegram" outbox channel; destination is the chat id.

    A reply split into several messages is recorded with all its message ids, comma-separated, so an
    agent's edit can reach every part. `sent_messages` looks up the original of an edit; without it
    the id the desk put in the edit's payload is used.
    """

    def __init__(
        self,
        bot: Bot,
        translator: Translator,
        *,
        on_blocked: OnBlocked,
        pacer: Pacer | None = None,
        sent_messages: SentMessages | None = None,
    ) -> None:
        self._bot = bot
        self._translator = translator
        self._on_blocked = on_blocked
        self._pacer = pacer or Pacer()
        self._sent_messages = sent_messages
        # Steps of a delivery already done (and the ids they produced), so a retry after a failure
        # mid-way repeats none of them.
        self._progress: dict[int, list[str]] = {}

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        kind = envelope.payload.get("kind")
        if kind not in (OutgoingKind.REPLY.value, OutgoingKind.REPLY_EDIT.value):
            return Undeliverable(f"telegram cannot deliver outbox kind {kind!r}")
        reply = Reply.from_payload(envelope.payload["reply"])
        text = self._translator.render(reply).strip()
        if not text:
            return Undeliverable("empty reply")
        parts = split_message(text)
        markup = keyboard(reply, self._translator)
        if kind == OutgoingKind.REPLY_EDIT.value:
            original = await self._original_ids(envelope)
            if not isinstance(original, list):
                return original
            steps = _edit_steps(original, parts, markup)
        else:
            steps = [
                _Step("send", text=part, markup=markup if last else None) for part, last in _marked(parts)
            ]
        admitted = await self._pacer.admit(envelope.destination, envelope.id)
        if isinstance(admitted, Later):
            return RetryLater(
                after=timedelta(seconds=admitted.seconds), reason="paced (per-chat rate)", throttled=True
            )
        try:
            ids = await self._run(envelope, steps)
        except TelegramRetryAfter as exc:
            return RetryLater(
                after=timedelta(seconds=exc.retry_after),
                reason=f"429 retry after {exc.retry_after}s",
                throttled=True,
            )
        except TelegramForbiddenError as exc:
            self._progress.pop(envelope.id, None)
            await self._on_blocked(envelope.destination)
            return Undeliverable(f"forbidden: {exc.message}")
        except (TelegramBadRequest, TelegramMigrateToChat) as exc:
            self._progress.pop(envelope.id, None)
            if kind == OutgoingKind.REPLY_EDIT.value:
                return Undeliverable(f"cannot edit the buyer's copy: {exc.message}")
            return Undeliverable(f"bad request: {exc.message}")
        except (TelegramServerError, TelegramNetworkError) as exc:
            return RetryLater(after=_BACK_OFF, reason=f"{type(exc).__name__}: {exc.message}")
        except TelegramAPIError as exc:  # unauthorized, conflict, unknown: transient until an operator acts
            logger.warning("telegram delivery of outbox item %s failed: %s", envelope.id, exc)
            return RetryLater(after=_BACK_OFF, reason=f"{type(exc).__name__}: {exc.message}")
        return Delivered(channel_message_id=_joined(ids))

    async def _original_ids(self, envelope: Envelope) -> list[int] | DeliveryResult:
        """The Telegram ids of the message an edit targets, or why the edit cannot go (yet)."""
        edit_of = envelope.payload.get("edit_of")
        recorded = envelope.payload.get("channel_message_id")
        if self._sent_messages is not None and isinstance(edit_of, int):
            original = await self._sent_messages.find(edit_of)
            if original is None:
                return Undeliverable(f"the edited message (outbox item {edit_of}) does not exist")
            if original.status == "pending":
                return RetryLater(
                    after=_ORIGINAL_PENDING, reason="the edited message is not delivered yet", throttled=True
                )
            if original.status != "sent":
                reason = original.last_error or original.status
                return Undeliverable(f"the edited message never reached the buyer: {reason}")
            recorded = original.channel_message_id
        ids = [int(part) for part in str(recorded or "").split(",") if part.strip().isdigit()]
        if not ids:
            return Undeliverable("no Telegram message id recorded for the edited message")
        return ids

    async def _run(self, envelope: Envelope, steps: list[_Step]) -> list[str]:
        done = self._progress.setdefault(envelope.id, [])
        for step in steps[len(done) :]:
            done.append(await self._perform(envelope.destination, step))
        self._progress.pop(envelope.id, None)
        return [message_id for message_id in done if message_id]

    async def _perform(self, chat_id: str, step: _Step) -> str:
        """Run one step; returns the id of the message the buyer now sees ("" for a deletion)."""
        match step.action:
            case "send":
                sent = await self._bot.send_message(chat_id=chat_id, text=step.text, reply_markup=step.markup)
                return str(sent.message_id)
            case "edit":
                assert step.message_id is not None
                try:
                    await self._bot.edit_message_text(
                        chat_id=chat_id, message_id=step.message_id, text=step.text, reply_markup=step.markup
                    )
                except TelegramBadRequest as exc:
                    if _NOT_MODIFIED not in exc.message.lower():
                        raise
                return str(step.message_id)
            case "delete":
                assert step.message_id is not None
                try:
                    await self._bot.delete_message(chat_id=chat_id, message_id=step.message_id)
                except TelegramBadRequest as exc:
                    if _NOTHING_TO_DELETE not in exc.message.lower():
                        raise
                return ""
        raise AssertionError(step.action)  # pragma: no cover


def _marked(parts: list[str]) -> list[tuple[str, bool]]:
    return [(part, index == len(parts) - 1) for index, part in enumerate(parts)]


def _edit_steps(original: list[int], parts: list[str], markup: InlineKeyboardMarkup | None) -> list[_Step]:
    """Part by part: edit the original's messages in place, send what no longer fits as new messages
    (they land at the end of the chat), delete the original's parts the new text no longer needs."""
    steps: list[_Step] = []
    for index, (part, last) in enumerate(_marked(parts)):
        buttons = markup if last else None
        if index < len(original):
            steps.append(_Step("edit", message_id=original[index], text=part, markup=buttons))
        else:
            steps.append(_Step("send", text=part, markup=buttons))
    steps.extend(_Step("delete", message_id=message_id) for message_id in original[len(parts) :])
    return steps


def _joined(ids: list[str]) -> str | None:
    """All message ids of a delivery, as many as the outbox column holds (the first ones matter most)."""
    kept: list[str] = []
    for message_id in ids:
        if len(",".join([*kept, message_id])) > _ID_COLUMN_LIMIT:
            logger.warning("only the first %d of %d telegram message ids recorded", len(kept), len(ids))
            break
        kept.append(message_id)
    return ",".join(kept) or None
