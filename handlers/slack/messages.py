"""Thread messages: an agent's reply is relayed (or kept internal, or run as a command); an edit of a
relayed reply updates the buyer's copy. Slack's retries of an event are recognised by `event_id`."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.storage.inbox import InboxStatus
from escalation.agent_desk import ReplyOutcomeKind
from handlers.slack.desk import REFUSAL, SLACK_CHANNEL, SlackDesk
from handlers.slack.payloads import ThreadMessage, thread_message

logger = logging.getLogger(__name__)


def register(app: AsyncApp, desk: SlackDesk) -> None:
    async def on_message(body: dict[str, Any]) -> None:
        message = thread_message(body)
        if message is not None:
            await handle_thread_message(desk, message, body)

    app.event("message")(on_message)


async def handle_thread_message(desk: SlackDesk, message: ThreadMessage, body: dict[str, Any]) -> None:
    ticket = await desk.agents.ticket_by_thread(message.channel, message.thread_ts)
    if ticket is None:
        return  # a thread that is not a ticket's: none of our business
    key = message.event_id or f"{message.ref}{':edit' if message.edited else ''}"
    if await desk.inbox.receive(SLACK_CHANNEL, key, body) is InboxStatus.DONE:
        logger.info("slack event %s seen before: not relayed again", key)
        return
    try:
        await _act(desk, message, ticket.id)
    except Exception as exc:
        await desk.inbox.failed(SLACK_CHANNEL, key, f"{type(exc).__name__}: {exc}")
        raise
    await desk.inbox.processed(SLACK_CHANNEL, key)


async def _act(desk: SlackDesk, message: ThreadMessage, ticket_id: int) -> None:
    if not await desk.directory.is_agent(message.user):
        if not message.edited:
            await desk.tell(message.channel, message.user, REFUSAL, thread_ts=message.thread_ts)
        return
    agent = await desk.directory.name(message.user)
    if message.edited:
        await desk.agents.edit_relayed(str(message.ref), agent=agent, text=message.text)
        return
    outcome = await desk.agents.reply(ticket_id, agent=agent, text=message.text, desk_ref=str(message.ref))
    if outcome.note and outcome.kind in {ReplyOutcomeKind.INTERNAL, ReplyOutcomeKind.REFUSED}:
        await desk.tell(message.channel, message.user, outcome.note, thread_ts=message.thread_ts)
