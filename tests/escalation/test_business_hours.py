"""Business hours: construction rules and the add/elapsed contract."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from escalation.business_hours import BusinessHours

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def _berlin() -> BusinessHours:
    return BusinessHours.from_strings(
        "Europe/Berlin", {day: ["09:00-12:00", "13:00-18:00"] for day in WEEKDAYS}, holiday_country="DE"
    )


def test_from_strings_reads_weekday_names_and_24_00() -> None:
    """Config-style text becomes weekday-indexed periods, with 24:00 meaning end of day."""
    hours = BusinessHours.from_strings(
        "UTC", {"Monday": ["13:00-18:00", "09:00-12:00"], "sun": ["20:00-24:00"]}
    )
    assert hours.periods == {
        0: ((time(9), time(12)), (time(13), time(18))),
        6: ((time(20), time(0)),),
    }
    assert hours.add(datetime(2025, 6, 15, 23, 0, tzinfo=UTC), timedelta(hours=1)) == datetime(
        2025, 6, 16, 0, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ({"someday": ["09:00-10:00"]}, "unknown weekday"),
        ({"mon": ["9-10"]}, "must look like"),
        ({"mon": ["09:00-25:00"]}, "impossible time"),
        ({"mon": ["10:00-09:00"]}, "must end after it starts"),
        ({"mon": ["09:00-12:00", "11:00-13:00"]}, "overlap"),
        ({"mon": []}, "at least one open period"),
    ],
)
def test_invalid_periods_are_refused(days: dict[str, list[str]], message: str) -> None:
    """Malformed, reversed, overlapping or missing periods are refused with a clear reason."""
    with pytest.raises(ValueError, match=message):
        BusinessHours.from_strings("UTC", days)


def test_unknown_zone_and_holiday_calendar_are_refused() -> None:
    """A misspelt time zone, an unknown holiday country or a subdivision alone are refused."""
    periods = {0: ((time(9), time(17)),)}
    with pytest.raises(ValueError, match="unknown time zone"):
        BusinessHours("Europe/Berlinn", periods)
    with pytest.raises(ValueError, match="no holiday calendar"):
        BusinessHours("UTC", periods, holiday_country="XX")
    with pytest.raises(ValueError, match="needs a holiday country"):
        BusinessHours("UTC", periods, holiday_subdivision="BE")


def test_naive_instants_and_negative_work_are_refused() -> None:
    """Instants must be timezone-aware and work must not be negative."""
    hours = _berlin()
    with pytest.raises(ValueError, match="timezone-aware"):
        hours.is_open(datetime(2025, 6, 16, 10, 0))
    with pytest.raises(ValueError, match="negative"):
        hours.add(datetime(2025, 6, 16, 10, 0, tzinfo=UTC), timedelta(minutes=-1))


def test_equal_calendars_compare_and_hash_equal() -> None:
    """Two calendars built from the same settings are interchangeable (e.g. as cache keys)."""
    assert _berlin() == _berlin()
    assert hash(_berlin()) == hash(_berlin())
    assert len({_berlin(), _berlin()}) == 1


def test_holidays_are_local_dates() -> None:
    """A holiday is judged on the team's local date, not the UTC date."""
    hours = _berlin()
    # 23:30 UTC on 2 October is already German Unity Day in Berlin.
    assert not hours.is_open(datetime(2025, 10, 2, 23, 30, tzinfo=UTC))
    assert hours.elapsed(
        datetime(2025, 10, 2, 22, 0, tzinfo=UTC), datetime(2025, 10, 3, 22, 0, tzinfo=UTC)
    ) == (timedelta(0))


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Australia/Sydney"])
def test_elapsed_undoes_add_across_a_year(zone: str) -> None:
    """For starts every 7 h 13 m through a year (DST changes included), elapsed(start, add(start, w)) == w."""
    hours = BusinessHours.from_strings(zone, {day: ["08:30-12:00", "12:45-17:15"] for day in WEEKDAYS})
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for step in range(1200):
        at = start + step * timedelta(hours=7, minutes=13)
        work = timedelta(minutes=(step * 37) % 2000 + 1)
        due = hours.add(at, work)
        assert hours.elapsed(at, due) == work
        assert hours.is_open(due - timedelta(seconds=1))
