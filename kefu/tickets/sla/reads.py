"""Reads for lists and the ticket page: the live status of one clock, the stored state of many."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable

from django.db.models import Case, F, Q, QuerySet, When
from django.utils import timezone

from ..models import SlaClock, SlaState, SlaTarget, Ticket
from .clock import _active_target, _effective, _state, _stopped, _targets, calendar_build


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
