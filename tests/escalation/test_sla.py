"""SLA clocks driven by a controllable clock: reminders, stops, restarts, pauses, priority changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escalation.priority import Priority
from escalation.sla import (
    BreachAction,
    BusinessHours,
    ClockKind,
    ManualClock,
    SlaPolicies,
    SlaPolicy,
    SlaState,
    SystemClock,
    due_timers,
    next_due,
    on_agent_reply,
    on_buyer_message,
    on_priority_changed,
    on_resolved,
    on_ticket_opened,
    on_waiting_for_buyer,
    plan_timers,
)

OPENED = datetime(2025, 6, 16, 10, 0, tzinfo=UTC)  # a Monday
P1 = SlaPolicy(first_response=timedelta(hours=1), next_response=timedelta(hours=2))
P2 = SlaPolicy(first_response=timedelta(hours=4), next_response=timedelta(hours=4))
P3 = SlaPolicy(first_response=timedelta(hours=24), next_response=timedelta(hours=24))
Fired = list[tuple[datetime, ClockKind, str]]


def _at(hours: int, minutes: int = 0) -> datetime:
    return OPENED.replace(hour=hours, minute=minutes)


class Scheduler:
    """Wakes up exactly at `next_due`, like a one-shot job the application would schedule."""

    def __init__(self, clock: ManualClock, policy: SlaPolicy, state: SlaState) -> None:
        self.clock, self.policy, self.state = clock, policy, state
        self.fired: Fired = []

    def run_until(self, until: datetime) -> Fired:
        start = len(self.fired)
        while (due := next_due(self.state, self.policy)) is not None and due <= until:
            self.clock.set(max(due, self.clock.now()))
            self.state, timers = due_timers(self.state, self.policy, self.clock.now())
            self.fired += [(self.clock.now(), timer.kind, timer.point) for timer in timers]
        self.clock.set(until)
        return self.fired[start:]


def _open_ticket(policy: SlaPolicy = P1) -> Scheduler:
    clock = ManualClock(OPENED)
    return Scheduler(clock, policy, on_ticket_opened(clock.now()))


FR = ClockKind.FIRST_RESPONSE
NR = ClockKind.NEXT_RESPONSE


def test_reminders_then_exactly_one_breach() -> None:
    """An unanswered P1 ticket reminds at 50 % and 80 % of the hour, breaches at the hour, then stays quiet."""
    run = _open_ticket()
    assert run.run_until(_at(23)) == [
        (_at(10, 30), FR, "reminder:0.5"),
        (_at(10, 48), FR, "reminder:0.8"),
        (_at(11), FR, "breach"),
    ]
    assert next_due(run.state, P1) is None
    assert due_timers(run.state, P1, _at(23, 59)).timers == ()


def test_first_reply_stops_the_clock() -> None:
    """An agent reply reaching the buyer stops the first-response clock; nothing fires afterwards."""
    run = _open_ticket()
    assert run.run_until(_at(10, 40)) == [(_at(10, 30), FR, "reminder:0.5")]
    run.state = on_agent_reply(run.state, _at(10, 40))
    assert run.state.first_responded_at == _at(10, 40)
    assert run.state.clock is None
    assert run.run_until(_at(23)) == []


def test_internal_note_does_not_stop_the_clock() -> None:
    """An internal note is not a response: the clock keeps running to its breach."""
    run = _open_ticket()
    run.state = on_agent_reply(run.state, _at(10, 5), internal=True)
    assert run.state.first_responded_at is None
    assert [point for _, _, point in run.run_until(_at(12))] == ["reminder:0.5", "reminder:0.8", "breach"]


def test_buyer_message_after_reply_starts_next_response_clock() -> None:
    """After a reply, the buyer's next message starts the next-response clock with its own target."""
    run = _open_ticket()
    run.state = on_agent_reply(run.state, _at(10, 10))
    run.clock.set(_at(12))
    run.state = on_buyer_message(run.state, _at(12))
    assert run.run_until(_at(18)) == [
        (_at(13), NR, "reminder:0.5"),
        (_at(13, 36), NR, "reminder:0.8"),
        (_at(14), NR, "breach"),
    ]
    assert run.state.first_responded_at == _at(10, 10)


def test_more_buyer_messages_keep_the_first_unanswered_start() -> None:
    """A buyer writing again while waiting does not push the deadline later."""
    run = _open_ticket()
    run.state = on_agent_reply(run.state, _at(10, 10))
    run.state = on_buyer_message(run.state, _at(12))
    run.state = on_buyer_message(run.state, _at(12, 50))
    assert next_due(run.state, P1) == _at(13)


def test_each_clock_gets_its_own_breach() -> None:
    """A breached first-response clock does not prevent the next-response clock from breaching too."""
    run = _open_ticket()
    run.run_until(_at(11, 30))
    run.state = on_agent_reply(run.state, _at(11, 30))
    run.state = on_buyer_message(run.state, _at(12))
    breaches = [(at, kind) for at, kind, point in run.run_until(_at(18)) if point == "breach"]
    assert breaches == [(_at(14), NR)]


def test_waiting_for_buyer_pauses_and_buyer_reply_resumes() -> None:
    """While the ticket waits on the buyer nothing fires; the buyer's reply resumes the clock where it was."""
    run = _open_ticket()
    run.run_until(_at(10, 40))
    run.state = on_waiting_for_buyer(run.state, _at(10, 40))
    assert next_due(run.state, P1) is None
    assert run.run_until(_at(15)) == []
    assert due_timers(run.state, P1, _at(15)).timers == ()
    run.state = on_buyer_message(run.state, _at(15))
    # 40 min had run; 8 min to the 80 % reminder, 20 min to the breach.
    assert run.run_until(_at(16)) == [(_at(15, 8), FR, "reminder:0.8"), (_at(15, 20), FR, "breach")]


def test_agent_reply_while_paused_stops_the_clock() -> None:
    """A reply sent while waiting on the buyer still stops the clock for good."""
    run = _open_ticket()
    run.state = on_waiting_for_buyer(run.state, _at(10, 10))
    run.state = on_agent_reply(run.state, _at(10, 20))
    assert not run.state.paused
    assert run.run_until(_at(20)) == []


def test_waiting_for_buyer_without_a_clock_changes_nothing() -> None:
    """Marking a ticket as waiting on the buyer when the agents owe nothing leaves the state as is."""
    state = on_agent_reply(on_ticket_opened(OPENED), _at(10, 5))
    assert on_waiting_for_buyer(state, _at(10, 6)) == state


def test_business_hours_pause_the_clock_over_the_weekend() -> None:
    """With business hours a Friday-evening P2 ticket reminds and breaches on Monday morning."""
    berlin = BusinessHours.from_strings(
        "Europe/Berlin", {day: ["09:00-12:00", "13:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    )
    policy = SlaPolicy(timedelta(hours=4), timedelta(hours=4), business_hours=berlin)
    friday = datetime(2025, 6, 13, 15, 0, tzinfo=UTC)  # 17:00 in Berlin
    clock = ManualClock(friday)
    run = Scheduler(clock, policy, on_ticket_opened(friday))
    assert run.run_until(datetime(2025, 6, 16, 6, 0, tzinfo=UTC)) == []  # Monday 08:00 Berlin
    # Berlin is UTC+2: Monday 10:00, 11:12 and 12:00 local.
    assert run.run_until(datetime(2025, 6, 16, 16, 0, tzinfo=UTC)) == [
        (datetime(2025, 6, 16, 8, 0, tzinfo=UTC), FR, "reminder:0.5"),
        (datetime(2025, 6, 16, 9, 12, tzinfo=UTC), FR, "reminder:0.8"),
        (datetime(2025, 6, 16, 10, 0, tzinfo=UTC), FR, "breach"),
    ]


def test_raising_priority_moves_the_deadline_earlier() -> None:
    """A P2 ticket raised to P1 before anything fired follows the P1 instants from its original start."""
    run = _open_ticket(P2)
    run.run_until(_at(10, 10))
    run.state = on_priority_changed(run.state, P1, _at(10, 10))
    run.policy = P1
    assert [(at, point) for at, _, point in run.run_until(_at(12))] == [
        (_at(10, 30), "reminder:0.5"),
        (_at(10, 48), "reminder:0.8"),
        (_at(11), "breach"),
    ]


def test_raise_past_the_new_deadline_breaches_at_once_without_stale_reminders() -> None:
    """A P3 ticket raised to P1 after two hours breaches immediately, once, with no catch-up reminders."""
    run = _open_ticket(P3)
    run.run_until(_at(12))
    run.state = on_priority_changed(run.state, P1, _at(12))
    run.policy = P1
    assert next_due(run.state, P1) == _at(10, 30)  # already past: run now
    assert run.run_until(_at(20)) == [(_at(12), FR, "breach")]


def test_lowering_priority_rearms_reminders_at_their_new_instants() -> None:
    """A reminder already sent under P1 is sent again at its later P2 instant after the ticket is lowered."""
    run = _open_ticket(P1)
    assert [point for _, _, point in run.run_until(_at(10, 40))] == ["reminder:0.5"]
    run.state = on_priority_changed(run.state, P2, _at(10, 40))
    run.policy = P2
    assert run.run_until(_at(15)) == [
        (_at(12), FR, "reminder:0.5"),
        (_at(13, 12), FR, "reminder:0.8"),
        (_at(14), FR, "breach"),
    ]


def test_priority_raised_on_breach_does_not_breach_again() -> None:
    """After a breach raises the priority, the stricter policy does not produce a second breach."""
    run = _open_ticket(P2)
    assert run.run_until(_at(14))[-1] == (_at(14), FR, "breach")
    run.state = on_priority_changed(run.state, P1, _at(14))
    run.policy = P1
    assert run.run_until(_at(20)) == []


def test_priority_change_while_paused_takes_effect_on_resume() -> None:
    """A priority change during a pause reschedules from the original start once the buyer writes."""
    run = _open_ticket(P2)
    run.state = on_waiting_for_buyer(run.state, _at(10, 20))
    run.state = on_priority_changed(run.state, P1, _at(11))
    run.policy = P1
    run.clock.set(_at(12))
    run.state = on_buyer_message(run.state, _at(12))
    # 20 min had run before the pause: P1's 30, 48 and 60 min points come 10, 28 and 40 min after resuming.
    assert run.run_until(_at(13)) == [
        (_at(12, 10), FR, "reminder:0.5"),
        (_at(12, 28), FR, "reminder:0.8"),
        (_at(12, 40), FR, "breach"),
    ]


def test_late_wake_up_announces_only_the_latest_point() -> None:
    """A scheduler that wakes after two reminders were due announces only the later one."""
    state = on_ticket_opened(OPENED)
    state, timers = due_timers(state, P1, _at(10, 50))
    assert [timer.point for timer in timers] == ["reminder:0.8"]
    state, timers = due_timers(state, P1, _at(10, 55))
    assert timers == ()
    state, timers = due_timers(state, P1, _at(11))
    assert [timer.point for timer in timers] == ["breach"]


def test_resolving_stops_every_clock_for_good() -> None:
    """A resolved ticket fires nothing and ignores later buyer messages and agent replies."""
    run = _open_ticket()
    run.state = on_resolved(run.state, _at(10, 20))
    run.state = on_buyer_message(run.state, _at(10, 30))
    run.state = on_agent_reply(run.state, _at(10, 35))
    assert run.state.resolved_at == _at(10, 20)
    assert run.state.first_responded_at is None
    assert run.run_until(_at(20)) == []


def test_plan_timers_shifts_every_point_by_the_pause() -> None:
    """plan_timers returns reminders then the breach, all later by the paused time."""
    plan = plan_timers(P1, ClockKind.NEXT_RESPONSE, OPENED, paused=timedelta(minutes=10))
    assert [(timer.point, timer.due_at) for timer in plan] == [
        ("reminder:0.5", _at(11, 10)),
        ("reminder:0.8", _at(11, 46)),
        ("breach", _at(12, 10)),
    ]
    assert [timer.is_breach for timer in plan] == [False, False, True]


def test_breach_actions_follow_the_policy_and_clock() -> None:
    """Releasing a silent claimer only applies to next-response breaches; other actions follow the flags."""
    policy = SlaPolicy(
        timedelta(hours=1), timedelta(hours=1), raise_priority_on_breach=True, release_claim_on_breach=True
    )
    assert policy.breach_actions(ClockKind.FIRST_RESPONSE) == {
        BreachAction.MENTION_ON_CALL,
        BreachAction.REPOST_TO_ESCALATION,
        BreachAction.RAISE_PRIORITY,
    }
    assert BreachAction.RELEASE_CLAIM in policy.breach_actions(ClockKind.NEXT_RESPONSE)
    quiet = SlaPolicy(
        timedelta(hours=1), timedelta(hours=1), mention_on_call_on_breach=False, repost_on_breach=False
    )
    assert quiet.breach_actions(ClockKind.NEXT_RESPONSE) == frozenset()


def test_policy_validates_targets_and_reminders() -> None:
    """Targets must be positive; reminders are fractions in (0, 1), kept sorted without duplicates."""
    assert SlaPolicy(timedelta(hours=1), timedelta(hours=1), reminders=(0.8, 0.5, 0.8)).reminders == (
        0.5,
        0.8,
    )
    with pytest.raises(ValueError, match="positive"):
        SlaPolicy(timedelta(0), timedelta(hours=1))
    with pytest.raises(ValueError, match="fractions"):
        SlaPolicy(timedelta(hours=1), timedelta(hours=1), reminders=(1.0,))


def test_policies_default_to_the_priority_targets_with_vip_overrides() -> None:
    """Defaults use 1 h / 4 h / 24 h; a VIP override applies only to VIP tickets of that priority."""
    defaults = SlaPolicies.defaults()
    assert [defaults.for_ticket(p, vip=False).first_response for p in Priority] == [
        timedelta(hours=1),
        timedelta(hours=4),
        timedelta(hours=24),
    ]
    fast = SlaPolicy(timedelta(minutes=30), timedelta(minutes=30))
    policies = SlaPolicies(defaults.standard, vip={Priority.P1: fast})
    assert policies.for_ticket(Priority.P1, vip=True) is fast
    assert policies.for_ticket(Priority.P1, vip=False) is defaults.standard[Priority.P1]
    assert policies.for_ticket(Priority.P2, vip=True) is defaults.standard[Priority.P2]
    with pytest.raises(ValueError, match="no SLA policy for P3"):
        SlaPolicies({Priority.P1: fast, Priority.P2: fast})


def test_clocks_give_aware_utc_and_never_run_backwards() -> None:
    """SystemClock reports aware UTC; ManualClock refuses naive starts and moving backwards."""
    assert SystemClock().now().utcoffset() == timedelta(0)
    clock = ManualClock(OPENED)
    assert clock.advance(timedelta(minutes=5)) == _at(10, 5)
    with pytest.raises(ValueError, match="backwards"):
        clock.set(OPENED)
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(datetime(2025, 6, 16, 10, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        on_ticket_opened(datetime(2025, 6, 16, 10, 0))
