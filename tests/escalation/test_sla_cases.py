"""The hand-checked deadline table (sla_cases.yaml) run against business hours and SLA clocks."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from escalation.sla import (
    BusinessHours,
    SlaPolicy,
    on_buyer_message,
    on_ticket_opened,
    on_waiting_for_buyer,
    planned_timers,
)

CASES_FILE = Path(__file__).with_name("sla_cases.yaml")
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?$")


def _load() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    return data


TABLE = _load()
CASES: list[dict[str, Any]] = TABLE["cases"]


def _duration(text: str) -> timedelta:
    match = _DURATION.match(str(text))
    assert match is not None, f"bad duration {text!r}"
    hours, minutes = match.groups()
    return timedelta(hours=int(hours or 0), minutes=int(minutes or 0))


def _instant(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    assert at.tzinfo is not None, f"case instants carry an offset: {text!r}"
    return at


def _calendar(name: str | None) -> BusinessHours | None:
    if name is None:
        return None
    spec = TABLE["calendars"][name]
    return BusinessHours.from_strings(
        spec["timezone"],
        spec["days"],
        holiday_country=spec.get("holiday_country"),
        holiday_subdivision=spec.get("holiday_subdivision"),
    )


def _policy(calendar: BusinessHours | None, target: timedelta = timedelta(hours=1)) -> SlaPolicy:
    return SlaPolicy(first_response=target, next_response=target, business_hours=calendar)


def test_table_is_large_and_ids_are_unique() -> None:
    """The table holds at least 50 hand-checked cases, each with its own id."""
    ids = [case["id"] for case in CASES]
    assert len(ids) >= 50
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", [c for c in CASES if c["op"] == "deadline"], ids=lambda c: c["id"])
def test_deadline(case: dict[str, Any]) -> None:
    """Adding business time lands on the hand-computed instant."""
    policy = _policy(_calendar(case["calendar"]))
    due = policy.instant_after(_instant(case["start"]), _duration(case["work"]))
    assert due == _instant(case["expect"]), f"got {due.astimezone(_instant(case['expect']).tzinfo)}"


@pytest.mark.parametrize("case", [c for c in CASES if c["op"] == "elapsed"], ids=lambda c: c["id"])
def test_elapsed(case: dict[str, Any]) -> None:
    """Business time between two instants matches the hand count."""
    policy = _policy(_calendar(case["calendar"]))
    assert policy.measure(_instant(case["start"]), _instant(case["end"])) == _duration(case["expect"])


@pytest.mark.parametrize("case", [c for c in CASES if c["op"] == "open"], ids=lambda c: c["id"])
def test_open(case: dict[str, Any]) -> None:
    """The team is open exactly when the hand check says."""
    calendar = _calendar(case["calendar"])
    assert calendar is not None
    assert calendar.is_open(_instant(case["at"])) is case["expect"]


@pytest.mark.parametrize("case", [c for c in CASES if c["op"] == "timers"], ids=lambda c: c["id"])
def test_timers(case: dict[str, Any]) -> None:
    """A first-response clock with pauses plans each reminder and the breach at the hand-computed instant."""
    policy = _policy(_calendar(case["calendar"]), _duration(case["target"]))
    state = on_ticket_opened(_instant(case["start"]))
    for paused_at, resumed_at in case["pauses"]:
        state = on_waiting_for_buyer(state, _instant(paused_at))
        state = on_buyer_message(state, _instant(resumed_at))
    planned = {timer.point: timer.due_at for timer in planned_timers(state, policy)}
    expected = {point: _instant(at) for point, at in case["expect"].items()}
    assert planned == expected
