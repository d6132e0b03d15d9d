"""Tickets: the life cycle of a conversation handed to human agents."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from escalation.priority import Priority


class TicketState(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    WAITING_FOR_BUYER = "waiting_for_buyer"
    RESOLVED = "resolved"

    @property
    def is_active(self) -> bool:
        return self is not TicketState.RESOLVED


class TicketReason(StrEnum):
    COMPLAINT = "complaint"
    HUMAN_REQUEST = "human_request"


class TicketEventKind(StrEnum):
    OPENED = "opened"
    CLAIMED = "claimed"
    UNCLAIMED = "unclaimed"
    WAITING_FOR_BUYER = "waiting_for_buyer"
    BUYER_REPLIED = "buyer_replied"
    AGENT_REPLIED = "agent_replied"
    PRIORITY_CHANGED = "priority_changed"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    BACK_TO_BOT = "back_to_bot"
    POSTED_TO_DESK = "posted_to_desk"
    SLA_REMINDER = "sla_reminder"
    SLA_BREACH = "sla_breach"


class InvalidTransitionError(ValueError):
    """A ticket cannot move from its state to the one asked for."""


_TRANSITIONS: dict[TicketState, frozenset[TicketState]] = {
    TicketState.OPEN: frozenset({TicketState.CLAIMED, TicketState.WAITING_FOR_BUYER, TicketState.RESOLVED}),
    TicketState.CLAIMED: frozenset({TicketState.OPEN, TicketState.WAITING_FOR_BUYER, TicketState.RESOLVED}),
    TicketState.WAITING_FOR_BUYER: frozenset({TicketState.OPEN, TicketState.CLAIMED, TicketState.RESOLVED}),
    TicketState.RESOLVED: frozenset({TicketState.OPEN}),  # reopened
}


def check_transition(current: TicketState, target: TicketState) -> None:
    """Raise InvalidTransitionError unless `current → target` is a move the life cycle allows."""
    if target not in _TRANSITIONS[current]:
        raise InvalidTransitionError(f"a ticket cannot go from {current} to {target}")


@dataclass(frozen=True)
class TicketView:
    """What the domain knows of a ticket; storage builds it, adapters render it."""

    id: int
    conversation_id: int
    state: TicketState
    priority: Priority
    reason: TicketReason
    opened_at: datetime
    category: str | None = None
    language: str | None = None
    claimed_by: str | None = None
    desk_channel: str | None = None
    desk_thread: str | None = None
    resolved_at: datetime | None = None
    first_response_at: datetime | None = None
    previous_ticket_id: int | None = None


@dataclass(frozen=True)
class TranscriptLine:
    author: str  # "buyer" | "bot" | "agent"
    text: str
    at: datetime
    author_name: str | None = None


@dataclass(frozen=True)
class HandOff:
    """Everything an agent needs to pick a ticket up without scrolling back."""

    ticket: TicketView
    buyer_name: str | None
    language: str
    country: str | None
    vip: bool
    matched_phrases: tuple[str, ...]
    transcript: tuple[TranscriptLine, ...]
    first_response_due: datetime
    buyer_local_time: datetime | None = None
    order: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_payload(self) -> dict[str, Any]:
        """A JSON-ready snapshot, as queued for the agents' desk."""
        return {
            "ticket": {
                **{k: v for k, v in asdict(self.ticket).items() if not isinstance(v, datetime)},
                "opened_at": self.ticket.opened_at.isoformat(),
            },
            "buyer_name": self.buyer_name,
            "language": self.language,
            "country": self.country,
            "vip": self.vip,
            "matched_phrases": list(self.matched_phrases),
            "transcript": [
                {
                    "author": line.author,
                    "text": line.text,
                    "at": line.at.isoformat(),
                    "author_name": line.author_name,
                }
                for line in self.transcript
            ],
            "first_response_due": self.first_response_due.isoformat(),
            "buyer_local_time": self.buyer_local_time.isoformat() if self.buyer_local_time else None,
            "order": self.order,
            "notes": list(self.notes),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> HandOff:
        raw = dict(payload["ticket"])
        ticket = TicketView(
            id=int(raw["id"]),
            conversation_id=int(raw["conversation_id"]),
            state=TicketState(raw["state"]),
            priority=Priority(raw["priority"]),
            reason=TicketReason(raw["reason"]),
            opened_at=datetime.fromisoformat(raw["opened_at"]),
            category=raw.get("category"),
            language=raw.get("language"),
            claimed_by=raw.get("claimed_by"),
            desk_channel=raw.get("desk_channel"),
            desk_thread=raw.get("desk_thread"),
            previous_ticket_id=raw.get("previous_ticket_id"),
        )
        local = payload.get("buyer_local_time")
        return cls(
            ticket=ticket,
            buyer_name=payload.get("buyer_name"),
            language=str(payload["language"]),
            country=payload.get("country"),
            vip=bool(payload.get("vip")),
            matched_phrases=tuple(payload.get("matched_phrases") or ()),
            transcript=tuple(
                TranscriptLine(
                    author=line["author"],
                    text=line["text"],
                    at=datetime.fromisoformat(line["at"]),
                    author_name=line.get("author_name"),
                )
                for line in payload.get("transcript") or ()
            ),
            first_response_due=datetime.fromisoformat(payload["first_response_due"]),
            buyer_local_time=datetime.fromisoformat(local) if local else None,
            order=payload.get("order"),
            notes=tuple(payload.get("notes") or ()),
        )
