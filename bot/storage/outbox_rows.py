"""The one shape of a new outbox row: pending, never attempted, due at once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from escalation.ports import Outgoing


def pending_values(
    *,
    channel: str,
    destination: str,
    payload: dict[str, Any],
    at: datetime,
    message_id: int | None = None,
    ticket_id: int | None = None,
    dedup_key: str | None = None,
) -> dict[str, Any]:
    """Column values of a row queued at `at` (also usable for bulk inserts)."""
    return {
        "channel": channel,
        "destination": destination,
        "payload": payload,
        "message_id": message_id,
        "ticket_id": ticket_id,
        "dedup_key": dedup_key,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": at,
        "created_at": at,
    }


def outgoing_values(item: Outgoing, *, at: datetime) -> dict[str, Any]:
    """Column values for a domain `Outgoing`; its kind travels in the payload."""
    return pending_values(
        channel=item.channel,
        destination=item.destination,
        payload={**item.payload, "kind": item.kind.value},
        at=at,
        ticket_id=item.ticket_id,
        dedup_key=item.dedup_key,
    )
