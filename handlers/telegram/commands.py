"""Commands: /start (greeting and language picker), /language [code], /human, /help."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message

from escalation.desk import BuyerDesk
from handlers.telegram.incoming import buyer_message


async def on_start(message: Message, desk: BuyerDesk) -> None:
    await desk.start(buyer_message(message))


async def on_language(message: Message, command: CommandObject, desk: BuyerDesk) -> None:
    if command.args and command.args.strip():
        await desk.choose_language(buyer_message(message), command.args.strip().lower())
    else:
        await desk.pick_language(buyer_message(message))


async def on_human(message: Message, desk: BuyerDesk) -> None:
    await desk.request_human(buyer_message(message))


def commands_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(on_start, CommandStart())
    router.message.register(on_start, Command("help"))
    router.message.register(on_language, Command("language"))
    router.message.register(on_human, Command("human"))
    return router
