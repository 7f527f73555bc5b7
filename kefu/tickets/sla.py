"""SLA clocks: start on the business calendar, pause while waiting on the customer, warn and breach.

A clock keeps its due instants absolute. Both targets are measured in business time from the
ticket's creation, plus every pause: ``due = add_business_time(start, target + paused)``, so
a pause moves the due dates by exactly the business time it lasted, and a change of
priority recomputes them from the same formula. ``sla_check_all`` (every minute) needs one
indexed query for the clocks whose next warning or due instant has come.

Reactions registered in ``kefu.reactions`` drive the clock from the ticket's own events:
``on_ticket_created``, ``on_ticket_transitioned`` and ``on_ticket_updated``.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Iterable
from typing import ClassVar

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, QuerySet, When
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.enums import Role
from kefu.accounts.models import TeamMembership, User
from kefu.events import Event, event_send_on_commit

from .calendar import Calendar
from .enums import TicketEventAction, TicketStatus
from .events import ticket_groups
from .models import BusinessCalendar, NotificationKind, SlaClock, SlaPolicy, SlaState, SlaTarget, Ticket
from .notifications import notify

logger = logging.getLogger(__name__)

CHECK_BATCH = 500  # clocks examined per run of the periodic check, oldest instant first


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


def _locked_clock(ticket: Ticket) -> SlaClock | None:
    return SlaClock.objects.select_for_update(of=("self",)).select_related("policy", "policy__calendar", "ticket").filter(ticket_id=ticket.pk).first()


# --- the clock's life --------------------------------------------------------------------------


def sla_start(*, ticket: Ticket) -> SlaClock | None:
    """Start the ticket's clock at its creation under the most specific policy; None without a policy.

    Idempotent: a clock that exists is returned as it is. A ticket already waiting, answered or
    resolved when its clock starts gets the matching pause or stamps.
    """
    existing = SlaClock.objects.filter(ticket_id=ticket.pk).first()
    if existing is not None:
        return existing
    policy = sla_policy_for(ticket=ticket)
    if policy is None:
        return None
    calendar = calendar_build(policy.calendar)
    now = timezone.now()
    clock = SlaClock(ticket=ticket, policy=policy, started_at=ticket.created_at)
    _place_targets(clock, calendar)
    try:
        with transaction.atomic():
            _save(clock, now=now)
    except IntegrityError:  # started by a concurrent reaction
        return SlaClock.objects.get(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    if ticket.first_response_at is not None:
        sla_first_response_record(ticket=ticket, at=ticket.first_response_at)
    if ticket.status == TicketStatus.WAITING_CUSTOMER:
        sla_pause(ticket=ticket, at=ticket.updated_at)
    elif ticket.status in (TicketStatus.RESOLVED, TicketStatus.FOLLOW_UP, TicketStatus.CLOSED):
        sla_resolve(ticket=ticket, at=ticket.resolved_at or ticket.closed_at or ticket.updated_at)
    return SlaClock.objects.get(pk=clock.pk)


def _effective(clock: SlaClock, at: datetime.datetime) -> datetime.datetime:
    """Return the clock time of an instant: a stopped clock's time stands at its pause."""
    return min(at, clock.paused_at) if clock.paused_at is not None else at


def sla_first_response_record(*, ticket: Ticket, at: datetime.datetime) -> SlaClock | None:
    """Stamp the first response; late (after the due instant, pauses excepted) counts as a breach."""
    with transaction.atomic():
        clock = _locked_clock(ticket)
        if clock is None or clock.first_response_met_at is not None:
            return clock
        clock.first_response_met_at = at
        if _effective(clock, at) > clock.first_response_due and clock.first_response_breached_at is None:
            clock.first_response_breached_at = clock.first_response_due
        _save(clock, now=timezone.now())
        return clock


def sla_pause(*, ticket: Ticket, at: datetime.datetime) -> SlaClock | None:
    """Stop the clock while the ticket waits on the customer."""
    with transaction.atomic():
        clock = _locked_clock(ticket)
        if clock is None or clock.paused_at is not None or _stopped(clock):
            return clock
        # A target already missed stays missed: the pause must not move it out of reach of the breach.
        if clock.first_response_met_at is None and clock.first_response_due < at and clock.first_response_breached_at is None:
            clock.first_response_breached_at = clock.first_response_due
        if clock.resolution_due < at and clock.resolution_breached_at is None:
            clock.resolution_breached_at = clock.resolution_due
        clock.paused_at = at
        _save(clock, now=timezone.now())
        return clock


def sla_resume(*, ticket: Ticket, at: datetime.datetime) -> SlaClock | None:
    """Restart a paused (or resolved, on reopening) clock: the due instants move by the business time paused."""
    with transaction.atomic():
        clock = _locked_clock(ticket)
        if clock is None or clock.paused_at is None:
            return clock
        calendar = calendar_build(clock.policy.calendar)
        paused = calendar.business_time_between(clock.paused_at, max(at, clock.paused_at))
        clock.paused_seconds += round(paused.total_seconds())
        clock.paused_at = None
        clock.resolution_met_at = None
        _place_targets(clock, calendar)
        _save(clock, now=timezone.now())
        return clock


def sla_resolve(*, ticket: Ticket, at: datetime.datetime) -> SlaClock | None:
    """Stop the clock for good (until a reopening): resolution met, or breached if it came late."""
    with transaction.atomic():
        clock = _locked_clock(ticket)
        if clock is None or _stopped(clock):
            return clock
        effective = _effective(clock, at)
        if clock.first_response_met_at is None:  # resolving answers the customer too
            clock.first_response_met_at = at
            if effective > clock.first_response_due and clock.first_response_breached_at is None:
                clock.first_response_breached_at = clock.first_response_due
        if effective > clock.resolution_due and clock.resolution_breached_at is None:
            clock.resolution_breached_at = clock.resolution_due
        clock.resolution_met_at = at
        clock.paused_at = clock.paused_at or at
        _save(clock, now=timezone.now())
        return clock


def sla_policy_refresh(*, ticket: Ticket) -> SlaClock | None:
    """Apply the policy matching the ticket's current priority and type, keeping its start and pauses."""
    with transaction.atomic():
        clock = _locked_clock(ticket)
        if clock is None:
            return sla_start(ticket=ticket)
        ticket.refresh_from_db()
        policy = sla_policy_for(ticket=ticket)
        if policy is None or policy.pk == clock.policy_id:
            return clock
        clock.policy = policy
        _place_targets(clock, calendar_build(policy.calendar))
        now = timezone.now()
        # Alerts belong to the old targets; the new ones may warn again.
        if clock.first_response_met_at is None:
            clock.first_response_warned_at = clock.first_response_warned_at if clock.first_response_warn_at <= now else None
        if clock.resolution_warn_at > now:
            clock.resolution_warned_at = None
        _save(clock, now=now)
        return clock


# --- the periodic check --------------------------------------------------------------------------


def ticket_url(ticket: Ticket) -> str:
    """Return the path of the ticket page."""
    try:
        return reverse("tickets:detail", args=[ticket.pk])
    except NoReverseMatch:
        return f"/tickets/{ticket.pk}/"


def sla_recipients(ticket: Ticket) -> list[User]:
    """Return who hears about a ticket's SLA: its assignee and its team's leads; the supervisors when nobody."""
    users: list[User] = []
    if ticket.assignee_id and ticket.assignee.is_active:
        users.append(ticket.assignee)
    if ticket.team_id:
        users.extend(
            membership.user
            for membership in TeamMembership.objects.filter(team_id=ticket.team_id, is_lead=True, user__is_active=True).select_related("user")
        )
    if not users:
        users = list(User.objects.filter(is_active=True, role=Role.SUPERVISOR))
    return users


def _alert(ticket: Ticket, clock: SlaClock, state: str, target: str, calendar: Calendar, now: datetime.datetime) -> None:
    due = clock.first_response_due if target == SlaTarget.FIRST_RESPONSE else clock.resolution_due
    target_label = str(SlaTarget(target).label)
    local_due = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
    if state == SlaState.WARNING:
        minutes = max(0, round(calendar.business_seconds_between(now, due) / 60))
        title = _("Ticket %(number)s: %(target)s due in %(minutes)s business minutes") % {
            "number": ticket.number,
            "target": target_label,
            "minutes": minutes,
        }
        kind = NotificationKind.SLA_WARNING
    else:
        title = _("Ticket %(number)s breached its %(target)s target") % {"number": ticket.number, "target": target_label}
        kind = NotificationKind.SLA_BREACHED
    body = _("%(subject)s\nCustomer: %(customer)s · Priority: %(priority)s · Due: %(due)s") % {
        "subject": ticket.subject,
        "customer": ticket.customer,
        "priority": ticket.get_priority_display(),
        "due": local_due,
    }
    notify(users=sla_recipients(ticket), kind=kind, title=title, body=body, url=ticket_url(ticket))


def sla_check_one(*, clock_id: int, now: datetime.datetime, calendars: _CalendarCache | None = None) -> list[tuple[str, str]]:
    """Stamp the warnings and breaches that have come for one clock and alert once each; return them."""
    calendars = calendars or _CalendarCache()
    with transaction.atomic():
        clock = (
            SlaClock.objects.select_for_update(of=("self",))
            .select_related("policy", "policy__calendar", "ticket", "ticket__assignee", "ticket__customer")
            .filter(pk=clock_id)
            .first()
        )
        if clock is None or clock.paused_at is not None or _stopped(clock):
            return []
        ticket = clock.ticket
        if ticket.first_response_at is not None and clock.first_response_met_at is None:
            clock.first_response_met_at = ticket.first_response_at
            if ticket.first_response_at > clock.first_response_due:
                clock.first_response_breached_at = clock.first_response_due
        alerts: list[tuple[str, str]] = []
        if clock.first_response_met_at is None:
            if clock.first_response_due <= now and clock.first_response_breached_at is None:
                clock.first_response_breached_at = clock.first_response_due
                clock.first_response_warned_at = clock.first_response_warned_at or now
                alerts.append((SlaState.BREACHED, SlaTarget.FIRST_RESPONSE))
            elif clock.first_response_warn_at <= now and clock.first_response_warned_at is None:
                clock.first_response_warned_at = now
                alerts.append((SlaState.WARNING, SlaTarget.FIRST_RESPONSE))
        if clock.resolution_due <= now and clock.resolution_breached_at is None:
            clock.resolution_breached_at = clock.resolution_due
            clock.resolution_warned_at = clock.resolution_warned_at or now
            alerts.append((SlaState.BREACHED, SlaTarget.RESOLUTION))
        elif clock.resolution_warn_at <= now and clock.resolution_warned_at is None:
            clock.resolution_warned_at = now
            alerts.append((SlaState.WARNING, SlaTarget.RESOLUTION))
        _save(clock, now=now)
        calendar = calendars.get(clock.policy)
        for state, target in alerts:
            _alert(ticket, clock, state, target, calendar, now)
        return alerts


def sla_check_all(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Warn about tickets near a breach and flag breached ones, each alert once (the periodic task)."""
    now = now or timezone.now()
    calendars = _CalendarCache()
    counts = {SlaState.WARNING.value: 0, SlaState.BREACHED.value: 0}
    clock_ids = list(
        SlaClock.objects.filter(next_check_at__lte=now, paused_at__isnull=True).order_by("next_check_at").values_list("pk", flat=True)[:CHECK_BATCH]
    )
    for clock_id in clock_ids:
        try:
            for state, _target in sla_check_one(clock_id=clock_id, now=now, calendars=calendars):
                counts[state] += 1
        except Exception:  # one broken clock must not stop the others
            logger.exception("SLA check of clock %s failed", clock_id)
    return counts


# --- reads for lists and the ticket page --------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SlaStatus:
    """What the ticket page shows: the state, the target running now, its due time and what is left."""

    state: str
    state_label: str
    target: str
    target_label: str
    due: datetime.datetime | None
    remaining_seconds: float | None  # business seconds left; negative once overdue
    used_percent: int | None
    policy_name: str
    first_response_due: datetime.datetime
    first_response_met_at: datetime.datetime | None
    resolution_due: datetime.datetime
    paused_seconds: int


def sla_state_for(ticket: Ticket, *, now: datetime.datetime | None = None) -> SlaStatus | None:
    """Return the live SLA status of a ticket, None when no policy covers it."""
    clock = SlaClock.objects.select_related("policy", "policy__calendar").filter(ticket_id=ticket.pk).first()
    if clock is None:
        return None
    now = now or timezone.now()
    state = _state(clock, now)
    target, due = _active_target(clock)
    remaining = used = None
    if not _stopped(clock):
        calendar = calendar_build(clock.policy.calendar)
        reference = _effective(clock, now)
        remaining = calendar.business_seconds_between(reference, due)
        total = _targets(clock.policy)[target][0]
        used = max(0, round(100 * (total - remaining) / total))
    return SlaStatus(
        state=state,
        state_label=str(SlaState(state).label),
        target=target,
        target_label=str(SlaTarget(target).label),
        due=None if _stopped(clock) else due,
        remaining_seconds=remaining,
        used_percent=used,
        policy_name=clock.policy.name,
        first_response_due=clock.first_response_due,
        first_response_met_at=clock.first_response_met_at,
        resolution_due=clock.resolution_due,
        paused_seconds=clock.paused_seconds,
    )


def tickets_with_sla(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate ``sla_state`` (as of the last check; "" without a clock) and ``sla_due`` (the running target's due)."""
    return queryset.annotate(
        sla_state=F("sla_clock__state"),
        sla_due=Case(
            When(sla_clock__first_response_met_at__isnull=True, then=F("sla_clock__first_response_due")),
            default=F("sla_clock__resolution_due"),
        ),
    )


def tickets_filter_sla_state(queryset: QuerySet[Ticket], states: str | Iterable[str]) -> QuerySet[Ticket]:
    """Keep the tickets in the given SLA states; "none" selects tickets no policy covers."""
    wanted = {states} if isinstance(states, str) else set(states)
    condition = None
    if "none" in wanted:
        condition = Q(sla_clock__isnull=True)
    known = wanted & set(SlaState.values)
    if known:
        in_states = Q(sla_clock__state__in=sorted(known))
        condition = in_states if condition is None else in_states | condition
    return queryset.filter(condition) if condition is not None else queryset.none()


# --- reactions to the ticket's events ------------------------------------------------------------


def _ticket(ticket_id: int) -> Ticket | None:
    return Ticket.objects.select_related("customer", "assignee").filter(pk=ticket_id).first()


def on_ticket_created(event) -> None:
    """Start the clock of a new ticket (reaction to "ticket.created")."""
    ticket = _ticket(event.ticket_id)
    if ticket is not None:
        sla_start(ticket=ticket)


def on_ticket_transitioned(event) -> None:
    """Pause while waiting on the customer, resume after, stop on resolution (reaction to "ticket.transitioned")."""
    ticket = _ticket(event.ticket_id)
    if ticket is None:
        return
    if sla_start(ticket=ticket) is None:
        return
    at = event.at
    if event.to_status in (TicketStatus.RESOLVED, TicketStatus.FOLLOW_UP, TicketStatus.CLOSED):
        sla_resolve(ticket=ticket, at=at)
    elif event.to_status == TicketStatus.WAITING_CUSTOMER:
        sla_resume(ticket=ticket, at=at)  # a reopened ticket may go straight to waiting: restart, then pause
        sla_pause(ticket=ticket, at=at)
    else:
        sla_resume(ticket=ticket, at=at)
    if ticket.first_response_at is not None:
        sla_first_response_record(ticket=ticket, at=ticket.first_response_at)


def on_ticket_updated(event) -> None:
    """Record the first reply, and follow a change of priority or type (reaction to "ticket.updated")."""
    ticket = _ticket(event.ticket_id)
    if ticket is None:
        return
    if event.action == TicketEventAction.COMMENTED and ticket.first_response_at is not None:
        sla_first_response_record(ticket=ticket, at=ticket.first_response_at)
    elif event.action == TicketEventAction.UPDATED and {"priority", "type"} & set(event.params.get("changes", {})):
        sla_policy_refresh(ticket=ticket)
