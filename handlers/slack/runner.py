"""Start-up for Slack: the desk outbox senders, and the bolt app served over HTTP or Socket Mode."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from aiohttp import web
from slack_bolt.app.async_server import AsyncSlackAppServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.outbox import ChannelSender
from bot.storage.desk_store import desk_store_factory
from bot.storage.inbox import SqlInbox
from bot.wiring import App
from escalation.agent_desk import AgentDesk
from escalation.desk import TicketObserver
from escalation.ports import DESK_CHANNEL
from escalation.sla import Clock
from handlers.slack.bolt_app import build_slack_app, desk_routing, relay_rules
from handlers.slack.client import slack_client
from handlers.slack.delivery import MarkedSender, SlackDeliveryMarks
from handlers.slack.files import FileFetcher
from handlers.slack.sender import SlackDeskSender

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def slack_senders(
    settings: Settings,
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    buyer_senders: Mapping[str, ChannelSender] | None = None,
    files: FileFetcher | None = None,
    observer: TicketObserver | None = None,
) -> dict[str, ChannelSender]:
    """The "desk" sender, plus the buyer channels' senders wrapped so relayed agent messages get a
    delivery mark (✅ / ⚠️) in Slack. Pass the same `observer` the desks use (SLA timers)."""
    slack = settings.slack
    client = slack_client(slack)
    agents = AgentDesk(
        stores=desk_store_factory(sessions), clock=clock, rules=relay_rules(slack), observer=observer
    )
    marks = SlackDeliveryMarks(client)
    senders: dict[str, ChannelSender] = {
        name: MarkedSender(sender, marks) for name, sender in (buyer_senders or {}).items()
    }
    senders[DESK_CHANNEL] = SlackDeskSender(
        client, agents, desk_routing(slack), clock, files=files, oncall=slack.oncall or slack.agent_group
    )
    return senders


async def serve_slack(app: App, stop: asyncio.Event) -> None:
    """Receive agents' thread replies and button presses until `stop` is set."""
    settings = app.settings.slack
    client = slack_client(settings)
    agents = AgentDesk.beside(app.desk.services, rules=relay_rules(settings))
    bolt = build_slack_app(settings, agents=agents, inbox=SqlInbox(app.sessions, app.clock), client=client)
    if settings.mode == "socket":
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler  # noqa: PLC0415

        assert settings.app_token is not None  # the config validator requires it for socket mode
        handler = AsyncSocketModeHandler(bolt, settings.app_token.get_secret_value())
        await handler.connect_async()  # type: ignore[no-untyped-call]
        logger.info("Slack: connected in Socket Mode")
        try:
            await stop.wait()
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]
        return
    host, _, port = settings.listen.rpartition(":")
    server = AsyncSlackAppServer(
        port=int(port), path=EVENTS_PATH, app=bolt, host=host.strip("[]") or "127.0.0.1"
    )
    runner = web.AppRunner(server.web_app)
    await runner.setup()
    site = web.TCPSite(runner, host.strip("[]") or "127.0.0.1", int(port))
    await site.start()
    logger.info("Slack: listening on http://%s%s", settings.listen, EVENTS_PATH)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
