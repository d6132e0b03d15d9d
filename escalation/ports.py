"""What the conversation engine needs from the outside world, declared as small Protocols.

`bot.storage` implements `DeskStore` over SQLAlchemy; tests implement it in memory. Nothing here
knows about Telegram, Slack or SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from escalation.conversation import BuyerMessage, Reply
from escalation.priority import Priority
from escalation.tickets import TicketEventKind, TicketReason, TicketState, TicketView, TranscriptLine

# The channel name under which everything addressed to human agents is queued; the agents' desk
# (Slack, or the console's agent view) delivers it.
DESK_CHANNEL = "desk"


@dataclass(frozen=True)
class ConversationRecord:
    id: int
    buyer_id: int
    channel: str
    chat_id: str
    language: str | None
    language_explicit: bool
    buyer_name: str | None = None
    country: str | None = None
    timezone: str | None = None
    tier: str = "standard"


class OutgoingKind(StrEnum):
    REPLY = "reply"  # to the buyer
    HANDOFF = "handoff"  # a new ticket for the agents
    BUYER_MESSAGE = "buyer_message"  # a buyer's follow-up, for the ticket's thread
    TICKET_UPDATE = "ticket_update"  # state/priority changed: refresh the agents' view
    SLA_ALERT = "sla_alert"  # a response-time reminder or breach for the agents
    ADMIN_NOTICE = "admin_notice"  # for the admins, not about a ticket (e.g. a rejected FAQ reload)
    # An agent edited a relayed message, for the buyer's channel: {"kind": "reply_edit",
    # "reply": <Reply payload with the new text>, "edit_of": <outbox id of the original reply>,
    # "desk_ref": ...}. A channel that cannot edit answers Undeliverable (the agent sees ⚠️).
    REPLY_EDIT = "reply_edit"


@dataclass(frozen=True)
class Outgoing:
    """One message to deliver later through the outbox (buyer channel or the agents' desk)."""

    channel: str
    destination: str
    kind: OutgoingKind
    payload: Mapping[str, Any]
    ticket_id: int | None = None
    dedup_key: str | None = None


@dataclass(frozen=True)
class TicketChange:
    event: TicketEventKind
    actor: str
    at: datetime
    state: TicketState | None = None
    priority: Priority | None = None
    claimed_by: str | None = None
    clear_claim: bool = False
    first_response_at: datetime | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RelayedMessage:
    """An agent's desk message as relayed to the buyer: where it went and what the buyer got."""

    outbox_id: int
    conversation_id: int
    ticket_id: int | None
    channel: str
    destination: str
    reply: Mapping[str, Any]
    channel_message_id: str | None


class DeskStore(Protocol):
    """One unit of work: everything done through it lands together on `commit()`, or not at all."""

    async def conversation_for(self, message: BuyerMessage, *, now: datetime) -> ConversationRecord:
        """The buyer's conversation on that chat, created on first contact."""
        ...

    async def conversation(self, conversation_id: int) -> ConversationRecord | None: ...

    async def set_language(self, conversation_id: int, language: str, *, explicit: bool) -> None: ...

    async def record_inbound(
        self, conversation: ConversationRecord, message: BuyerMessage, *, language: str, ticket_id: int | None
    ) -> bool:
        """Store a buyer message; False when that channel message was stored before (a redelivery)."""
        ...

    async def record_outbound(
        self,
        conversation: ConversationRecord,
        reply: Reply,
        *,
        author: str,
        at: datetime,
        ticket_id: int | None = None,
        author_name: str | None = None,
        faq_id: str | None = None,
        dedup_key: str | None = None,
    ) -> None:
        """Store a message to the buyer and queue it in the outbox."""
        ...

    async def enqueue(self, item: Outgoing, *, at: datetime) -> None: ...

    async def active_ticket(self, conversation_id: int) -> TicketView | None: ...

    async def last_resolved_ticket(self, conversation_id: int) -> TicketView | None: ...

    async def ticket(self, ticket_id: int) -> TicketView | None: ...

    async def create_ticket(
        self,
        conversation: ConversationRecord,
        *,
        priority: Priority,
        reason: TicketReason,
        category: str | None,
        matched: tuple[str, ...],
        language: str,
        at: datetime,
        previous_ticket_id: int | None = None,
    ) -> TicketView: ...

    async def change_ticket(self, ticket_id: int, change: TicketChange) -> TicketView: ...

    async def transcript(self, conversation_id: int, *, limit: int) -> tuple[TranscriptLine, ...]: ...

    async def commit(self) -> None: ...

    # --- the agents' desk (Slack) ----------------------------------------------------------

    async def set_desk_location(
        self, ticket_id: int, *, channel: str, thread: str, at: datetime
    ) -> TicketView:
        """Where the ticket's post lives on the agents' desk (Slack channel and thread ts)."""
        ...

    async def ticket_by_desk_thread(self, channel: str, thread: str) -> TicketView | None: ...

    async def handoff_payload(self, ticket_id: int) -> Mapping[str, Any] | None:
        """The hand-off snapshot queued when the ticket opened (to re-render its post)."""
        ...

    async def record_relayed(
        self,
        conversation: ConversationRecord,
        reply: Reply,
        *,
        desk_ref: str,
        author_name: str,
        at: datetime,
        ticket_id: int,
    ) -> int | None:
        """Store and queue an agent's message to the buyer, keyed by its desk message (`desk_ref`).

        Returns the outbox id, or None when that desk message was relayed before (a redelivery).
        """
        ...

    async def relayed(self, desk_ref: str) -> RelayedMessage | None:
        """The buyer-bound outbox row that relayed a desk message, if any."""
        ...


class DeskStoreFactory(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[DeskStore]: ...
