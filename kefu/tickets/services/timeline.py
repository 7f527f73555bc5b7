"""A ticket's timeline (TicketEvent rows) and the real-time update that announces each line; who may act on a ticket."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require, user_can
from kefu.events import event_send_on_commit

from ..enums import TicketEventAction, TicketStatus
from ..events import TicketUpdated, ticket_groups
from ..models import Ticket, TicketEvent
from ..selectors import ticket_can_see


def _error(message: str, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _require_access(actor: User | None, ticket: Ticket, capability: Capability = Capability.TICKET_WRITE) -> None:
    """Let the system (None) and users who hold the capability and see the ticket act on it."""
    if actor is None:
        return
    permission_require(actor, capability)
    if not ticket_can_see(actor, ticket):
        raise PermissionDenied(_("This ticket belongs to another team."))


def _event_record(
    ticket: Ticket,
    action: TicketEventAction,
    *,
    actor: User | None,
    from_status: str = "",
    to_status: str = "",
    at: datetime.datetime | None = None,
    **params: Any,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        params=params,
        created_at=at or timezone.now(),
    )


def _publish_update(ticket: Ticket, action: str, actor: User | None, params: dict[str, Any]) -> None:
    event_send_on_commit(
        TicketUpdated(ticket_id=ticket.pk, number=ticket.number, action=action, actor_id=actor.pk if actor else None, params=params),
        groups=ticket_groups(team_id=ticket.team_id, assignee_id=ticket.assignee_id),
    )


def ticket_timeline_add(*, ticket: Ticket, action: TicketEventAction, actor: User | None, **params: Any) -> TicketEvent:
    """Add a line to a ticket's timeline from another domain (returns, refunds, compensation) and tell its followers."""
    event = _event_record(ticket, action, actor=actor, **params)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=event.created_at)
    _publish_update(ticket, action, actor, params)
    return event


def ticket_actions_for(user: User | None, ticket: Ticket) -> dict[str, bool]:
    """Say which actions the ticket page offers the user."""
    can_write = user is None or (user_can(user, Capability.TICKET_WRITE) and ticket_can_see(user, ticket))
    return {
        "write": can_write and ticket.status != TicketStatus.CLOSED,
        "assign_others": user is None or user_can(user, Capability.TICKET_ASSIGN),
        "returns": can_write and ticket.status != TicketStatus.CLOSED and (user is None or user_can(user, Capability.RETURN_WRITE)),
        # A return parcel can come back after the ticket is archived: its arrival and inspection are still recorded.
        "parcel": can_write and (user is None or user_can(user, Capability.RETURN_WRITE)),
        "approve_money": user is None or user_can(user, Capability.REFUND_APPROVE),
    }
