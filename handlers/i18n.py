"""The bot's own interface strings in every supported language: one gettext catalogue per language.

Catalogues are Babel-readable `.po` files under `handlers/locales/<lang>/LC_MESSAGES/borderdesk.po`
with stable keys as msgids (the domain's `ReplyKey` values plus button keys). They are read once at
start-up; a missing string falls back to English so a buyer never sees a raw key.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_timedelta
from babel.messages.pofile import read_po

from escalation.conversation import Action, ActionKind, Reply, ReplyKey
from knowledge.languages import SUPPORTED_LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "borderdesk"
SOURCE_LANGUAGE = "en"
# Keys that are not ReplyKeys but still need a translation in every language.
EXTRA_KEYS = ("button_helpful", "button_not_helpful", "button_human")
# Replies whose text comes from elsewhere (the FAQ) rather than from a catalogue.
_TEXT_ONLY = frozenset({ReplyKey.FAQ_ANSWER})


def required_keys() -> tuple[str, ...]:
    return tuple(key.value for key in ReplyKey if key not in _TEXT_ONLY) + EXTRA_KEYS


def catalogue_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def load_catalogue(language: str) -> Mapping[str, str]:
    path = catalogue_path(language)
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    return {str(message.id): str(message.string) for message in catalog if message.id and message.string}


class Translator:
    """Renders keys and replies into a language's words; adapters decide the markup."""

    def gettext(self, key: str, language: str, /, **params: object) -> str:
        template = load_catalogue(language).get(key) or load_catalogue(SOURCE_LANGUAGE).get(key, key)
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            # A translator's typo in a placeholder must not crash the reply: use the English one.
            return load_catalogue(SOURCE_LANGUAGE).get(key, key).format(**params)

    def render(self, reply: Reply) -> str:
        """The text of a reply in its language (FAQ answers and agent messages carry their own)."""
        if reply.key is ReplyKey.FAQ_ANSWER:
            return reply.text or ""
        params: dict[str, object] = dict(reply.params)
        if "minutes" in reply.params:
            params["wait"] = self.duration(timedelta(minutes=int(reply.params["minutes"])), reply.language)
        if reply.key is ReplyKey.LANGUAGE_CHANGED:
            params["language"] = language_name(reply.language)
        if reply.key is ReplyKey.AGENT_MESSAGE:
            params["text"] = reply.text or ""
        return self.gettext(reply.key.value, reply.language, **params)

    def button(self, action: Action, language: str) -> str:
        match action.kind:
            case ActionKind.HELPFUL:
                return self.gettext("button_helpful", language)
            case ActionKind.NOT_HELPFUL:
                return self.gettext("button_not_helpful", language)
            case ActionKind.HUMAN:
                return self.gettext("button_human", language)
            case ActionKind.SUGGESTION:
                return action.label or action.value
            case ActionKind.LANGUAGE:
                return language_name(action.value)

    @staticmethod
    def duration(value: timedelta, language: str) -> str:
        return str(format_timedelta(value, threshold=1.5, locale=_babel_locale(language)))


def language_name(code: str) -> str:
    """A language's own name for itself (Deutsch, 日本語, العربية)."""
    name = Locale.parse(_babel_locale(code)).get_display_name(_babel_locale(code)) or code
    return name[:1].upper() + name[1:]


def _babel_locale(code: str) -> str:
    return {"zh": "zh_Hans", "he": "he", "id": "id"}.get(code, code)


def supported_languages() -> tuple[str, ...]:
    return SUPPORTED_LANGUAGES
