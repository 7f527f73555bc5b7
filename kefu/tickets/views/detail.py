"""One ticket: the page with its timeline, checklist and panels, and the actions on it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from kefu.accounts.models import Team, User
from kefu.accounts.permissions import Capability, user_can
from kefu.knowledge.models import AfterSalesRule
from kefu.orders import selectors as order_selectors
from kefu.orders import services as order_services
from kefu.orders.enums import CompensationStatus, RefundStatus, ReturnStatus

from .. import forms, selectors, services
from ..enums import TicketChannel, TicketStatus
from ..transitions import is_reopening, transitions_from
from .flash import _errors_text, _form_or_error

# The buttons say what they do, not the status they lead to ("已关闭" on a button reads as a state).
TRANSITION_ACTIONS = {
    TicketStatus.ASSIGNED: pgettext_lazy("ticket action", "Mark as assigned"),
    TicketStatus.IN_PROGRESS: pgettext_lazy("ticket action", "Start handling"),
    TicketStatus.WAITING_CUSTOMER: pgettext_lazy("ticket action", "Wait for the customer"),
    TicketStatus.WAITING_CARRIER: pgettext_lazy("ticket action", "Wait for carrier or warehouse"),
    TicketStatus.RESOLVED: pgettext_lazy("ticket action", "Mark as resolved"),
    TicketStatus.FOLLOW_UP: pgettext_lazy("ticket action", "Move to follow-up"),
    TicketStatus.CLOSED: pgettext_lazy("ticket action", "Close and archive"),
}


@login_required
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = request.user
    ticket = selectors.ticket_get(actor=user, ticket_id=ticket_id)
    playbook = selectors.ticket_playbook(ticket)
    order = ticket.order
    actions = services.ticket_actions_for(user, ticket)
    # One query for the order's returns: this ticket's, and the others shown as a reminder.
    all_rmas = list(selectors.returns_list(actor=user, order_id=order.pk) if order else selectors.returns_list(actor=user, ticket_id=ticket.pk))
    rmas = [rma for rma in all_rmas if rma.ticket_id == ticket.pk]
    if ticket.status != TicketStatus.CLOSED:
        # Unfinished returns whose own ticket is archived are carried on here (a parcel can come back late).
        archived = selectors.archived_ticket_numbers({rma.ticket_id for rma in all_rmas if rma.ticket_id and rma.ticket_id != ticket.pk})
        for rma in all_rmas:
            if rma.ticket_id in archived and rma.status not in (ReturnStatus.DECLINED, ReturnStatus.COMPLETED):
                rma.carried_from = archived[rma.ticket_id]
                rmas.append(rma)
    compensations = list(selectors.compensations_list(actor=user, ticket_id=ticket.pk))
    can_compensate = ticket.type in order_services.TICKET_TYPE_TRIGGER and order is not None
    order_rmas = [rma for rma in all_rmas if rma not in rmas]
    context = {
        "ticket": ticket,
        "order": order,
        "order_items": list(order.items.select_related("product").all()) if order else [],
        "ticket_item_ids": set(ticket.items.values_list("pk", flat=True)),
        "timeline": _timeline(ticket),
        "playbook": playbook,
        "checklist": selectors.ticket_checklist(ticket, playbook),
        "transitions": [
            {"value": status, "label": _("Reopen") if is_reopening(ticket.status, status) else TRANSITION_ACTIONS.get(status, TicketStatus(status).label)}
            for status in transitions_from(ticket.status)
        ],
        "actions": actions,
        "rules": list(AfterSalesRule.objects.filter(enabled=True).order_by("code")),
        "rmas": rmas,
        "order_rmas": order_rmas,
        "refunds": list(selectors.refunds_list(actor=user, order_id=order.pk)) if order else [],
        "refundable": selectors.refundable_amount(order) if order else None,
        "days_late": order_selectors.order_days_late(order) if order else None,
        "compensations": compensations,
        "can_propose": can_compensate and not any(c.status != CompensationStatus.DECLINED for c in compensations),
        "sla": selectors.sla_state(ticket),
        "assignable": _assignable(user, ticket),
        "comment_form": forms.CommentForm(),
        "return_form": forms.ReturnRequestForm(order=order) if order else None,
        "ship_back_form": forms.ShipBackForm(),
        "inspect_form": forms.InspectForm(),
        "complete_form": forms.CompleteForm(),
        "refund_form": forms.RefundForm(),
        "can_compensate": can_compensate,
    }
    return render(request, "tickets/detail.html", context)


def _event_detail(event) -> str:
    """Say in one line what an event's parameters mean (statuses and kinds by their labels)."""
    params = event.params or {}
    parts = []
    if params.get("assignee"):
        parts.append(_("to %(name)s") % {"name": params["assignee"]})
    if params.get("rule"):
        parts.append(_("rule %(code)s") % {"code": params["rule"]})
    if params.get("label"):
        parts.append(params["label"])
    if params.get("amount"):
        parts.append(f"¥{params['amount']}")
    if params.get("rma_id"):
        parts.append(_("return #%(id)s") % {"id": params["rma_id"]})
    labels = {**dict(ReturnStatus.choices), **dict(RefundStatus.choices), **dict(CompensationStatus.choices)}
    if params.get("status") and event.action in ("return_changed", "refund", "compensation"):
        parts.append(str(labels.get(params["status"], params["status"])))
    if params.get("changes"):
        parts.append(", ".join(sorted(params["changes"])))
    if params.get("note"):
        parts.append("“" + params["note"] + "”")
    if params.get("channel"):
        parts.append(str(TicketChannel(params["channel"]).label) if params["channel"] in TicketChannel.values else params["channel"])
    return " · ".join(str(part) for part in parts)


def _timeline(ticket) -> list[dict]:
    """Merge the events with the replies and notes they announce, oldest first."""
    comments = {comment.pk: comment for comment in selectors.ticket_comments(ticket)}
    rows = []
    for event in selectors.ticket_events(ticket):
        comment = comments.get(event.params.get("comment_id")) if event.action in ("commented", "note_added") else None
        rows.append({"event": event, "comment": comment, "detail": _event_detail(event)})
    return rows


def _assignable(user: User, ticket) -> list[User]:
    if not user_can(user, Capability.TICKET_ASSIGN):
        return [user]
    agents = User.objects.filter(is_active=True)
    if ticket.team_id:
        agents = agents.filter(teams=ticket.team_id) | User.objects.filter(is_active=True, pk=user.pk)
    return list(agents.distinct().order_by("username"))


def _ticket_action(request: HttpRequest, ticket_id: int, action, success: str) -> HttpResponse:
    """Run one service on a ticket the user can see and return to its page with the outcome."""
    ticket = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    try:
        action(ticket)
        if success:
            messages.success(request, success)
    except ValidationError as error:
        messages.error(request, _errors_text(error))
    return redirect("tickets:detail", ticket_id=ticket.pk)


@login_required
@require_POST
def ticket_transition(request: HttpRequest, ticket_id: int) -> HttpResponse:
    form = forms.TransitionForm(request.POST)
    if not _form_or_error(request, form):
        return redirect("tickets:detail", ticket_id=ticket_id)
    return _ticket_action(
        request, ticket_id,
        lambda ticket: services.ticket_transition(ticket=ticket, to_status=form.cleaned_data["to_status"], actor=request.user, note=form.cleaned_data["note"]),
        _("Status changed."),
    )  # fmt: skip


@login_required
@require_POST
def ticket_assign(request: HttpRequest, ticket_id: int) -> HttpResponse:
    form = forms.AssignForm(request.POST)
    if not _form_or_error(request, form):
        return redirect("tickets:detail", ticket_id=ticket_id)
    assignee = get_object_or_404(User, pk=form.cleaned_data["assignee"], is_active=True)
    team = get_object_or_404(Team, pk=form.cleaned_data["team"]) if form.cleaned_data["team"] else None
    return _ticket_action(
        request, ticket_id, lambda ticket: services.ticket_assign(ticket=ticket, actor=request.user, assignee=assignee, team=team), _("Assigned.")
    )


@login_required
@require_POST
def ticket_comment(request: HttpRequest, ticket_id: int) -> HttpResponse:
    form = forms.CommentForm(request.POST)
    if not _form_or_error(request, form):
        return redirect("tickets:detail", ticket_id=ticket_id)
    internal = form.cleaned_data["is_internal"]
    return _ticket_action(
        request, ticket_id,
        lambda ticket: services.ticket_comment_add(ticket=ticket, actor=request.user, body=form.cleaned_data["body"], is_internal=internal),
        _("Note added.") if internal else _("Reply sent."),
    )  # fmt: skip


@login_required
@require_POST
def ticket_decline(request: HttpRequest, ticket_id: int) -> HttpResponse:
    form = forms.DeclineForm(request.POST)
    if not _form_or_error(request, form):
        return redirect("tickets:detail", ticket_id=ticket_id)
    rule = get_object_or_404(AfterSalesRule, pk=form.cleaned_data["rule"])
    return _ticket_action(
        request, ticket_id,
        lambda ticket: services.ticket_decline_with_rule(ticket=ticket, actor=request.user, rule=rule, body=form.cleaned_data["body"]),
        _("The refusal was sent with the rule cited."),
    )  # fmt: skip


@login_required
@require_POST
def ticket_checklist(request: HttpRequest, ticket_id: int) -> HttpResponse:
    form = forms.ChecklistForm(request.POST)
    if not _form_or_error(request, form):
        return redirect("tickets:detail", ticket_id=ticket_id)
    return _ticket_action(
        request, ticket_id,
        lambda ticket: services.ticket_checklist_tick(ticket=ticket, actor=request.user, item_key=form.cleaned_data["item_key"], done=form.cleaned_data["done"]),
        "",
    )  # fmt: skip
