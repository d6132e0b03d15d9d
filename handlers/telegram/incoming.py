"""Telegram updates as channel-agnostic `BuyerMessage`s (the only place that knows both shapes)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.types import CallbackQuery, Message, User

from escalation.conversation import Attachment, BuyerMessage, ContentKind
from handlers.telegram import TELEGRAM_CHANNEL


def buyer_message(message: Message, *, edited: bool = False) -> BuyerMessage:
    kind, attachment = _content(message)
    sent_at = message.date
    if edited and message.edit_date is not None:
        sent_at = datetime.fromtimestamp(message.edit_date, tz=UTC)
    user = message.from_user
    return BuyerMessage(
        channel=TELEGRAM_CHANNEL,
        chat_id=str(message.chat.id),
        sender_id=str(user.id if user else message.chat.id),
        sender_name=user.full_name if user else None,
        text=message.text if message.text is not None else message.caption,
        sent_at=_aware(sent_at),
        kind=kind,
        message_id=str(message.message_id),
        chat_language=_language(user),
        reply_to_message_id=str(message.reply_to_message.message_id) if message.reply_to_message else None,
        attachment=attachment,
        edited=edited,
    )


def button_message(callback: CallbackQuery, *, now: datetime) -> BuyerMessage:
    """A button press as a message without text or id: the inbox, not the message table, dedupes it."""
    chat_id = callback.message.chat.id if callback.message is not None else callback.from_user.id
    return BuyerMessage(
        channel=TELEGRAM_CHANNEL,
        chat_id=str(chat_id),
        sender_id=str(callback.from_user.id),
        sender_name=callback.from_user.full_name,
        text=None,
        sent_at=now,
        chat_language=_language(callback.from_user),
    )


def _language(user: User | None) -> str | None:
    return user.language_code if user else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _content(message: Message) -> tuple[ContentKind, Attachment | None]:
    if message.text is not None:
        return ContentKind.TEXT, None
    if message.photo:
        largest = message.photo[-1]  # Telegram lists sizes smallest first
        return ContentKind.PHOTO, Attachment(largest.file_id, size=largest.file_size, mime_type="image/jpeg")
    if message.document is not None:
        doc = message.document
        return ContentKind.DOCUMENT, Attachment(doc.file_id, doc.file_name, doc.mime_type, doc.file_size)
    if message.voice is not None:
        voice = message.voice
        return ContentKind.VOICE, Attachment(voice.file_id, None, voice.mime_type, voice.file_size)
    if message.video is not None:
        video = message.video
        return ContentKind.VIDEO, Attachment(video.file_id, video.file_name, video.mime_type, video.file_size)
    if message.sticker is not None:
        return ContentKind.STICKER, None
    if message.location is not None or message.venue is not None:
        return ContentKind.LOCATION, None
    if message.contact is not None:
        return ContentKind.CONTACT, None
    return ContentKind.OTHER, None
