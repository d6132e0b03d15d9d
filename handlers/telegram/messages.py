"""Anything a buyer writes or sends (text, photos, files, stickers…), and edits of it."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import Message

from escalation.desk import BuyerDesk
from handlers.telegram.incoming import buyer_message


async def on_message(message: Message, desk: BuyerDesk) -> None:
    await desk.handle(buyer_message(message))


async def on_edited(message: Message, desk: BuyerDesk) -> None:
    # The desk relays an edit to the agents during a ticket and answers it afresh otherwise.
    await desk.handle(buyer_message(message, edited=True))


def messages_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.edited_message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(on_message)
    router.edited_message.register(on_edited)
    return router
