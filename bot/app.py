"""Start-up and shutdown of the long-running modes: the console chat and the real channels."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.notices import notify_admins, reload_rejected_text
from bot.outbox import ChannelSender
from bot.wiring import App, StartupError, build_app
from escalation.ports import DESK_CHANNEL
from handlers.console.chat import (
    CONSOLE_CHANNEL,
    ConsoleBuyerSender,
    ConsoleChat,
    ConsoleDeskSender,
    ConsoleSession,
)
from handlers.i18n import Translator
from knowledge.content import ContentProblem

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.storage.inbox import SqlInbox

logger = logging.getLogger(__name__)


def _print(text: str) -> None:
    print(text, flush=True)


@contextlib.asynccontextmanager
async def _live_reload(app: App) -> AsyncIterator[None]:
    """Watch the FAQ, data and complaint files; a rejected edit is logged and sent to the admins."""
    if not app.settings.faq.live_reload:
        yield
        return

    def reporter(what: str) -> Callable[[list[ContentProblem]], Awaitable[None]]:
        async def report(problems: list[ContentProblem]) -> None:
            if not problems:
                logger.info("%s reloaded", what)
                return
            logger.error(
                "%s reload rejected, still serving the last good version:\n%s",
                what,
                "\n".join(str(problem) for problem in problems),
            )
            await notify_admins(app.sessions, app.clock, reload_rejected_text(problems))
            app.relay.wake()

        return report

    settings = app.settings
    tasks = [
        asyncio.create_task(
            app.knowledge.watch([settings.faq.dir, settings.faq.data_dir], reporter("FAQ")),
            name="faq-live-reload",
        ),
        asyncio.create_task(
            app.complaints.watch([settings.complaints.dir], reporter("complaint phrases")),
            name="complaints-live-reload",
        ),
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def run_console_chat(settings: Settings, *, chat_language: str | None, country: str | None) -> int:
    """The zero-token default: a buyer chat in this terminal, agents shown inline."""
    session = ConsoleSession()
    translator = Translator()
    senders: dict[str, ChannelSender] = {
        CONSOLE_CHANNEL: ConsoleBuyerSender(session, _print, translator),
        DESK_CHANNEL: ConsoleDeskSender(session, _print),
    }
    app = await build_app(settings, senders=senders)
    try:
        chat = ConsoleChat(
            app.desk,
            app.relay.run_once,
            session,
            app.clock,
            _print,
            chat_language=chat_language,
            country=country.upper() if country else None,
        )
        await app.start_background()
        # Anything queued by an earlier crashed session is delivered first.
        await app.relay.run_once()
        async with _live_reload(app):
            await chat.run()
    finally:
        await app.close()
    return 0


async def run_channels(settings: Settings) -> int:
    """Serve buyers on Telegram, and agents on Slack when configured (else tickets wait in the database)."""
    telegram = settings.telegram
    if telegram.token is None:
        raise StartupError(
            "no channel to serve: set [telegram] token (or BORDERDESK_TELEGRAM__TOKEN); "
            "to try BorderDesk without tokens run `borderdesk chat`"
        )
    from bot.storage.database import create_engine, session_factory  # noqa: PLC0415
    from bot.storage.inbox import SqlInbox  # noqa: PLC0415
    from bot.storage.sent_messages import SqlSentMessages  # noqa: PLC0415
    from escalation.sla import SystemClock  # noqa: PLC0415
    from handlers.telegram import TELEGRAM_CHANNEL  # noqa: PLC0415
    from handlers.telegram.sender import TelegramSender  # noqa: PLC0415
    from handlers.telegram.serve import create_bot  # noqa: PLC0415

    clock = SystemClock()
    engine = create_engine(settings.database)
    sessions = session_factory(engine)
    inbox = SqlInbox(sessions, clock)
    bot = create_bot(telegram.token.get_secret_value(), telegram.api_base_url)

    async def blocked(chat_id: str) -> None:
        await inbox.set_blocked(TELEGRAM_CHANNEL, chat_id, blocked=True)

    # The sender looks up an edited reply's Telegram id in the outbox (agents' edits in Slack).
    telegram_sender = TelegramSender(
        bot, Translator(), on_blocked=blocked, sent_messages=SqlSentMessages(sessions)
    )
    try:
        app = await build_app(
            settings, senders={TELEGRAM_CHANNEL: telegram_sender}, clock=clock, engine=engine
        )
    except BaseException:
        await bot.session.close()
        await engine.dispose()
        raise
    background = [asyncio.create_task(app.relay.run_forever(), name="outbox-relay")]
    stop_slack = asyncio.Event()
    if settings.slack.enabled:
        background.append(_start_slack(app, bot, telegram_sender, stop_slack))
    try:
        await app.start_background()
        async with _live_reload(app):
            await _serve_telegram(app, bot, inbox)
    finally:
        stop_slack.set()
        for task in background:
            task.cancel()
        for task in background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await bot.session.close()
        await app.close()
    return 0


def _start_slack(
    app: App, bot: Bot, telegram_sender: ChannelSender, stop: asyncio.Event
) -> asyncio.Task[None]:
    """The agents' side: Slack delivers the desk outbox and receives thread replies and buttons."""
    from handlers.slack.runner import serve_slack, slack_senders  # noqa: PLC0415
    from handlers.telegram import TELEGRAM_CHANNEL  # noqa: PLC0415
    from handlers.telegram.files import TelegramFiles  # noqa: PLC0415

    app.relay.add_senders(
        slack_senders(
            app.settings,
            sessions=app.sessions,
            clock=app.clock,
            buyer_senders={TELEGRAM_CHANNEL: telegram_sender},
            files=TelegramFiles(bot),
            observer=app.desk.services.observer,
        )
    )
    return asyncio.create_task(serve_slack(app, stop), name="slack")


async def _serve_telegram(app: App, bot: Bot, inbox: SqlInbox) -> None:
    from handlers.telegram.dispatcher import build_dispatcher  # noqa: PLC0415
    from handlers.telegram.flood import FloodControl  # noqa: PLC0415
    from handlers.telegram.serve import replay_pending, run_polling, run_webhook  # noqa: PLC0415

    telegram = app.settings.telegram
    dispatcher = build_dispatcher(
        desk=app.desk,
        inbox=inbox,
        clock=app.clock,
        flood=FloodControl(telegram.flood_messages, telegram.flood_seconds),
        wake=app.relay.wake,
    )
    # Updates stored but not processed before a crash are handled first.
    await replay_pending(dispatcher, bot, inbox)
    if telegram.mode == "webhook":
        assert telegram.webhook_url is not None  # the config validator requires both in webhook mode
        assert telegram.webhook_secret is not None
        host, _, port = telegram.listen.rpartition(":")
        await run_webhook(
            dispatcher,
            bot,
            inbox,
            webhook_url=telegram.webhook_url,
            secret=telegram.webhook_secret.get_secret_value(),
            host=host.strip("[]") or "127.0.0.1",
            port=int(port),
        )
    else:
        await run_polling(dispatcher, bot)
