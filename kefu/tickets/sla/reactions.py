"""Reactions registered in ``kefu.reactions``: the ticket's own events drive its clock."""

from __future__ import annotations

from ..enums import TicketEventAction, TicketStatus
from ..models import Ticket
from .lifecycle import (
    sla_first_response_record,
    sla_pause,
    sla_policy_refresh,
    sla_resolve,
    sla_resume,
    sla_start,
)


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
