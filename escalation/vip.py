"""The VIP rule: who gets faster handling, and what that means for a ticket's priority."""

from __future__ import annotations

from dataclasses import dataclass

from escalation.ports import ConversationRecord
from escalation.priority import Priority

VIP_TIER = "vip"


@dataclass(frozen=True)
class VipPolicy:
    """A buyer is VIP above a yearly spend or from a number of repeat orders (tiers come from orders)."""

    yearly_spend: float = 500.0
    repeat_orders: int = 4
    raise_priority: bool = True

    def tier_for(self, *, yearly_spend: float, orders: int) -> str:
        return VIP_TIER if yearly_spend > self.yearly_spend or orders >= self.repeat_orders else "standard"

    def is_vip(self, conversation: ConversationRecord) -> bool:
        return conversation.tier == VIP_TIER

    def escalated(self, priority: Priority, *, vip: bool) -> Priority:
        """VIP buyers move up one level when the policy says so."""
        return priority.raised() if vip and self.raise_priority else priority
