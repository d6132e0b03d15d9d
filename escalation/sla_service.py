"""SLA timers as an application service: keeps each ticket's clock in step and fires what is due.

`SlaTracker` is the desk's `TicketObserver`: inside the unit of work of every ticket change it
derives the clock event from the ticket's new state and the messages since it last looked, and
persists the clock with its next deadline. `fire_due(now)` announces every clock that is due:
for each one the new clock state and all its consequences (outbox alert, ticket event, priority
raise, claim release, the buyer's one polite update) are written in one transaction, so a crash
either loses all of it (and it fires again) or none of it (and it never fires twice).

The deadlines live in the store (`SlaStore`); whatever schedules wake-ups only asks
`next_wakeup()` and calls `fire_due`. Pure: no SQL and no scheduler library here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from escalation.conversation import Reply, ReplyKey
from escalation.desk import ticket_update
from escalation.ports import (
    DESK_CHANNEL,
    ConversationRecord,
    DeskStore,
    DeskStoreFactory,
    Outgoing,
    OutgoingKind,
    TicketChange,
)
from escalation.priority import Priority
from escalation.sla import (
    BreachAction,
    ClockKind,
    SlaPolicies,
    SlaPolicy,
    SlaState,
    SlaTimer,
    due_timers,
    next_due,
    on_agent_reply,
    on_buyer_message,
    on_priority_changed,
    on_resolved,
    on_ticket_opened,
    on_waiting_for_buyer,
    planned_timers,
)
from escalation.tickets import TicketEventKind, TicketState, TicketView

__all__ = [
    "SLA_ACTOR",
    "SlaClock",
    "SlaStore",
    "SlaStoreFor",
    "SlaTracker",
    "TicketActivity",
    "VipCheck",
    "state_from_json",
    "state_to_json",
]

logger = logging.getLogger(__name__)

SLA_ACTOR = "sla"  # the actor of ticket events the timers cause
BOT = "bot"


# --- persistence format ----------------------------------------------------------------------


def state_to_json(state: SlaState) -> dict[str, Any]:
    """A JSON-ready form of `SlaState` (ISO instants, sorted fired points)."""
    return {
        "clock": state.clock.value if state.clock else None,
        "started_at": _iso(state.started_at),
        "pauses": [[start.isoformat(), end.isoformat()] for start, end in state.pauses],
        "paused_since": _iso(state.paused_since),
        "fired": sorted(state.fired),
        "first_responded_at": _iso(state.first_responded_at),
        "resolved_at": _iso(state.resolved_at),
    }


def state_from_json(data: Mapping[str, Any]) -> SlaState:
    clock = data.get("clock")
    return SlaState(
        clock=ClockKind(clock) if clock else None,
        started_at=_instant(data.get("started_at")),
        pauses=tuple(
            (datetime.fromisoformat(start), datetime.fromisoformat(end))
            for start, end in data.get("pauses") or ()
        ),
        paused_since=_instant(data.get("paused_since")),
        fired=frozenset(data.get("fired") or ()),
        first_responded_at=_instant(data.get("first_responded_at")),
        resolved_at=_instant(data.get("resolved_at")),
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class SlaClock:
    """One ticket's clock as stored: the pure state plus what the tracker needs to derive events.

    `seen_buyer` / `seen_agent` are the newest message ids of the ticket already taken into
    account, so that a buyer follow-up or an agent answer is noticed exactly once.
    """

    ticket_id: int
    state: SlaState
    priority: Priority
    vip: bool = False
    seen_buyer: int = 0
    seen_agent: int = 0
    buyer_updated: bool = False  # the buyer got the one polite "still waiting" note
    next_due_at: datetime | None = None

    def deadline(self, policies: SlaPolicies) -> datetime | None:
        """The breach instant of the clock that is running now (None when none runs or it is paused)."""
        policy = policies.for_ticket(self.priority, vip=self.vip)
        return next((timer.due_at for timer in planned_timers(self.state, policy) if timer.is_breach), None)

    def to_json(self) -> dict[str, Any]:
        """The `state` column: clock state and markers (priority, vip, next_due_at have columns)."""
        return {
            **state_to_json(self.state),
            "seen_buyer": self.seen_buyer,
            "seen_agent": self.seen_agent,
            "buyer_updated": self.buyer_updated,
        }

    @classmethod
    def from_json(
        cls,
        ticket_id: int,
        data: Mapping[str, Any],
        *,
        priority: Priority,
        vip: bool,
        next_due_at: datetime | None,
    ) -> SlaClock:
        return cls(
            ticket_id=ticket_id,
            state=state_from_json(data),
            priority=priority,
            vip=vip,
            seen_buyer=int(data.get("seen_buyer") or 0),
            seen_agent=int(data.get("seen_agent") or 0),
            buyer_updated=bool(data.get("buyer_updated")),
            next_due_at=next_due_at,
        )


@dataclass(frozen=True)
class TicketActivity:
    """The newest message ids of a ticket by side (0 when there is none)."""

    last_buyer_message: int = 0
    last_agent_message: int = 0


class SlaStore(Protocol):
    """Clock rows, inside the desk's unit of work (its `commit()` commits them too).

    The `*_all` / bulk methods serve `fire_due`: one batch of due clocks is read and written with a
    handful of statements instead of a round trip per clock.
    """

    async def load(self, ticket_id: int) -> SlaClock | None:
        """The ticket's clock, locked against concurrent firing until the unit of work ends."""
        ...

    async def save(self, clock: SlaClock, *, at: datetime) -> None: ...

    async def activity(self, ticket_id: int) -> TicketActivity: ...

    async def claim_due(self, now: datetime, *, limit: int) -> list[SlaClock]:
        """Up to `limit` clocks due by `now`, earliest first, locked for this unit of work.

        With several workers each clock goes to one of them (rows another holds are skipped).
        """
        ...

    async def earliest_due(self) -> datetime | None: ...

    async def tickets(self, ticket_ids: Collection[int]) -> Mapping[int, TicketView]:
        """The tickets of a batch of clocks (missing ids are absent)."""
        ...

    async def save_all(self, clocks: Sequence[SlaClock], *, at: datetime) -> None:
        """Write back clocks that `claim_due` returned (their rows exist)."""
        ...

    async def record_events(self, events: Sequence[tuple[int, TicketChange]]) -> None:
        """Add event-only ticket changes (no state, priority or claim change): the event and `updated_at`."""
        ...

    async def enqueue_all(self, items: Sequence[Outgoing], *, at: datetime) -> None:
        """Queue outbox rows, exactly as `DeskStore.enqueue` would one by one."""
        ...


class SlaStoreFor(Protocol):
    """The `SlaStore` that shares a desk unit of work."""

    def __call__(self, desk: DeskStore) -> SlaStore: ...


class VipCheck(Protocol):
    def is_vip(self, conversation: ConversationRecord) -> bool: ...


@dataclass
class _Hint:
    """The earliest deadline saved since the scheduler last asked: a cheap re-arm without a query."""

    earliest: datetime | None = None

    def note(self, due: datetime | None) -> None:
        if due is not None and (self.earliest is None or due < self.earliest):
            self.earliest = due


@dataclass(frozen=True)
class _Breach:
    """A breach announced in a firing batch whose ticket-level consequences are still to apply."""

    ticket: TicketView
    timer: SlaTimer
    policy: SlaPolicy
    tell_buyer: bool  # first-response breach and the buyer has not had the polite note yet


@dataclass
class SlaTracker:
    """Keeps clocks in step with tickets (`ticket_changed`) and announces what falls due (`fire_due`)."""

    policies: SlaPolicies
    stores: DeskStoreFactory
    clocks: SlaStoreFor
    vip: VipCheck
    on_commit: Callable[[], None] = lambda: None
    batch_size: int = 200
    _hint: _Hint = field(default_factory=_Hint, init=False, repr=False)

    # --- observer side ------------------------------------------------------------------------

    async def ticket_changed(self, store: DeskStore, ticket: TicketView, at: datetime) -> None:
        """Derive the clock event from the ticket and persist the clock (called inside the unit of work)."""
        clocks = self.clocks(store)
        record = await clocks.load(ticket.id)
        activity = await clocks.activity(ticket.id)
        if record is None:
            record = await self._new_clock(store, ticket, activity)
        state = self._follow(record, ticket, activity, at)
        if ticket.priority is not record.priority:
            state = on_priority_changed(state, self.policies.for_ticket(ticket.priority, vip=record.vip), at)
        record = replace(
            record,
            state=state,
            priority=ticket.priority,
            seen_buyer=max(record.seen_buyer, activity.last_buyer_message),
            seen_agent=max(record.seen_agent, activity.last_agent_message),
        )
        await self._save(clocks, record, ticket, at)

    async def _new_clock(self, store: DeskStore, ticket: TicketView, activity: TicketActivity) -> SlaClock:
        conversation = await store.conversation(ticket.conversation_id)
        vip = conversation is not None and self.vip.is_vip(conversation)
        state = on_ticket_opened(ticket.opened_at)
        if ticket.first_response_at is not None:
            state = on_agent_reply(state, ticket.first_response_at)
        # Messages from before the clock existed are history, not events.
        return SlaClock(
            ticket.id,
            state,
            ticket.priority,
            vip=vip,
            seen_buyer=activity.last_buyer_message,
            seen_agent=activity.last_agent_message,
        )

    @staticmethod
    def _follow(record: SlaClock, ticket: TicketView, activity: TicketActivity, at: datetime) -> SlaState:
        state = record.state
        if ticket.state is TicketState.RESOLVED:
            return on_resolved(state, at)
        if state.resolved_at is not None:  # reopened by the buyer: the agents owe an answer again
            if state.first_responded_at is None:
                return on_ticket_opened(at)
            return on_buyer_message(SlaState(first_responded_at=state.first_responded_at), at)
        news: list[tuple[int, str]] = []
        if activity.last_agent_message > record.seen_agent:
            news.append((activity.last_agent_message, "agent"))
        if activity.last_buyer_message > record.seen_buyer:
            news.append((activity.last_buyer_message, "buyer"))
        for _, side in sorted(news):  # in the order they were written
            state = on_agent_reply(state, at) if side == "agent" else on_buyer_message(state, at)
        if (
            ticket.first_response_at is not None
            and state.first_responded_at is None
            and state.clock is ClockKind.FIRST_RESPONSE
        ):
            state = on_agent_reply(state, ticket.first_response_at)
        if ticket.state is TicketState.WAITING_FOR_BUYER:
            state = on_waiting_for_buyer(state, at)
        elif state.paused:  # back with the agents without a buyer message (e.g. claimed): it counts again
            state = on_buyer_message(state, at)
        return state

    async def _save(self, clocks: SlaStore, record: SlaClock, ticket: TicketView, at: datetime) -> SlaClock:
        policy = self.policies.for_ticket(record.priority, vip=record.vip)
        due = next_due(record.state, policy) if ticket.state.is_active else None
        record = replace(record, next_due_at=due)
        await clocks.save(record, at=at)
        self._hint.note(due)
        return record

    # --- firing side --------------------------------------------------------------------------

    async def fire_due(self, now: datetime) -> int:
        """Announce every clock due by `now`, earliest first; returns how many alerts were queued.

        Works in batches of at most `batch_size`, one transaction each: the batch's clock states,
        alerts and ticket events are written together with a few bulk statements, and commit
        with every consequence or not at all. A big backlog is thus drained oldest-first in
        bounded transactions that never hold the database for long.
        """
        fired = 0
        while True:
            async with self.stores() as desk:
                clocks = self.clocks(desk)
                due = await clocks.claim_due(now, limit=self.batch_size)
                fired += await self._fire_batch(desk, clocks, due, now)
                await desk.commit()
            if due:
                self.on_commit()
            if len(due) < self.batch_size:
                return fired

    async def next_wakeup(self) -> datetime | None:
        """The earliest pending deadline in the store."""
        async with self.stores() as desk:
            return await self.clocks(desk).earliest_due()

    def take_hint(self) -> datetime | None:
        """The earliest deadline saved since the last call (possibly from a rolled-back change)."""
        earliest, self._hint.earliest = self._hint.earliest, None
        return earliest

    async def _fire_batch(
        self, desk: DeskStore, clocks: SlaStore, due: Sequence[SlaClock], now: datetime
    ) -> int:
        if not due:
            return 0
        tickets = await clocks.tickets([claimed.ticket_id for claimed in due])
        saved: list[SlaClock] = []
        alerts: list[Outgoing] = []
        events: list[tuple[int, TicketChange]] = []
        breaches: list[_Breach] = []
        for claimed in due:
            record, timer, policy = self._decide(claimed, tickets.get(claimed.ticket_id), now)
            saved.append(record)
            ticket = tickets.get(claimed.ticket_id)
            if timer is None or ticket is None:
                continue
            alerts.append(self._alert(ticket, timer, policy, record))
            events.append((ticket.id, self._timer_event(timer, now)))
            if timer.is_breach:
                tell_buyer = record.buyer_updated and not claimed.buyer_updated
                breaches.append(_Breach(ticket, timer, policy, tell_buyer))
        # The new states are written first: whatever follows commits with them or not at all.
        await clocks.save_all(saved, at=now)
        for record in saved:
            self._hint.note(record.next_due_at)
        await clocks.record_events(events)
        await clocks.enqueue_all(alerts, at=now)
        # Breach consequences change tickets one by one (rare next to reminders): after the
        # bulk writes, so a ticket's events read breach → priority raise → release.
        for breach in breaches:
            changed = await self._breach(desk, breach, now)
            if (
                changed.priority is not breach.ticket.priority
                or changed.claimed_by != breach.ticket.claimed_by
            ):
                await desk.enqueue(ticket_update(changed), at=now)
                await self.ticket_changed(desk, changed, now)  # reschedules under the new priority
        return len(alerts)

    def _decide(
        self, record: SlaClock, ticket: TicketView | None, now: datetime
    ) -> tuple[SlaClock, SlaTimer | None, SlaPolicy]:
        """The clock as it must be saved, and the one timer to announce (None: nothing to say)."""
        policy = self.policies.for_ticket(record.priority, vip=record.vip)
        if ticket is None:
            return replace(record, next_due_at=None), None, policy
        decided = due_timers(record.state, policy, now)
        active = ticket.state.is_active
        record = replace(
            record,
            state=decided.state,
            next_due_at=next_due(decided.state, policy) if active else None,
        )
        if not decided.timers or not active:
            return record, None, policy
        timer = decided.timers[0]
        if timer.kind is ClockKind.FIRST_RESPONSE and timer.is_breach:
            record = replace(record, buyer_updated=True)  # the polite note goes out with this breach
        return record, timer, policy

    @staticmethod
    def _timer_event(timer: SlaTimer, now: datetime) -> TicketChange:
        return TicketChange(
            event=TicketEventKind.SLA_BREACH if timer.is_breach else TicketEventKind.SLA_REMINDER,
            actor=SLA_ACTOR,
            at=now,
            data={"clock": timer.kind.value, "point": timer.point, "due_at": timer.due_at.isoformat()},
        )

    async def _breach(self, desk: DeskStore, breach: _Breach, now: datetime) -> TicketView:
        ticket = breach.ticket
        actions = breach.policy.breach_actions(breach.timer.kind)
        if BreachAction.RAISE_PRIORITY in actions and ticket.priority.raised() is not ticket.priority:
            ticket = await desk.change_ticket(
                ticket.id,
                TicketChange(
                    event=TicketEventKind.PRIORITY_CHANGED,
                    actor=SLA_ACTOR,
                    at=now,
                    priority=ticket.priority.raised(),
                    data={"because": "sla_breach"},
                ),
            )
        if BreachAction.RELEASE_CLAIM in actions and ticket.state is TicketState.CLAIMED:
            ticket = await desk.change_ticket(
                ticket.id,
                TicketChange(
                    event=TicketEventKind.UNCLAIMED,
                    actor=SLA_ACTOR,
                    at=now,
                    state=TicketState.OPEN,
                    clear_claim=True,
                    data={"because": "sla_breach", "released": ticket.claimed_by},
                ),
            )
        if breach.tell_buyer:  # the clock saved with the batch already says the buyer was told
            await self._tell_buyer(desk, ticket, now)
        return ticket

    @staticmethod
    async def _tell_buyer(desk: DeskStore, ticket: TicketView, now: datetime) -> None:
        """One polite "still with the team" note; internal breaches are never mentioned to the buyer."""
        conversation = await desk.conversation(ticket.conversation_id)
        if conversation is None:
            return
        language = conversation.language or ticket.language or "en"
        await desk.record_outbound(
            conversation,
            Reply(ReplyKey.WAITING_UPDATE, language),
            author=BOT,
            at=now,
            ticket_id=ticket.id,
            dedup_key=f"sla-waiting-update:{ticket.id}",
        )

    @staticmethod
    def _alert(ticket: TicketView, timer: SlaTimer, policy: SlaPolicy, record: SlaClock) -> Outgoing:
        actions = (
            sorted(action.value for action in policy.breach_actions(timer.kind)) if timer.is_breach else []
        )
        plan = planned_timers(record.state, policy)
        deadline = next((t.due_at for t in plan if t.is_breach), timer.due_at)
        return Outgoing(
            channel=DESK_CHANNEL,
            destination=f"ticket:{ticket.id}",
            kind=OutgoingKind.SLA_ALERT,
            payload={
                "ticket_id": ticket.id,
                "clock": timer.kind.value,
                "point": timer.point,
                "due_at": timer.due_at.isoformat(),
                "deadline": deadline.isoformat(),
                "priority": ticket.priority.value,
                "claimed_by": ticket.claimed_by,
                "actions": actions,
            },
            ticket_id=ticket.id,
            # The same point of the same clock at the same instant is one alert, even if asked twice.
            dedup_key=f"sla:{ticket.id}:{timer.kind.value}:{record.state.started_at:%Y%m%dT%H%M%S}"
            f":{timer.point}:{timer.due_at:%Y%m%dT%H%M%S}",
        )
