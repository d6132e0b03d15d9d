"""Priority: the one definition of how urgent a ticket is.

Slack renders it, storage persists its value, config tunes its SLA numbers; nobody else invents one.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class Priority(StrEnum):
    """Ticket urgency; P1 is the most urgent."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"

    @property
    def rank(self) -> int:
        """1 for P1 … 3 for P3: lower is more urgent."""
        return int(self.value[1])

    def raised(self) -> Priority:
        """One level more urgent (P1 stays P1)."""
        return Priority(f"P{max(1, self.rank - 1)}")

    def lowered(self) -> Priority:
        """One level less urgent (P3 stays P3)."""
        return Priority(f"P{min(3, self.rank + 1)}")

    @classmethod
    def most_urgent(cls, *priorities: Priority) -> Priority:
        return min(priorities, key=lambda p: p.rank)


# Default first-response targets; config may change the numbers per priority, never the set.
DEFAULT_FIRST_RESPONSE: dict[Priority, timedelta] = {
    Priority.P1: timedelta(hours=1),
    Priority.P2: timedelta(hours=4),
    Priority.P3: timedelta(hours=24),
}
