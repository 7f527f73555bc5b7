"""The periodic check: stamp the warnings and breaches that have come and alert once each.

``sla_check_all`` (every minute) needs one indexed query for the clocks whose next warning or
due instant has come.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.enums import Role
from kefu.accounts.models import TeamMembership, User

from ..calendar import Calendar
from ..models import NotificationKind, SlaClock, SlaState, SlaTarget, Ticket
from ..notifications import notify
from .clock import _CalendarCache, _save, _stopped

logger = logging.getLogger(__name__)

CHECK_BATCH = 500  # clocks examined per run of the periodic check, oldest instant first


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
