"""Agent use cases over the real SQL store: relay once per desk message, commands, observer calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.storage import migrate, models
from bot.storage.database import session_factory
from bot.storage.desk_store import desk_store_factory
from escalation.agent_desk import AgentDesk, ReplyOutcomeKind
from escalation.complaints import ComplaintDetector
from escalation.conversation import BuyerMessage, ReplyKey
from escalation.desk import BuyerDesk
from escalation.ports import DeskStore
from escalation.priority import Priority
from escalation.response_targets import PolicyResponseTargets
from escalation.sla import ManualClock, SlaPolicies
from escalation.tickets import InvalidTransitionError, TicketState, TicketView
from escalation.vip import VipPolicy
from knowledge.language import LanguageDetector
from knowledge.service import KnowledgeNoMatch, KnowledgeOutcome

START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


class NoKnowledge:
    def answer(self, text: str, language: str, *, country: str | None = None) -> KnowledgeOutcome:
        return KnowledgeNoMatch(0.0)

    def answer_entry(self, entry_id: str, language: str, *, country: str | None = None) -> None:
        return None


class Changes:
    def __init__(self) -> None:
        self.seen: list[TicketView] = []

    async def ticket_changed(self, store: DeskStore, ticket: TicketView, at: datetime) -> None:
        self.seen.append(ticket)


@pytest.fixture
async def engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    await migrate.upgrade(sqlite_url)
    engine = create_async_engine(sqlite_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def changes() -> Changes:
    return Changes()


@pytest.fixture
def desks(engine: AsyncEngine, changes: Changes) -> tuple[BuyerDesk, AgentDesk]:
    buyer = BuyerDesk(
        stores=desk_store_factory(session_factory(engine)),
        knowledge=NoKnowledge,
        languages=LanguageDetector(("en", "de"), "en"),
        complaints=_detector(),
        targets=PolicyResponseTargets(SlaPolicies.defaults()),
        vip=VipPolicy(),
        clock=ManualClock(START),
        observer=changes,
    )
    return buyer, AgentDesk.beside(buyer.services)


def _detector() -> ComplaintDetector:
    from bot.config import Settings  # noqa: PLC0415 - the sample phrase files' location

    return ComplaintDetector.load(Settings().complaints.dir)


async def _ticket(buyer: BuyerDesk, agents: AgentDesk) -> TicketView:
    result = await buyer.request_human(BuyerMessage("telegram", "42", "42", None, START, message_id="1"))
    assert result.ticket is not None
    return await agents.record_desk_thread(result.ticket.id, channel="C1", thread="100.1")


async def test_ticket_is_found_by_its_desk_thread(desks: tuple[BuyerDesk, AgentDesk]) -> None:
    """Once its post is recorded, a thread reply finds the ticket; other threads find nothing."""
    ticket = await _ticket(*desks)
    _, agents = desks
    found = await agents.ticket_by_thread("C1", "100.1")
    assert found is not None
    assert found.id == ticket.id
    assert await agents.ticket_by_thread("C1", "999.9") is None


async def test_same_desk_message_is_relayed_once(
    desks: tuple[BuyerDesk, AgentDesk], engine: AsyncEngine
) -> None:
    """The second relay of one desk message is a duplicate and queues nothing."""
    ticket = await _ticket(*desks)
    _, agents = desks
    first = await agents.reply(ticket.id, agent="Mia", text="On it", desk_ref="slack:C1:100.1:100.2")
    again = await agents.reply(ticket.id, agent="Mia", text="On it", desk_ref="slack:C1:100.1:100.2")
    assert first.kind is ReplyOutcomeKind.RELAYED
    assert again.kind is ReplyOutcomeKind.DUPLICATE
    async with session_factory(engine)() as session:
        texts = (
            await session.scalars(select(models.Message.text).where(models.Message.author == "agent"))
        ).all()
    assert list(texts) == ["On it"]


async def test_notes_are_not_relayed_and_cannot_be_edited_into_the_buyer_chat(
    desks: tuple[BuyerDesk, AgentDesk],
) -> None:
    """A note queues nothing; editing it later does not send it either."""
    ticket = await _ticket(*desks)
    _, agents = desks
    note = await agents.reply(ticket.id, agent="Mia", text="!note VIP?", desk_ref="slack:C1:100.1:100.3")
    assert note.kind is ReplyOutcomeKind.INTERNAL
    assert await agents.edit_relayed("slack:C1:100.1:100.3", agent="Mia", text="now for the buyer") is None


async def test_back_to_bot_resolves_and_a_resolved_ticket_keeps_its_priority(
    desks: tuple[BuyerDesk, AgentDesk], engine: AsyncEngine, changes: Changes
) -> None:
    """Back to bot closes the ticket with the back-to-bot message; re-tagging it afterwards is refused."""
    ticket = await _ticket(*desks)
    _, agents = desks
    closed = await agents.back_to_bot(ticket.id, agent="Mia")
    assert closed is not None
    assert closed.state is TicketState.RESOLVED
    async with session_factory(engine)() as session:
        last = await session.scalar(
            select(models.OutboxItem)
            .where(models.OutboxItem.channel == "telegram")
            .order_by(models.OutboxItem.id.desc())
        )
        events = (await session.scalars(select(models.TicketEvent.kind))).all()
    assert last is not None
    assert last.payload["reply"]["key"] == ReplyKey.BACK_TO_BOT.value
    assert "back_to_bot" in events
    with pytest.raises(InvalidTransitionError):
        await agents.change_priority(ticket.id, Priority.P1, agent="Mia")
    assert changes.seen[-1].state is TicketState.RESOLVED


async def test_every_agent_change_tells_the_observer(
    desks: tuple[BuyerDesk, AgentDesk], changes: Changes
) -> None:
    """Claim, re-tag and reply each reach the SLA observer with the ticket as it now is."""
    ticket = await _ticket(*desks)
    _, agents = desks
    before = len(changes.seen)
    await agents.change_state(ticket.id, TicketState.CLAIMED, agent="Mia")
    await agents.change_priority(ticket.id, Priority.P1, agent="Mia")
    await agents.reply(ticket.id, agent="Mia", text="Hello", desk_ref="slack:C1:100.1:100.4")
    seen = changes.seen[before:]
    assert [(t.state, t.priority) for t in seen] == [
        (TicketState.CLAIMED, Priority.P3),
        (TicketState.CLAIMED, Priority.P1),
        (TicketState.WAITING_FOR_BUYER, Priority.P1),
    ]
