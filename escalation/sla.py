"""Response-time (SLA) clocks: policies, reminder and breach instants, and one ticket's clock state.

Pure domain: no scheduler, storage or Slack here. The application layer persists `SlaState`, feeds
it ticket events (`on_*`), asks `next_due` when to wake up and `due_timers` what to announce.

Clock semantics
- The first-response clock starts when the ticket opens and stops at the first agent message that
  reaches the buyer; internal notes do not stop it.
- The next-response clock starts at the first buyer message that finds no clock running (the agents
  have answered everything before it); more buyer messages while it runs keep its original start,
  because the buyer has been waiting since the first unanswered one.
- While the ticket waits on the buyer the running clock pauses; the buyer's next message resumes it.
- With business hours in the policy a clock only runs inside them; otherwise it runs in calendar time.
- Reminders (fractions of the target) fire before the deadline; the breach fires exactly once per
  clock, and nothing fires for that clock after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple, Protocol

from escalation.business_hours import BusinessHours, require_aware
from escalation.priority import DEFAULT_FIRST_RESPONSE, Priority

__all__ = [
    "BREACH",
    "BreachAction",
    "BusinessHours",
    "Clock",
    "ClockKind",
    "DueTimers",
    "ManualClock",
    "SlaPolicies",
    "SlaPolicy",
    "SlaState",
    "SlaTimer",
    "SystemClock",
    "due_timers",
    "next_due",
    "on_agent_reply",
    "on_buyer_message",
    "on_priority_changed",
    "on_resolved",
    "on_ticket_opened",
    "on_waiting_for_buyer",
    "plan_timers",
    "planned_timers",
    "reminder_point",
]

BREACH = "breach"


class Clock(Protocol):
    """Where "now" comes from, so schedulers and tests can control time."""

    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to: deterministic tests and replays, no sleeping."""

    def __init__(self, start: datetime) -> None:
        self._now = require_aware(start, "start")

    def now(self) -> datetime:
        return self._now

    def advance(self, by: timedelta) -> datetime:
        if by < timedelta(0):
            raise ValueError("a clock does not run backwards")
        self._now += by
        return self._now

    def set(self, at: datetime) -> datetime:
        at = require_aware(at, "at")
        if at < self._now:
            raise ValueError("a clock does not run backwards")
        self._now = at
        return self._now


class ClockKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"


class BreachAction(StrEnum):
    """What the application does when a clock breaches."""

    MENTION_ON_CALL = "mention_on_call"
    REPOST_TO_ESCALATION = "repost_to_escalation"
    RAISE_PRIORITY = "raise_priority"
    RELEASE_CLAIM = "release_claim"


def reminder_point(fraction: float) -> str:
    """The point name of a reminder at `fraction` of the target, e.g. "reminder:0.5"."""
    return f"reminder:{fraction:g}"


@dataclass(frozen=True)
class SlaPolicy:
    """Targets and reactions for one priority (and tier).

    `reminders` are fractions of the target strictly between 0 and 1 (stored sorted, without
    duplicates). `business_hours` None means the clocks run in calendar time.
    """

    first_response: timedelta
    next_response: timedelta
    reminders: tuple[float, ...] = (0.5, 0.8)
    business_hours: BusinessHours | None = None
    raise_priority_on_breach: bool = False
    release_claim_on_breach: bool = False
    mention_on_call_on_breach: bool = True
    repost_on_breach: bool = True

    def __post_init__(self) -> None:
        for name, target in (("first_response", self.first_response), ("next_response", self.next_response)):
            if target <= timedelta(0):
                raise ValueError(f"{name} target must be positive, got {target}")
        if any(not 0 < fraction < 1 for fraction in self.reminders):
            raise ValueError(f"reminder points are fractions between 0 and 1, got {self.reminders}")
        object.__setattr__(self, "reminders", tuple(sorted(set(self.reminders))))

    def target(self, kind: ClockKind) -> timedelta:
        return self.first_response if kind is ClockKind.FIRST_RESPONSE else self.next_response

    def measure(self, start: datetime, end: datetime) -> timedelta:
        """Clock time between two instants: business time, or calendar time without business hours."""
        if self.business_hours is not None:
            return self.business_hours.elapsed(start, end)
        return max(require_aware(end, "end") - require_aware(start, "start"), timedelta(0))

    def instant_after(self, start: datetime, work: timedelta) -> datetime:
        """The instant at which `work` clock time has run after `start`."""
        if self.business_hours is not None:
            return self.business_hours.add(start, work)
        return require_aware(start, "start") + work

    def breach_actions(self, kind: ClockKind) -> frozenset[BreachAction]:
        """What to do when a clock of `kind` breaches; a claim is only released on next response."""
        actions = {
            BreachAction.MENTION_ON_CALL: self.mention_on_call_on_breach,
            BreachAction.REPOST_TO_ESCALATION: self.repost_on_breach,
            BreachAction.RAISE_PRIORITY: self.raise_priority_on_breach,
            BreachAction.RELEASE_CLAIM: self.release_claim_on_breach and kind is ClockKind.NEXT_RESPONSE,
        }
        return frozenset(action for action, wanted in actions.items() if wanted)


@dataclass(frozen=True)
class SlaTimer:
    """One instant a clock wants attention: a reminder ("reminder:0.5") or the "breach"."""

    kind: ClockKind
    point: str
    due_at: datetime

    @property
    def is_breach(self) -> bool:
        return self.point == BREACH


def plan_timers(
    policy: SlaPolicy, kind: ClockKind, started_at: datetime, *, paused: timedelta = timedelta(0)
) -> list[SlaTimer]:
    """Every reminder and the breach of a clock that started at `started_at`, in time order.

    `paused` is how much clock time the clock spent paused (business time when the policy has
    business hours); it pushes every instant later by that much clock time.
    """
    if paused < timedelta(0):
        raise ValueError(f"paused must not be negative, got {paused}")
    target = policy.target(kind)
    points = [(reminder_point(fraction), target * fraction) for fraction in policy.reminders]
    points.append((BREACH, target))
    return [SlaTimer(kind, point, policy.instant_after(started_at, work + paused)) for point, work in points]


@dataclass(frozen=True)
class SlaPolicies:
    """The policy for every priority, with optional stricter overrides for VIP buyers."""

    standard: Mapping[Priority, SlaPolicy]
    vip: Mapping[Priority, SlaPolicy] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [priority.value for priority in Priority if priority not in self.standard]
        if missing:
            raise ValueError(f"no SLA policy for {', '.join(missing)}")

    @classmethod
    def defaults(cls, business_hours: BusinessHours | None = None) -> SlaPolicies:
        """The documented defaults: next response as fast as first response, reminders at 50 % and 80 %."""
        return cls(
            {
                priority: SlaPolicy(target, target, business_hours=business_hours)
                for priority, target in DEFAULT_FIRST_RESPONSE.items()
            }
        )

    def for_ticket(self, priority: Priority, *, vip: bool) -> SlaPolicy:
        if vip and priority in self.vip:
            return self.vip[priority]
        return self.standard[priority]


@dataclass(frozen=True)
class SlaState:
    """One ticket's clocks, as the application persists them.

    `clock` is the running clock (None when the agents owe nothing or the ticket is resolved);
    `started_at` its start; `pauses` its finished pauses and `paused_since` the current one;
    `fired` the points already announced for it. Events return a new state; nothing is mutated.
    """

    clock: ClockKind | None = None
    started_at: datetime | None = None
    pauses: tuple[tuple[datetime, datetime], ...] = ()
    paused_since: datetime | None = None
    fired: frozenset[str] = frozenset()
    first_responded_at: datetime | None = None
    resolved_at: datetime | None = None

    @property
    def running(self) -> bool:
        """A clock is counting right now (started and not paused)."""
        return self.clock is not None and self.paused_since is None

    @property
    def paused(self) -> bool:
        return self.clock is not None and self.paused_since is not None

    @property
    def breached(self) -> bool:
        """The current clock has already announced its breach."""
        return BREACH in self.fired


def on_ticket_opened(at: datetime) -> SlaState:
    """A new ticket: the first-response clock starts now."""
    return SlaState(clock=ClockKind.FIRST_RESPONSE, started_at=require_aware(at, "at"))


def on_agent_reply(state: SlaState, at: datetime, *, internal: bool = False) -> SlaState:
    """An agent message: one that reaches the buyer stops the clock; an internal note changes nothing."""
    at = require_aware(at, "at")
    if internal or state.resolved_at is not None:
        return state
    first = state.first_responded_at if state.first_responded_at is not None else at
    return SlaState(first_responded_at=first)


def on_buyer_message(state: SlaState, at: datetime) -> SlaState:
    """A buyer message: resumes a paused clock, starts the next-response clock if none runs.

    A resolved ticket stays resolved; reopening is the application's decision (a new ticket).
    """
    at = require_aware(at, "at")
    if state.resolved_at is not None:
        return state
    if state.clock is None:
        return replace(state, clock=ClockKind.NEXT_RESPONSE, started_at=at, pauses=(), fired=frozenset())
    if state.paused_since is not None:
        return replace(state, pauses=(*state.pauses, _pause(state.paused_since, at)), paused_since=None)
    return state


def on_waiting_for_buyer(state: SlaState, at: datetime) -> SlaState:
    """The ticket now waits on the buyer: the running clock pauses until the buyer writes."""
    at = require_aware(at, "at")
    if not state.running or state.started_at is None:
        return state
    return replace(state, paused_since=max(at, state.started_at))


def on_priority_changed(state: SlaState, policy: SlaPolicy, at: datetime) -> SlaState:
    """The ticket moved to `policy` (new priority or tier): its clock keeps its start, instants move.

    A reminder already announced whose new instant is still ahead is forgotten so that it fires
    again then; once the breach has fired, nothing changes (one breach per clock). Instants that
    are already past under the new policy fire at the next `due_timers` (collapsed to the latest).
    """
    at = require_aware(at, "at")
    if state.clock is None or state.started_at is None or state.breached:
        return state
    plan = _plan(state, policy, until=at)
    ahead = {timer.point for timer in plan if timer.due_at > at}
    return replace(state, fired=state.fired - ahead)


def on_resolved(state: SlaState, at: datetime) -> SlaState:
    """The ticket is resolved: every clock stops for good."""
    at = require_aware(at, "at")
    if state.resolved_at is not None:
        return state
    return SlaState(first_responded_at=state.first_responded_at, resolved_at=at)


def planned_timers(state: SlaState, policy: SlaPolicy) -> list[SlaTimer]:
    """Every point of the running clock (fired or not) in time order; empty when none runs or it is paused."""
    if not state.running:
        return []
    return _plan(state, policy, until=None)


def next_due(state: SlaState, policy: SlaPolicy) -> datetime | None:
    """When the scheduler should next call `due_timers`; None while no clock runs or after the breach.

    May be in the past (e.g. after a priority raise): then call `due_timers` at once.
    """
    if state.breached:
        return None
    pending = [timer.due_at for timer in planned_timers(state, policy) if timer.point not in state.fired]
    return min(pending, default=None)


class DueTimers(NamedTuple):
    """What `due_timers` decided: the state to persist and the timers to announce."""

    state: SlaState
    timers: tuple[SlaTimer, ...]


def due_timers(state: SlaState, policy: SlaPolicy, now: datetime) -> DueTimers:
    """The points due by `now` that have not fired yet, each returned once.

    When several are due at once (the scheduler woke late, or a priority raise moved them into
    the past) only the latest is announced and the earlier ones are dropped: a stale reminder next
    to a breach is noise. Persist the returned state, then act on the timers.
    """
    now = require_aware(now, "now")
    if state.breached:
        return DueTimers(state, ())
    plan = planned_timers(state, policy)
    due = [timer for timer in plan if timer.due_at <= now]
    fresh = [timer for timer in due if timer.point not in state.fired]
    if not fresh:
        return DueTimers(state, ())
    announced = fresh[-1]
    return DueTimers(replace(state, fired=state.fired | {timer.point for timer in due}), (announced,))


def _plan(state: SlaState, policy: SlaPolicy, *, until: datetime | None) -> list[SlaTimer]:
    """The clock's plan; a pause still open is counted as if it ended at `until`."""
    if state.clock is None or state.started_at is None:
        raise ValueError("no clock is running")
    pauses: Iterable[tuple[datetime, datetime]] = state.pauses
    if state.paused_since is not None and until is not None:
        pauses = (*state.pauses, _pause(state.paused_since, until))
    paused = sum((policy.measure(start, end) for start, end in pauses), timedelta(0))
    return plan_timers(policy, state.clock, state.started_at, paused=paused)


def _pause(since: datetime, until: datetime) -> tuple[datetime, datetime]:
    # Events may arrive slightly out of order across channels; a pause never has negative length.
    return since, max(since, until)
