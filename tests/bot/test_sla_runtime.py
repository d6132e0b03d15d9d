"""Durable SLA timers over the real SQL store: firing, exactly once across crashes and restarts, wake-ups."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.admin import list_tickets
from bot.config import DatabaseSettings, Settings
from bot.outbox import Envelope
from bot.scheduler import SlaScheduler
from bot.storage import migrate, models
from bot.storage.database import session_factory
from bot.storage.desk_store import desk_store_factory
from bot.storage.sla_store import SqlSlaStores
from bot.wiring import build_app, sla_policies
from escalation.agent_desk import AgentDesk
from escalation.business_hours import BusinessHours
from escalation.conversation import BuyerMessage
from escalation.desk import BuyerDesk
from escalation.ports import DESK_CHANNEL, DeskStore, OutgoingKind
from escalation.priority import Priority
from escalation.response_targets import PolicyResponseTargets
from escalation.sla import ManualClock, SlaPolicies, SlaPolicy
from escalation.sla_service import SlaTracker
from escalation.tickets import TicketState
from escalation.vip import VipPolicy
from handlers.console.chat import ConsoleDeskSender, ConsoleSession
from knowledge.service import KnowledgeAnswer, KnowledgeNoMatch, KnowledgeOutcome

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # a Friday


class NoKnowledge:
    def answer(self, text: str, language: str, *, country: str | None = None) -> KnowledgeOutcome:
        return KnowledgeNoMatch(0.0)

    def answer_entry(
        self, entry_id: str, language: str, *, country: str | None = None
    ) -> KnowledgeAnswer | None:
        return None


class FixedLanguage:
    def resolve(
        self,
        text: str,
        *,
        explicit: str | None = None,
        chat_language: str | None = None,
        previous: str | None = None,
    ) -> str:
        return explicit or previous or chat_language or "de"


class NoComplaints:
    def detect(self, text: str, language: str | None = None) -> None:
        return None


def policies(**options: Any) -> SlaPolicies:
    """P1 1 h, P2 4 h, P3 8 h in calendar time, reminders at 50 % and 80 %."""
    targets = {
        Priority.P1: timedelta(hours=1),
        Priority.P2: timedelta(hours=4),
        Priority.P3: timedelta(hours=8),
    }
    return SlaPolicies({p: SlaPolicy(t, t, **options) for p, t in targets.items()})


@dataclass
class Rig:
    engine: AsyncEngine
    clock: ManualClock
    desk: BuyerDesk
    agents: AgentDesk
    tracker: SlaTracker
    scheduler: SlaScheduler

    async def open_ticket(self, buyer: str) -> int:
        result = await self.desk.request_human(
            message(buyer, "/human", f"{buyer}-open-{self.clock.now():%H%M%S}")
        )
        assert result.ticket is not None
        return result.ticket.id

    async def buyer_writes(self, buyer: str, text: str) -> None:
        await self.desk.handle(message(buyer, text, f"{buyer}-{self.clock.now():%d%H%M%S}"))

    async def fire_at(self, at: datetime) -> int:
        self.clock.set(at)
        return await self.tracker.fire_due(at)

    async def alerts(self, ticket_id: int | None = None) -> list[dict[str, Any]]:
        async with session_factory(self.engine)() as session:
            rows = (await session.scalars(select(models.OutboxItem).order_by(models.OutboxItem.id))).all()
        return [
            dict(row.payload)
            for row in rows
            if row.payload.get("kind") == OutgoingKind.SLA_ALERT.value
            and (ticket_id is None or row.ticket_id == ticket_id)
        ]

    async def buyer_replies(self, ticket_id: int) -> list[str]:
        async with session_factory(self.engine)() as session:
            rows = (
                await session.scalars(
                    select(models.OutboxItem).where(models.OutboxItem.ticket_id == ticket_id)
                )
            ).all()
        return [
            row.payload["reply"]["key"] for row in rows if row.payload.get("kind") == OutgoingKind.REPLY.value
        ]

    async def events(self, ticket_id: int) -> list[str]:
        async with session_factory(self.engine)() as session:
            rows = await session.scalars(
                select(models.TicketEvent.kind)
                .where(models.TicketEvent.ticket_id == ticket_id)
                .order_by(models.TicketEvent.id)
            )
            return list(rows)

    async def next_due(self, ticket_id: int) -> datetime | None:
        async with session_factory(self.engine)() as session:
            return await session.scalar(
                select(models.SlaClock.next_due_at).where(models.SlaClock.ticket_id == ticket_id)
            )


def message(buyer: str, text: str, message_id: str) -> BuyerMessage:
    return BuyerMessage(
        channel="telegram",
        chat_id=buyer,
        sender_id=buyer,
        sender_name=buyer.title(),
        text=text,
        sent_at=START,
        message_id=message_id,
    )


def build_rig(
    engine: AsyncEngine,
    clock: ManualClock,
    sla: SlaPolicies,
    *,
    locking: bool = False,
    stores: Callable[[], AbstractAsyncContextManager[DeskStore]] | None = None,
) -> Rig:
    """The same wiring as `bot.wiring.build_app`, with fakes for language, FAQ and complaints."""
    store_factory = stores or desk_store_factory(session_factory(engine))
    tracker = SlaTracker(
        policies=sla, stores=store_factory, clocks=SqlSlaStores(locking=locking), vip=VipPolicy()
    )
    scheduler = SlaScheduler(tracker, clock, autorun=False)
    desk = BuyerDesk(
        stores=store_factory,
        knowledge=NoKnowledge,
        languages=FixedLanguage(),
        complaints=NoComplaints(),
        targets=PolicyResponseTargets(sla),
        vip=VipPolicy(),
        clock=clock,
        on_commit=scheduler.rearm,
        observer=tracker,
    )
    return Rig(engine, clock, desk, AgentDesk.beside(desk.services), tracker, scheduler)


@asynccontextmanager
async def rig_on(
    url: str, clock: ManualClock, sla: SlaPolicies, *, locking: bool = False
) -> AsyncIterator[Rig]:
    engine = create_async_engine(url)
    try:
        yield build_rig(engine, clock, sla, locking=locking)
    finally:
        await engine.dispose()


@pytest.fixture
async def url(sqlite_url: str) -> str:
    await migrate.upgrade(sqlite_url)
    return sqlite_url


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def rig(url: str, clock: ManualClock) -> AsyncIterator[Rig]:
    async with rig_on(url, clock, policies()) as built:
        yield built


# --- firing ------------------------------------------------------------------------------------


async def test_reminders_and_breach_fire_at_their_instants_once_each(rig: Rig) -> None:
    """An 8 h clock reminds at 4 h and 6 h 24 m and breaches at 8 h, each point exactly once."""
    ticket = await rig.open_ticket("ana")
    assert await rig.next_due(ticket) == START + timedelta(hours=4)
    assert await rig.fire_at(START + timedelta(hours=3, minutes=59)) == 0
    assert await rig.fire_at(START + timedelta(hours=4)) == 1
    assert await rig.fire_at(START + timedelta(hours=4)) == 0
    assert await rig.fire_at(START + timedelta(hours=6, minutes=24)) == 1
    assert await rig.fire_at(START + timedelta(hours=8)) == 1
    assert await rig.fire_at(START + timedelta(hours=30)) == 0
    points = [(alert["clock"], alert["point"]) for alert in await rig.alerts(ticket)]
    assert points == [
        ("first_response", "reminder:0.5"),
        ("first_response", "reminder:0.8"),
        ("first_response", "breach"),
    ]
    assert (await rig.events(ticket)).count("sla_reminder") == 2
    assert (await rig.events(ticket)).count("sla_breach") == 1
    assert await rig.next_due(ticket) is None


async def test_breach_payload_carries_actions_and_deadline(rig: Rig) -> None:
    """The breach alert names the ticket, priority, deadline and the policy's breach actions."""
    ticket = await rig.open_ticket("ana")
    await rig.fire_at(START + timedelta(hours=9))
    (alert,) = await rig.alerts(ticket)
    assert alert["ticket_id"] == ticket
    assert alert["priority"] == "P3"
    assert alert["point"] == "breach"
    assert alert["due_at"] == alert["deadline"] == (START + timedelta(hours=8)).isoformat()
    assert alert["actions"] == ["mention_on_call", "repost_to_escalation"]


async def test_first_response_breach_sends_the_buyer_one_polite_update(rig: Rig) -> None:
    """The buyer hears once that the team still has the request, in their language; never "breach"."""
    ticket = await rig.open_ticket("ana")
    await rig.fire_at(START + timedelta(hours=8))
    await rig.fire_at(START + timedelta(hours=20))
    replies = await rig.buyer_replies(ticket)
    assert replies.count("waiting_update") == 1
    assert not any("breach" in reply for reply in replies)


async def test_first_agent_reply_stops_the_clock(rig: Rig) -> None:
    """Once an agent's answer reaches the buyer nothing more fires for the first-response clock."""
    ticket = await rig.open_ticket("ana")
    rig.clock.set(START + timedelta(hours=1))
    assert await rig.agents.agent_reply(ticket, agent="bo", text="On it!")
    assert await rig.next_due(ticket) is None
    assert await rig.fire_at(START + timedelta(days=2)) == 0
    assert await rig.alerts(ticket) == []


async def test_buyer_follow_up_after_an_answer_starts_the_next_response_clock(rig: Rig) -> None:
    """A buyer message after the agents answered starts a new clock from that message."""
    ticket = await rig.open_ticket("ana")
    rig.clock.set(START + timedelta(hours=1))
    await rig.agents.agent_reply(ticket, agent="bo", text="Which order?")
    rig.clock.set(START + timedelta(hours=2))
    await rig.buyer_writes("ana", "order 1234")
    assert await rig.next_due(ticket) == START + timedelta(hours=6)
    assert await rig.fire_at(START + timedelta(hours=6)) == 1
    (alert,) = await rig.alerts(ticket)
    assert (alert["clock"], alert["point"]) == ("next_response", "reminder:0.5")


async def test_waiting_for_buyer_pauses_and_the_buyer_resumes_the_clock(rig: Rig) -> None:
    """Two hours waiting on the buyer push every deadline two hours later."""
    ticket = await rig.open_ticket("ana")
    rig.clock.set(START + timedelta(hours=1))
    await rig.agents.change_state(ticket, TicketState.WAITING_FOR_BUYER, agent="bo")
    assert await rig.next_due(ticket) is None
    assert await rig.fire_at(START + timedelta(hours=5)) == 0
    rig.clock.set(START + timedelta(hours=5))
    await rig.buyer_writes("ana", "here are the photos")
    assert await rig.next_due(ticket) == START + timedelta(hours=8)


async def test_business_hours_pause_the_clock_over_the_weekend(url: str, clock: ManualClock) -> None:
    """A P1 hour that starts Friday 17:30 (team closes at 18:00) breaches Monday 09:30."""
    hours = BusinessHours.from_strings(
        "UTC", dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), ("09:00-18:00",))
    )
    clock.set(datetime(2026, 11, 20, 17, 30, tzinfo=UTC))
    async with rig_on(url, clock, policies(business_hours=hours, reminders=())) as rig:
        ticket = (await rig.desk.request_human(message("ana", "/human", "h1"))).ticket
        assert ticket is not None
        await rig.agents.change_priority(ticket.id, Priority.P1, agent="bo")
        monday = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
        assert await rig.next_due(ticket.id) == monday
        assert await rig.fire_at(monday - timedelta(minutes=1)) == 0
        assert await rig.fire_at(monday) == 1


async def test_priority_change_reschedules_the_timers(rig: Rig) -> None:
    """Raising P3 (8 h) to P1 (1 h) twenty minutes in moves the next reminder to the 30-minute mark."""
    ticket = await rig.open_ticket("ana")
    rig.clock.set(START + timedelta(minutes=20))
    await rig.agents.change_priority(ticket, Priority.P1, agent="bo")
    assert await rig.next_due(ticket) == START + timedelta(minutes=30)
    assert await rig.fire_at(START + timedelta(hours=1)) == 1
    (alert,) = await rig.alerts(ticket)
    assert (alert["point"], alert["priority"]) == ("breach", "P1")


async def test_next_response_breach_raises_priority_and_releases_the_silent_claim(
    url: str, clock: ManualClock
) -> None:
    """With both options on, the breach moves P3 to P2, frees the claim and tells the desk; the buyer hears nothing."""
    async with rig_on(
        url, clock, policies(raise_priority_on_breach=True, release_claim_on_breach=True)
    ) as rig:
        ticket = await rig.open_ticket("ana")
        await rig.agents.change_state(ticket, TicketState.CLAIMED, agent="bo")
        rig.clock.set(START + timedelta(minutes=10))
        await rig.agents.agent_reply(ticket, agent="bo", text="Looking into it")
        rig.clock.set(START + timedelta(minutes=20))
        await rig.buyer_writes("ana", "any news?")
        await rig.fire_at(START + timedelta(hours=9))
        (alert,) = await rig.alerts(ticket)
        assert alert["point"] == "breach"
        assert alert["clock"] == "next_response"
        assert "release_claim" in alert["actions"]
        assert "raise_priority" in alert["actions"]
        async with session_factory(rig.engine)() as session:
            row = await session.get(models.Ticket, ticket)
            assert row is not None
            assert (row.priority, row.state, row.claimed_by) == ("P2", "open", None)
        events = await rig.events(ticket)
        assert events[-3:] == ["sla_breach", "priority_changed", "unclaimed"]
        assert "waiting_update" not in await rig.buyer_replies(ticket)
        assert await rig.fire_at(START + timedelta(days=3)) == 0


async def test_resolved_ticket_has_no_pending_timer(rig: Rig) -> None:
    """Resolving stops every clock for good."""
    ticket = await rig.open_ticket("ana")
    rig.clock.set(START + timedelta(minutes=5))
    await rig.agents.change_state(ticket, TicketState.RESOLVED, agent="bo")
    assert await rig.next_due(ticket) is None
    assert await rig.fire_at(START + timedelta(days=1)) == 0


# --- exactly once ------------------------------------------------------------------------------


class CrashBeforeCommitError(Exception):
    """The process dies after deciding but before the transaction commits."""


def crashing_stores(engine: AsyncEngine) -> Callable[[], AbstractAsyncContextManager[DeskStore]]:
    real = desk_store_factory(session_factory(engine))

    @asynccontextmanager
    async def open_store() -> AsyncIterator[DeskStore]:
        async with real() as store:

            async def crash() -> None:
                raise CrashBeforeCommitError

            store.commit = crash
            yield store

    return open_store


async def test_crash_between_firing_and_commit_neither_loses_nor_duplicates(
    url: str, clock: ManualClock
) -> None:
    """A firing that dies before commit leaves no trace; the next firing announces the breach once."""
    async with rig_on(url, clock, policies(reminders=())) as rig:
        ticket = await rig.open_ticket("ana")
        crashing = build_rig(rig.engine, clock, policies(reminders=()), stores=crashing_stores(rig.engine))
        clock.set(START + timedelta(hours=8))
        with pytest.raises(CrashBeforeCommitError):
            await crashing.tracker.fire_due(clock.now())
        assert await rig.alerts(ticket) == []
        assert await rig.tracker.fire_due(clock.now()) == 1
        assert await rig.tracker.fire_due(clock.now()) == 0
        assert [a["point"] for a in await rig.alerts(ticket)] == ["breach"]
        assert (await rig.events(ticket)).count("sla_breach") == 1


async def test_restart_fires_overdue_breaches_exactly_once(url: str, clock: ManualClock) -> None:
    """Open tickets, stop, move past every deadline, start: one breach each; a second restart adds none."""
    sla = policies()
    async with rig_on(url, clock, sla) as first:
        await first.scheduler.start()
        tickets = [await first.open_ticket(name) for name in ("ana", "ben", "chloé")]
        assert first.scheduler.armed_at == START + timedelta(hours=4)
        await first.scheduler.stop()
    clock.set(START + timedelta(days=2))
    async with rig_on(url, clock, sla) as second:
        assert await second.scheduler.start() == len(tickets)
        await second.scheduler.stop()
        for ticket in tickets:
            assert [a["point"] for a in await second.alerts(ticket)] == ["breach"]
    clock.advance(timedelta(hours=1))
    async with rig_on(url, clock, sla) as third:
        assert await third.scheduler.start() == 0
        await third.scheduler.stop()
        assert len(await third.alerts()) == len(tickets)


async def test_scheduler_arms_the_earliest_deadline_and_moves_it_earlier_on_commit(rig: Rig) -> None:
    """The single wake-up job follows the earliest deadline; a new urgent ticket pulls it forward."""
    await rig.scheduler.start()
    try:
        assert rig.scheduler.armed_at is None
        first = await rig.open_ticket("ana")
        assert rig.scheduler.armed_at == START + timedelta(hours=4)
        rig.clock.set(START + timedelta(minutes=10))
        await rig.agents.change_priority(first, Priority.P1, agent="bo")
        assert rig.scheduler.armed_at == START + timedelta(minutes=30)
        rig.clock.set(START + timedelta(minutes=30))
        assert await rig.scheduler.wake() == 1
        assert rig.scheduler.armed_at == START + timedelta(minutes=48)
    finally:
        await rig.scheduler.stop()


async def test_several_workers_on_postgresql_share_due_clocks_without_duplicates(
    postgres_url: str, clock: ManualClock
) -> None:
    """Four workers firing the same 40 due clocks at once announce each breach exactly once."""
    await migrate.upgrade(postgres_url)
    sla = policies(reminders=())
    async with rig_on(postgres_url, clock, sla, locking=True) as setup:
        tickets = [await setup.open_ticket(f"buyer{n}") for n in range(40)]
    clock.set(START + timedelta(hours=9))
    engines = [create_async_engine(postgres_url) for _ in range(4)]
    try:
        workers = [build_rig(engine, clock, sla, locking=True) for engine in engines]
        for worker in workers:
            worker.tracker.batch_size = 5
        fired = await asyncio.gather(*(w.tracker.fire_due(clock.now()) for w in workers))
        assert sum(fired) == len(tickets)
        alerts = await workers[0].alerts()
        assert sorted(a["ticket_id"] for a in alerts) == sorted(tickets)
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_burst_bigger_than_a_batch_is_drained_oldest_first_each_once(rig: Rig) -> None:
    """Seven reminders due at once go out in deadline order over bounded batches, one alert and event each."""
    tickets = []
    for minute in range(7):
        rig.clock.set(START + timedelta(minutes=minute))
        tickets.append(await rig.open_ticket(f"buyer{minute}"))
    rig.tracker.batch_size = 3
    assert await rig.fire_at(START + timedelta(hours=5)) == 7
    alerts = await rig.alerts()
    assert [alert["ticket_id"] for alert in alerts] == tickets
    assert {alert["point"] for alert in alerts} == {"reminder:0.5"}
    for ticket in tickets:
        assert (await rig.events(ticket)).count("sla_reminder") == 1
        assert await rig.next_due(ticket) == START + timedelta(hours=6, minutes=24 + tickets.index(ticket))
    assert await rig.fire_at(START + timedelta(hours=5)) == 0


class SteppingClock(ManualClock):
    """A manual clock that, once told, shows the next of some instants each time it is read (time passing)."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.upcoming: list[datetime] = []

    def now(self) -> datetime:
        if self.upcoming:
            self.set(self.upcoming.pop(0))
        return super().now()


async def test_a_wake_up_also_fires_what_fell_due_while_it_was_firing(url: str) -> None:
    """A deadline that passes while the wake-up fires is drained in the same wake-up, then the next is armed."""
    clock = SteppingClock(START)
    async with rig_on(url, clock, policies()) as rig:
        first = await rig.open_ticket("ana")
        clock.set(START + timedelta(hours=1))
        second = await rig.open_ticket("ben")
        await rig.scheduler.start()
        try:
            # The wake-up starts at 4 h (ana's first reminder); by the time it has fired, it is 5 h (ben's).
            clock.upcoming = [START + timedelta(hours=4), START + timedelta(hours=5)]
            assert await rig.scheduler.wake() == 2
            assert [a["ticket_id"] for a in await rig.alerts()] == [first, second]
            assert rig.scheduler.armed_at == START + timedelta(hours=6, minutes=24)
        finally:
            await rig.scheduler.stop()


async def test_two_processes_on_one_sqlite_file_announce_each_clock_once(
    url: str, clock: ManualClock
) -> None:
    """Two firers racing on the same SQLite database queue for its write lock: every breach is announced once."""
    sla = policies(reminders=())
    async with rig_on(url, clock, sla) as setup:
        tickets = [await setup.open_ticket(f"buyer{n}") for n in range(12)]
    clock.set(START + timedelta(hours=9))
    engines = [create_async_engine(url) for _ in range(2)]
    try:
        workers = [build_rig(engine, clock, sla) for engine in engines]
        for worker in workers:
            worker.tracker.batch_size = 5
        fired = await asyncio.gather(*(w.tracker.fire_due(clock.now()) for w in workers))
        assert sum(fired) == len(tickets)
        alerts = await workers[0].alerts()
        assert sorted(a["ticket_id"] for a in alerts) == tickets
    finally:
        for engine in engines:
            await engine.dispose()


async def test_firing_waits_for_a_busy_sqlite_writer_and_leaves_its_busy_timeout_as_found(
    url: str, clock: ManualClock
) -> None:
    """While another connection writes, the firing waits for the lock, then fires; the pooled connection keeps its timeout."""
    async with rig_on(url, clock, policies(reminders=())) as setup:
        ticket = await setup.open_ticket("ana")
    engine = create_async_engine(url, pool_size=1, max_overflow=0)  # one connection, reused
    try:
        rig = build_rig(engine, clock, policies(reminders=()))
        async with engine.connect() as connection:
            timeout_before = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
        writer = create_async_engine(url)
        try:
            async with writer.connect() as holding:
                await holding.exec_driver_sql("BEGIN IMMEDIATE")
                firing = asyncio.create_task(rig.fire_at(START + timedelta(hours=9)))
                for _ in range(20):  # let the firing try (and fail) to take the lock a few times
                    await asyncio.sleep(0)
                assert not firing.done()
                await holding.commit()
                assert await firing == 1
        finally:
            await writer.dispose()
        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar() == timeout_before
        assert [a["ticket_id"] for a in await rig.alerts()] == [ticket]
    finally:
        await engine.dispose()


async def test_build_app_wires_the_timers_into_the_desk(sqlite_url: str, clock: ManualClock) -> None:
    """The composition root gives every new ticket a clock and exposes a startable scheduler."""
    app = await build_app(Settings(database=DatabaseSettings(url=sqlite_url)), senders={}, clock=clock)
    try:
        assert app.scheduler is not None
        result = await app.desk.request_human(message("ana", "/human", "w1"))
        assert result.ticket is not None
        async with app.sessions() as session:
            due = await session.scalar(
                select(models.SlaClock.next_due_at).where(models.SlaClock.ticket_id == result.ticket.id)
            )
        assert due == START + timedelta(hours=12)  # P3 default 24 h, first reminder at 50 %
    finally:
        await app.close()


# --- operators' views ----------------------------------------------------------------------------


async def test_tickets_overdue_and_sla_summary(
    url: str, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """`tickets --overdue --sla --json` lists the missed ticket and counts per priority."""
    settings = Settings(database=DatabaseSettings(url=url))
    async with rig_on(url, clock, sla_policies(settings)) as rig:
        late = await rig.open_ticket("ana")  # P3, 24 h by default
        answered = await rig.open_ticket("ben")
        rig.clock.set(START + timedelta(hours=1))
        await rig.agents.agent_reply(answered, agent="bo", text="Done")
        urgent = await rig.open_ticket("chloé")
        await rig.agents.change_priority(urgent, Priority.P1, agent="bo")  # deadline START + 2 h
        await rig.fire_at(START + timedelta(hours=25))
    now = START + timedelta(hours=25)
    assert (
        await list_tickets(
            settings, include_resolved=False, limit=10, as_json=True, overdue=True, sla=True, now=now
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert sorted(t["id"] for t in report["tickets"]) == sorted([late, urgent])
    assert all(t["overdue"] for t in report["tickets"])
    assert report["sla"]["P3"] == {
        "open": 2,
        "due_soon": 0,
        "overdue": 1,
        "breached": 1,
        "met": 1,
        "share_met": 0.5,
    }
    assert report["sla"]["P1"]["breached"] == 1
    assert (
        await list_tickets(settings, include_resolved=False, limit=10, as_json=False, sla=True, now=now) == 0
    )
    text = capsys.readouterr().out
    assert "OVERDUE since" in text
    assert "met %" in text


async def test_console_desk_shows_sla_alerts() -> None:
    """The console's agent view prints a breach with its priority, clock and actions."""
    lines: list[str] = []
    sender = ConsoleDeskSender(ConsoleSession(), lines.append)
    payload = {
        "kind": "sla_alert",
        "ticket_id": 3,
        "clock": "first_response",
        "point": "breach",
        "due_at": "2026-11-20T10:00:00+00:00",
        "deadline": "2026-11-20T10:00:00+00:00",
        "priority": "P1",
        "actions": ["mention_on_call"],
    }
    await sender.deliver(Envelope(1, DESK_CHANNEL, "ticket:3", payload, 3, 0))
    assert lines == [
        "  [agents · ticket #3] ⏰ P1 first response BREACHED · due 2026-11-20 10:00 UTC · mention_on_call"
    ]
