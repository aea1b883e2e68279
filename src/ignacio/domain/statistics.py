"""A workspace's figures over a period: the calendar days they are counted by, and how a
percentile is taken, so that every adapter counts alike.

A period is whole calendar days in one time zone: a chart's "Tuesday" is Tuesday where the
team works, midnight to midnight on their clocks, 23 or 25 hours long on the days the clocks
change. The days' bounds (instants in UTC) and the zone's offsets from UTC over the period are
worked out here, so that no database needs to know about time zones: the memory adapter counts
each row into the day whose bounds hold it, the SQL one by the calendar's arithmetic with the
offsets; the two agree to the microsecond (tests/contract/test_statistics.py).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import msgspec

from ignacio.domain.errors import InvalidInput

MAX_PERIOD_DAYS = 366
"""The longest period one request may ask for: a year, leap day included."""
DEFAULT_PERIOD_DAYS = 30
EARLIEST_DAY = date(1970, 1, 1)
LATEST_DAY = date(9998, 12, 31)
_EPOCH_DAY = date(1970, 1, 1)
"""The calendar a period may fall in: wide enough for any real data, narrow enough that no
day's bounds fall off the end of Python's calendar in any time zone."""


class Day(msgspec.Struct, frozen=True, kw_only=True):
    """One calendar day of a period, with its bounds in UTC: `starts` is in it, `ends` is not."""

    date: date
    starts: datetime
    ends: datetime


class Period(msgspec.Struct, frozen=True, kw_only=True, dict=True):
    """The days from `since` to the day before `until` (`until` itself is not in it), as the
    calendar runs in `time_zone` (an IANA name such as "Europe/Madrid", or "UTC").

    Rules: `since` comes before `until`; at most 366 days; both within 1970-9998; a time zone
    the system knows. Breaking one raises InvalidInput, saying what to send instead.
    """

    since: date
    until: date
    time_zone: str = "UTC"

    def __post_init__(self) -> None:
        check_time_zone(self.time_zone)
        if self.since >= self.until:
            raise InvalidInput(
                "'since' must be a day before 'until' (the period runs from 'since' up to, "
                "not including, 'until')."
            )
        if self.since < EARLIEST_DAY or self.until > LATEST_DAY:
            raise InvalidInput(
                f"A period must lie between {EARLIEST_DAY.isoformat()} and "
                f"{LATEST_DAY.isoformat()}."
            )
        if (self.until - self.since).days > MAX_PERIOD_DAYS:
            raise InvalidInput(f"A period can be at most {MAX_PERIOD_DAYS} days long.")

    @classmethod
    def ending_today(
        cls,
        now: datetime,
        time_zone: str = "UTC",
        *,
        since: date | None = None,
        until: date | None = None,
    ) -> Period:
        """The period asked for, with what was left out filled in: `until` defaults to
        tomorrow in the time zone (so today is the last day), `since` to 30 days before
        `until`."""
        check_time_zone(time_zone)
        if until is None:
            today = now.astimezone(ZoneInfo(time_zone)).date()
            until = today + timedelta(days=1)
        if since is None:
            since = until - timedelta(days=min(DEFAULT_PERIOD_DAYS, (until - EARLIEST_DAY).days))
        return cls(since=since, until=until, time_zone=time_zone)

    @property
    def length(self) -> int:
        """How many days the period has."""
        return (self.until - self.since).days

    @functools.cached_property
    def days(self) -> list[Day]:
        """Every day of the period, in order; each ends where the next starts."""
        zone = ZoneInfo(self.time_zone)
        bounds = [
            _midnight(self.since + timedelta(days=offset), zone)
            for offset in range(self.length + 1)
        ]
        return [
            Day(
                date=self.since + timedelta(days=offset),
                starts=bounds[offset],
                ends=bounds[offset + 1],
            )
            for offset in range(self.length)
        ]

    @property
    def starts(self) -> datetime:
        """The first instant of the period, in UTC."""
        return self.days[0].starts

    @property
    def ends(self) -> datetime:
        """The first instant after the period, in UTC."""
        return self.days[-1].ends

    @property
    def first_day_number(self) -> int:
        """`since` as a count of days from 1 January 1970: a day's number on the time zone's
        calendar is its local time in seconds since then, divided by 86,400."""
        return (self.since - _EPOCH_DAY).days

    @functools.cached_property
    def offsets(self) -> list[tuple[datetime, int]]:
        """The time zone's offsets from UTC, in seconds, in force during the period: each from
        the instant given (the first from the period's start) until the next one's.

        With them a database finds an instant's day by arithmetic, as the calendar does: its
        number is (seconds since 1970 + offset) // 86,400, and whole seconds suffice, since
        offsets, and so the days' bounds, are whole seconds. Each day is checked; a change of
        the clocks within one is placed to the second (a day has at most one in practice).
        """
        zone = ZoneInfo(self.time_zone)

        def offset(at: datetime) -> int:
            shift = at.astimezone(zone).utcoffset()
            return 0 if shift is None else int(shift.total_seconds())

        found = [(self.starts, offset(self.starts))]
        for day in self.days:
            if offset(day.ends) == found[-1][1]:
                continue
            # The first whole second of the day at which the new offset is in force.
            low, high = 0, int((day.ends - day.starts).total_seconds())
            while high - low > 1:
                middle = (low + high) // 2
                if offset(day.starts + timedelta(seconds=middle)) == found[-1][1]:
                    low = middle
                else:
                    high = middle
            changed = day.starts + timedelta(seconds=high)
            if changed < self.ends:
                found.append((changed, offset(changed)))
        return found

    def day_of(self, at: datetime) -> int | None:
        """The index of the day holding the instant `at`, or None when it is outside the period."""
        if not self.starts <= at < self.ends:
            return None
        starts = [day.starts for day in self.days]
        low, high = 0, len(starts)
        while high - low > 1:
            middle = (low + high) // 2
            if starts[middle] <= at:
                low = middle
            else:
                high = middle
        return low


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """When `day` begins in `zone`, in UTC. Where the clocks skip midnight (a few zones move
    them at 00:00), the day begins when they land: the earlier offset applies, as it does to
    any time that does not exist on that day."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@functools.cache
def _known_time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_time_zone(name: str) -> str:
    """An IANA time zone name the system knows ("Europe/Madrid", "America/Bogota", "UTC")."""
    if name not in _known_time_zones():
        raise InvalidInput(
            f"{name[:64]!r} is not a time zone: give an IANA name such as 'Europe/Madrid', "
            "'America/Mexico_City' or 'UTC'."
        )
    return name


def percentile(ordered: Sequence[float], fraction: float) -> float | None:
    """The `fraction` percentile (0.5 for the median) of values sorted in ascending order, by
    linear interpolation between the two nearest ranks, as PostgreSQL's `percentile_cont`
    takes it: the value at rank 1 + fraction * (n - 1), counting from 1. None for no values.

    One definition for every adapter, so that a figure is the same number on every database.
    """
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    weight = position - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * weight
