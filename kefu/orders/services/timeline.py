"""How order-side changes reach a ticket's timeline (imported late: tickets import orders)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.services import audit_value

CLOSED = "closed"  # the ticket's archived status (tickets import orders, not the other way round)


def _ticket_note(ticket_id: int | None, action: str, actor: User | None, **params: Any) -> None:
    if not ticket_id:
        return
    from kefu.tickets.models import Ticket
    from kefu.tickets.services import ticket_timeline_add

    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is not None:
        ticket_timeline_add(ticket=ticket, action=action, actor=actor, **{k: audit_value(v) for k, v in params.items()})


def _ticket_of(ticket: Any) -> int | None:
    return ticket.pk if ticket is not None else None


def ticket_order_errors(ticket: Any, order: Any) -> dict[str, list[ValidationError]]:
    """Check that money or a return recorded on a ticket is on the ticket's own order, and the ticket not archived."""
    if ticket is None:
        return {}
    if getattr(ticket, "status", "") == CLOSED:
        return {"ticket_id": [ValidationError(_("A closed ticket is archived and cannot be changed."), code="closed")]}
    if ticket.order_id == order.pk:
        return {}
    if ticket.order_id is None:
        return {"ticket_id": [ValidationError(_("Link the ticket to its order first."), code="no_order")]}
    return {
        "ticket_id": [
            ValidationError(_("The ticket is about another order, not %(number)s."), code="ticket_not_for_order", params={"number": order.number})
        ]
    }


class _TicketRef:
    """Carry a ticket's id and order where a ticket is expected, without loading it."""

    def __init__(self, pk: int, order_id: int | None) -> None:
        self.pk = pk
        self.order_id = order_id
