"""The buttons under a reply, as an inline keyboard in the buyer's language."""

from __future__ import annotations

import logging

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from escalation.conversation import Action, ActionKind, Reply
from handlers.i18n import Translator
from handlers.telegram.callbacks import Button

logger = logging.getLogger(__name__)

LANGUAGES_PER_ROW = 3
_FEEDBACK = {ActionKind.HELPFUL, ActionKind.NOT_HELPFUL}


def keyboard(reply: Reply, translator: Translator) -> InlineKeyboardMarkup | None:
    """Language choices three to a row, feedback side by side, everything else on its own row."""
    rows: list[list[InlineKeyboardButton]] = []
    for action in reply.actions:
        button = _button(action, reply.language, translator)
        if button is None:
            continue
        previous = rows[-1] if rows else None
        if previous is not None and _shares_row(action, previous):
            previous.append(button)
        else:
            rows.append([button])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def _shares_row(action: Action, row: list[InlineKeyboardButton]) -> bool:
    first = Button.unpack(str(row[0].callback_data)).kind
    if action.kind is ActionKind.LANGUAGE and first is ActionKind.LANGUAGE:
        return len(row) < LANGUAGES_PER_ROW
    return action.kind in _FEEDBACK and first in _FEEDBACK


def _button(action: Action, language: str, translator: Translator) -> InlineKeyboardButton | None:
    try:
        data = Button.of(action).pack()
    except ValueError:  # an id too long for Telegram's 64 bytes: better no button than no reply
        logger.warning("button %s:%s does not fit in callback data; left out", action.kind, action.value)
        return None
    return InlineKeyboardButton(text=translator.button(action, language), callback_data=data)
