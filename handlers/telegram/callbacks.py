"""Button presses as compact callback data (Telegram allows at most 64 bytes)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from escalation.conversation import Action, ActionKind

# One letter per action keeps room for FAQ ids ([a-z0-9_]+) within the 64-byte limit.
_CODES = {
    ActionKind.HELPFUL: "y",
    ActionKind.NOT_HELPFUL: "n",
    ActionKind.HUMAN: "h",
    ActionKind.SUGGESTION: "s",
    ActionKind.LANGUAGE: "l",
}
_KINDS = {code: kind for kind, code in _CODES.items()}


class Button(CallbackData, prefix="b"):
    act: str
    value: str = ""

    @classmethod
    def of(cls, action: Action) -> Button:
        return cls(act=_CODES[action.kind], value=action.value)

    @property
    def kind(self) -> ActionKind | None:
        return _KINDS.get(self.act)
