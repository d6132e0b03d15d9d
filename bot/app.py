"""Start-up and shutdown of the long-running modes: the console chat and the real channels."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys

from bot.config import Settings
from bot.wiring import App, StartupError, build_app
from handlers.console.chat import (
    CONSOLE_CHANNEL,
    ConsoleBuyerSender,
    ConsoleChat,
    ConsoleDeskSender,
    ConsoleSession,
)
from escalation.ports import DESK_CHANNEL
from handlers.i18n import Translator
from knowledge.content import ContentProblem

logger = logging.getLogger(__name__)


def _print(text: str) -> None:
    print(text, flush=True)


async def _report_reload(problems: list[ContentProblem]) -> None:
    if problems:
        logger.error(
            "FAQ reload rejected, still serving the last good version:\n%s",
            "\n".join(str(problem) for problem in problems),
        )
    else:
        logger.info("FAQ reloaded")


@contextlib.asynccontextmanager
async def _live_reload(app: App):  # type: ignore[no-untyped-def]
    task: asyncio.Task[None] | None = None
    if app.settings.faq.live_reload:
        paths = [app.settings.faq.dir, app.settings.faq.data_dir]
        task = asyncio.create_task(app.knowledge.watch(paths, _report_reload), name="faq-live-reload")
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def run_console_chat(settings: Settings, *, chat_language: str | None, country: str | None) -> int:
    """The zero-token default: a buyer chat in this terminal, agents shown inline."""
    session = ConsoleSession()
    translator = Translator()
    senders = {
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
        # Anything queued by an earlier crashed session is delivered first.
        await app.relay.run_once()
        async with _live_reload(app):
            await chat.run()
    finally:
        await app.close()
    return 0


async def run_channels(settings: Settings) -> int:
    """Serve buyers on Telegram (and agents on Slack once configured)."""
    if settings.telegram.token is None:
        raise StartupError(
            "no channel to serve: set [telegram] token (or BORDERDESK_TELEGRAM__TOKEN); "
            "to try BorderDesk without tokens run `borderdesk chat`"
        )
    print("the Telegram channel is not available in this build yet", file=sys.stderr)
    return 2
