"""Business hours: when a team works, so SLA clocks can run only while someone is there.

A team works in one IANA time zone, in one or more periods per weekday (e.g. 09:00-12:00 and
13:00-18:00), and not on the public holidays of its country (optionally a subdivision), which come
from the `holidays` library rather than hand-written dates.

Business time is real elapsed time inside those periods. Periods are wall-clock times, so on the
day clocks change an office open over the change gains or loses the hour, as the people in it do.
A period boundary that falls in the skipped hour of a spring-forward day is read as the instant
of the change; one that falls in the repeated hour of a fall-back day is read as its first
occurrence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# End of the working day: a period may end at "24:00", which `time` cannot hold.
END_OF_DAY = time(0)
# Guards add() against a calendar that never opens again (every day closed or a holiday).
_SEARCH_DAYS = 3 * 366
_PERIOD = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

Period = tuple[time, time]


def require_aware(at: datetime, name: str = "instant") -> datetime:
    """`at` as UTC; naive datetimes are refused because their meaning depends on the host."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {at.isoformat()}")
    return at.astimezone(UTC)


@dataclass(frozen=True)
class BusinessHours:
    """A team's working time: time zone, periods per weekday (0 = Monday), public holidays.

    `periods` maps a weekday to its sorted, non-overlapping `(start, end)` wall-clock periods; an
    end of `time(0)` means midnight at the end of the day (24:00). Weekdays left out are closed.
    Every method takes and returns timezone-aware instants; results are in UTC.
    """

    timezone: str
    periods: Mapping[int, tuple[Period, ...]]
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _holidays: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc
        object.__setattr__(self, "_zone", zone)
        normalised: dict[int, tuple[Period, ...]] = {}
        for weekday, day_periods in sorted(self.periods.items()):
            if weekday not in range(7):
                raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday}")
            ordered = tuple(sorted(day_periods))
            previous_end = 0
            for start, end in ordered:
                start_minute, end_minute = _minute_of(start), _minute_of(end, end=True)
                if start_minute >= end_minute:
                    raise ValueError(
                        f"{WEEKDAY_NAMES[weekday]}: period {start}-{end} must end after it starts"
                    )
                if start_minute < previous_end:
                    raise ValueError(f"{WEEKDAY_NAMES[weekday]}: periods overlap at {start}")
                previous_end = end_minute
            if ordered:
                normalised[weekday] = ordered
        if not normalised:
            raise ValueError("business hours need at least one open period")
        object.__setattr__(self, "periods", normalised)
        if self.holiday_subdivision is not None and self.holiday_country is None:
            raise ValueError("a holiday subdivision needs a holiday country")
        calendar: Any = None
        if self.holiday_country is not None:
            try:
                calendar = holidays.country_holidays(self.holiday_country, subdiv=self.holiday_subdivision)
            except NotImplementedError as exc:
                raise ValueError(
                    f"no holiday calendar for country {self.holiday_country!r}"
                    f" / subdivision {self.holiday_subdivision!r}"
                ) from exc
        object.__setattr__(self, "_holidays", calendar)

    def __hash__(self) -> int:
        return hash(
            (self.timezone, tuple(self.periods.items()), self.holiday_country, self.holiday_subdivision)
        )

    @classmethod
    def from_strings(
        cls,
        timezone: str,
        days: Mapping[str, Sequence[str]],
        *,
        holiday_country: str | None = None,
        holiday_subdivision: str | None = None,
    ) -> BusinessHours:
        """Build from config-style text: `{"mon": ["09:00-12:00", "13:00-18:00"], ...}` ("24:00" allowed)."""
        periods: dict[int, tuple[Period, ...]] = {}
        for name, texts in days.items():
            key = name.strip().lower()[:3]
            if key not in WEEKDAY_NAMES:
                raise ValueError(f"unknown weekday {name!r}; use mon, tue, wed, thu, fri, sat, sun")
            periods[WEEKDAY_NAMES.index(key)] = tuple(_parse_period(name, text) for text in texts)
        return cls(timezone, periods, holiday_country, holiday_subdivision)

    def is_holiday(self, day: date) -> bool:
        """Whether `day` (a local date) is a public holiday of the team's country."""
        return self._holidays is not None and day in self._holidays

    def is_open(self, at: datetime) -> bool:
        """Whether `at` lies inside an open period (start inclusive, end exclusive)."""
        at = require_aware(at, "at")
        local_day = at.astimezone(self._zone).date()
        return any(start <= at < end for start, end in self._open_intervals(local_day))

    def add(self, start: datetime, work: timedelta) -> datetime:
        """The instant at which `work` business time has elapsed after `start`.

        Zero work is `start` itself, even when closed. Work that ends exactly at the close of a
        period is due at that close, not at the next opening.
        """
        cursor = require_aware(start, "start")
        if work < timedelta(0):
            raise ValueError(f"work must not be negative, got {work}")
        if work == timedelta(0):
            return cursor
        remaining = work
        for open_at, close_at in self._intervals_from(cursor):
            begin = max(open_at, cursor)
            available = close_at - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise ValueError(f"business hours do not open within {_SEARCH_DAYS} days of {start.isoformat()}")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two instants; zero when `end` is not after `start`."""
        start, end = require_aware(start, "start"), require_aware(end, "end")
        total = timedelta(0)
        if end <= start:
            return total
        for open_at, close_at in self._intervals_from(start):
            if open_at >= end:
                break
            total += min(close_at, end) - max(open_at, start)
        return total

    def _intervals_from(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals (UTC) that end after `at`, in order, for a bounded number of days."""
        first_day = at.astimezone(self._zone).date()
        for offset in range(_SEARCH_DAYS):
            for interval in self._open_intervals(first_day + timedelta(days=offset)):
                if interval[1] > at:
                    yield interval

    def _open_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        if self.is_holiday(day):
            return []
        intervals = []
        for start, end in self.periods.get(day.weekday(), ()):
            open_at = self._instant(day, start)
            close_at = (
                self._instant(day + timedelta(days=1), time(0))
                if end == END_OF_DAY
                else self._instant(day, end)
            )
            if close_at > open_at:  # a period entirely inside a skipped hour has no length
                intervals.append((open_at, close_at))
        return intervals

    def _instant(self, day: date, wall: time) -> datetime:
        local = datetime.combine(day, wall, tzinfo=self._zone)
        instant = local.astimezone(UTC)
        if instant.astimezone(self._zone).replace(tzinfo=None) == local.replace(tzinfo=None):
            return instant  # exists (fold=0 picks the first of a repeated hour)
        return self._change_inside_gap(local)

    def _change_inside_gap(self, local: datetime) -> datetime:
        """The instant clocks sprang forward across the skipped wall time `local`."""
        after = local.replace(fold=1).astimezone(UTC)  # read with the later offset: before the change
        before = local.replace(fold=0).astimezone(UTC)  # read with the earlier offset: after the change
        low, high = min(after, before), max(after, before)
        wanted = high.astimezone(self._zone).utcoffset()
        # Zone changes happen on whole seconds; bisect between the two readings.
        while high - low > timedelta(seconds=1):
            middle = low + (high - low) / 2
            middle = middle.replace(microsecond=0)
            if middle.astimezone(self._zone).utcoffset() == wanted:
                high = middle
            else:
                low = middle
        return high


def _minute_of(wall: time, *, end: bool = False) -> int:
    if wall.second or wall.microsecond:
        raise ValueError(f"business hours are in whole minutes, got {wall}")
    minute = wall.hour * 60 + wall.minute
    return 24 * 60 if end and minute == 0 else minute


def _parse_period(day: str, text: str) -> Period:
    match = _PERIOD.match(text)
    if not match:
        raise ValueError(f"{day}: period {text!r} must look like '09:00-12:00'")
    start_hour, start_minute, end_hour, end_minute = (int(part) for part in match.groups())
    if end_hour == 24 and end_minute == 0:
        end_hour = 0
    try:
        return time(start_hour, start_minute), time(end_hour, end_minute)
    except ValueError as exc:
        raise ValueError(f"{day}: period {text!r} has an impossible time") from exc
