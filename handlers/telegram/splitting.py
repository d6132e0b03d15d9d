"""Splitting long replies into Telegram-sized messages at natural boundaries."""

from __future__ import annotations

# Telegram's limit per message; counted in UTF-16 code units to be safe with emoji and astral scripts.
MESSAGE_LIMIT = 4096

_SEPARATORS = ("\n\n", "\n", " ")


def telegram_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Parts of at most `limit` units, cut at a paragraph, else a line, else a word, else anywhere."""
    parts: list[str] = []
    rest = text
    while telegram_length(rest) > limit:
        head = _fit(rest, limit)
        cut = _boundary(head)
        if cut is None:
            part, rest = head, rest[len(head) :]
        else:
            part, rest = rest[:cut], rest[cut:]
        part, rest = part.rstrip(), rest.lstrip()
        if part:
            parts.append(part)
    if rest.strip() or not parts:
        parts.append(rest)
    return parts


def _fit(text: str, limit: int) -> str:
    """The longest prefix within the limit (characters are 1 or 2 UTF-16 units)."""
    end = min(len(text), limit)
    while telegram_length(text[:end]) > limit:
        end -= 1
    return text[:end]


def _boundary(head: str) -> int | None:
    for separator in _SEPARATORS:
        index = head.rfind(separator)
        # A cut in the first quarter would leave tiny fragments; try a finer boundary instead.
        if index > len(head) // 4:
            return index
    return None
