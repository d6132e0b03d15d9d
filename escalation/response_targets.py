"""First-response deadlines for new tickets, from the SLA policies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from escalation.priority import Priority
from escalation.sla import SlaPolicies


@dataclass(frozen=True)
class PolicyResponseTargets:
    policies: SlaPolicies

    def first_response_due(self, priority: Priority, *, vip: bool, opened_at: datetime) -> datetime:
        policy = self.policies.for_ticket(priority, vip=vip)
        return policy.instant_after(opened_at, policy.first_response)
