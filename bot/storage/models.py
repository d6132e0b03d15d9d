"""ORM models: the one schema, evolved only through Alembic migrations in `migrations/`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.storage.types import UtcDateTime

# Stable constraint names so migrations are reproducible on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON()}  # noqa: RUF012


class Buyer(Base):
    __tablename__ = "buyers"
    __table_args__ = (UniqueConstraint("channel", "channel_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    channel_user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(256))
    language: Mapped[str | None] = mapped_column(String(8))
    language_explicit: Mapped[bool] = mapped_column(Boolean, default=False)
    chat_language: Mapped[str | None] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(16), default="standard")
    blocked_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "channel_chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    channel_chat_id: Mapped[str] = mapped_column(String(128))
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime]
    last_message_at: Mapped[datetime]


class Message(Base):
    """Every message in and out, whoever wrote it (buyer, bot, agent)."""

    __tablename__ = "messages"
    __table_args__ = (
        # The same inbound channel message twice is one message.
        UniqueConstraint("conversation_id", "direction", "channel_message_id"),
        Index("ix_messages_conversation_created", "conversation_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # "in" | "out"
    author: Mapped[str] = mapped_column(String(16))  # "buyer" | "bot" | "agent"
    author_name: Mapped[str | None] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16), default="text")  # text, photo, document, voice, …
    text: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    channel_message_id: Mapped[str | None] = mapped_column(String(128))
    reply_to_channel_message_id: Mapped[str | None] = mapped_column(String(128))
    faq_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    edited_at: Mapped[datetime | None]


class InboxItem(Base):
    """A raw inbound update, stored before it is processed: idempotent, crash-safe intake."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))  # Telegram update_id, Slack event_id
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class OutboxItem(Base):
    """An outbound message waiting to be delivered; written in the same transaction as its cause."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedup_key"),
        Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))  # "telegram" | "slack" | "console"
    destination: Mapped[str] = mapped_column(String(256))  # chat id, or slack channel[/thread ts]
    payload: Mapped[dict[str, Any]]
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    dedup_key: Mapped[str | None] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    channel_message_id: Mapped[str | None] = mapped_column(String(128))


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        # Set while the ticket is not resolved: the database itself keeps one open ticket per conversation.
        UniqueConstraint("open_conversation_id"),
        Index("ix_tickets_state_priority", "state", "priority"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    open_conversation_id: Mapped[int | None] = mapped_column(BigInteger)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id", ondelete="CASCADE"), index=True)
    previous_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(24))
    priority: Mapped[str] = mapped_column(String(4))
    reason: Mapped[str] = mapped_column(String(24))  # "complaint" | "human_request"
    category: Mapped[str | None] = mapped_column(String(32))
    matched: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    language: Mapped[str | None] = mapped_column(String(8))
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    desk_channel: Mapped[str | None] = mapped_column(String(64))
    desk_thread: Mapped[str | None] = mapped_column(String(64), index=True)
    opened_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class TicketEvent(Base):
    """Every change of a ticket: who, what, when."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(128))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime]


class SlaClock(Base):
    """One ticket's response-time clock: the source of truth for its deadlines (the scheduler only wakes up)."""

    __tablename__ = "sla_clocks"
    __table_args__ = (UniqueConstraint("ticket_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    state: Mapped[dict[str, Any]]  # escalation.sla_service.SlaClock.to_json()
    priority: Mapped[str] = mapped_column(String(4))
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    # The earliest instant the clock wants attention; NULL while nothing is pending.
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    updated_at: Mapped[datetime]
