"""What an agent's message in a ticket thread means: words for the buyer, an internal note, or a command.

Leaking internal talk to a buyer is the failure that matters (a forgotten note prefix sent colleague
chat to the customer), so anything ambiguous stays internal: an unknown `!word`, a marker typed with
different case or spacing, a message that opens by addressing a colleague (`@name`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from escalation.priority import Priority


class RelayMode(StrEnum):
    RELAY_BY_DEFAULT = "relay_by_default"  # the note marker keeps a message internal
    INTERNAL_BY_DEFAULT = "internal_by_default"  # only the send marker relays


class AgentCommand(StrEnum):
    CLAIM = "claim"
    RESOLVE = "resolve"
    PRIORITY = "priority"
    BACK_TO_BOT = "bot"


@dataclass(frozen=True)
class Relay:
    """Send these words to the buyer."""

    text: str


@dataclass(frozen=True)
class Internal:
    """Keep it in the thread; `reason` tells the agent why when it may have been meant for the buyer."""

    text: str
    reason: str | None = None


@dataclass(frozen=True)
class Command:
    command: AgentCommand
    priority: Priority | None = None


Classified = Relay | Internal | Command

_COMMANDS = {
    "claim": Command(AgentCommand.CLAIM),
    "resolve": Command(AgentCommand.RESOLVE),
    "p1": Command(AgentCommand.PRIORITY, Priority.P1),
    "p2": Command(AgentCommand.PRIORITY, Priority.P2),
    "p3": Command(AgentCommand.PRIORITY, Priority.P3),
    "bot": Command(AgentCommand.BACK_TO_BOT),
}
_BANG = re.compile(r"^!\s*([A-Za-z0-9_-]+)\s*(.*)$", re.DOTALL)
_ADDRESSES_COLLEAGUE = re.compile(r"^@\w")


@dataclass(frozen=True)
class RelayRules:
    mode: RelayMode = RelayMode.RELAY_BY_DEFAULT
    note_marker: str = "!note"
    send_marker: str = "!send"

    def classify(self, text: str) -> Classified:
        stripped = text.strip()
        if not stripped:
            return Internal(text)
        send = _strip_marker(stripped, self.send_marker)
        if send is not None:
            return Relay(send) if send else Internal(stripped, "nothing to send after the send marker")
        if _strip_marker(stripped, self.note_marker) is not None or self._mentions_note_marker(stripped):
            return Internal(stripped)
        bang = _BANG.match(stripped)
        if bang is not None:
            command = _COMMANDS.get(bang.group(1).lower())
            if command is not None and not bang.group(2).strip():
                return command
            return Internal(stripped, f"`!{bang.group(1)}` is not a command; nothing was sent to the buyer")
        if self.mode is RelayMode.INTERNAL_BY_DEFAULT:
            return Internal(stripped)
        if _ADDRESSES_COLLEAGUE.match(stripped):
            return Internal(stripped, "a message that starts by mentioning someone stays internal")
        return Relay(stripped)

    def _mentions_note_marker(self, text: str) -> bool:
        # "… !note" at the end, or "[!note]": the agent meant it as a note wherever the marker sits.
        return self.note_marker.lower() in text.lower()


def _strip_marker(text: str, marker: str) -> str | None:
    """The text after `marker` when it opens the message (any case, optional colon); else None."""
    if not marker or not text.lower().startswith(marker.lower()):
        return None
    rest = text[len(marker) :]
    if rest and not (rest[0].isspace() or rest[0] in ":,-"):
        return None  # "!notes" is a different word
    return rest.lstrip(":,- \t\n").strip()
