"""A project-owned fake Telegram Bot API on loopback, and a harness running BorderDesk against any Bot API.

The fake records every call with its parameters and can be told to fail the next calls of a method
(429 with retry_after, 5xx, 403 blocked), which the npm emulator cannot do. It speaks the real wire
format, so the real aiogram client is exercised, not a mock.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import DatabaseSettings, FaqSettings, Settings, SlackSettings, TelegramSettings
from bot.storage import models
from bot.storage.database import create_engine, session_factory
from bot.storage.inbox import SqlInbox
from bot.storage.sent_messages import SqlSentMessages
from bot.wiring import App, build_app
from escalation.conversation import Reply
from escalation.sla import Clock
from handlers.i18n import Translator
from handlers.telegram import TELEGRAM_CHANNEL
from handlers.telegram.dispatcher import build_dispatcher
from handlers.telegram.flood import FloodControl
from handlers.telegram.pacing import Pace, Pacer
from handlers.telegram.sender import TelegramSender
from handlers.telegram.serve import create_bot

# Tests that are not about pacing should not wait for it.
NO_PACING = Pace(per_chat_interval=0.0, global_interval=0.0)
BOT_USER = {"id": 4242, "is_bot": True, "first_name": "BorderDesk", "username": "borderdesk_test_bot"}


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Failure:
    status: int
    description: str
    retry_after: int | None = None


TOO_MANY_REQUESTS = Failure(429, "Too Many Requests: retry after 7", retry_after=7)
BAD_GATEWAY = Failure(502, "Bad Gateway")
BLOCKED = Failure(403, "Forbidden: bot was blocked by the user")


@dataclass
class FakeBotApi:
    calls: list[Call] = field(default_factory=list)
    updates: deque[dict[str, Any]] = field(default_factory=deque)
    _failures: dict[str, deque[Failure]] = field(default_factory=dict)
    _message_id: int = 100
    _runner: web.AppRunner | None = None
    base_url: str = ""

    def fail_next(self, method: str, failure: Failure, times: int = 1) -> None:
        self._failures.setdefault(method, deque()).extend([failure] * times)

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [call.params for call in self.calls if call.method == method]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append(Call(method, params))
        failures = self._failures.get(method)
        if failures:
            failure = failures.popleft()
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return web.json_response(body, status=failure.status)
        if method == "getUpdates":
            await asyncio.sleep(0.02 if not self.updates else 0)  # a short long-poll
            batch = list(self.updates)
            self.updates.clear()
            return web.json_response({"ok": True, "result": batch})
        return web.json_response({"ok": True, "result": self._result(method, params)})

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method.startswith("send"):
            self._message_id += 1
            message: dict[str, Any] = {
                "message_id": self._message_id,
                "date": 1_790_000_000,
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
            }
            if "text" in params:
                message["text"] = params["text"]
            return message
        if method == "editMessageText":
            # Telegram answers an edit with the edited message.
            message = {
                "message_id": int(params["message_id"]),
                "date": 1_790_000_000,
                "edit_date": 1_790_000_100,
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
                "text": params["text"],
            }
            return message
        return True


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        return dict(await request.json())
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        text = value if isinstance(value, str) else "<file>"
        params[key] = json.loads(text) if key in {"reply_markup", "allowed_updates"} else text
    return params


@asynccontextmanager
async def fake_bot_api() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi()
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


# --- the harness: BorderDesk's Telegram side wired like `borderdesk run`, against any Bot API URL ----


@dataclass
class TelegramHarness:
    app: App
    bot: Bot
    dispatcher: Dispatcher
    inbox: SqlInbox
    sender: TelegramSender
    translator: Translator


@asynccontextmanager
async def telegram_harness(
    tmp_path: Path,
    api_base_url: str,
    *,
    token: str = "123456:TEST-TOKEN",
    faq_dir: Path | None = None,
    flood: tuple[int, float] = (20, 10.0),
    pace: Pace = NO_PACING,
    clock: Clock | None = None,
    monotonic: Callable[[], float] | None = None,
    slack: SlackSettings | None = None,
) -> AsyncIterator[TelegramHarness]:
    faq = FaqSettings(live_reload=False) if faq_dir is None else FaqSettings(dir=faq_dir, live_reload=False)
    settings = Settings(
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path}/telegram.db"),
        telegram=TelegramSettings(token=token, api_base_url=api_base_url),
        faq=faq,
        slack=slack or SlackSettings(),
    )
    bot = create_bot(token, api_base_url)
    translator = Translator()
    holder: list[SqlInbox] = []

    async def blocked(chat_id: str) -> None:
        await holder[0].set_blocked(TELEGRAM_CHANNEL, chat_id, blocked=True)

    pacer = Pacer(pace) if monotonic is None else Pacer(pace, monotonic=monotonic)
    # Wired like `borderdesk run`: the sender reads the outbox to find an edited reply's message id.
    engine = create_engine(settings.database)
    sender = TelegramSender(
        bot,
        translator,
        on_blocked=blocked,
        pacer=pacer,
        sent_messages=SqlSentMessages(session_factory(engine)),
    )
    app = await build_app(settings, senders={TELEGRAM_CHANNEL: sender}, clock=clock, engine=engine)
    inbox = SqlInbox(app.sessions, app.clock)
    holder.append(inbox)
    flood_control = FloodControl(*flood) if monotonic is None else FloodControl(*flood, monotonic=monotonic)
    dispatcher = build_dispatcher(
        desk=app.desk, inbox=inbox, clock=app.clock, flood=flood_control, wake=app.relay.wake
    )
    try:
        yield TelegramHarness(app, bot, dispatcher, inbox, sender, translator)
    finally:
        await bot.session.close()
        await app.close()


async def sent_reply(
    sessions: async_sessionmaker[AsyncSession], translator: Translator, text: str, *, within: float = 30.0
) -> Reply:
    """The reply the desk decided on, found by the text the buyer received on Telegram.

    The outbox marks a row sent in the transaction that follows the send, so the buyer can see the
    message a moment before the row says so: look again until it does (or give up).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        async with sessions() as session:
            rows = (
                await session.scalars(
                    select(models.OutboxItem).where(
                        models.OutboxItem.channel == TELEGRAM_CHANNEL, models.OutboxItem.status == "sent"
                    )
                )
            ).all()
        for row in rows:
            reply = Reply.from_payload(row.payload["reply"])
            if translator.render(reply) == text:
                return reply
        assert loop.time() < deadline, f"no sent reply renders as {text!r}"
        await asyncio.sleep(0.02)
