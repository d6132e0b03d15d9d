"""The conversation engine over the real SQL store: answers, hand-offs, relays, idempotent intake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.outbox import Delivered, DeliveryResult, Envelope, OutboxRelay, RetryLater, Undeliverable
from bot.storage import migrate, models
from bot.storage.database import session_factory
from bot.storage.desk_store import desk_store_factory
from escalation.agent_desk import AgentDesk
from escalation.conversation import ActionKind, BuyerMessage, ContentKind, ReplyKey
from escalation.desk import BuyerDesk, DeskOptions
from escalation.ports import DESK_CHANNEL, OutgoingKind
from escalation.priority import Priority
from escalation.response_targets import PolicyResponseTargets
from escalation.sla import ManualClock, SlaPolicies
from escalation.tickets import TicketState
from escalation.vip import VipPolicy
from knowledge.service import (
    KnowledgeAnswer,
    KnowledgeNoMatch,
    KnowledgeOutcome,
    KnowledgeSuggestions,
    Suggestion,
)

START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


class FakeKnowledge:
    def answer(self, text: str, language: str, *, country: str | None = None) -> KnowledgeOutcome:
        if "ship" in text:
            return KnowledgeAnswer("shipping_time", f"[{language}] 7–15 days", 95.0, "faq")
        if "size" in text:
            return KnowledgeSuggestions((Suggestion("size_chart_shoes", "shoe sizes?"),), 60.0)
        return KnowledgeNoMatch(10.0)

    def answer_entry(
        self, entry_id: str, language: str, *, country: str | None = None
    ) -> KnowledgeAnswer | None:
        return KnowledgeAnswer(entry_id, f"[{language}] answer {entry_id}", 100.0, "faq")


class FakeLanguages:
    def resolve(
        self,
        text: str,
        *,
        explicit: str | None = None,
        chat_language: str | None = None,
        previous: str | None = None,
    ) -> str:
        return explicit or ("de" if "versand" in text else previous or chat_language or "en")


@dataclass(frozen=True)
class Finding:
    priority: Priority
    category: str
    matched: tuple[str, ...]


class FakeComplaints:
    def detect(self, text: str, language: str | None = None) -> Finding | None:
        if "fake" in text:
            return Finding(Priority.P1, "counterfeit", ("fake",))
        if "late" in text:
            return Finding(Priority.P3, "late_delivery", ("late",))
        return None


@pytest.fixture
async def engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    await migrate.upgrade(sqlite_url)
    engine = create_async_engine(sqlite_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def desk(engine: AsyncEngine, clock: ManualClock) -> BuyerDesk:
    return BuyerDesk(
        stores=desk_store_factory(session_factory(engine)),
        knowledge=FakeKnowledge,
        languages=FakeLanguages(),
        complaints=FakeComplaints(),
        targets=PolicyResponseTargets(SlaPolicies.defaults()),
        vip=VipPolicy(),
        clock=clock,
        options=DeskOptions(reopen_window=timedelta(days=3)),
    )


@pytest.fixture
def agents(desk: BuyerDesk) -> AgentDesk:
    return AgentDesk.beside(desk.services)


def message(text: str | None, message_id: str, *, kind: ContentKind = ContentKind.TEXT) -> BuyerMessage:
    return BuyerMessage(
        channel="telegram",
        chat_id="42",
        sender_id="42",
        sender_name="Ana",
        text=text,
        sent_at=START,
        message_id=message_id,
        kind=kind,
    )


class RecordingSender:
    def __init__(self, results: list[DeliveryResult] | None = None) -> None:
        self.envelopes: list[Envelope] = []
        self._results = results or []

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        self.envelopes.append(envelope)
        return self._results.pop(0) if self._results else Delivered(f"m{len(self.envelopes)}")


async def count(engine: AsyncEngine, model: type[models.Base]) -> int:
    async with session_factory(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_faq_question_is_answered_with_feedback_and_human_buttons(desk: BuyerDesk) -> None:
    """A confident FAQ match answers in the buyer's language, with Helpful / Not helpful / human."""
    result = await desk.handle(message("wie lange dauert der versand, ship?", "1"))
    (reply,) = result.replies
    assert reply.key is ReplyKey.FAQ_ANSWER
    assert reply.language == "de"
    assert reply.text == "[de] 7–15 days"
    assert [a.kind for a in reply.actions] == [ActionKind.HELPFUL, ActionKind.NOT_HELPFUL, ActionKind.HUMAN]


async def test_uncertain_match_offers_did_you_mean_and_unknown_offers_a_human(desk: BuyerDesk) -> None:
    """Suggestions become buttons; no match offers a person."""
    suggestions = (await desk.handle(message("size?", "1"))).replies[0]
    assert suggestions.key is ReplyKey.SUGGESTIONS
    assert suggestions.actions[0].value == "size_chart_shoes"
    nothing = (await desk.handle(message("what's the weather", "2"))).replies[0]
    assert nothing.key is ReplyKey.NO_MATCH
    assert nothing.actions[-1].kind is ActionKind.HUMAN


async def test_same_channel_message_twice_is_processed_once(desk: BuyerDesk, engine: AsyncEngine) -> None:
    """A redelivered update is recognised by its channel message id and produces no second reply."""
    first = await desk.handle(message("ship?", "77"))
    again = await desk.handle(message("ship?", "77"))
    assert first.replies
    assert not first.duplicate
    assert again.duplicate
    assert not again.replies
    assert await count(engine, models.OutboxItem) == 1


async def test_complaint_opens_p1_ticket_with_handoff_and_sla(desk: BuyerDesk, engine: AsyncEngine) -> None:
    """A counterfeit claim opens a P1 ticket, queues the hand-off, and tells the buyer the wait."""
    result = await desk.handle(message("these shoes are fake", "1"))
    assert result.ticket is not None
    assert result.ticket.priority is Priority.P1
    assert result.ticket.category == "counterfeit"
    (reply,) = result.replies
    assert reply.key is ReplyKey.TICKET_OPENED
    assert reply.params["minutes"] == 60
    async with session_factory(engine)() as session:
        handoff = await session.scalar(
            select(models.OutboxItem).where(models.OutboxItem.channel == DESK_CHANNEL)
        )
        events = (await session.scalars(select(models.TicketEvent.kind))).all()
    assert handoff is not None
    assert handoff.payload["kind"] == OutgoingKind.HANDOFF.value
    assert handoff.payload["matched_phrases"] == ["fake"]
    assert handoff.payload["first_response_due"] == (START + timedelta(hours=1)).isoformat()
    assert list(events) == ["opened"]


async def test_messages_during_a_ticket_go_to_the_agents_not_the_bot(
    desk: BuyerDesk, engine: AsyncEngine
) -> None:
    """While a ticket is open the bot stays quiet and relays the buyer's words to the thread."""
    await desk.request_human(message("/human", "1"))
    result = await desk.handle(message("ship? also here is more detail", "2"))
    assert result.relayed_to_agents
    assert not result.replies
    photo = await desk.handle(message(None, "3", kind=ContentKind.PHOTO))
    assert photo.relayed_to_agents


async def test_agent_reply_reaches_buyer_and_stops_first_response_clock(
    desk: BuyerDesk, agents: AgentDesk, engine: AsyncEngine, clock: ManualClock
) -> None:
    """The agent's words are queued for the buyer with the agent's name; the ticket waits on the buyer."""
    opened = await desk.request_human(message("/human", "1"))
    assert opened.ticket is not None
    clock.advance(timedelta(minutes=20))
    assert await agents.agent_reply(opened.ticket.id, agent="Mia", text="Hi, I'm on it")
    async with session_factory(engine)() as session:
        ticket = await session.get(models.Ticket, opened.ticket.id)
        last = await session.scalar(select(models.OutboxItem).order_by(models.OutboxItem.id.desc()))
    assert ticket is not None
    assert last is not None
    assert ticket.first_response_at == START + timedelta(minutes=20)
    assert ticket.state == TicketState.WAITING_FOR_BUYER.value
    assert last.payload["reply"]["text"] == "Hi, I'm on it"
    assert last.payload["reply"]["params"]["agent"] == "Mia"


async def test_only_one_open_ticket_per_conversation(desk: BuyerDesk, engine: AsyncEngine) -> None:
    """Asking for a human twice says a ticket is already open instead of opening another."""
    await desk.request_human(message("/human", "1"))
    again = await desk.request_human(message("/human", "2"))
    assert again.replies[0].key is ReplyKey.TICKET_ALREADY_OPEN
    assert await count(engine, models.Ticket) == 1


async def test_complaint_soon_after_resolution_reopens_the_same_ticket(
    desk: BuyerDesk, agents: AgentDesk, engine: AsyncEngine, clock: ManualClock
) -> None:
    """Within the reopen window the old ticket comes back; after it, a new one links to the old."""
    first = await desk.handle(message("the parcel is late", "1"))
    assert first.ticket is not None
    await agents.change_state(first.ticket.id, TicketState.RESOLVED, agent="Mia")
    clock.advance(timedelta(days=1))
    reopened = await desk.handle(message("still late!!", "2"))
    assert reopened.ticket is not None
    assert reopened.ticket.id == first.ticket.id
    assert reopened.replies[0].key is ReplyKey.TICKET_REOPENED
    await agents.change_state(first.ticket.id, TicketState.RESOLVED, agent="Mia")
    clock.advance(timedelta(days=5))
    later = await desk.handle(message("late again", "3"))
    assert later.ticket is not None
    assert later.ticket.id != first.ticket.id
    assert later.ticket.previous_ticket_id == first.ticket.id


async def test_unreadable_content_outside_a_ticket_gets_a_friendly_reply(desk: BuyerDesk) -> None:
    """Stickers and files outside a ticket are answered, never crash."""
    sticker = await desk.handle(message(None, "1", kind=ContentKind.STICKER))
    assert sticker.replies[0].key is ReplyKey.UNSUPPORTED_CONTENT
    photo = await desk.handle(message(None, "2", kind=ContentKind.PHOTO))
    assert photo.replies[0].key is ReplyKey.FILE_OUTSIDE_TICKET


async def test_very_long_message_is_kept_whole_and_offered_to_a_human(
    desk: BuyerDesk, engine: AsyncEngine
) -> None:
    """A 20 000-character message is stored in full; the bot says it read only the start."""
    text = "word " * 4000
    result = await desk.handle(message(text, "1"))
    assert result.replies[0].key is ReplyKey.MESSAGE_TOO_LONG
    async with session_factory(engine)() as session:
        stored = await session.scalar(select(models.Message.text).where(models.Message.direction == "in"))
    assert stored == text


async def test_explicit_language_choice_beats_detection(desk: BuyerDesk) -> None:
    """After /language ja the answers stay Japanese even for German text."""
    await desk.choose_language(message("/language", "1"), "ja")
    result = await desk.handle(message("versand ship?", "2"))
    assert result.replies[0].language == "ja"


async def test_outbox_relay_delivers_retries_and_records_permanent_failures(
    desk: BuyerDesk, engine: AsyncEngine, clock: ManualClock
) -> None:
    """Delivered rows are marked sent; a retry waits its time; a blocked buyer is not retried."""
    await desk.handle(message("ship?", "1"))
    await desk.handle(message("ship?", "2"))
    sender = RecordingSender([RetryLater(timedelta(seconds=30), "429"), Undeliverable("blocked by user")])
    relay = OutboxRelay(session_factory(engine), {"telegram": sender}, clock)
    assert await relay.run_once() == 2
    assert await relay.run_once() == 0  # the retry is not due yet
    clock.advance(timedelta(seconds=31))
    assert await relay.run_once() == 1
    async with session_factory(engine)() as session:
        rows = (await session.scalars(select(models.OutboxItem).order_by(models.OutboxItem.id))).all()
    assert [row.status for row in rows] == ["sent", "failed"]
    assert rows[1].last_error == "blocked by user"
    assert rows[0].attempts == 2


async def test_reopened_ticket_promises_a_fresh_wait_not_a_past_deadline(
    desk: BuyerDesk, agents: AgentDesk, clock: ManualClock
) -> None:
    """A ticket reopened a day after it opened promises the full target again, not "1 minute"."""
    first = await desk.handle(message("the parcel is late", "1"))
    assert first.ticket is not None
    await agents.change_state(first.ticket.id, TicketState.RESOLVED, agent="Mia")
    clock.advance(timedelta(days=1))
    reopened = await desk.handle(message("still late!!", "2"))
    assert reopened.replies[0].key is ReplyKey.TICKET_REOPENED
    assert reopened.replies[0].params["minutes"] == 24 * 60
