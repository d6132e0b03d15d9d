"""Buyer files shown in the ticket thread: the buyer's channel fetches them, Slack stores a copy."""

from __future__ import annotations

from typing import NamedTuple, Protocol


class FetchedFile(NamedTuple):
    content: bytes
    filename: str
    mime: str


class FileFetcher(Protocol):
    """Implemented by a buyer channel (Telegram: getFile + download) for the desk to copy files."""

    async def fetch(self, channel: str, file_id: str) -> tuple[bytes, str, str]:
        """The file's bytes, a file name and its MIME type; raise when it cannot be fetched."""
        ...
