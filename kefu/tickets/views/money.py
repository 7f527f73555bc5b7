"""Returns, refunds and compensation from the ticket page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.knowledge.models import AfterSalesRule
from kefu.orders import services as order_services
from kefu.orders.enums import ReturnStatus
from kefu.orders.models import Order
from kefu.orders.services.returns import PARCEL_STEPS

from .. import forms, selectors, services
from ..enums import TicketStatus
from .flash import _errors_text


def _money_action(request: HttpRequest, ticket_id: int, action, success: str, *, parcel_step: bool = False) -> HttpResponse:
    """Run a money or return action from the ticket page; a parcel step is also allowed on an archived ticket."""
    ticket = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    if ticket.status == TicketStatus.CLOSED and not parcel_step:
        messages.error(request, _("A closed ticket is archived and cannot be changed."))
        return redirect(reverse("tickets:detail", args=[ticket.pk]) + "#money")
    if not services.ticket_actions_for(request.user, ticket)["parcel" if parcel_step else "returns"]:
        raise PermissionDenied(_("Your role may not handle returns, refunds or compensation."))
    try:
        action(ticket)
        messages.success(request, success)
    except ValidationError as error:
        messages.error(request, _errors_text(error))
    return redirect(reverse("tickets:detail", args=[ticket.pk]) + "#money")


def _ticket_order(ticket) -> Order:
    if ticket.order_id is None:
        raise ValidationError(_("Link the ticket to its order first."), code="no_order")
    return ticket.order


@login_required
@require_POST
def return_request(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def act(ticket):
        order = _ticket_order(ticket)
        form = forms.ReturnRequestForm(request.POST, order=order)
        if not form.is_valid():
            raise ValidationError(" ".join(str(e) for errors in form.errors.values() for e in errors))
        order_services.rma_request(
            actor=request.user, order=order, kind=form.cleaned_data["kind"], items=form.items(), reason=form.cleaned_data["reason"],
            ticket=ticket, via="web",
        )  # fmt: skip

    return _money_action(request, ticket_id, act, _("Return request recorded."))


# the return's steps on the ticket page and the status each leads to; the parcel's steps
# (order_services.PARCEL_STEPS) are recorded even once the ticket is archived
RMA_STEPS = {
    "approve": ReturnStatus.APPROVED,
    "decline": ReturnStatus.DECLINED,
    "ship_back": ReturnStatus.IN_TRANSIT,
    "receive": ReturnStatus.RECEIVED,
    "inspect": ReturnStatus.INSPECTED,
    "complete": ReturnStatus.COMPLETED,
}


@login_required
@require_POST
def return_step(request: HttpRequest, ticket_id: int, rma_id: int, step: str) -> HttpResponse:
    if step not in RMA_STEPS:
        raise Http404

    def act(ticket):
        rma = selectors.return_get(actor=request.user, rma_id=rma_id)
        if rma.ticket_id != ticket.pk and rma.order_id != ticket.order_id:
            raise Http404
        if rma.ticket_id != ticket.pk and ticket.status != TicketStatus.CLOSED and order_services.rma_archived_ticket_number(rma):
            # The return's own ticket is archived: this open ticket of the same order carries it on.
            rma = order_services.rma_ticket_move(rma=rma, ticket=ticket, actor=request.user, via="web")
        if step == "approve":
            order_services.rma_approve(rma=rma, actor=request.user, via="web")
        elif step == "decline":
            form = forms.DeclineForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choose the rule the refusal is based on."))
            rule = get_object_or_404(AfterSalesRule, pk=form.cleaned_data["rule"])
            order_services.rma_decline(rma=rma, actor=request.user, rule=rule, note=form.cleaned_data["body"], via="web")
        elif step == "ship_back":
            form = forms.ShipBackForm(request.POST)
            data = form.cleaned_data if form.is_valid() else {"carrier": "", "tracking_number": ""}
            order_services.rma_mark_shipped_back(rma=rma, actor=request.user, carrier=data["carrier"], tracking_number=data["tracking_number"], via="web")
        elif step == "receive":
            order_services.rma_receive(rma=rma, actor=request.user, via="web")
        elif step == "inspect":
            form = forms.InspectForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Say whether the inspection passed."))
            order_services.rma_inspect(rma=rma, actor=request.user, passed=form.cleaned_data["passed"], note=form.cleaned_data["note"], via="web")
        else:
            form = forms.CompleteForm(request.POST)
            if not form.is_valid():
                raise ValidationError(" ".join(str(e) for errors in form.errors.values() for e in errors))
            order_services.rma_complete(
                rma=rma, actor=request.user, resolution=form.cleaned_data["resolution"], refund_amount=form.cleaned_data["refund_amount"], via="web"
            )

    def act_together(ticket):
        with transaction.atomic():  # carrying the return over and its step succeed or fail together
            act(ticket)

    return _money_action(request, ticket_id, act_together, _("Return updated."), parcel_step=RMA_STEPS[step] in PARCEL_STEPS)


@login_required
@require_POST
def refund_create(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def act(ticket):
        form = forms.RefundForm(request.POST)
        if not form.is_valid():
            raise ValidationError(" ".join(str(e) for errors in form.errors.values() for e in errors))
        refund = order_services.refund_issue(
            order=_ticket_order(ticket), amount=form.cleaned_data["amount"], actor=request.user, reason=form.cleaned_data["reason"],
            ticket=ticket, via="web",
        )  # fmt: skip
        if refund.status == "pending":
            messages.info(request, _("The refund is above your limit and waits for a supervisor's approval."))

    return _money_action(request, ticket_id, act, _("Refund recorded."))


@login_required
@require_POST
def refund_decide(request: HttpRequest, ticket_id: int, refund_id: int, decision: str) -> HttpResponse:
    def act(ticket):
        refund = selectors.refund_get(actor=request.user, refund_id=refund_id)
        if refund.order_id != ticket.order_id:
            raise Http404
        if decision == "approve":
            order_services.refund_approve(refund=refund, actor=request.user, via="web")
        else:
            order_services.refund_decline(refund=refund, actor=request.user, via="web")

    if decision not in ("approve", "decline"):
        raise Http404
    return _money_action(request, ticket_id, act, _("Refund decided."))


@login_required
@require_POST
def compensation_propose(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _money_action(
        request, ticket_id, lambda ticket: order_services.compensation_propose(ticket=ticket, actor=request.user), _("Compensation proposed.")
    )


@login_required
@require_POST
def compensation_decide(request: HttpRequest, ticket_id: int, compensation_id: int, decision: str) -> HttpResponse:
    def act(ticket):
        compensation = selectors.compensation_get(actor=request.user, compensation_id=compensation_id)
        if compensation.ticket_id != ticket.pk:
            raise Http404
        if decision == "approve":
            order_services.compensation_approve(compensation=compensation, actor=request.user, via="web")
        else:
            order_services.compensation_decline(compensation=compensation, actor=request.user, via="web")

    if decision not in ("approve", "decline"):
        raise Http404
    return _money_action(request, ticket_id, act, _("Compensation decided."))
