"""Business-hours arithmetic: examples a shop recognises, then properties over random calendars."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kefu.tickets.calendar import Calendar, time_parse

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
HOUR = dt.timedelta(hours=1)

# 2026, from the State Council notice: 春节 15-23 Feb off, 14 and 28 Feb worked.
SPRING_FESTIVAL = frozenset(dt.date(2026, 2, 15) + dt.timedelta(days=n) for n in range(9))
SPRING_MAKEUP = frozenset({dt.date(2026, 2, 14), dt.date(2026, 2, 28)})
OFFICE = [[("09:00", "18:00")]] * 5 + [[], []]
SPLIT = [[("09:00", "12:00"), ("13:30", "18:00")]] * 5 + [[("10:00", "16:00")], []]


def shop(**extra) -> Calendar:
    return Calendar(weekly_hours=OFFICE, holidays=SPRING_FESTIVAL, makeup_days=SPRING_MAKEUP, **extra)


def at(*args: int, tz=SHANGHAI) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz)


# --- examples -----------------------------------------------------------------------------------


def test_within_one_day():
    assert shop().add_business_time(at(2026, 3, 2, 10), 2 * HOUR) == at(2026, 3, 2, 12)


def test_across_the_night():
    # Monday 17:00 + 4 business hours: 1 h on Monday, 3 h on Tuesday from 09:00.
    assert shop().add_business_time(at(2026, 3, 2, 17), 4 * HOUR) == at(2026, 3, 3, 12)


def test_across_the_weekend():
    # Friday 16:00 + 3 h: 2 h on Friday, then Monday 10:00.
    assert shop().add_business_time(at(2026, 3, 6, 16), 3 * HOUR) == at(2026, 3, 9, 10)


def test_start_in_a_closed_period_counts_from_the_next_opening():
    assert shop().add_business_time(at(2026, 3, 7, 11), HOUR) == at(2026, 3, 9, 10)
    assert shop().add_business_time(at(2026, 3, 2, 7, 30), 30 * 60) == at(2026, 3, 2, 9, 30)


def test_spring_festival_holiday_and_makeup_days():
    calendar = shop()
    # Friday 13 Feb 17:00 + 2 h: 1 h Friday, then Saturday 14 Feb is a make-up working day.
    assert calendar.add_business_time(at(2026, 2, 13, 17), 2 * HOUR) == at(2026, 2, 14, 10)
    # Saturday 14 Feb 17:00 + 2 h: the holiday runs 15-23 Feb, so work resumes on Tuesday 24 Feb.
    assert calendar.add_business_time(at(2026, 2, 14, 17), 2 * HOUR) == at(2026, 2, 24, 10)
    # Saturday 28 Feb is worked too.
    assert calendar.add_business_time(at(2026, 2, 27, 18), HOUR) == at(2026, 2, 28, 10)
    # Open days from 13 Feb to 28 Feb: Fri 13, Sat 14 (make-up), Tue 24 to Fri 27, Sat 28 (make-up).
    assert calendar.business_seconds_between(at(2026, 2, 13, 0), at(2026, 3, 1, 0)) == 7 * 9 * 3600


def test_ending_exactly_at_closing_time_stays_on_that_day():
    assert shop().add_business_time(at(2026, 3, 2, 9), 9 * HOUR) == at(2026, 3, 2, 18)


def test_lunch_break_is_skipped():
    calendar = Calendar(weekly_hours=SPLIT)
    assert calendar.add_business_time(at(2026, 3, 2, 11), 2 * HOUR) == at(2026, 3, 2, 14, 30)
    assert calendar.business_seconds_between(at(2026, 3, 2, 11), at(2026, 3, 2, 14, 30)) == 7200


def test_aware_utc_input_gives_the_same_instant():
    calendar = shop()
    start_utc = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai
    due = calendar.add_business_time(start_utc, 4 * HOUR)
    assert due == at(2026, 3, 3, 12)
    assert due.tzinfo == SHANGHAI
    assert calendar.business_seconds_between(start_utc, due) == 4 * 3600


def test_between_is_antisymmetric_and_zero_on_closed_periods():
    calendar = shop()
    assert calendar.business_seconds_between(at(2026, 3, 3, 12), at(2026, 3, 2, 17)) == -4 * 3600
    assert calendar.business_seconds_between(at(2026, 3, 7, 8), at(2026, 3, 8, 23)) == 0


def test_midnight_closing_and_24_hour_days():
    calendar = Calendar(weekly_hours={day: [("00:00", "24:00")] for day in range(7)})
    start = at(2026, 3, 2, 23, 30)
    assert calendar.add_business_time(start, HOUR) == at(2026, 3, 3, 0, 30)
    assert time_parse("24:00") == dt.time(0)


def test_dst_zone_counts_real_elapsed_time():
    # 8 March 2026, New York springs forward at 02:00: the 00:00-04:00 window holds 3 real hours.
    new_york = ZoneInfo("America/New_York")
    calendar = Calendar(weekly_hours={day: [("00:00", "04:00")] for day in range(7)}, tz=new_york)
    assert calendar.business_seconds_between(at(2026, 3, 8, 0, tz=new_york), at(2026, 3, 8, 5, tz=new_york)) == 3 * 3600


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weekly_hours": [[]] * 7}, "no opening hours"),
        ({"weekly_hours": [[("18:00", "09:00")]]}, "ends before it starts"),
        ({"weekly_hours": [[("09:00", "12:00"), ("11:00", "13:00")]]}, "overlap"),
        ({"weekly_hours": OFFICE, "holidays": [dt.date(2026, 2, 14)], "makeup_days": [dt.date(2026, 2, 14)]}, "both"),
        ({"weekly_hours": {7: [("09:00", "10:00")]}}, "Weekdays"),
    ],
)
def test_bad_calendars_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Calendar(**kwargs)


def test_naive_datetimes_and_negative_durations_are_refused():
    with pytest.raises(ValueError, match="aware"):
        shop().add_business_time(dt.datetime(2026, 3, 2, 10), HOUR)  # noqa: DTZ001
    with pytest.raises(ValueError, match="negative"):
        shop().add_business_time(at(2026, 3, 2, 10), -1)


def test_a_calendar_closed_for_years_is_reported_not_looped():
    holidays = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(1000)]
    calendar = Calendar(weekly_hours=OFFICE, holidays=holidays)
    with pytest.raises(ValueError, match="closed"):
        calendar.add_business_time(at(2026, 1, 1), HOUR)


# --- properties -----------------------------------------------------------------------------------

# hypothesis wants naive bounds and attaches the zone itself.
instants = st.datetimes(
    min_value=dt.datetime(2025, 12, 1),  # noqa: DTZ001
    max_value=dt.datetime(2027, 3, 1),  # noqa: DTZ001
    timezones=st.sampled_from([SHANGHAI, UTC]),
)
durations = st.builds(
    dt.timedelta, seconds=st.integers(min_value=0, max_value=30 * 24 * 3600), microseconds=st.integers(0, 999_999)
)
minutes_of_day = st.integers(min_value=0, max_value=24 * 60)


@st.composite
def day_hours(draw):
    """Draw zero to three disjoint opening intervals of one day, on whole minutes."""
    cuts = sorted(set(draw(st.lists(minutes_of_day, min_size=0, max_size=6))))
    if len(cuts) % 2:
        cuts = cuts[:-1]
    return [
        (f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}")
        for start, end in zip(cuts[::2], cuts[1::2], strict=True)
    ]


@st.composite
def calendars(draw):
    """Draw a calendar that opens at least once a week, with holidays and make-up days in 2026."""
    weekly = draw(st.lists(day_hours(), min_size=7, max_size=7))
    assume(any(weekly))
    days = st.dates(min_value=dt.date(2025, 12, 1), max_value=dt.date(2027, 3, 1))
    holidays = draw(st.sets(days, max_size=40))
    makeup = draw(st.sets(days, max_size=10)) - holidays
    return Calendar(weekly_hours=weekly, holidays=holidays, makeup_days=makeup, makeup_weekday=draw(st.integers(0, 6)))


any_calendar = st.one_of(st.just(shop()), st.just(Calendar(weekly_hours=SPLIT, holidays=SPRING_FESTIVAL)), calendars())
TICK = dt.timedelta(microseconds=1)


@settings(max_examples=300, deadline=None)
@given(any_calendar, instants, durations)
def test_between_inverts_add(calendar, start, duration):
    assert calendar.business_time_between(start, calendar.add_business_time(start, duration)) == duration


@settings(max_examples=300, deadline=None)
@given(any_calendar, instants, durations, durations)
def test_add_is_additive(calendar, start, first, second):
    assert calendar.add_business_time(calendar.add_business_time(start, first), second) == calendar.add_business_time(
        start, first + second
    )


@settings(max_examples=300, deadline=None)
@given(any_calendar, instants, durations, durations)
def test_add_is_monotonic_in_the_duration(calendar, start, first, second):
    shorter, longer = sorted((first, second))
    assert calendar.add_business_time(start, shorter) <= calendar.add_business_time(start, longer)


@settings(max_examples=300, deadline=None)
@given(any_calendar, instants, instants, durations)
def test_add_is_monotonic_in_the_start(calendar, a, b, duration):
    earlier, later = sorted((a, b))
    assert calendar.add_business_time(earlier, duration) <= calendar.add_business_time(later, duration)


@settings(max_examples=300, deadline=None)
@given(any_calendar, instants, durations)
def test_never_lands_in_a_closed_period(calendar, start, duration):
    assume(duration > dt.timedelta(0))
    due = calendar.add_business_time(start, duration)
    # The microsecond just before the due instant was open time: the clock was running up to it.
    assert calendar.is_open(due - TICK)
    assert calendar.business_time_between(due - TICK, due) == TICK
    assert due >= start


@settings(max_examples=300, deadline=None)
@given(any_calendar, instants, instants, instants)
def test_between_is_additive_over_a_midpoint(calendar, a, b, c):
    first, middle, last = sorted((a, b, c))
    whole = calendar.business_time_between(first, last)
    assert whole == calendar.business_time_between(first, middle) + calendar.business_time_between(middle, last)
    assert dt.timedelta(0) <= whole <= last - first


@settings(max_examples=200, deadline=None)
@given(any_calendar, instants)
def test_time_zone_of_the_input_does_not_matter(calendar, start):
    duration = dt.timedelta(hours=5)
    assert calendar.add_business_time(start.astimezone(UTC), duration) == calendar.add_business_time(
        start.astimezone(SHANGHAI), duration
    )
