"""Running the Telegram side: long polling or an aiohttp webhook, after replaying the inbox."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.storage.inbox import InboxStatus
from handlers.telegram import TELEGRAM_CHANNEL
from handlers.telegram.intake import Inbox

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
DEFAULT_WEBHOOK_PATH = "/telegram/webhook"


def create_bot(token: str, api_base_url: str) -> Bot:
    """A bot client for Telegram's Bot API or any compatible server (self-hosted, emulator)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base_url.rstrip("/")))
    return Bot(token=token, session=session)


async def replay_pending(dispatcher: Dispatcher, bot: Bot, inbox: Inbox) -> int:
    """Process updates stored before a crash but never finished; returns how many were replayed."""
    entries = await inbox.pending(TELEGRAM_CHANNEL)
    for entry in entries:
        try:
            update = Update.model_validate(dict(entry.payload), context={"bot": bot})
            await dispatcher.feed_update(bot, update)
        except Exception as exc:  # one bad update must not keep the bot from starting
            logger.exception("replay of telegram update %s failed", entry.external_id)
            await inbox.failed(TELEGRAM_CHANNEL, entry.external_id, f"{type(exc).__name__}: {exc}")
    if entries:
        logger.info("replayed %d stored telegram update(s)", len(entries))
    return len(entries)


async def run_polling(dispatcher: Dispatcher, bot: Bot, *, polling_timeout: int = 30) -> None:
    """Long polling. Updates are handled one by one before the next getUpdates confirms them, so
    Telegram keeps anything not yet stored in the inbox."""
    await bot.delete_webhook(drop_pending_updates=False)
    await dispatcher.start_polling(
        bot,
        handle_as_tasks=False,
        handle_signals=False,
        close_bot_session=False,
        polling_timeout=polling_timeout,
        allowed_updates=dispatcher.resolve_used_update_types(),
    )


class WebhookIntake:
    """The webhook endpoint: checks the secret, stores the update, answers 200, then processes it.

    Processing happens after the answer (Telegram would otherwise redeliver slow updates), in
    arrival order by one worker; whatever a crash interrupts is in the inbox for `replay_pending`.
    """

    def __init__(self, dispatcher: Dispatcher, bot: Bot, inbox: Inbox, secret: str) -> None:
        self._dispatcher = dispatcher
        self._bot = bot
        self._inbox = inbox
        self._secret = secret.encode()
        self._queue: asyncio.Queue[Update] = asyncio.Queue()

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            return web.Response(status=401, text="unauthorized")
        try:
            payload = await request.json()
            update = Update.model_validate(payload, context={"bot": self._bot})
        except (ValueError, ValidationError):
            return web.Response(status=400, text="not a Telegram update")
        status = await self._inbox.receive(TELEGRAM_CHANNEL, str(update.update_id), payload)
        if status is InboxStatus.NEW:
            self._queue.put_nowait(update)
        return web.Response(status=200)

    async def work(self) -> None:
        while True:
            update = await self._queue.get()
            try:
                await self._dispatcher.feed_update(self._bot, update)
            except Exception:  # recorded in the inbox by its middleware; keep serving
                logger.exception("telegram update %s failed", update.update_id)
            finally:
                self._queue.task_done()

    async def drained(self) -> None:
        await self._queue.join()

    def application(self, path: str) -> web.Application:
        """The aiohttp app; its worker runs while the app does."""
        app = web.Application()
        app.router.add_post(path, self.handle)
        app.cleanup_ctx.append(self._worker)
        return app

    async def _worker(self, _app: web.Application) -> AsyncIterator[None]:
        worker = asyncio.create_task(self.work(), name="telegram-webhook-worker")
        yield
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker


def webhook_path(webhook_url: str | None) -> str:
    path = urlsplit(webhook_url or "").path
    return path if path and path != "/" else DEFAULT_WEBHOOK_PATH


async def run_webhook(
    dispatcher: Dispatcher,
    bot: Bot,
    inbox: Inbox,
    *,
    webhook_url: str,
    secret: str,
    host: str,
    port: int,
    started: asyncio.Event | None = None,
) -> None:
    """Serve the webhook on host:port (behind a TLS proxy) and register it with Telegram."""
    intake = WebhookIntake(dispatcher, bot, inbox, secret)
    runner = web.AppRunner(intake.application(webhook_path(webhook_url)))
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        await bot.set_webhook(
            url=webhook_url,
            secret_token=secret,
            allowed_updates=dispatcher.resolve_used_update_types(),
            drop_pending_updates=False,
        )
        logger.info("telegram webhook listening on %s:%s", host, port)
        if started is not None:
            started.set()
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
