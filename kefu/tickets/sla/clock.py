"""The clock's arithmetic: the calendar, the policy that applies, due instants and the state they give.

A clock keeps its due instants absolute. Both targets are measured in business time from the
ticket's creation, plus every pause: ``due = add_business_time(start, target + paused)``, so
a pause moves the due dates by exactly the business time it lasted, and a change of
priority recomputes them from the same formula.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import ClassVar

from kefu.events import Event, event_send_on_commit

from ..calendar import Calendar
from ..events import ticket_groups
from ..models import BusinessCalendar, SlaClock, SlaPolicy, SlaState, SlaTarget, Ticket


@dataclasses.dataclass(frozen=True, kw_only=True)
class SlaChanged(Event):
    """A ticket's SLA state changed: lists and the ticket page repaint their badge."""

    type: ClassVar[str] = "ticket.sla_changed"
    ticket_id: int
    number: str
    state: str
    target: str
    due: datetime.datetime | None


# --- the calendar ------------------------------------------------------------------------------


def calendar_build(business_calendar: BusinessCalendar) -> Calendar:
    """Turn a stored calendar and its holidays into the arithmetic object."""
    holidays, makeup = [], []
    for day, is_workday in business_calendar.holidays.values_list("date", "is_workday"):
        (makeup if is_workday else holidays).append(day)
    return Calendar(
        weekly_hours=[[tuple(span) for span in day] for day in business_calendar.weekly_hours],
        holidays=holidays,
        makeup_days=makeup,
        tz=business_calendar.time_zone,
    )


class _CalendarCache:
    """Calendars by id for one batch of work, each built once."""

    def __init__(self) -> None:
        self._calendars: dict[int, Calendar] = {}

    def get(self, policy: SlaPolicy) -> Calendar:
        if policy.calendar_id not in self._calendars:
            self._calendars[policy.calendar_id] = calendar_build(policy.calendar)
        return self._calendars[policy.calendar_id]


# --- policies and clock arithmetic -------------------------------------------------------------


def sla_policy_for(*, ticket: Ticket) -> SlaPolicy | None:
    """Pick the most specific active policy: the ticket's type and priority, else its priority for any type."""
    candidates = SlaPolicy.objects.filter(active=True, priority=ticket.priority, ticket_type__in=[ticket.type, ""]).select_related("calendar")
    return max(candidates, key=lambda policy: policy.ticket_type != "", default=None)


def _targets(policy: SlaPolicy) -> dict[str, tuple[int, int]]:
    """Return (due, warning) business seconds per target."""
    first, resolution = policy.first_response_minutes * 60, policy.resolution_minutes * 60
    return {
        SlaTarget.FIRST_RESPONSE: (first, first * policy.warn_at_percent // 100),
        SlaTarget.RESOLUTION: (resolution, resolution * policy.warn_at_percent // 100),
    }


def _place_targets(clock: SlaClock, calendar: Calendar) -> None:
    """Put the due and warning instants where the policy's business time plus the pauses ends."""
    targets = _targets(clock.policy)
    paused = datetime.timedelta(seconds=clock.paused_seconds)
    due, warn = targets[SlaTarget.FIRST_RESPONSE]
    clock.first_response_due = calendar.add_business_time(clock.started_at, datetime.timedelta(seconds=due) + paused)
    clock.first_response_warn_at = calendar.add_business_time(clock.started_at, datetime.timedelta(seconds=warn) + paused)
    due, warn = targets[SlaTarget.RESOLUTION]
    clock.resolution_due = calendar.add_business_time(clock.started_at, datetime.timedelta(seconds=due) + paused)
    clock.resolution_warn_at = calendar.add_business_time(clock.started_at, datetime.timedelta(seconds=warn) + paused)


def _stopped(clock: SlaClock) -> bool:
    return clock.resolution_met_at is not None


def _state(clock: SlaClock, now: datetime.datetime) -> str:
    """Say the state as of ``now``, the live view: a due instant already past counts as breached."""
    breached = clock.first_response_breached_at is not None or clock.resolution_breached_at is not None
    if _stopped(clock):
        return SlaState.BREACHED if breached else SlaState.MET
    if breached:
        return SlaState.BREACHED
    if clock.paused_at is not None:
        return SlaState.PAUSED
    first_pending = clock.first_response_met_at is None
    if (first_pending and clock.first_response_due <= now) or clock.resolution_due <= now:
        return SlaState.BREACHED
    if (first_pending and clock.first_response_warn_at <= now) or clock.resolution_warn_at <= now:
        return SlaState.WARNING
    return SlaState.OK


def _stored_state(clock: SlaClock) -> str:
    """Say the state the periodic check has acted on: warnings and breaches only once they were stamped."""
    if _stopped(clock) or clock.paused_at is not None or clock.first_response_breached_at or clock.resolution_breached_at:
        return _state(clock, clock.started_at)  # a time before every instant: only the stamps count
    warned = (clock.first_response_met_at is None and clock.first_response_warned_at) or clock.resolution_warned_at
    return SlaState.WARNING if warned else SlaState.OK


def _next_check(clock: SlaClock) -> datetime.datetime | None:
    """Return the earliest warning or due instant not yet acted on, None while the clock stands."""
    if _stopped(clock) or clock.paused_at is not None:
        return None
    pending = []
    if clock.first_response_met_at is None:
        if clock.first_response_warned_at is None:
            pending.append(clock.first_response_warn_at)
        if clock.first_response_breached_at is None:
            pending.append(clock.first_response_due)
    if clock.resolution_warned_at is None:
        pending.append(clock.resolution_warn_at)
    if clock.resolution_breached_at is None:
        pending.append(clock.resolution_due)
    return min(pending, default=None)


def _save(clock: SlaClock, *, now: datetime.datetime) -> None:
    previous = clock.state
    clock.state = _stored_state(clock)
    clock.next_check_at = _next_check(clock)
    clock.updated_at = now
    clock.save()
    if clock.state != previous:
        _publish(clock)


def _active_target(clock: SlaClock) -> tuple[str, datetime.datetime]:
    if clock.first_response_met_at is None:
        return SlaTarget.FIRST_RESPONSE, clock.first_response_due
    return SlaTarget.RESOLUTION, clock.resolution_due


def _publish(clock: SlaClock) -> None:
    ticket = clock.ticket
    target, due = _active_target(clock)
    event_send_on_commit(
        SlaChanged(ticket_id=ticket.pk, number=ticket.number, state=clock.state, target=target, due=None if _stopped(clock) else due),
        groups=ticket_groups(team_id=ticket.team_id, assignee_id=ticket.assignee_id),
    )


def _effective(clock: SlaClock, at: datetime.datetime) -> datetime.datetime:
    """Return the clock time of an instant: a stopped clock's time stands at its pause."""
    return min(at, clock.paused_at) if clock.paused_at is not None else at


def _locked_clock(ticket: Ticket) -> SlaClock | None:
    return SlaClock.objects.select_for_update(of=("self",)).select_related("policy", "policy__calendar", "ticket").filter(ticket_id=ticket.pk).first()
