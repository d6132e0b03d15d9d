"""`DeskStore` over SQLAlchemy: one AsyncSession per unit of work; only `commit()` commits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import models
from bot.storage.outbox_rows import outgoing_values, pending_values
from escalation.conversation import BuyerMessage, Reply
from escalation.ports import (
    ConversationRecord,
    DeskStore,
    Outgoing,
    OutgoingKind,
    RelayedMessage,
    TicketChange,
)
from escalation.priority import Priority
from escalation.tickets import (
    TicketEventKind,
    TicketReason,
    TicketState,
    TicketView,
    TranscriptLine,
)


def ticket_view(row: models.Ticket) -> TicketView:
    return TicketView(
        id=row.id,
        conversation_id=row.conversation_id,
        state=TicketState(row.state),
        priority=Priority(row.priority),
        reason=TicketReason(row.reason),
        opened_at=row.opened_at,
        category=row.category,
        language=row.language,
        claimed_by=row.claimed_by,
        desk_channel=row.desk_channel,
        desk_thread=row.desk_thread,
        resolved_at=row.resolved_at,
        first_response_at=row.first_response_at,
        previous_ticket_id=row.previous_ticket_id,
    )


def _conversation_record(conversation: models.Conversation, buyer: models.Buyer) -> ConversationRecord:
    return ConversationRecord(
        id=conversation.id,
        buyer_id=buyer.id,
        channel=conversation.channel,
        chat_id=conversation.channel_chat_id,
        language=conversation.language,
        language_explicit=buyer.language_explicit,
        buyer_name=buyer.display_name,
        country=buyer.country,
        timezone=buyer.timezone,
        tier=buyer.tier,
    )


class SqlDeskStore(DeskStore):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def conversation_for(self, message: BuyerMessage, *, now: datetime) -> ConversationRecord:
        buyer = await self.session.scalar(
            select(models.Buyer).where(
                models.Buyer.channel == message.channel, models.Buyer.channel_user_id == message.sender_id
            )
        )
        if buyer is None:
            buyer = models.Buyer(
                channel=message.channel,
                channel_user_id=message.sender_id,
                display_name=message.sender_name,
                chat_language=message.chat_language,
                country=message.country,
                language_explicit=False,
                tier="standard",
                created_at=now,
                updated_at=now,
            )
            self.session.add(buyer)
            await self.session.flush()
        else:
            if message.sender_name and buyer.display_name != message.sender_name:
                buyer.display_name = message.sender_name
                buyer.updated_at = now
            if message.country and buyer.country is None:
                buyer.country = message.country
                buyer.updated_at = now
        conversation = await self.session.scalar(
            select(models.Conversation).where(
                models.Conversation.channel == message.channel,
                models.Conversation.channel_chat_id == message.chat_id,
            )
        )
        if conversation is None:
            conversation = models.Conversation(
                buyer_id=buyer.id,
                channel=message.channel,
                channel_chat_id=message.chat_id,
                language=buyer.language if buyer.language_explicit else None,
                created_at=now,
                last_message_at=now,
            )
            self.session.add(conversation)
            await self.session.flush()
        return _conversation_record(conversation, buyer)

    async def conversation(self, conversation_id: int) -> ConversationRecord | None:
        conversation = await self.session.get(models.Conversation, conversation_id)
        if conversation is None:
            return None
        buyer = await self.session.get(models.Buyer, conversation.buyer_id)
        return None if buyer is None else _conversation_record(conversation, buyer)

    async def set_language(self, conversation_id: int, language: str, *, explicit: bool) -> None:
        conversation = await self.session.get(models.Conversation, conversation_id)
        if conversation is None:
            return
        conversation.language = language
        if explicit:
            buyer = await self.session.get(models.Buyer, conversation.buyer_id)
            if buyer is not None:
                buyer.language = language
                buyer.language_explicit = True

    async def record_inbound(
        self, conversation: ConversationRecord, message: BuyerMessage, *, language: str, ticket_id: int | None
    ) -> bool:
        if message.message_id is not None and not message.edited:
            existing = await self.session.scalar(
                select(models.Message.id).where(
                    models.Message.conversation_id == conversation.id,
                    models.Message.direction == "in",
                    models.Message.channel_message_id == message.message_id,
                )
            )
            if existing is not None:
                return False
        row = models.Message(
            conversation_id=conversation.id,
            ticket_id=ticket_id,
            direction="in",
            author="buyer",
            author_name=message.sender_name,
            kind=message.kind.value,
            text=message.text,
            language=language,
            # An edit keeps its original message id in `reply_to…`-free form: store it as a new row
            # keyed by id+"#edit", so the unique constraint still catches redelivered edits.
            channel_message_id=(
                f"{message.message_id}#edit@{message.sent_at.timestamp():.0f}"
                if message.edited and message.message_id
                else message.message_id
            ),
            reply_to_channel_message_id=message.reply_to_message_id,
            created_at=message.sent_at,
            edited_at=message.sent_at if message.edited else None,
        )
        try:
            async with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            return False  # a concurrent worker stored the same message first
        conv = await self.session.get(models.Conversation, conversation.id)
        if conv is not None:
            conv.last_message_at = message.sent_at
        return True

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
        row = models.Message(
            conversation_id=conversation.id,
            ticket_id=ticket_id,
            direction="out",
            author=author,
            author_name=author_name,
            kind="text",
            text=reply.text if reply.text is not None else reply.key.value,
            language=reply.language,
            faq_id=faq_id,
            created_at=at,
        )
        self.session.add(row)
        await self.session.flush()
        self.session.add(
            models.OutboxItem(
                **pending_values(
                    channel=conversation.channel,
                    destination=conversation.chat_id,
                    payload={"kind": OutgoingKind.REPLY.value, "reply": reply.to_payload()},
                    at=at,
                    message_id=row.id,
                    ticket_id=ticket_id,
                    dedup_key=dedup_key,
                )
            )
        )

    async def enqueue(self, item: Outgoing, *, at: datetime) -> None:
        self.session.add(models.OutboxItem(**outgoing_values(item, at=at)))

    async def active_ticket(self, conversation_id: int) -> TicketView | None:
        row = await self.session.scalar(
            select(models.Ticket).where(models.Ticket.open_conversation_id == conversation_id)
        )
        return None if row is None else ticket_view(row)

    async def last_resolved_ticket(self, conversation_id: int) -> TicketView | None:
        row = await self.session.scalar(
            select(models.Ticket)
            .where(
                models.Ticket.conversation_id == conversation_id,
                models.Ticket.state == TicketState.RESOLVED.value,
            )
            .order_by(models.Ticket.resolved_at.desc(), models.Ticket.id.desc())
            .limit(1)
        )
        return None if row is None else ticket_view(row)

    async def ticket(self, ticket_id: int) -> TicketView | None:
        row = await self.session.get(models.Ticket, ticket_id)
        return None if row is None else ticket_view(row)

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
    ) -> TicketView:
        row = models.Ticket(
            conversation_id=conversation.id,
            open_conversation_id=conversation.id,
            buyer_id=conversation.buyer_id,
            previous_ticket_id=previous_ticket_id,
            state=TicketState.OPEN.value,
            priority=priority.value,
            reason=reason.value,
            category=category,
            matched={"phrases": list(matched)},
            language=language,
            opened_at=at,
            updated_at=at,
        )
        self.session.add(row)
        await self.session.flush()
        self.session.add(
            models.TicketEvent(
                ticket_id=row.id,
                kind=TicketEventKind.OPENED.value,
                actor="buyer",
                data={"priority": priority.value, "reason": reason.value, "category": category},
                at=at,
            )
        )
        return ticket_view(row)

    async def change_ticket(self, ticket_id: int, change: TicketChange) -> TicketView:
        row = await self.session.get(models.Ticket, ticket_id)
        if row is None:
            raise LookupError(f"ticket {ticket_id} does not exist")
        data: dict[str, Any] = dict(change.data)
        if change.state is not None and change.state.value != row.state:
            data["from"] = row.state
            data["to"] = change.state.value
            row.state = change.state.value
            if change.state is TicketState.RESOLVED:
                row.resolved_at = change.at
                row.open_conversation_id = None
            elif row.open_conversation_id is None:
                row.open_conversation_id = row.conversation_id
                row.resolved_at = None
        if change.priority is not None and change.priority.value != row.priority:
            data["priority_from"] = row.priority
            data["priority_to"] = change.priority.value
            row.priority = change.priority.value
        if change.claimed_by is not None:
            row.claimed_by = change.claimed_by
        if change.clear_claim:
            row.claimed_by = None
        if change.first_response_at is not None and row.first_response_at is None:
            row.first_response_at = change.first_response_at
        row.updated_at = change.at
        self.session.add(
            models.TicketEvent(
                ticket_id=row.id, kind=change.event.value, actor=change.actor, data=data, at=change.at
            )
        )
        await self.session.flush()
        return ticket_view(row)

    async def transcript(self, conversation_id: int, *, limit: int) -> tuple[TranscriptLine, ...]:
        rows = (
            await self.session.scalars(
                select(models.Message)
                .where(models.Message.conversation_id == conversation_id)
                .order_by(models.Message.created_at.desc(), models.Message.id.desc())
                .limit(limit)
            )
        ).all()
        return tuple(
            TranscriptLine(
                author=row.author,
                text=row.text or f"[{row.kind}]",
                at=row.created_at,
                author_name=row.author_name,
            )
            for row in reversed(rows)
        )

    async def commit(self) -> None:
        await self.session.commit()

    # --- the agents' desk ------------------------------------------------------------------

    async def set_desk_location(
        self, ticket_id: int, *, channel: str, thread: str, at: datetime
    ) -> TicketView:
        row = await self.session.get(models.Ticket, ticket_id)
        if row is None:
            raise LookupError(f"ticket {ticket_id} does not exist")
        row.desk_channel = channel
        row.desk_thread = thread
        row.updated_at = at
        self.session.add(
            models.TicketEvent(
                ticket_id=row.id,
                kind=TicketEventKind.POSTED_TO_DESK.value,
                actor="bot",
                data={"channel": channel, "thread": thread},
                at=at,
            )
        )
        await self.session.flush()
        return ticket_view(row)

    async def ticket_by_desk_thread(self, channel: str, thread: str) -> TicketView | None:
        row = await self.session.scalar(
            select(models.Ticket)
            .where(models.Ticket.desk_channel == channel, models.Ticket.desk_thread == thread)
            .order_by(models.Ticket.id.desc())
            .limit(1)
        )
        return None if row is None else ticket_view(row)

    async def handoff_payload(self, ticket_id: int) -> dict[str, Any] | None:
        return await self.session.scalar(
            select(models.OutboxItem.payload).where(models.OutboxItem.dedup_key == f"handoff:{ticket_id}")
        )

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
        if await self.relayed(desk_ref) is not None:
            return None
        try:
            async with self.session.begin_nested():
                row = models.Message(
                    conversation_id=conversation.id,
                    ticket_id=ticket_id,
                    direction="out",
                    author="agent",
                    author_name=author_name,
                    kind="text",
                    text=reply.text,
                    language=reply.language,
                    created_at=at,
                )
                self.session.add(row)
                await self.session.flush()
                item = models.OutboxItem(
                    **pending_values(
                        channel=conversation.channel,
                        destination=conversation.chat_id,
                        # desk_ref travels with the row so the outcome can be marked on the desk message.
                        payload={
                            "kind": OutgoingKind.REPLY.value,
                            "reply": reply.to_payload(),
                            "desk_ref": desk_ref,
                        },
                        at=at,
                        message_id=row.id,
                        ticket_id=ticket_id,
                        dedup_key=_relayed_key(desk_ref),
                    )
                )
                self.session.add(item)
                await self.session.flush()
        except IntegrityError:
            return None  # a concurrent worker relayed the same desk message first
        return item.id

    async def relayed(self, desk_ref: str) -> RelayedMessage | None:
        row = await self.session.scalar(
            select(models.OutboxItem).where(models.OutboxItem.dedup_key == _relayed_key(desk_ref))
        )
        if row is None:
            return None
        message = await self.session.get(models.Message, row.message_id) if row.message_id else None
        return RelayedMessage(
            outbox_id=row.id,
            conversation_id=message.conversation_id if message else 0,
            ticket_id=row.ticket_id,
            channel=row.channel,
            destination=row.destination,
            reply=dict(row.payload.get("reply") or {}),
            channel_message_id=row.channel_message_id,
        )


def _relayed_key(desk_ref: str) -> str:
    return f"relayed:{desk_ref}"


def desk_store_factory(sessions: async_sessionmaker[AsyncSession]) -> Any:
    """A `DeskStoreFactory`: each use opens a session, rolls back whatever was not committed."""

    @asynccontextmanager
    async def open_store() -> AsyncIterator[SqlDeskStore]:
        async with sessions() as session:
            try:
                yield SqlDeskStore(session)
            finally:
                if session.in_transaction():
                    await session.rollback()

    return open_store
