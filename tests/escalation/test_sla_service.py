"""The SLA application service on its own: persistence format and how ticket changes become clock events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from escalation.ports import ConversationRecord, DeskStore, Outgoing, TicketChange
from escalation.priority import Priority
from escalation.sla import (
    ClockKind,
    SlaPolicies,
    SlaPolicy,
    SlaState,
    next_due,
    on_buyer_message,
    on_ticket_opened,
    on_waiting_for_buyer,
)
from escalation.sla_service import SlaClock, SlaTracker, TicketActivity, state_from_json, state_to_json
from escalation.tickets import TicketReason, TicketState, TicketView
from escalation.vip import VipPolicy

START = datetime(2026, 3, 27, 16, 0, tzinfo=UTC)


@dataclass
class MemoryClocks:
    """An in-memory `SlaStore`: enough to watch what the tracker decides."""

    rows: dict[int, SlaClock] = field(default_factory=dict)
    activity_of: dict[int, TicketActivity] = field(default_factory=dict)
    tickets_by_id: dict[int, TicketView] = field(default_factory=dict)
    events: list[tuple[int, TicketChange]] = field(default_factory=list)
    outbox: list[Outgoing] = field(default_factory=list)
    claims: list[list[int]] = field(default_factory=list)  # ticket ids of each claimed batch

    async def load(self, ticket_id: int) -> SlaClock | None:
        return self.rows.get(ticket_id)

    async def save(self, clock: SlaClock, *, at: datetime) -> None:
        self.rows[clock.ticket_id] = clock

    async def activity(self, ticket_id: int) -> TicketActivity:
        return self.activity_of.get(ticket_id, TicketActivity())

    async def claim_due(self, now: datetime, *, limit: int) -> list[SlaClock]:
        due = [c for c in self.rows.values() if c.next_due_at is not None and c.next_due_at <= now]
        batch = sorted(due, key=lambda c: c.next_due_at or now)[:limit]
        self.claims.append([c.ticket_id for c in batch])
        return batch

    async def earliest_due(self) -> datetime | None:
        return min((c.next_due_at for c in self.rows.values() if c.next_due_at), default=None)

    async def tickets(self, ticket_ids: Collection[int]) -> Mapping[int, TicketView]:
        return {i: self.tickets_by_id[i] for i in ticket_ids if i in self.tickets_by_id}

    async def save_all(self, clocks: Sequence[SlaClock], *, at: datetime) -> None:
        self.rows.update((clock.ticket_id, clock) for clock in clocks)

    async def record_events(self, events: Sequence[tuple[int, TicketChange]]) -> None:
        self.events.extend(events)

    async def enqueue_all(self, items: Sequence[Outgoing], *, at: datetime) -> None:
        self.outbox.extend(items)


@dataclass
class CommitCounter:
    """The only part of a desk unit of work a batch of reminders needs: its commit."""

    commits: int = 0

    async def commit(self) -> None:
        self.commits += 1


class VipConversations:
    """The only part of the desk store the observer side reads."""

    def __init__(self, tier: str = "standard") -> None:
        self.tier = tier

    async def conversation(self, conversation_id: int) -> ConversationRecord:
        return ConversationRecord(conversation_id, 1, "telegram", "1", "de", False, tier=self.tier)


def tracker(clocks: MemoryClocks) -> SlaTracker:
    sla = SlaPolicies.defaults()
    fast = SlaPolicies(sla.standard, vip={Priority.P3: sla.standard[Priority.P1]})

    async def unused() -> Any:  # the observer side never opens its own unit of work
        raise AssertionError

    return SlaTracker(policies=fast, stores=cast(Any, unused), clocks=lambda _desk: clocks, vip=VipPolicy())


def ticket(
    state: TicketState = TicketState.OPEN, priority: Priority = Priority.P3, **extra: Any
) -> TicketView:
    return TicketView(1, 1, state, priority, TicketReason.HUMAN_REQUEST, opened_at=START, **extra)


def desk(tier: str = "standard") -> DeskStore:
    return cast(DeskStore, VipConversations(tier))


def test_clock_state_survives_a_json_round_trip() -> None:
    """Every field of a paused next-response clock with fired points comes back as it was stored."""
    state = on_buyer_message(SlaState(first_responded_at=START), START + timedelta(hours=1))
    state = on_waiting_for_buyer(state, START + timedelta(hours=2))
    state = SlaState(
        clock=state.clock,
        started_at=state.started_at,
        pauses=((START + timedelta(minutes=70), START + timedelta(minutes=80)),),
        paused_since=state.paused_since,
        fired=frozenset({"reminder:0.5"}),
        first_responded_at=START,
    )
    assert state_from_json(state_to_json(state)) == state
    clock = SlaClock(7, state, Priority.P2, vip=True, seen_buyer=3, seen_agent=4, buyer_updated=True)
    assert SlaClock.from_json(7, clock.to_json(), priority=Priority.P2, vip=True, next_due_at=None) == clock


async def test_new_ticket_starts_the_first_response_clock_and_ignores_older_messages() -> None:
    """Messages written before the clock existed are history, not a follow-up."""
    clocks = MemoryClocks(activity_of={1: TicketActivity(last_buyer_message=9)})
    await tracker(clocks).ticket_changed(desk(), ticket(), START)
    saved = clocks.rows[1]
    assert saved.state == on_ticket_opened(START)
    assert saved.seen_buyer == 9
    assert saved.next_due_at == START + timedelta(hours=12)


async def test_vip_buyer_gets_the_vip_policy() -> None:
    """A VIP buyer's P3 ticket runs on the stricter VIP target (here one hour)."""
    clocks = MemoryClocks()
    await tracker(clocks).ticket_changed(desk("vip"), ticket(), START)
    assert clocks.rows[1].vip
    assert clocks.rows[1].next_due_at == START + timedelta(minutes=30)


async def test_agent_answer_then_buyer_follow_up_starts_the_next_response_clock() -> None:
    """Seen in one change, an agent answer followed by a buyer message leaves the agents owing again."""
    clocks = MemoryClocks()
    track = tracker(clocks)
    await track.ticket_changed(desk(), ticket(), START)
    clocks.activity_of[1] = TicketActivity(last_buyer_message=5, last_agent_message=4)
    later = START + timedelta(hours=1)
    await track.ticket_changed(desk(), ticket(first_response_at=later), later)
    state = clocks.rows[1].state
    assert state.clock is ClockKind.NEXT_RESPONSE
    assert state.first_responded_at == later


async def test_buyer_message_then_agent_answer_leaves_no_clock_running() -> None:
    """When the agent's answer is the newer message, the agents owe nothing."""
    clocks = MemoryClocks()
    track = tracker(clocks)
    await track.ticket_changed(desk(), ticket(), START)
    clocks.activity_of[1] = TicketActivity(last_buyer_message=4, last_agent_message=5)
    later = START + timedelta(hours=1)
    await track.ticket_changed(desk(), ticket(TicketState.WAITING_FOR_BUYER, first_response_at=later), later)
    assert clocks.rows[1].state.clock is None
    assert clocks.rows[1].next_due_at is None


async def test_claiming_a_ticket_that_waits_on_the_buyer_resumes_its_paused_clock() -> None:
    """Back with the agents without a buyer message, a paused clock counts again."""
    clocks = MemoryClocks()
    track = tracker(clocks)
    await track.ticket_changed(desk(), ticket(), START)
    await track.ticket_changed(desk(), ticket(TicketState.WAITING_FOR_BUYER), START + timedelta(hours=1))
    assert clocks.rows[1].state.paused
    await track.ticket_changed(desk(), ticket(TicketState.CLAIMED), START + timedelta(hours=3))
    assert clocks.rows[1].state.running
    assert clocks.rows[1].next_due_at == START + timedelta(hours=14)


async def test_reopened_ticket_starts_a_next_response_clock() -> None:
    """A buyer reopening an answered, resolved ticket has the agents owing a next response."""
    clocks = MemoryClocks()
    track = tracker(clocks)
    answered = START + timedelta(minutes=5)
    await track.ticket_changed(desk(), ticket(first_response_at=answered), START)
    await track.ticket_changed(desk(), ticket(TicketState.RESOLVED, first_response_at=answered), answered)
    assert clocks.rows[1].next_due_at is None
    reopened = START + timedelta(days=1)
    await track.ticket_changed(desk(), ticket(first_response_at=answered), reopened)
    state = clocks.rows[1].state
    assert (state.clock, state.started_at) == (ClockKind.NEXT_RESPONSE, reopened)


def waiting_clocks(count: int, policy: SlaPolicy) -> MemoryClocks:
    """`count` P3 tickets opened a minute apart, newest first, none answered yet."""
    clocks = MemoryClocks()
    for n in range(count):
        ticket_id = count - n
        state = on_ticket_opened(START + timedelta(minutes=ticket_id))
        due = next_due(state, policy)
        clocks.rows[ticket_id] = SlaClock(ticket_id, state, Priority.P3, next_due_at=due)
        clocks.tickets_by_id[ticket_id] = TicketView(
            ticket_id, ticket_id, TicketState.OPEN, Priority.P3, TicketReason.HUMAN_REQUEST, opened_at=START
        )
    return clocks


async def test_a_backlog_fires_oldest_first_in_bounded_batches_each_committed_once() -> None:
    """Seven reminders due at once go out earliest deadline first, three per unit of work, each once."""
    policy = SlaPolicies.defaults().standard[Priority.P3]
    clocks = waiting_clocks(7, policy)
    desk_uow = CommitCounter()

    @asynccontextmanager
    async def stores() -> AsyncIterator[DeskStore]:
        yield cast(DeskStore, desk_uow)

    track = replace(tracker(clocks), stores=stores, batch_size=3)
    late = START + timedelta(hours=13)
    assert await track.fire_due(late) == 7
    assert clocks.claims == [[1, 2, 3], [4, 5, 6], [7]]
    assert desk_uow.commits == 3
    assert [item.payload["ticket_id"] for item in clocks.outbox] == [1, 2, 3, 4, 5, 6, 7]
    assert [change.event.value for _, change in clocks.events] == ["sla_reminder"] * 7
    assert all(clock.next_due_at and clock.next_due_at > late for clock in clocks.rows.values())
    assert await track.fire_due(late) == 0
