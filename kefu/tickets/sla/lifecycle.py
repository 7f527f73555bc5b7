"""The clock's life: start, first response, pause, resume, resolve and a change of policy."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..enums import TicketStatus
from ..models import SlaClock, Ticket
from .clock import _effective, _locked_clock, _place_targets, _save, _stopped, calendar_build, sla_policy_for


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
