"""The languages BorderDesk supports: one list, used by detection, content validation and i18n."""

from __future__ import annotations

from typing import Final

SUPPORTED_LANGUAGES: Final[tuple[str, ...]] = (
    "en", "de", "fr", "es", "it", "pt", "nl", "pl", "ru", "uk",
    "tr", "ar", "he", "ja", "ko", "zh", "th", "vi", "id", "sv",
)  # fmt: skip

# Languages written without spaces between words: matching works on characters, not words.
UNSPACED_LANGUAGES: Final[frozenset[str]] = frozenset({"ja", "zh", "th"})

RIGHT_TO_LEFT_LANGUAGES: Final[frozenset[str]] = frozenset({"ar", "he"})


def is_supported(code: str) -> bool:
    return code in SUPPORTED_LANGUAGES
