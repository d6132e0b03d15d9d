"""How every agent-facing channel labels a ticket's urgency (`🔴 P1 · counterfeit`)."""

from __future__ import annotations

from escalation.priority import Priority

PRIORITY_MARK = {Priority.P1: "🔴", Priority.P2: "🟠", Priority.P3: "🟡"}


def priority_tag(priority: Priority, category: str | None) -> str:
    """`🔴 P1 · counterfeit`; a ticket without a complaint category is a human request."""
    what = (category or "human request").replace("_", " ")
    return f"{PRIORITY_MARK[priority]} {priority.value} · {what}"
