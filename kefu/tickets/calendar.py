"""Business-hours arithmetic for SLA clocks: pure Python, no Django.

A ``Calendar`` knows the shop's opening hours per weekday, its holidays and its make-up
working days (调休: a Saturday or Sunday worked in exchange for a longer holiday). Two
operations answer every SLA question:

* ``add_business_time(start, duration)``: the earliest instant by which ``duration`` of
  open time has passed since ``start`` (the due date of a target);
* ``business_seconds_between(a, b)``: how much open time lies between two instants (how
  much of a target is used up).

Opening hours are wall-clock times in the calendar's time zone. Each open interval is
converted to an absolute (UTC) instant before any arithmetic, so the results stay exact in
zones with daylight saving time as well as in Asia/Shanghai. Durations are kept as
``timedelta`` (whole microseconds), so the arithmetic is exact and additive.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

UTC = datetime.UTC
DAY_SECONDS = 24 * 60 * 60
_MAX_CLOSED_DAYS = 800  # more consecutive closed days than this means a calendar that never opens

Span = tuple[int, int]  # seconds since local midnight: [start, end), end may be 86400


def time_parse(value: str | datetime.time) -> datetime.time:
    """Read "09:00" or "9:30:15" (or a time) as a time; "24:00" is read as midnight."""
    if isinstance(value, datetime.time):
        return value
    text = value.strip()
    if text in {"24:00", "24:00:00"}:
        return datetime.time(0)
    parts = [int(part) for part in text.split(":")]
    if not 2 <= len(parts) <= 3:
        raise ValueError(f"Not a time of day: {value!r}")
    return datetime.time(*parts)


def _seconds(moment: datetime.time, *, is_end: bool) -> int:
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    if moment.microsecond:
        raise ValueError("Opening hours are given to the second")
    if is_end and seconds == 0:
        return DAY_SECONDS  # an interval ending at 00:00 ends at midnight of the same day
    return seconds


def _spans(hours: Iterable[tuple[datetime.time | str, datetime.time | str]]) -> tuple[Span, ...]:
    spans = sorted((_seconds(time_parse(start), is_end=False), _seconds(time_parse(end), is_end=True)) for start, end in hours)
    for start, end in spans:
        if start >= end:
            raise ValueError(f"Opening interval ends before it starts: {start}s-{end}s")
    for (_, previous_end), (next_start, _) in zip(spans, spans[1:], strict=False):
        if next_start < previous_end:
            raise ValueError("Opening intervals of one day overlap")
    return tuple(spans)


class Calendar:
    """Opening hours per weekday (0 = Monday), holidays and make-up working days in one time zone.

    ``weekly_hours`` maps a weekday to its open intervals, e.g. ``{0: [("09:00", "18:00")]}``,
    or is a sequence of seven such lists starting on Monday. A holiday closes its whole day.
    A make-up working day opens with the hours of ``makeup_weekday`` (Monday by default).
    """

    __slots__ = ("_day_cache", "holidays", "makeup_days", "makeup_spans", "tz", "weekly")

    def __init__(
        self,
        *,
        weekly_hours: Mapping[int, Iterable[tuple[datetime.time | str, datetime.time | str]]]
        | Sequence[Iterable[tuple[datetime.time | str, datetime.time | str]]],
        holidays: Iterable[datetime.date] = (),
        makeup_days: Iterable[datetime.date] = (),
        tz: str | datetime.tzinfo = "Asia/Shanghai",
        makeup_weekday: int = 0,
    ) -> None:
        if isinstance(weekly_hours, Mapping):
            by_day = {int(day): hours for day, hours in weekly_hours.items()}
        else:
            by_day = dict(enumerate(weekly_hours))
        if any(day not in range(7) for day in by_day):
            raise ValueError("Weekdays are numbered 0 (Monday) to 6 (Sunday)")
        self.weekly: tuple[tuple[Span, ...], ...] = tuple(_spans(by_day.get(day, ())) for day in range(7))
        self.holidays = frozenset(holidays)
        self.makeup_days = frozenset(makeup_days)
        both = self.holidays & self.makeup_days
        if both:
            raise ValueError(f"A day cannot be both a holiday and a make-up working day: {sorted(both)[0]}")
        self.makeup_spans = self.weekly[makeup_weekday] or next((spans for spans in self.weekly if spans), ())
        if not any(self.weekly) and not self.makeup_days:
            raise ValueError("The calendar has no opening hours at all")
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self._day_cache: dict[datetime.date, tuple[tuple[datetime.datetime, datetime.datetime], ...]] = {}

    def __repr__(self) -> str:
        return f"Calendar(tz={self.tz}, weekly={self.weekly}, holidays={len(self.holidays)}, makeup_days={len(self.makeup_days)})"

    # --- the open intervals of a day ---------------------------------------------------------

    def day_spans(self, day: datetime.date) -> tuple[Span, ...]:
        """Return the open intervals of a local date as seconds since midnight."""
        if day in self.holidays:
            return ()
        if day in self.makeup_days:
            return self.makeup_spans
        return self.weekly[day.weekday()]

    def day_intervals(self, day: datetime.date) -> tuple[tuple[datetime.datetime, datetime.datetime], ...]:
        """Return the open intervals of a local date as UTC instants, in order."""
        cached = self._day_cache.get(day)
        if cached is None:
            cached = tuple((self._instant(day, start), self._instant(day, end)) for start, end in self.day_spans(day))
            if len(self._day_cache) > 4096:
                self._day_cache.clear()
            self._day_cache[day] = cached
        return cached

    def _instant(self, day: datetime.date, seconds: int) -> datetime.datetime:
        if seconds >= DAY_SECONDS:
            day, seconds = day + datetime.timedelta(days=1), seconds - DAY_SECONDS
        hours, rest = divmod(seconds, 3600)
        local = datetime.datetime.combine(day, datetime.time(hours, rest // 60, rest % 60), tzinfo=self.tz)
        return local.astimezone(UTC)

    def _local_date(self, moment: datetime.datetime) -> datetime.date:
        return _aware(moment).astimezone(self.tz).date()

    def is_open(self, moment: datetime.datetime) -> bool:
        """Say whether the instant lies inside an open interval (start included, end excluded)."""
        instant = _aware(moment).astimezone(UTC)
        return any(start <= instant < end for start, end in self.day_intervals(self._local_date(instant)))

    # --- arithmetic ---------------------------------------------------------------------------

    def add_business_time(self, start: datetime.datetime, duration: datetime.timedelta | float) -> datetime.datetime:
        """Return the earliest instant by which ``duration`` of open time has passed since ``start``.

        The result is in the calendar's time zone. A positive duration always ends inside an
        open interval or exactly at its closing time, never in a closed period.
        """
        remaining = _duration(duration)
        cursor = _aware(start).astimezone(UTC)
        if remaining < datetime.timedelta(0):
            raise ValueError("A business duration cannot be negative")
        if not remaining:
            return cursor.astimezone(self.tz)
        day = self._local_date(cursor)
        closed_days = 0
        while True:
            intervals = self.day_intervals(day)
            closed_days = 0 if intervals else closed_days + 1
            if closed_days > _MAX_CLOSED_DAYS:
                raise ValueError("The calendar stays closed for more than two years")
            for open_at, close_at in intervals:
                if close_at <= cursor:
                    continue
                begin = max(open_at, cursor)
                available = close_at - begin
                if available >= remaining:
                    return (begin + remaining).astimezone(self.tz)
                remaining -= available
            day += datetime.timedelta(days=1)

    def business_time_between(self, a: datetime.datetime, b: datetime.datetime) -> datetime.timedelta:
        """Return the open time between two instants; negative when ``b`` is before ``a``."""
        first, last = _aware(a).astimezone(UTC), _aware(b).astimezone(UTC)
        if last < first:
            return -self.business_time_between(last, first)
        total = datetime.timedelta(0)
        day, last_day = self._local_date(first), self._local_date(last)
        while day <= last_day:
            for open_at, close_at in self.day_intervals(day):
                overlap = min(close_at, last) - max(open_at, first)
                if overlap > datetime.timedelta(0):
                    total += overlap
            day += datetime.timedelta(days=1)
        return total

    def business_seconds_between(self, a: datetime.datetime, b: datetime.datetime) -> float:
        """Return the open time between two instants in seconds (negative when ``b`` is before ``a``)."""
        return self.business_time_between(a, b).total_seconds()

    def next_open(self, moment: datetime.datetime) -> datetime.datetime:
        """Return the instant itself when open, else the next opening time (in the calendar's zone)."""
        instant = _aware(moment).astimezone(UTC)
        day = self._local_date(instant)
        for _ in range(_MAX_CLOSED_DAYS + 7):
            for open_at, close_at in self.day_intervals(day):
                if close_at > instant:
                    return max(open_at, instant).astimezone(self.tz)
            day += datetime.timedelta(days=1)
        raise ValueError("The calendar stays closed for more than two years")


def _aware(moment: datetime.datetime) -> datetime.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Business-hours arithmetic needs aware datetimes")
    return moment


def _duration(value: datetime.timedelta | float) -> datetime.timedelta:
    if isinstance(value, datetime.timedelta):
        return value
    return datetime.timedelta(seconds=value)
