"""Inline button presses: feedback, "talk to a human", "did you mean", language choice."""

from __future__ import annotations

import contextlib

from aiogram import Router
from aiogram.exceptions import ClientDecodeError, TelegramAPIError
from aiogram.types import CallbackQuery, Message

from escalation.conversation import ActionKind
from escalation.desk import BuyerDesk
from escalation.sla import Clock
from handlers.telegram.callbacks import Button
from handlers.telegram.incoming import button_message

# Answering a press and removing its buttons are cosmetic: a Bot API that refuses or answers oddly
# (an expired query, a non-standard server) must not stop the press from being handled.
_COSMETIC = (TelegramAPIError, ClientDecodeError)
# Pressed once, these buttons have done their job; the others may still be wanted later.
_ONE_SHOT = {ActionKind.HELPFUL, ActionKind.NOT_HELPFUL, ActionKind.LANGUAGE}


async def on_button(callback: CallbackQuery, callback_data: Button, desk: BuyerDesk, clock: Clock) -> None:
    with contextlib.suppress(*_COSMETIC):  # a query older than a few minutes cannot be answered
        await callback.answer()
    message = button_message(callback, now=clock.now())
    kind = callback_data.kind
    match kind:
        case ActionKind.HUMAN:
            await desk.request_human(message)
        case ActionKind.SUGGESTION:
            await desk.choose_suggestion(message, callback_data.value)
        case ActionKind.HELPFUL | ActionKind.NOT_HELPFUL:
            await desk.feedback(message, callback_data.value, helpful=kind is ActionKind.HELPFUL)
        case ActionKind.LANGUAGE:
            await desk.choose_language(message, callback_data.value)
        case None:
            return
    if kind in _ONE_SHOT and isinstance(callback.message, Message):
        with contextlib.suppress(*_COSMETIC):
            await callback.message.edit_reply_markup(reply_markup=None)


async def on_unknown_button(callback: CallbackQuery) -> None:
    """Buttons from an older version of the bot: stop the spinner, do nothing else."""
    with contextlib.suppress(*_COSMETIC):
        await callback.answer()


def buttons_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_button, Button.filter())
    router.callback_query.register(on_unknown_button)
    return router
