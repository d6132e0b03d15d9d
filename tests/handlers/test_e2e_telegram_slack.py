"""End to end, buyer to agent and back: the npm `telegram-test-api` emulator on the buyer's side, a fake
Slack Web API and signed HTTP requests to the bolt app on the agents' side, wired like `borderdesk run`."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select

from bot.config import SlackChannels, SlackSettings
from bot.storage import models
from bot.wiring import App
from escalation.conversation import Reply, ReplyKey
from escalation.tickets import TicketState
from handlers.slack.runner import EVENTS_PATH, serve_slack, slack_senders
from handlers.telegram import TELEGRAM_CHANNEL
from handlers.telegram.files import TelegramFiles
from handlers.telegram.serve import run_polling
from tests.handlers import fake_bot_api as fake_telegram
from tests.handlers import fake_slack_api
from tests.handlers.telegram_emulator import emulator as emulation

TOKEN = "2002:E2E-SLACK"
SIGNING_SECRET = "e2e-signing-secret"
AGENT, AGENT_NAME, AGENT_GROUP = "UMIA", "Mia", "SAGENTS"
_buyer_ids = itertools.count(7001)
T = TypeVar("T")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _eventually(probe: Callable[[], Awaitable[T | None]], what: str, within: float = 10.0) -> T:
    """Poll until `probe` gives a value: the pieces talk to each other in background tasks."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@dataclass
class Running:
    app: App
    slack: Any  # the fake Slack Web API
    buyer: Any  # the buyer on the emulator
    translator: Any
    slack_url: str
    buyer_id: int

    async def signed(self, body: str, content_type: str, *, secret: str = SIGNING_SECRET) -> int:
        """POST to the bolt app as Slack does, signed with the app's signing secret."""
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": str(
                SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
            ),
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.slack_url, data=body.encode(), headers=headers) as response,
        ):
            return response.status

    async def sent_reply(self, text: str) -> Reply:
        return await fake_telegram.sent_reply(self.app.sessions, self.translator, text)

    async def ticket(self) -> models.Ticket | None:
        async with self.app.sessions() as session:
            ticket: models.Ticket | None = await session.scalar(
                select(models.Ticket)
                .join(models.Buyer, models.Buyer.id == models.Ticket.buyer_id)
                .where(models.Buyer.channel_user_id == str(self.buyer_id))
            )
        return ticket


@pytest.fixture
async def running(emulator: Any, tmp_path: Path) -> AsyncIterator[Running]:
    """Telegram polling the emulator, the outbox relay with the Slack senders, and the bolt app on HTTP."""
    async with fake_slack_api.fake_slack() as slack:
        slack.group_members[AGENT_GROUP] = [AGENT]
        slack.names[AGENT] = AGENT_NAME
        listen = f"127.0.0.1:{_free_port()}"
        settings = SlackSettings(
            bot_token="xoxb-e2e",
            signing_secret=SIGNING_SECRET,
            api_base_url=slack.url,
            listen=listen,
            agent_group=AGENT_GROUP,
            channels=SlackChannels(default="CDESK", P1="CP1", by_language={"de": "CDE"}),
        )
        async with fake_telegram.telegram_harness(
            tmp_path, emulator.base_url, token=TOKEN, slack=settings
        ) as harness:
            app: App = harness.app
            # As `borderdesk run` does (bot/app.py `_start_slack`): Slack delivers the desk outbox, and
            # wraps the Telegram sender so agents see whether the buyer got their message.
            app.relay.add_senders(
                slack_senders(
                    app.settings,
                    sessions=app.sessions,
                    clock=app.clock,
                    buyer_senders={TELEGRAM_CHANNEL: harness.sender},
                    files=TelegramFiles(harness.bot),
                    observer=app.desk.services.observer,
                )
            )
            stop = asyncio.Event()
            tasks = [
                asyncio.create_task(app.relay.run_forever()),
                asyncio.create_task(run_polling(harness.dispatcher, harness.bot, polling_timeout=1)),
                asyncio.create_task(serve_slack(app, stop)),
            ]
            host, _, port = listen.rpartition(":")

            async def listening() -> bool | None:
                try:
                    _, writer = await asyncio.open_connection(host, int(port))
                except OSError:
                    return None
                writer.close()
                await writer.wait_closed()
                return True

            try:
                await _eventually(listening, "the Slack endpoint to listen")
                buyer_id = next(_buyer_ids)
                buyer = emulation.EmulatedBuyer(emulator.base_url, TOKEN, buyer_id, language_code="en")
                yield Running(
                    app, slack, buyer, harness.translator, f"http://{listen}{EVENTS_PATH}", buyer_id
                )
            finally:
                stop.set()
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task


def _rendered(call: dict[str, Any]) -> str:
    return json.dumps(fake_slack_api.decoded(call.get("blocks", "[]")), ensure_ascii=False)


async def test_complaint_reaches_slack_and_the_agents_reply_and_resolution_reach_the_buyer(
    running: Running,
) -> None:
    """Telegram complaint → tagged Slack post → signed thread reply → buyer gets it → Resolve → buyer told."""
    render = running.translator.render
    await running.buyer.write("These sneakers are fake, I want my money back!")
    [opened] = await running.buyer.wait_for_replies(1)
    assert (await running.sent_reply(opened["message"]["text"])).key is ReplyKey.TICKET_OPENED

    async def posted() -> dict[str, Any] | None:
        posts = [p for p in running.slack.of("chat.postMessage") if "thread_ts" not in p]
        return posts[0] if posts else None

    post = await _eventually(posted, "the ticket's Slack post")
    assert post["channel"] == "CP1"
    assert "🔴 P1 · counterfeit" in _rendered(post)
    assert "sneakers are fake" in _rendered(post)

    async def threaded() -> models.Ticket | None:
        ticket = await running.ticket()
        return ticket if ticket is not None and ticket.desk_thread else None

    ticket = await _eventually(threaded, "the ticket's Slack thread")
    assert (ticket.desk_channel, ticket.priority, ticket.category) == ("CP1", "P1", "counterfeit")

    reply_ts = running.slack.next_ts()
    words = "Hi! I'm sorry about this, we'll refund you in full today."
    event = {
        "type": "event_callback",
        "team_id": "T1",
        "api_app_id": "A1",
        "event_id": f"Ev{reply_ts}",
        "event": {
            "type": "message",
            "channel": ticket.desk_channel,
            "user": AGENT,
            "text": words,
            "ts": reply_ts,
            "thread_ts": ticket.desk_thread,
        },
    }
    assert await running.signed(json.dumps(event), "application/json") == 200

    [relayed] = await running.buyer.wait_for_replies(1)
    expected = render(Reply(ReplyKey.AGENT_MESSAGE, "en", text=words, params={"agent": AGENT_NAME}))
    assert relayed["message"]["text"] == expected
    assert AGENT_NAME in relayed["message"]["text"]

    async def marked() -> dict[str, Any] | None:
        marks = [r for r in running.slack.of("reactions.add") if r["timestamp"] == reply_ts]
        return marks[0] if marks else None

    assert (await _eventually(marked, "the delivered mark"))["name"] == "white_check_mark"

    press = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": AGENT},
        "api_app_id": "A1",
        "container": {"type": "message", "channel_id": ticket.desk_channel, "message_ts": ticket.desk_thread},
        "channel": {"id": ticket.desk_channel},
        "message": {"ts": ticket.desk_thread},
        "trigger_id": "1.2.3",
        "actions": [
            {
                "type": "button",
                "action_id": "ticket_resolve",
                "value": str(ticket.id),
                "block_id": f"ticket:{ticket.id}",
            }
        ],
    }
    form = urlencode({"payload": json.dumps(press)})
    assert await running.signed(form, "application/x-www-form-urlencoded") == 200

    [told] = await running.buyer.wait_for_replies(1)
    assert told["message"]["text"] == render(Reply(ReplyKey.TICKET_RESOLVED, "en"))

    async def resolved() -> models.Ticket | None:
        current = await running.ticket()
        return current if current is not None and current.state == TicketState.RESOLVED.value else None

    await _eventually(resolved, "the ticket to be resolved")

    async def redrawn() -> dict[str, Any] | None:
        updates = [u for u in running.slack.of("chat.update") if "Resolved" in _rendered(u)]
        return updates[-1] if updates else None

    assert (await _eventually(redrawn, "the resolved post"))["ts"] == ticket.desk_thread


async def test_forged_agent_reply_is_refused_and_never_reaches_the_buyer(running: Running) -> None:
    """A thread reply signed with another secret gets 401 over HTTP; the buyer receives nothing from it."""
    await running.buyer.write("These sneakers are fake, I want my money back!")
    await running.buyer.wait_for_replies(1)

    async def threaded() -> models.Ticket | None:
        ticket = await running.ticket()
        return ticket if ticket is not None and ticket.desk_thread else None

    ticket = await _eventually(threaded, "the ticket's Slack thread")
    ts = running.slack.next_ts()
    event = {
        "type": "event_callback",
        "event_id": f"Ev{ts}",
        "event": {
            "type": "message",
            "channel": ticket.desk_channel,
            "user": AGENT,
            "text": "please send your card number",
            "ts": ts,
            "thread_ts": ticket.desk_thread,
        },
    }
    assert await running.signed(json.dumps(event), "application/json", secret="forged") == 401

    async with running.app.sessions() as session:
        agent_rows = [
            row
            for row in (await session.scalars(select(models.OutboxItem))).all()
            if (row.payload.get("reply") or {}).get("key") == ReplyKey.AGENT_MESSAGE.value
        ]
    assert agent_rows == []
