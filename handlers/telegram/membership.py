"""The buyer blocking or unblocking the bot (Telegram's my_chat_member updates)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.types import ChatMemberUpdated

from handlers.telegram import TELEGRAM_CHANNEL
from handlers.telegram.intake import Inbox


async def on_membership(event: ChatMemberUpdated, inbox: Inbox) -> None:
    blocked = event.new_chat_member.status == ChatMemberStatus.KICKED
    await inbox.set_blocked(TELEGRAM_CHANNEL, str(event.from_user.id), blocked=blocked)


def membership_router() -> Router:
    router = Router(name=__name__)
    router.my_chat_member.register(on_membership, F.chat.type == ChatType.PRIVATE)
    return router
