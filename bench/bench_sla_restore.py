"""SLA timers at scale: restore after a restart, and how late timers fire under load.

    /work/venv/bin/python bench/bench_sla_restore.py [--tickets 10000] [--due 1000] [--window 20]

1. Restore: N open tickets with clocks in SQLite, 1 % of them fell due while "down". Ours:
   `SlaScheduler.start()` (fires the overdue ones once, arms one wake-up at the earliest deadline).
   Baseline, measured in the same run: the naive restore that scans the whole table and keeps one
   APScheduler job per ticket. Target: restore ≤ 2 s.
2. Lateness, steady desk: N open tickets whose next deadlines are spread evenly over the next
   hour (P1 breaches, P2 80 % and P3 50 % reminders; earlier points already announced), watched
   for `--window` seconds while 4 buyers keep opening tickets. Deadlines count from the start
   of the load, after seeding and warming the connection pool (both sides alike).
3. Lateness, burst: `--due` of the N clocks fall due 2–6 s after the load starts, same traffic.
   Lateness = wall time the alert's transaction committed − its deadline, read back from the
   outbox after each commit (whatever way the rows were written). Ours (date job at the earliest
   deadline, re-armed, bursts drained oldest-first in bounded batches) versus a naive 1 s poll
   that scans the whole table, both measured in the same run. Target ≤ 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import DatabaseSettings
from bot.scheduler import SlaScheduler
from bot.storage import migrate, models
from bot.storage.database import create_engine, session_factory
from bot.storage.desk_store import SqlDeskStore, desk_store_factory
from bot.storage.sla_store import SqlSlaStores
from escalation.conversation import BuyerMessage
from escalation.desk import BuyerDesk
from escalation.ports import OutgoingKind
from escalation.priority import Priority
from escalation.response_targets import PolicyResponseTargets
from escalation.sla import SlaPolicies, SystemClock, due_timers, next_due, on_ticket_opened
from escalation.sla_service import SlaClock, SlaTracker
from escalation.vip import VipPolicy
from knowledge.service import KnowledgeNoMatch, KnowledgeOutcome

POLICIES = SlaPolicies.defaults()


class _NoKnowledge:
    def answer(self, text: str, language: str, *, country: str | None = None) -> KnowledgeOutcome:
        return KnowledgeNoMatch(0.0)

    def answer_entry(self, entry_id: str, language: str, *, country: str | None = None) -> None:
        return None


class _English:
    def resolve(self, text: str, **_: str | None) -> str:
        return "en"


class _NoComplaints:
    def detect(self, text: str, language: str | None = None) -> None:
        return None


async def seed(
    engine: AsyncEngine,
    opened: list[tuple[datetime, Priority]],
    offset: int = 0,
    *,
    settled: datetime | None = None,
) -> None:
    """Bulk-insert open tickets with their clocks, as if the desk had opened them.

    `settled`: the points due by then were already announced (a desk that has been running).
    """
    created = datetime.now(UTC)
    async with session_factory(engine)() as session:
        ids = range(offset + 1, offset + len(opened) + 1)
        await session.execute(
            insert(models.Buyer),
            [
                {
                    "id": i,
                    "channel": "bench",
                    "channel_user_id": str(i),
                    "language_explicit": False,
                    "tier": "standard",
                    "created_at": created,
                    "updated_at": created,
                }
                for i in ids
            ],
        )
        await session.execute(
            insert(models.Conversation),
            [
                {
                    "id": i,
                    "buyer_id": i,
                    "channel": "bench",
                    "channel_chat_id": str(i),
                    "language": "en",
                    "created_at": created,
                    "last_message_at": created,
                }
                for i in ids
            ],
        )
        await session.execute(
            insert(models.Ticket),
            [
                {
                    "id": i,
                    "conversation_id": i,
                    "open_conversation_id": i,
                    "buyer_id": i,
                    "state": "open",
                    "priority": priority.value,
                    "reason": "human_request",
                    "matched": {},
                    "language": "en",
                    "opened_at": at,
                    "updated_at": at,
                }
                for i, (at, priority) in zip(ids, opened, strict=True)
            ],
        )
        clocks = []
        for i, (at, priority) in zip(ids, opened, strict=True):
            state = on_ticket_opened(at)
            if settled is not None:
                state = due_timers(state, POLICIES.for_ticket(priority, vip=False), settled).state
            clock = SlaClock(i, state, priority)
            clocks.append(
                {
                    "ticket_id": i,
                    "state": clock.to_json(),
                    "priority": priority.value,
                    "vip": False,
                    "next_due_at": next_due(clock.state, POLICIES.for_ticket(priority, vip=False)),
                    "updated_at": at,
                }
            )
        await session.execute(insert(models.SlaClock), clocks)
        await session.commit()


def tracker_for(engine: AsyncEngine, stores: Any = None) -> SlaTracker:
    return SlaTracker(
        policies=POLICIES,
        stores=stores or desk_store_factory(session_factory(engine)),
        clocks=SqlSlaStores(locking=False),
        vip=VipPolicy(),
    )


async def timed(action: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await action()
    return time.perf_counter() - started, result


async def traced(action: Callable[[], Awaitable[Any]]) -> float:
    """Peak MiB allocated by Python during one awaited action (tracemalloc slows it: time it apart)."""
    tracemalloc.start()
    await action()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


async def naive_restore(engine: AsyncEngine) -> int:
    """Baseline: scan every clock, keep one in-memory job per ticket (APScheduler MemoryJobStore)."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.start(paused=True)
    async with session_factory(engine)() as session:
        rows = (await session.scalars(select(models.SlaClock))).all()
        for row in rows:
            clock = SlaClock.from_json(
                row.ticket_id, row.state, priority=Priority(row.priority), vip=row.vip, next_due_at=None
            )
            due = next_due(clock.state, POLICIES.for_ticket(clock.priority, vip=clock.vip))
            if due is not None:
                scheduler.add_job(
                    _noop, "date", run_date=due, id=f"sla-{row.ticket_id}", misfire_grace_time=None
                )
    jobs = len(scheduler.get_jobs())
    scheduler.shutdown(wait=False)
    return jobs


async def _noop() -> None:
    return None


async def bench_restore(directory: Path, tickets: int) -> None:
    """Restore on one copy of the database for time, on another for memory (both fire the overdue once)."""
    seeded = directory / "restore.db"
    engine = await fresh_engine(seeded)
    now = datetime.now(UTC)
    overdue = tickets // 100
    opened = [(now - timedelta(hours=2), Priority.P1)] * overdue
    opened += [(now - timedelta(minutes=i % 600), Priority.P3) for i in range(tickets - overdue)]
    await seed(engine, opened)
    await engine.dispose()
    shutil.copy(seeded, directory / "restore-memory.db")
    engine = create_engine(DatabaseSettings(url=f"sqlite+aiosqlite:///{seeded}"))
    memory_engine = create_engine(
        DatabaseSettings(url=f"sqlite+aiosqlite:///{directory / 'restore-memory.db'}")
    )
    await _warm(engine)
    await _warm(memory_engine)

    naive_s, jobs = await timed(lambda: naive_restore(engine))
    naive_mib = await traced(lambda: naive_restore(engine))
    scheduler = SlaScheduler(tracker_for(engine), SystemClock())
    ours_s, fired = await timed(scheduler.start)
    armed = scheduler.armed_at
    await scheduler.stop()
    in_memory = SlaScheduler(tracker_for(memory_engine), SystemClock())
    ours_mib = await traced(in_memory.start)
    await in_memory.stop()
    second = SlaScheduler(tracker_for(engine), SystemClock())
    again = await second.start()
    await second.stop()
    await engine.dispose()
    await memory_engine.dispose()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"restore, {tickets} open tickets with clocks ({overdue} overdue at restart); process max RSS {rss:.0f} MiB"
    )
    print(
        f"  baseline full scan + 1 job/ticket : {naive_s:6.3f} s, peak {naive_mib:6.1f} MiB traced, {jobs} jobs"
    )
    wake = (armed - now).total_seconds() if armed else 0.0
    print(
        f"  SlaScheduler.start()              : {ours_s:6.3f} s, peak {ours_mib:6.1f} MiB traced, "
        f"{fired} overdue alerts fired, next wake-up armed at +{wake:.0f} s"
    )
    verdict = "OK" if ours_s <= 2 else "MISSED"
    print(f"  second restart fires {again} alert(s) (exactly once); target restore <= 2 s: {verdict}")


async def _warm(engine: AsyncEngine, connections: int = 1) -> None:
    """Open the pool's connections first, so both sides are timed on a connected engine.

    (A new SQLite connection switches to WAL on connect, which can queue behind writers.)
    """
    async with AsyncExitStack() as stack:
        for _ in range(connections):
            connection = await stack.enter_async_context(engine.connect())
            await connection.exec_driver_sql("SELECT 1")


class CommitStamps:
    """Stamps each SLA alert with the wall time its transaction committed (lateness = stamp − deadline).

    After every commit of the firing side, the SLA alerts that commit made visible are read back
    from the outbox: the measurement does not depend on how the firing code writes its rows.
    Only this factory's sessions write SLA alerts, one firing at a time, so ids only grow.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = session_factory(engine)
        self.lateness: list[float] = []
        self._last_id = 0

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[SqlDeskStore]:
        async with self._sessions() as session:
            store = SqlDeskStore(session)
            real_commit = store.commit

            async def commit() -> None:
                await real_commit()
                stamp = datetime.now(UTC)
                rows = (
                    await session.execute(
                        select(models.OutboxItem.id, models.OutboxItem.payload).where(
                            models.OutboxItem.id > self._last_id, models.OutboxItem.dedup_key.like("sla:%")
                        )
                    )
                ).all()
                await session.rollback()  # end the read; the caller's unit of work is over
                for outbox_id, payload in rows:
                    self._last_id = max(self._last_id, outbox_id)
                    if payload.get("kind") == OutgoingKind.SLA_ALERT:
                        self.lateness.append(
                            (stamp - datetime.fromisoformat(payload["due_at"])).total_seconds()
                        )

            store.commit = commit  # type: ignore[method-assign]
            try:
                yield store
            finally:
                if session.in_transaction():
                    await session.rollback()


async def traffic(desk: BuyerDesk, stop: asyncio.Event, worker: int) -> int:
    """Buyers asking for a human, one after the other: every one opens a ticket and a clock."""
    done = 0
    while not stop.is_set():
        buyer = f"load-{worker}-{done}"
        now = datetime.now(UTC)
        await desk.request_human(BuyerMessage("bench", buyer, buyer, "/human", now, message_id=f"{buyer}-m"))
        done += 1
    return done


async def naive_poll(tracker: SlaTracker, engine: AsyncEngine, stop: asyncio.Event) -> None:
    """Baseline wake-ups: every second, scan every clock in Python, fire when one is due."""
    while not stop.is_set():
        await asyncio.sleep(1.0)
        now = datetime.now(UTC)
        async with session_factory(engine)() as session:
            rows = (await session.scalars(select(models.SlaClock))).all()
            due = False
            for row in rows:
                clock = SlaClock.from_json(
                    row.ticket_id, row.state, priority=Priority(row.priority), vip=row.vip, next_due_at=None
                )
                at = next_due(clock.state, POLICIES.for_ticket(clock.priority, vip=clock.vip))
                due = due or (at is not None and at <= now)
        if due:
            await tracker.fire_due(now)


SEED_LEAD = timedelta(seconds=3)


def burst(now: datetime, tickets: int, due: int) -> list[tuple[datetime, Priority]]:
    """`due` P1 clocks whose first reminder (30 min) lands 2–6 s from now; the rest far away."""
    opened = [
        (now + timedelta(seconds=2 + 4 * i / due) - timedelta(minutes=30), Priority.P1) for i in range(due)
    ]
    return opened + [(now - timedelta(minutes=i % 600), Priority.P3) for i in range(tickets - due)]


# Which announced point each priority's spread deadline is, as a fraction of its target.
STEADY_POINTS = {Priority.P1: 1.0, Priority.P2: 0.8, Priority.P3: 0.5}


def steady(now: datetime, tickets: int) -> list[tuple[datetime, Priority]]:
    """Tickets whose deadlines (P1 breach, P2 80 %, P3 50 %) are spread evenly over the next hour."""
    opened = []
    for i, priority in zip(range(tickets), itertools.cycle(STEADY_POINTS), strict=False):
        deadline = now + timedelta(seconds=2 + 3600 * i / tickets)
        target = POLICIES.for_ticket(priority, vip=False).first_response
        opened.append((deadline - target * STEADY_POINTS[priority], priority))
    return opened


async def bench_lateness(
    directory: Path,
    name: str,
    opened: Callable[[datetime], list[tuple[datetime, Priority]]],
    *,
    seconds: float,
    naive: bool,
    settled: bool = False,
) -> tuple[list[float], int]:
    engine = await fresh_engine(directory / f"lateness-{name}-{'naive' if naive else 'ours'}.db")
    await _warm(engine, connections=5)
    # Deadlines are placed relative to the start of the load, after seeding (which takes ~1 s).
    start = datetime.now(UTC) + SEED_LEAD
    await seed(engine, opened(start), settled=start if settled else None)
    lead = (start - datetime.now(UTC)).total_seconds()
    if lead < 0:
        print(f"  (seeding overran its lead by {-lead:.2f} s: the first deadlines start closer)")
    await asyncio.sleep(max(lead, 0.0))
    stamps = CommitStamps(engine)
    tracker = tracker_for(engine, stores=stamps)
    scheduler = SlaScheduler(tracker, SystemClock())
    desk = BuyerDesk(
        stores=desk_store_factory(session_factory(engine)),
        knowledge=_NoKnowledge,
        languages=_English(),
        complaints=_NoComplaints(),
        targets=PolicyResponseTargets(POLICIES),
        vip=VipPolicy(),
        clock=SystemClock(),
        on_commit=scheduler.rearm,
        observer=tracker,
    )
    stop = asyncio.Event()
    background: list[asyncio.Task[Any]] = [asyncio.create_task(traffic(desk, stop, n)) for n in range(4)]
    if naive:
        background.append(asyncio.create_task(naive_poll(tracker, engine, stop)))
    else:
        await scheduler.start()
    await asyncio.sleep(seconds)
    stop.set()
    results = await asyncio.gather(*background)
    await scheduler.stop()
    await engine.dispose()
    return stamps.lateness, sum(r for r in results if isinstance(r, int))


def describe(label: str, lateness: list[float], load: int) -> str:
    if not lateness:
        return f"  {label}: nothing fired"
    ordered = sorted(lateness)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (
        f"  {label}: {len(lateness)} alerts, lateness median {statistics.median(ordered):.3f} s, "
        f"p95 {p95:.3f} s, max {ordered[-1]:.3f} s  (while {load} tickets were opened alongside)"
    )


async def fresh_engine(path: Path) -> AsyncEngine:
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade(url)
    return create_engine(DatabaseSettings(url=url))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--window", type=float, default=20.0, help="seconds the steady desk is watched")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        await bench_restore(directory, args.tickets)
        worst: list[float] = []

        print(
            f"\nlateness, steady desk: {args.tickets} open tickets, deadlines spread over the next hour, "
            f"watched {args.window:.0f} s, 4 buyers writing nonstop"
        )
        for naive, label in ((True, "baseline 1 s full-scan poll"), (False, "SlaScheduler wake-ups      ")):
            lateness, load = await bench_lateness(
                directory,
                "steady",
                lambda now: steady(now, args.tickets),
                seconds=args.window,
                naive=naive,
                settled=True,
            )
            print(describe(label, lateness, load))
            if not naive:
                worst.append(max(lateness, default=0.0))

        print(
            f"\nlateness, burst: {args.due} of {args.tickets} clocks falling due within 2–6 s, "
            "4 buyers writing nonstop"
        )
        for naive, label in ((True, "baseline 1 s full-scan poll"), (False, "SlaScheduler wake-ups      ")):
            lateness, load = await bench_lateness(
                directory, "burst", lambda now: burst(now, args.tickets, args.due), seconds=8, naive=naive
            )
            print(describe(label, lateness, load))
            if not naive:
                worst.append(max(lateness, default=0.0))
        steady_max, burst_max = worst
        print(
            f"\ntarget lateness <= 1 s: steady {'OK' if steady_max <= 1 else 'MISSED'} (max {steady_max:.3f} s), "
            f"burst {'OK' if burst_max <= 1 else 'MISSED'} (max {burst_max:.3f} s)"
        )


if __name__ == "__main__":
    asyncio.run(main())
