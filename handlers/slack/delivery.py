"""Delivery marks: agents see on their own Slack message whether the buyer actually received it.

The outbox relay knows each outcome; `MarkedSender` wraps a buyer channel's sender and reports the
outcome of every relayed agent message (its outbox payload carries the `desk_ref`) to a hook.
"""

from __future__ import annotations

import logging
from typing import Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.outbox import (
    MAX_ATTEMPTS,
    ChannelSender,
    Delivered,
    DeliveryResult,
    Envelope,
    RetryLater,
    Undeliverable,
)
from escalation.ports import OutgoingKind
from handlers.slack.payloads import DeskRef

logger = logging.getLogger(__name__)

DELIVERED = "white_check_mark"
FAILED = "warning"


class DeliveryHook(Protocol):
    async def delivered(self, ref: DeskRef, *, edit: bool) -> None: ...

    async def failed(self, ref: DeskRef, reason: str, *, edit: bool) -> None: ...


class MarkedSender:
    """A buyer channel's sender, reporting the fate of relayed agent messages to the desk."""

    def __init__(self, inner: ChannelSender, hook: DeliveryHook) -> None:
        self._inner = inner
        self._hook = hook

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        result = await self._inner.deliver(envelope)
        ref = DeskRef.parse(str(envelope.payload.get("desk_ref") or ""))
        if ref is None:
            return result
        edit = envelope.payload.get("kind") == OutgoingKind.REPLY_EDIT
        try:
            match result:
                case Delivered():
                    await self._hook.delivered(ref, edit=edit)
                case Undeliverable(reason=reason):
                    await self._hook.failed(ref, reason, edit=edit)
                case RetryLater(reason=reason) if envelope.attempts + 1 >= MAX_ATTEMPTS:
                    await self._hook.failed(
                        ref, f"gave up after {MAX_ATTEMPTS} attempts: {reason}", edit=edit
                    )
        except Exception:  # a mark is a courtesy: it must never turn a delivery into a retry
            logger.exception("could not mark delivery of %s", ref)
        return result


class SlackDeliveryMarks:
    """✅ on a relayed message the buyer received; ⚠️ plus a thread note with the reason otherwise."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def delivered(self, ref: DeskRef, *, edit: bool) -> None:
        await self._react(ref, DELIVERED)

    async def failed(self, ref: DeskRef, reason: str, *, edit: bool) -> None:
        await self._react(ref, FAILED)
        what = "Your edit did not reach the buyer" if edit else "Not delivered to the buyer"
        await self._client.chat_postMessage(
            channel=ref.channel, thread_ts=ref.thread, text=f"⚠️ {what}: {reason}"
        )

    async def _react(self, ref: DeskRef, name: str) -> None:
        try:
            await self._client.reactions_add(channel=ref.channel, timestamp=ref.ts, name=name)
        except SlackApiError as exc:
            if exc.response.get("error") != "already_reacted":  # an edit delivered again
                raise
