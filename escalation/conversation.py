"""Channel-agnostic conversation values: what comes in from a buyer, what goes out.

Adapters convert channel updates into `BuyerMessage` at the edge and render `Reply` back; the domain
decides *what* to say (a template key, parameters, FAQ text, buttons), never *how* it looks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

# Telegram's own ceiling is 4096 characters per message; longer buyer text is kept whole in storage
# but only this much is analysed, so a 20 000-character paste cannot stall matching.
MAX_ANALYSED_CHARS = 2000


class ContentKind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"
    VIDEO = "video"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACT = "contact"
    OTHER = "other"

    @property
    def is_file(self) -> bool:
        return self in {ContentKind.PHOTO, ContentKind.DOCUMENT, ContentKind.VOICE, ContentKind.VIDEO}


@dataclass(frozen=True)
class Attachment:
    file_id: str
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class BuyerMessage:
    """One message from a buyer, whatever the channel."""

    channel: str
    chat_id: str
    sender_id: str
    text: str | None
    sent_at: datetime
    kind: ContentKind = ContentKind.TEXT
    message_id: str | None = None
    sender_name: str | None = None
    chat_language: str | None = None
    country: str | None = None  # ISO 3166 alpha-2, when the channel knows it
    reply_to_message_id: str | None = None
    attachment: Attachment | None = None
    edited: bool = False


class ActionKind(StrEnum):
    """Buttons the buyer can press; adapters encode them in their own way (callback data, numbers)."""

    HELPFUL = "helpful"
    NOT_HELPFUL = "not_helpful"
    HUMAN = "human"
    SUGGESTION = "suggestion"
    LANGUAGE = "language"


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    value: str = ""  # FAQ id for SUGGESTION, language code for LANGUAGE, FAQ id for feedback
    label: str | None = None  # domain-provided label (a suggestion's question); else the template's

    def to_payload(self) -> dict[str, str]:
        payload = {"kind": self.kind.value, "value": self.value}
        if self.label is not None:
            payload["label"] = self.label
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Action:
        return cls(ActionKind(payload["kind"]), str(payload.get("value", "")), payload.get("label"))


class ReplyKey(StrEnum):
    """Template keys of the bot's own interface strings; the FAQ provides `FAQ_ANSWER` text itself."""

    GREETING = "greeting"
    FAQ_ANSWER = "faq_answer"
    SUGGESTIONS = "suggestions"
    NO_MATCH = "no_match"
    TICKET_OPENED = "ticket_opened"
    TICKET_REOPENED = "ticket_reopened"
    TICKET_ALREADY_OPEN = "ticket_already_open"
    TICKET_RESOLVED = "ticket_resolved"
    AGENT_MESSAGE = "agent_message"
    UNSUPPORTED_CONTENT = "unsupported_content"
    FILE_OUTSIDE_TICKET = "file_outside_ticket"
    EMPTY_MESSAGE = "empty_message"
    MESSAGE_TOO_LONG = "message_too_long"
    FEEDBACK_THANKS = "feedback_thanks"
    FEEDBACK_SORRY = "feedback_sorry"
    LANGUAGE_PICKER = "language_picker"
    LANGUAGE_CHANGED = "language_changed"
    SLOW_DOWN = "slow_down"
    BACK_TO_BOT = "back_to_bot"
    WAITING_UPDATE = "waiting_update"  # one polite note to a buyer waiting past the promised time


@dataclass(frozen=True)
class Reply:
    """Something to tell the buyer: a template key with parameters, or FAQ text, plus buttons."""

    key: ReplyKey
    language: str
    text: str | None = None
    params: Mapping[str, str | int] = field(default_factory=dict)
    actions: tuple[Action, ...] = ()

    def to_payload(self) -> dict[str, Any]:
        return {
            "key": self.key.value,
            "language": self.language,
            "text": self.text,
            "params": dict(self.params),
            "actions": [action.to_payload() for action in self.actions],
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Reply:
        return cls(
            key=ReplyKey(payload["key"]),
            language=str(payload["language"]),
            text=payload.get("text"),
            params=dict(payload.get("params") or {}),
            actions=tuple(Action.from_payload(a) for a in payload.get("actions") or ()),
        )
