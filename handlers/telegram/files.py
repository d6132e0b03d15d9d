"""Buyer files on Telegram, fetched for the agents' desk (Slack uploads a copy into the thread)."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from aiogram import Bot

# Bots may download files up to 20 MB through the Bot API (core.telegram.org/bots/faq).
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024


class TelegramFiles:
    """`FileFetcher` over the Bot API: getFile, then download."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def fetch(self, channel: str, file_id: str) -> tuple[bytes, str, str]:
        if channel != "telegram":
            raise ValueError(f"cannot fetch files of channel {channel!r}")
        file = await self._bot.get_file(file_id)
        if file.file_size is not None and file.file_size > MAX_DOWNLOAD_BYTES:
            raise ValueError(f"file is {file.file_size} bytes; bots may download at most 20 MB")
        if file.file_path is None:
            raise ValueError("Telegram gave no download path for this file")
        data = await self._bot.download_file(file.file_path)
        if data is None:
            raise ValueError("Telegram returned no content for this file")
        name = PurePosixPath(file.file_path).name or file_id
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return data.read(), name, mime
