"""Tickets, returns, refunds and compensation under /api/v1, with the same permission rules as the pages.

Agents see and change the tickets of their teams (others answer 404); giving a ticket to
someone else, approving money above the agents' limit and editing compensation rules need a
supervisor or an administrator (403). Returns, refunds and compensations opened on a ticket
follow that ticket's team; those opened on the order alone are order data every role reads.
A conversation, ticket or return named in a body is looked up as the caller sees it: another
team's answers 422 like an unknown id, and nothing is written.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from kefu.accounts.api_auth import request_actor
from kefu.accounts.models import Team, User
from kefu.api_pagination import KefuPagination
from kefu.conversations.models import Conversation
from kefu.conversations.selectors import conversations_visible_to
from kefu.customers.models import Customer
from kefu.knowledge.models import AfterSalesRule
from kefu.orders import services as order_services
from kefu.orders.models import CompensationPolicy, Order, OrderItem

from . import selectors, services
from .schemas import (
    AssignIn,
    ChecklistItemOut,
    ChecklistTickIn,
    CommentIn,
    CommentOut,
    CompensationFilters,
    CompensationOut,
    CompensationPolicyIn,
    CompensationPolicyOut,
    DeclineIn,
    RefundFilters,
    RefundIn,
    RefundOut,
    ReturnCompleteIn,
    ReturnCreateIn,
    ReturnDeclineIn,
    ReturnFilters,
    ReturnInspectIn,
    ReturnOut,
    ReturnShipBackIn,
    TicketCreateIn,
    TicketEventOut,
    TicketFilters,
    TicketOut,
    TicketPatchIn,
    TransitionIn,
)

router = Router()
tickets = Router(tags=["tickets"])
returns = Router(tags=["returns"])
refunds = Router(tags=["refunds"])
compensations = Router(tags=["compensation"])


def _does_not_exist(field: str, pk: int) -> ValidationError:
    return ValidationError({field: [ValidationError(_("%(id)s does not exist.") % {"id": pk}, code="does_not_exist")]})


def _existing(model: type[Model], pk: int | None, field: str, **filters: Any) -> Any:
    """Load a row named in the request body, or answer 422 for that field."""
    if pk is None:
        return None
    row = model._default_manager.filter(pk=pk, **filters).first()
    if row is None:
        raise _does_not_exist(field, pk)
    return row


def _ticket(request: HttpRequest, ticket_id: int):
    return selectors.ticket_get(actor=request_actor(request), ticket_id=ticket_id)


def _ticket_out(request: HttpRequest, ticket_id: int):
    ticket = selectors.ticket_list(actor=request_actor(request)).prefetch_related("items").filter(pk=ticket_id).first()
    return ticket if ticket is not None else _ticket(request, ticket_id)


# --- tickets ----------------------------------------------------------------------------------


@tickets.get("", response=list[TicketOut], summary="List tickets")
@paginate(KefuPagination)
def ticket_list(request: HttpRequest, filters: Query[TicketFilters]):
    """Newest first. Agents see the tickets of their teams, their own and unrouted ones; supervisors see all."""
    return selectors.ticket_list(actor=request_actor(request), **filters.dict()).prefetch_related("items")


def _conversation_in_body(actor: User, conversation_id: int | None) -> Conversation | None:
    """Load a conversation named in a body as the workbench shows it: another team's answers like an unknown id (422)."""
    if conversation_id is None:
        return None
    conversation = conversations_visible_to(actor).select_related("customer", "order").filter(pk=conversation_id).first()
    if conversation is None:
        raise _does_not_exist("conversation_id", conversation_id)
    return conversation


@tickets.post("", response={201: TicketOut}, summary="Open a ticket")
def ticket_create(request: HttpRequest, payload: TicketCreateIn):
    """From a conversation (customer, order and the last messages filled in) or for a customer and order.

    The conversation must be one the caller sees in the workbench; the order must be the
    customer's and the items the order's. Otherwise 422 and nothing is created.
    """
    actor = request_actor(request)
    data = payload.dict()
    conversation = _conversation_in_body(actor, data["conversation_id"])
    customer = _existing(Customer, data["customer_id"], "customer_id")
    if conversation is not None and customer is not None and customer.pk != conversation.customer_id:
        raise ValidationError(
            {"conversation_id": [ValidationError(_("The conversation is with another customer."), code="conversation_not_customers")]}
        )
    order = _existing(Order, data["order_id"], "order_id")
    items = list(OrderItem.objects.filter(pk__in=data["item_ids"]))
    if len(items) != len(set(data["item_ids"])):
        raise ValidationError({"item_ids": [ValidationError(_("Some items do not exist."), code="does_not_exist")]})
    team = _existing(Team, data["team_id"], "team_id")
    assignee = _existing(User, data["assignee_id"], "assignee_id", is_active=True)
    common = {
        "actor": actor,
        "type": data["type"],
        "subject": data["subject"],
        "description": data["description"],
        "priority": data["priority"],
        "cause": data["cause"] or "",
        "items": items,
        "team": team,
        "assignee": assignee,
    }
    if conversation is not None:
        ticket = services.ticket_create_from_conversation(conversation=conversation, order=order, **common)
    else:
        if customer is None:
            raise ValidationError({"customer_id": [ValidationError(_("This field is required."), code="required")]})
        ticket = services.ticket_create(customer=customer, order=order, channel="api", **common)
    return Status(201, _ticket_out(request, ticket.pk))


@tickets.get("/{ticket_id}", response=TicketOut, summary="Get a ticket")
def ticket_get(request: HttpRequest, ticket_id: int):
    return _ticket_out(request, ticket_id)


@tickets.patch("/{ticket_id}", response=TicketOut, summary="Change a ticket's subject, type, cause or priority")
def ticket_update(request: HttpRequest, ticket_id: int, payload: TicketPatchIn):
    ticket = _ticket(request, ticket_id)
    fields = payload.dict(exclude_unset=True)
    if "cause" in fields and fields["cause"] is None:
        fields["cause"] = ""
    services.ticket_update(ticket=ticket, actor=request_actor(request), fields=fields)
    return _ticket_out(request, ticket_id)


@tickets.post("/{ticket_id}/transitions", response=TicketOut, summary="Move a ticket to another status")
def ticket_transition(request: HttpRequest, ticket_id: int, payload: TransitionIn):
    """Only the moves of the workflow are allowed (see `allowed_transitions`); any other answers 422 and changes nothing."""
    ticket = _ticket(request, ticket_id)
    services.ticket_transition(ticket=ticket, to_status=payload.to_status, actor=request_actor(request), note=payload.note)
    return _ticket_out(request, ticket_id)


@tickets.post("/{ticket_id}/assign", response=TicketOut, summary="Assign a ticket")
def ticket_assign(request: HttpRequest, ticket_id: int, payload: AssignIn):
    """Agents may take a ticket themselves; supervisors and administrators assign anyone."""
    ticket = _ticket(request, ticket_id)
    assignee = _existing(User, payload.assignee_id, "assignee_id")
    team = _existing(Team, payload.team_id, "team_id")
    services.ticket_assign(ticket=ticket, actor=request_actor(request), assignee=assignee, team=team)
    return _ticket_out(request, ticket_id)


@tickets.get("/{ticket_id}/events", response=list[TicketEventOut], summary="A ticket's timeline")
def ticket_events(request: HttpRequest, ticket_id: int):
    return selectors.ticket_events(_ticket(request, ticket_id))


@tickets.get("/{ticket_id}/comments", response=list[CommentOut], summary="A ticket's replies and notes")
def ticket_comments(request: HttpRequest, ticket_id: int):
    return selectors.ticket_comments(_ticket(request, ticket_id))


@tickets.post("/{ticket_id}/comments", response={201: CommentOut}, summary="Reply to the customer or add a note")
def ticket_comment_add(request: HttpRequest, ticket_id: int, payload: CommentIn):
    """Send a reply to the customer's conversation, or keep an internal note among the agents."""
    comment = services.ticket_comment_add(
        ticket=_ticket(request, ticket_id), actor=request_actor(request), body=payload.body, is_internal=payload.is_internal
    )
    return Status(201, comment)


@tickets.post("/{ticket_id}/decline", response={201: CommentOut}, summary="Decline a request citing an after-sales rule")
def ticket_decline(request: HttpRequest, ticket_id: int, payload: DeclineIn):
    rule = _existing(AfterSalesRule, payload.rule_id, "rule_id")
    comment = services.ticket_decline_with_rule(ticket=_ticket(request, ticket_id), actor=request_actor(request), rule=rule, body=payload.body)
    return Status(201, comment)


@tickets.get("/{ticket_id}/checklist", response=list[ChecklistItemOut], summary="The playbook checklist")
def ticket_checklist(request: HttpRequest, ticket_id: int):
    return selectors.ticket_checklist(_ticket(request, ticket_id))


@tickets.post("/{ticket_id}/checklist", response=list[ChecklistItemOut], summary="Tick or untick a checklist item")
def ticket_checklist_tick(request: HttpRequest, ticket_id: int, payload: ChecklistTickIn):
    ticket = _ticket(request, ticket_id)
    services.ticket_checklist_tick(ticket=ticket, actor=request_actor(request), item_key=payload.item_key, done=payload.done)
    return selectors.ticket_checklist(ticket)


@tickets.post("/{ticket_id}/compensation", response={201: CompensationOut}, summary="Propose the compensation the policies give")
def ticket_compensation_propose(request: HttpRequest, ticket_id: int):
    """Compute it from the order's promised and actual dates and the matching policy; the evidence comes with it."""
    compensation = order_services.compensation_propose(ticket=_ticket(request, ticket_id), actor=request_actor(request))
    return Status(201, compensation)


# --- returns (RMA) ------------------------------------------------------------------------------


def _ticket_in_body(request: HttpRequest, ticket_id: int | None):
    """Load a ticket named in a body, as the caller may see it (another team's ticket: 422)."""
    if ticket_id is None:
        return None
    ticket = selectors.ticket_list(actor=request_actor(request)).filter(pk=ticket_id).first()
    if ticket is None:
        raise _does_not_exist("ticket_id", ticket_id)
    return ticket


def _return(request: HttpRequest, rma_id: int):
    return selectors.return_get(actor=request_actor(request), rma_id=rma_id)


@returns.get("", response=list[ReturnOut], summary="List return and exchange requests")
@paginate(KefuPagination)
def return_list(request: HttpRequest, filters: Query[ReturnFilters]):
    return selectors.returns_list(actor=request_actor(request), **filters.dict())


@returns.post("", response={201: ReturnOut}, summary="Request a return, exchange or refund")
def return_create(request: HttpRequest, payload: ReturnCreateIn):
    actor = request_actor(request)
    order = _existing(Order, payload.order_id, "order_id")
    ticket = _ticket_in_body(request, payload.ticket_id)
    rma = order_services.rma_request(
        actor=actor, order=order, kind=payload.kind, items=[item.dict() for item in payload.items], reason=payload.reason,
        ticket=ticket, via="api",
    )  # fmt: skip
    return Status(201, _return(request, rma.pk))


@returns.get("/{rma_id}", response=ReturnOut, summary="Get a return request")
def return_get(request: HttpRequest, rma_id: int):
    return _return(request, rma_id)


@returns.post("/{rma_id}/approve", response=ReturnOut, summary="Approve a return request")
def return_approve(request: HttpRequest, rma_id: int):
    order_services.rma_approve(rma=_return(request, rma_id), actor=request_actor(request), via="api")
    return _return(request, rma_id)


@returns.post("/{rma_id}/decline", response=ReturnOut, summary="Decline a return request citing a rule")
def return_decline(request: HttpRequest, rma_id: int, payload: ReturnDeclineIn):
    rule = _existing(AfterSalesRule, payload.rule_id, "rule_id")
    order_services.rma_decline(rma=_return(request, rma_id), actor=request_actor(request), rule=rule, note=payload.note, via="api")
    return _return(request, rma_id)


@returns.post("/{rma_id}/ship-back", response=ReturnOut, summary="Record the buyer's return parcel")
def return_ship_back(request: HttpRequest, rma_id: int, payload: ReturnShipBackIn):
    order_services.rma_mark_shipped_back(
        rma=_return(request, rma_id), actor=request_actor(request), carrier=payload.carrier, tracking_number=payload.tracking_number, via="api"
    )
    return _return(request, rma_id)


@returns.post("/{rma_id}/receive", response=ReturnOut, summary="Record the parcel's arrival at the warehouse")
def return_receive(request: HttpRequest, rma_id: int):
    order_services.rma_receive(rma=_return(request, rma_id), actor=request_actor(request), via="api")
    return _return(request, rma_id)


@returns.post("/{rma_id}/inspect", response=ReturnOut, summary="Record the inspection")
def return_inspect(request: HttpRequest, rma_id: int, payload: ReturnInspectIn):
    order_services.rma_inspect(rma=_return(request, rma_id), actor=request_actor(request), passed=payload.passed, note=payload.note, via="api")
    return _return(request, rma_id)


@returns.post("/{rma_id}/complete", response=ReturnOut, summary="Finish: full or partial refund, resend or exchange")
def return_complete(request: HttpRequest, rma_id: int, payload: ReturnCompleteIn):
    order_services.rma_complete(
        rma=_return(request, rma_id), actor=request_actor(request), resolution=payload.resolution, refund_amount=payload.refund_amount, via="api"
    )
    return _return(request, rma_id)


@tickets.post("/{ticket_id}/returns/{rma_id}/move", response=ReturnOut, summary="Carry an archived ticket's return over to this ticket")
def ticket_return_move(request: HttpRequest, ticket_id: int, rma_id: int):
    """Continue a return whose own ticket is closed (archived) on this open ticket of the same order, where it can be decided and completed.

    A finished return, one whose ticket is still open, or one of another order answers 422 and stays where it is.
    """
    ticket = _ticket(request, ticket_id)
    rma = order_services.rma_ticket_move(rma=_return(request, rma_id), ticket=ticket, actor=request_actor(request), via="api")
    return _return(request, rma.pk)


# --- refunds ------------------------------------------------------------------------------------


@refunds.get("", response=list[RefundOut], summary="List refunds")
@paginate(KefuPagination)
def refund_list(request: HttpRequest, filters: Query[RefundFilters]):
    return selectors.refunds_list(actor=request_actor(request), **filters.dict())


@refunds.post("", response={201: RefundOut}, summary="Refund money on an order")
def refund_create(request: HttpRequest, payload: RefundIn):
    """Never more than what was paid minus earlier refunds. Above the agents' limit the refund waits for a supervisor."""
    order = _existing(Order, payload.order_id, "order_id")
    ticket = _ticket_in_body(request, payload.ticket_id)
    rma = selectors.returns_list(actor=request_actor(request), order_id=order.pk).filter(pk=payload.rma_id).first() if payload.rma_id else None
    if payload.rma_id and rma is None:
        raise _does_not_exist("rma_id", payload.rma_id)
    refund = order_services.refund_issue(
        order=order, amount=payload.amount, actor=request_actor(request), reason=payload.reason, rma=rma, ticket=ticket, via="api"
    )
    return Status(201, refund)


@refunds.get("/{refund_id}", response=RefundOut, summary="Get a refund")
def refund_get(request: HttpRequest, refund_id: int):
    return selectors.refund_get(actor=request_actor(request), refund_id=refund_id)


@refunds.post("/{refund_id}/approve", response=RefundOut, summary="Approve a pending refund")
def refund_approve(request: HttpRequest, refund_id: int):
    refund = selectors.refund_get(actor=request_actor(request), refund_id=refund_id)
    return order_services.refund_approve(refund=refund, actor=request_actor(request), via="api")


@refunds.post("/{refund_id}/decline", response=RefundOut, summary="Decline a pending refund")
def refund_decline(request: HttpRequest, refund_id: int):
    refund = selectors.refund_get(actor=request_actor(request), refund_id=refund_id)
    return order_services.refund_decline(refund=refund, actor=request_actor(request), via="api")


# --- compensation -------------------------------------------------------------------------------


@compensations.get("/compensations", response=list[CompensationOut], summary="List compensations")
@paginate(KefuPagination)
def compensation_list(request: HttpRequest, filters: Query[CompensationFilters]):
    return selectors.compensations_list(actor=request_actor(request), **filters.dict())


@compensations.get("/compensations/{compensation_id}", response=CompensationOut, summary="Get a compensation")
def compensation_get(request: HttpRequest, compensation_id: int):
    return selectors.compensation_get(actor=request_actor(request), compensation_id=compensation_id)


@compensations.post("/compensations/{compensation_id}/approve", response=CompensationOut, summary="Grant a proposed compensation")
def compensation_approve(request: HttpRequest, compensation_id: int):
    """Above the policy's amount only a supervisor or administrator may grant it; money is refunded at once."""
    compensation = selectors.compensation_get(actor=request_actor(request), compensation_id=compensation_id)
    return order_services.compensation_approve(compensation=compensation, actor=request_actor(request), via="api")


@compensations.post("/compensations/{compensation_id}/decline", response=CompensationOut, summary="Decline a proposed compensation")
def compensation_decline(request: HttpRequest, compensation_id: int):
    compensation = selectors.compensation_get(actor=request_actor(request), compensation_id=compensation_id)
    return order_services.compensation_decline(compensation=compensation, actor=request_actor(request), via="api")


@compensations.get("/compensation-policies", response=list[CompensationPolicyOut], summary="List compensation rules")
def compensation_policy_list(request: HttpRequest):
    return selectors.compensation_policies(actor=request_actor(request))


@compensations.post("/compensation-policies", response={201: CompensationPolicyOut}, summary="Create a compensation rule")
def compensation_policy_create(request: HttpRequest, payload: CompensationPolicyIn):
    policy = order_services.compensation_policy_save(actor=request_actor(request), fields=payload.dict(), via="api")
    return Status(201, policy)


@compensations.put("/compensation-policies/{policy_id}", response=CompensationPolicyOut, summary="Replace a compensation rule")
def compensation_policy_update(request: HttpRequest, policy_id: int, payload: CompensationPolicyIn):
    policy = get_object_or_404(CompensationPolicy, pk=policy_id)
    return order_services.compensation_policy_save(actor=request_actor(request), fields=payload.dict(), policy=policy, via="api")


router.add_router("/tickets", tickets)
router.add_router("/returns", returns)
router.add_router("/refunds", refunds)
router.add_router("", compensations)
