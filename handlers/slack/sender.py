"""Delivers the "desk" outbox channel to Slack: ticket posts, buyer follow-ups, state and SLA updates."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.outbox import Delivered, DeliveryResult, Envelope, RetryLater, Undeliverable
from escalation.agent_desk import AgentDesk, DeskPost
from escalation.ports import OutgoingKind
from escalation.routing import DeskRouting
from escalation.sla import Clock
from escalation.tickets import HandOff
from handlers.slack import blocks
from handlers.slack.files import FileFetcher
from handlers.slack.payloads import posted, retry_after

logger = logging.getLogger(__name__)

NOT_POSTED_YET = timedelta(seconds=5)
# Errors a retry cannot fix: the message itself is wrong. Anything else (auth, channel membership)
# is retried, so a P1 hand-off waits for an admin's fix instead of being dropped.
_PERMANENT = frozenset(
    {"invalid_blocks", "msg_too_long", "no_text", "invalid_arguments", "message_not_found"}
)


class SlackDeskSender:
    def __init__(
        self,
        client: AsyncWebClient,
        agents: AgentDesk,
        routing: DeskRouting,
        clock: Clock,
        *,
        files: FileFetcher | None = None,
        oncall: str | None = None,
    ) -> None:
        self._client = client
        self._agents = agents
        self._routing = routing
        self._clock = clock
        self._files = files
        self._oncall = oncall

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        try:
            return await self._deliver(envelope)
        except SlackApiError as exc:
            return _api_failure(exc)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return RetryLater(timedelta(seconds=30), f"Slack unreachable: {type(exc).__name__}: {exc}")

    async def _deliver(self, envelope: Envelope) -> DeliveryResult:
        payload = envelope.payload
        kind = str(payload.get("kind"))
        if kind == OutgoingKind.HANDOFF:
            return await self._post_handoff(HandOff.from_payload(payload))
        if kind == OutgoingKind.ADMIN_NOTICE:
            return await self._post_admin_notice(str(payload.get("text") or ""))
        if envelope.ticket_id is None:
            return Undeliverable(f"desk item {envelope.id} names no ticket")
        post = await self._agents.desk_post(envelope.ticket_id)
        if post is None:
            return Undeliverable(f"ticket {envelope.ticket_id} does not exist")
        if post.ticket.desk_channel is None or post.ticket.desk_thread is None:
            return RetryLater(NOT_POSTED_YET, "the ticket's post is not on Slack yet")
        if kind == OutgoingKind.BUYER_MESSAGE:
            return await self._post_buyer_message(post, payload)
        if kind == OutgoingKind.TICKET_UPDATE:
            return await self._redraw(post)
        if kind == OutgoingKind.SLA_ALERT:
            return await self._sla_alert(post, payload)
        return Undeliverable(f"the Slack desk cannot deliver outbox kind {kind!r}")

    async def _post_handoff(self, handoff: HandOff) -> DeliveryResult:
        post = await self._agents.desk_post(handoff.ticket.id)
        ticket = post.ticket if post is not None else handoff.ticket
        if ticket.desk_thread is not None:
            return Delivered(f"{ticket.desk_channel}:{ticket.desk_thread}")  # posted before a crash
        channel = self._routing.channel_for(ticket.priority, handoff.language)
        if channel is None:
            return RetryLater(timedelta(minutes=10), "no Slack channel configured for tickets")
        response = await self._client.chat_postMessage(
            channel=channel,
            text=blocks.ticket_text(ticket, handoff),
            blocks=blocks.ticket_blocks(ticket, handoff, now=self._clock.now()),
            unfurl_links=False,
        )
        channel_id, ts = posted(_data(response))
        await self._agents.record_desk_thread(ticket.id, channel=channel_id, thread=ts)
        return Delivered(f"{channel_id}:{ts}")

    async def _post_admin_notice(self, text: str) -> DeliveryResult:
        channel = self._routing.admin_channel()
        if channel is None:
            return Undeliverable("no [slack.channels] admin or default channel configured")
        response = await self._client.chat_postMessage(channel=channel, text=text, unfurl_links=False)
        return Delivered(f"{channel}:{_data(response).get('ts')}")

    async def _post_buyer_message(self, post: DeskPost, payload: Mapping[str, Any]) -> DeliveryResult:
        channel, thread = str(post.ticket.desk_channel), str(post.ticket.desk_thread)
        text = blocks.buyer_message_text(payload)
        attachment = payload.get("attachment")
        if attachment and attachment.get("file_id"):
            uploaded = await self._upload(channel, thread, text, payload)
            if uploaded is not None:
                return uploaded
            text = f"{text}\n{blocks.file_note(payload)}"
        response = await self._client.chat_postMessage(channel=channel, thread_ts=thread, text=text)
        return Delivered(f"{channel}:{_data(response).get('ts')}")

    async def _upload(
        self, channel: str, thread: str, text: str, payload: Mapping[str, Any]
    ) -> DeliveryResult | None:
        if self._files is None:
            return None
        attachment = payload["attachment"]
        try:
            content, filename, _mime = await self._files.fetch(
                str(payload.get("channel")), str(attachment["file_id"])
            )
        except Exception as exc:  # the buyer channel's download failed: say so, don't block the thread
            logger.warning("could not fetch buyer file %s: %s", attachment.get("file_id"), exc)
            return None
        await self._client.files_upload_v2(
            channel=channel, thread_ts=thread, content=content, filename=filename, initial_comment=text
        )
        return Delivered(f"{channel}:{thread}:file")

    async def _redraw(self, post: DeskPost, *, sla_note: str | None = None) -> DeliveryResult:
        channel, ts = str(post.ticket.desk_channel), str(post.ticket.desk_thread)
        await self._client.chat_update(
            channel=channel,
            ts=ts,
            text=blocks.ticket_text(post.ticket, post.handoff),
            blocks=blocks.ticket_blocks(post.ticket, post.handoff, now=self._clock.now(), sla_note=sla_note),
        )
        return Delivered(f"{channel}:{ts}")

    async def _sla_alert(self, post: DeskPost, payload: Mapping[str, Any]) -> DeliveryResult:
        channel, thread = str(post.ticket.desk_channel), str(post.ticket.desk_thread)
        breach = payload.get("point") == "breach"
        actions = set(payload.get("actions") or ())
        who = blocks.mention(self._oncall) if breach or "mention_on_call" in actions else None
        text = blocks.sla_text(payload, mention=who)
        await self._client.chat_postMessage(channel=channel, thread_ts=thread, text=text)
        await self._redraw(post, sla_note=blocks.sla_note(payload, self._clock.now()))
        escalation = self._routing.escalation_channel()
        if (breach or "repost_to_escalation" in actions) and escalation is not None:
            summary = blocks.ticket_text(post.ticket, post.handoff)
            await self._client.chat_postMessage(
                channel=escalation, text=f"{text}\n{summary} — thread in <#{channel}>", unfurl_links=False
            )
        return Delivered(f"{channel}:{thread}")


def _data(response: Any) -> dict[str, Any]:
    data = response.data
    return data if isinstance(data, dict) else {}


def _api_failure(exc: SlackApiError) -> DeliveryResult:
    response = exc.response
    error = str(response.get("error") or "") if isinstance(response.data, dict) else ""
    if response.status_code == 429:
        wait = retry_after(response.headers) or 30.0
        return RetryLater(
            timedelta(seconds=wait), f"Slack rate limit (Retry-After {wait:.0f}s)", throttled=True
        )
    if response.status_code >= 500:
        return RetryLater(timedelta(seconds=30), f"Slack outage: HTTP {response.status_code}")
    if error in _PERMANENT:
        return Undeliverable(f"Slack refused the message: {error}")
    return RetryLater(timedelta(minutes=2), f"Slack error: {error or response.status_code}")
