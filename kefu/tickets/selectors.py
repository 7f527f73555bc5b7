"""Permission-aware reads of tickets: lists with filters, one ticket with its timeline and checklist."""

from __future__ import annotations

import dataclasses
import datetime
import re
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require, user_can
from kefu.knowledge.enums import ProblemType
from kefu.knowledge.models import Playbook

from .enums import ChecklistSection, ComplaintCause, TicketStatus, TicketType
from .models import ChecklistTick, SavedView, Ticket, TicketComment, TicketEvent
from .transitions import OPEN_STATUSES

# Which playbook of DOMAIN.md 9 a ticket's agent follows; complaints go by their cause.
TYPE_PLAYBOOK: dict[str, str] = {
    TicketType.NOT_AS_DESCRIBED: ProblemType.NOT_AS_IMAGINED,
    TicketType.RETURN: ProblemType.NOT_AS_IMAGINED,
    TicketType.EXCHANGE: ProblemType.NOT_AS_IMAGINED,
    TicketType.REFUND: ProblemType.NOT_AS_IMAGINED,
    TicketType.SERVICE_ATTITUDE: ProblemType.SERVICE,
    TicketType.WRONG_OR_MISSING: ProblemType.WRONG_OR_MISSING,
    TicketType.LATE_DELIVERY: ProblemType.LATE_DELIVERY,
    TicketType.TRANSPORT_DAMAGE: ProblemType.TRANSPORT_DAMAGE,
    TicketType.QUALITY: ProblemType.QUALITY,
    TicketType.REPAIR: ProblemType.QUALITY,
}
CAUSE_PLAYBOOK: dict[str, str] = {
    ComplaintCause.PRODUCT_QUALITY: ProblemType.QUALITY,
    ComplaintCause.SERVICE: ProblemType.SERVICE,
    ComplaintCause.COMMUNICATION: ProblemType.SERVICE,
    ComplaintCause.EXPECTATION_GAP: ProblemType.NOT_AS_IMAGINED,
    ComplaintCause.BROKEN_PROMISE: ProblemType.SERVICE,
    ComplaintCause.POLICY: ProblemType.NOT_AS_IMAGINED,
}
CHECKLIST_SECTIONS = (ChecklistSection.CAUSES, ChecklistSection.HANDLING, ChecklistSection.OFFERS)


def ticket_visibility(user: User | None) -> Q:
    """Say which tickets a user sees: all for supervisors and admins; an agent, those of their teams and their own."""
    if user is None or user.is_supervisor_or_admin:
        return Q()
    team_ids = list(user.teams.values_list("pk", flat=True))
    return Q(team_id__in=team_ids) | Q(assignee_id=user.pk) | Q(team__isnull=True)


def ticket_can_see(user: User | None, ticket: Ticket) -> bool:
    if user is None or user.is_supervisor_or_admin:
        return True
    if not user_can(user, Capability.TICKET_READ):
        return False
    if ticket.team_id is None or ticket.assignee_id == user.pk:
        return True
    return user.teams.filter(pk=ticket.team_id).exists()


def _tickets() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("customer", "order", "team", "assignee", "product")


def ticket_list(
    *,
    actor: User | None,
    q: str = "",
    status: str | list[str] | None = None,
    type: str | None = None,  # noqa: A002 - the filter's public name
    priority: str | None = None,
    team_id: int | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    product_id: int | None = None,
    customer_id: int | None = None,
    order_id: int | None = None,
    open_only: bool = False,
    created_after: datetime.datetime | None = None,
    created_before: datetime.datetime | None = None,
) -> QuerySet[Ticket]:
    """Tickets the actor may see, newest first, narrowed by the list's filters."""
    permission_require(actor, Capability.TICKET_READ)
    tickets = _tickets().filter(ticket_visibility(actor))
    q = (q or "").strip()
    if q:
        tickets = tickets.filter(_search(q))
    if isinstance(status, list | tuple):
        if status:
            tickets = tickets.filter(status__in=status)
    elif status:
        tickets = tickets.filter(status=status)
    if open_only:
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    if type:
        tickets = tickets.filter(type=type)
    if priority:
        tickets = tickets.filter(priority=priority)
    if team_id is not None:
        tickets = tickets.filter(team_id=team_id)
    if unassigned:
        tickets = tickets.filter(assignee__isnull=True)
    elif assignee_id is not None:
        tickets = tickets.filter(assignee_id=assignee_id)
    if product_id is not None:
        tickets = tickets.filter(product_id=product_id)
    if customer_id is not None:
        tickets = tickets.filter(customer_id=customer_id)
    if order_id is not None:
        tickets = tickets.filter(order_id=order_id)
    if created_after is not None:
        tickets = tickets.filter(created_at__gte=created_after)
    if created_before is not None:
        tickets = tickets.filter(created_at__lt=created_before)
    return tickets.order_by("-created_at", "-id")


TICKET_NUMBER = re.compile(r"T\d{12}")


def _search(q: str) -> Q:
    """Match a ticket number or an order number exactly (indexed), otherwise words of the subject."""
    if TICKET_NUMBER.fullmatch(q.upper()):
        return Q(number=q.upper())
    from kefu.orders.models import Order

    order_ids = list(Order.objects.filter(number=q).values_list("pk", flat=True)[:1])
    if order_ids:
        return Q(order_id__in=order_ids)
    return Q(subject__icontains=q)


def ticket_get(*, actor: User | None, ticket_id: int | None = None, number: str | None = None) -> Ticket:
    """One ticket the actor may see; 404 otherwise (another team's ticket does not exist for an agent)."""
    permission_require(actor, Capability.TICKET_READ)
    tickets = _tickets().filter(ticket_visibility(actor))
    ticket = tickets.filter(pk=ticket_id).first() if ticket_id is not None else tickets.filter(number=number).first()
    if ticket is None:
        raise Http404(_("Ticket %(id)s does not exist.") % {"id": ticket_id if ticket_id is not None else number})
    return ticket


def ticket_events(ticket: Ticket) -> list[TicketEvent]:
    return list(ticket.events.select_related("actor").order_by("created_at", "id"))


def ticket_comments(ticket: Ticket) -> list[TicketComment]:
    return list(ticket.comments.select_related("author", "cited_rule").order_by("created_at", "id"))


def ticket_playbook(ticket: Ticket) -> Playbook | None:
    """Return the playbook (DOMAIN.md 9) that fits the ticket's type, or its cause for a complaint."""
    problem = CAUSE_PLAYBOOK.get(ticket.cause) if ticket.type == TicketType.COMPLAINT else TYPE_PLAYBOOK.get(ticket.type)
    if problem is None and ticket.cause:
        problem = CAUSE_PLAYBOOK.get(ticket.cause)
    if problem is None:
        return None
    return Playbook.objects.filter(problem=problem).first()


@dataclasses.dataclass(frozen=True)
class ChecklistItem:
    key: str
    section: str
    label: str
    done: bool
    done_by: str = ""
    done_at: datetime.datetime | None = None


def playbook_items(playbook: Playbook) -> list[tuple[str, str, str]]:
    """List a playbook's checkable items as (key, section, text); the key is section:position."""
    items = []
    for section in CHECKLIST_SECTIONS:
        for index, text in enumerate(getattr(playbook, section) or []):
            items.append((f"{section}:{index}", section, str(text)))
    return items


def ticket_checklist(ticket: Ticket, playbook: Playbook | None = None) -> list[ChecklistItem]:
    """Return the playbook as a checklist with the ticks of this ticket; ticks of items since removed are kept."""
    playbook = playbook if playbook is not None else ticket_playbook(ticket)
    ticks = {tick.item_key: tick for tick in ChecklistTick.objects.filter(ticket=ticket).select_related("done_by")}
    items = []
    for key, section, text in playbook_items(playbook) if playbook else []:
        tick = ticks.pop(key, None)
        items.append(
            ChecklistItem(key, section, text, tick is not None, str(tick.done_by or "") if tick else "", tick.done_at if tick else None)
        )
    for tick in ticks.values():  # the playbook changed after the tick: keep the record
        items.append(ChecklistItem(tick.item_key, tick.section, tick.label, True, str(tick.done_by or ""), tick.done_at))
    return items


def customer_tickets(*, actor: User | None, customer_id: int, limit: int = 10) -> list[Ticket]:
    """Return the customer's latest tickets the actor may see (the workbench's customer sidebar)."""
    return list(ticket_list(actor=actor, customer_id=customer_id)[:limit])


def saved_views_for(user: User) -> list[SavedView]:
    return list(SavedView.objects.filter(user=user).order_by("name"))


def sla_state(ticket: Ticket) -> Any:
    """Return the SLA state from the SLA module when it offers one; None until then."""
    try:
        from kefu.tickets import sla
    except ImportError:
        return None
    state_for = getattr(sla, "sla_state_for", None)
    return state_for(ticket) if state_for else None


# --- returns, refunds and compensation (read with the order's permission) ----------------------


def money_visibility(user: User | None) -> Q:
    """Say which returns, refunds and compensations a user sees: those of tickets they see, and the order's own.

    A row opened on a ticket follows that ticket's team, as on the ticket page: another team's
    agent gets 404 for it. A row opened on the order alone (no ticket) is order data, which
    every role that reads orders reads.
    """
    if user is None or user.is_supervisor_or_admin:
        return Q()
    return Q(ticket_id__isnull=True) | Q(ticket_id__in=Ticket.objects.filter(ticket_visibility(user)).values("pk"))


def returns_list(*, actor: User | None, order_id: int | None = None, ticket_id: int | None = None, status: str | None = None) -> QuerySet:
    from kefu.orders.models import ReturnRequest

    permission_require(actor, Capability.ORDER_READ)
    rmas = ReturnRequest.objects.filter(money_visibility(actor)).select_related("order", "decline_rule").prefetch_related("items__order_item")
    if order_id is not None:
        rmas = rmas.filter(order_id=order_id)
    if ticket_id is not None:
        rmas = rmas.filter(ticket_id=ticket_id)
    if status:
        rmas = rmas.filter(status=status)
    return rmas.order_by("-created_at", "-id")


def archived_ticket_numbers(ticket_ids) -> dict[int, str]:
    """Return the numbers of the closed (archived) tickets among ``ticket_ids``, by id."""
    if not ticket_ids:
        return {}
    return dict(Ticket.objects.filter(pk__in=ticket_ids, status=TicketStatus.CLOSED).values_list("pk", "number"))


def return_get(*, actor: User | None, rma_id: int):
    rma = returns_list(actor=actor).filter(pk=rma_id).first()
    if rma is None:
        raise Http404(_("Return request %(id)s does not exist.") % {"id": rma_id})
    return rma


def refunds_list(*, actor: User | None, order_id: int | None = None, ticket_id: int | None = None, status: str | None = None) -> QuerySet:
    from kefu.orders.models import Refund

    permission_require(actor, Capability.ORDER_READ)
    refunds = Refund.objects.filter(money_visibility(actor)).select_related("order", "requested_by", "approved_by")
    if order_id is not None:
        refunds = refunds.filter(order_id=order_id)
    if ticket_id is not None:
        refunds = refunds.filter(ticket_id=ticket_id)
    if status:
        refunds = refunds.filter(status=status)
    return refunds.order_by("-created_at", "-id")


def refund_get(*, actor: User | None, refund_id: int):
    refund = refunds_list(actor=actor).filter(pk=refund_id).first()
    if refund is None:
        raise Http404(_("Refund %(id)s does not exist.") % {"id": refund_id})
    return refund


def compensations_list(*, actor: User | None, order_id: int | None = None, ticket_id: int | None = None, status: str | None = None) -> QuerySet:
    from kefu.orders.models import Compensation

    permission_require(actor, Capability.ORDER_READ)
    compensations = Compensation.objects.filter(money_visibility(actor)).select_related("order", "policy", "approved_by", "proposed_by")
    if order_id is not None:
        compensations = compensations.filter(order_id=order_id)
    if ticket_id is not None:
        compensations = compensations.filter(ticket_id=ticket_id)
    if status:
        compensations = compensations.filter(status=status)
    return compensations.order_by("-created_at", "-id")


def compensation_get(*, actor: User | None, compensation_id: int):
    compensation = compensations_list(actor=actor).filter(pk=compensation_id).first()
    if compensation is None:
        raise Http404(_("Compensation %(id)s does not exist.") % {"id": compensation_id})
    return compensation


def compensation_policies(*, actor: User | None) -> QuerySet:
    from kefu.orders.models import CompensationPolicy

    permission_require(actor, Capability.ORDER_READ)
    return CompensationPolicy.objects.select_related("category").order_by("trigger", "-min_days_late", "name", "id")


def refundable_amount(order) -> Any:
    from kefu.orders.services import refund_available

    return refund_available(order)
