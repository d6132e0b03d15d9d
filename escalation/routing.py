"""Which agents' channel a ticket is posted to: its language's channel, else its priority's, else the default.

One busy channel for everything is the known pain point; a language team sees its buyers whatever
the urgency (the priority tag and SLA alerts carry the urgency), and other tickets go by priority.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from escalation.priority import Priority


@dataclass(frozen=True)
class DeskRouting:
    default: str | None = None
    by_priority: Mapping[Priority, str] = field(default_factory=dict)
    by_language: Mapping[str, str] = field(default_factory=dict)
    escalation: str | None = None
    admin: str | None = None

    def channel_for(self, priority: Priority, language: str | None) -> str | None:
        """The channel for a new ticket; None when nothing is configured at all."""
        if language and language in self.by_language:
            return self.by_language[language]
        return self.by_priority.get(priority) or self.default

    def admin_channel(self) -> str | None:
        """Where admins hear about content problems (a rejected FAQ reload): admin, else default."""
        return self.admin or self.default

    def escalation_channel(self) -> str | None:
        """Where SLA breaches are re-posted (falls back to the P1 channel, then the default)."""
        return self.escalation or self.by_priority.get(Priority.P1) or self.default
