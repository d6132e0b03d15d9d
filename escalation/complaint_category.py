"""Complaint categories and the one place that says how urgent each of them is."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from escalation.priority import Priority


class ComplaintCategory(StrEnum):
    """What a buyer complains about; phrase files name these, never priorities."""

    COUNTERFEIT = "counterfeit"
    FRAUD = "fraud"
    CHARGEBACK = "chargeback"
    LEGAL = "legal"
    SAFETY = "safety"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    MISSING_ITEM = "missing_item"
    REFUND_DEMAND = "refund_demand"
    RETURN_REJECTED = "return_rejected"
    LATE_DELIVERY = "late_delivery"
    TRACKING_STUCK = "tracking_stuck"
    CUSTOMS_HELD = "customs_held"

    @property
    def priority(self) -> Priority:
        return CATEGORY_PRIORITY[self]


CATEGORY_PRIORITY: Final[dict[ComplaintCategory, Priority]] = {
    ComplaintCategory.COUNTERFEIT: Priority.P1,
    ComplaintCategory.FRAUD: Priority.P1,
    ComplaintCategory.CHARGEBACK: Priority.P1,
    ComplaintCategory.LEGAL: Priority.P1,
    ComplaintCategory.SAFETY: Priority.P1,
    ComplaintCategory.DAMAGED: Priority.P2,
    ComplaintCategory.WRONG_ITEM: Priority.P2,
    ComplaintCategory.MISSING_ITEM: Priority.P2,
    ComplaintCategory.REFUND_DEMAND: Priority.P2,
    ComplaintCategory.RETURN_REJECTED: Priority.P2,
    ComplaintCategory.LATE_DELIVERY: Priority.P3,
    ComplaintCategory.TRACKING_STUCK: Priority.P3,
    ComplaintCategory.CUSTOMS_HELD: Priority.P3,
}

# Threats are conditional by nature ("if you don't answer by Friday, my lawyer…"), so an "if" in
# the sentence does not turn them into a hypothetical question.
THREAT_CATEGORIES: Final[frozenset[ComplaintCategory]] = frozenset(
    {ComplaintCategory.LEGAL, ComplaintCategory.CHARGEBACK}
)
