"""Ticket pages: the list with filters and saved views, the ticket with its panels, the customer's own form.

Views parse a form, call one service and render or redirect; the services check permissions.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.models import Team, User
from kefu.accounts.permissions import Capability, permission_require, user_can
from kefu.catalog.models import Product
from kefu.conversations.models import Conversation
from kefu.customers.models import Customer
from kefu.knowledge.models import AfterSalesRule, Playbook
from kefu.orders import services as order_services
from kefu.orders.enums import CompensationStatus, RefundStatus, ReturnStatus
from kefu.orders.models import Order

from . import forms, selectors, services
from .enums import ComplaintCause, TicketChannel, TicketPriority, TicketStatus, TicketType
from .models import SavedView, Ticket
from .transitions import is_reopening, transitions_from

PAGE_SIZE = 50
COUNT_CAP = 10_000  # the list counts at most this many matches ("10,000+"): a count of 200,000 rows is never needed


class CappedPaginator(Paginator):
    """Count at most COUNT_CAP + 1 rows, so a broad filter over a large table stays fast."""

    @cached_property
    def count(self) -> int:
        # Neither the joins for display nor the order matter to a count: leave them out.
        return self.object_list.select_related(None).order_by()[: COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP
PUBLIC_FORM_LIMIT = 5  # attempts per address
PUBLIC_FORM_WINDOW = 600  # seconds


def _errors_text(error: ValidationError) -> str:
    """Flatten a service's ValidationError into one line for a flash message."""
    texts = []
    for messages_ in (error.message_dict.values() if hasattr(error, "error_dict") else [error.messages]):
        texts.extend(str(text) for text in messages_)
    return " ".join(texts)


def _sla_module():
    from . import sla

    return sla


# --- the list -----------------------------------------------------------------------------------


LIST_FIELDS = (
    "number", "type", "cause", "priority", "status", "subject", "created_at", "customer_id", "order_id", "team_id", "assignee_id",
    "customer__name", "order__number", "team__name", "assignee__username", "assignee__display_name", "assignee__first_name",
    "assignee__last_name",
)  # fmt: skip


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    permission_require(user, Capability.TICKET_READ)
    sla = _sla_module()
    teams = list(Team.objects.order_by("name").values_list("pk", "name")) if user.is_supervisor_or_admin else list(
        user.teams.order_by("name").values_list("pk", "name")
    )
    products = list(Product.objects.order_by("name").values_list("pk", "name")[:300])
    form = forms.TicketFilterForm(request.GET or None, sla_choices=_sla_choices())
    form.fields["team"].choices = forms.BLANK + teams
    form.fields["product"].choices = forms.BLANK + products
    filters: dict = {}
    sla_state = ""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters["q"] = data["q"]
        if data["status"] == "open":
            filters["open_only"] = True
        elif data["status"]:
            filters["status"] = data["status"]
        filters["type"] = data["type"] or None
        filters["priority"] = data["priority"] or None
        filters["team_id"] = data["team"]
        filters["product_id"] = data["product"]
        filters["customer_id"] = data["customer"]
        assignee = (data["assignee"] or "").strip()
        if assignee == "me":
            filters["assignee_id"] = user.pk
        elif assignee == "none":
            filters["unassigned"] = True
        elif assignee.isdigit():
            filters["assignee_id"] = int(assignee)
        sla_state = data["sla"]
    tickets = selectors.ticket_list(actor=user, **filters)
    if sla_state:
        tickets = sla.tickets_filter_sla_state(tickets, sla_state)
    # Only the columns shown: the count and the page stay on the ticket table's indexes.
    tickets = tickets.select_related(None).select_related("customer", "order", "team", "assignee").only(*LIST_FIELDS)
    paginator = CappedPaginator(tickets, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    sla_labels = dict(_sla_choices())
    states = dict(sla.tickets_with_sla(Ticket.objects.filter(pk__in=[t.pk for t in page.object_list])).values_list("pk", "sla_state"))
    # Labels resolved once per request, not once per cell: the list renders 50 rows in a few milliseconds.
    labels = {
        name: {value: str(label) for value, label in choices}
        for name, choices in (("type", TicketType.choices), ("cause", ComplaintCause.choices), ("priority", TicketPriority.choices), ("status", TicketStatus.choices))
    }
    base_url = reverse("tickets:list")
    for ticket in page.object_list:
        ticket.url = f"{base_url}{ticket.pk}/"
        ticket.type_label = labels["type"].get(ticket.type, ticket.type)
        ticket.cause_label = labels["cause"].get(ticket.cause, "")
        ticket.priority_label = labels["priority"].get(ticket.priority, ticket.priority)
        ticket.status_label = labels["status"].get(ticket.status, ticket.status)
        ticket.sla_state = states.get(ticket.pk) or ""
        ticket.sla_label = sla_labels.get(ticket.sla_state, "")
    query = request.GET.copy()
    query.pop("page", None)
    selected = {name: request.GET.get(name, "") for name in ("status", "type", "priority", "sla", "team", "product", "assignee")}
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "saved_views": selectors.saved_views_for(user),
        "agents": list(User.objects.filter(is_active=True).order_by("username").values_list("pk", "username", "display_name"))
        if user.is_supervisor_or_admin
        else [],
        "selected": selected,
        "unassigned_label": _("Unassigned"),
        "choices": {
            "status": [("open", _("Open (needs work)")), *labels["status"].items()],
            "type": list(labels["type"].items()),
            "priority": list(labels["priority"].items()),
            "sla": [(value, str(label)) for value, label in _sla_choices()],
            "team": [(str(pk), name) for pk, name in teams],
            "product": [(str(pk), name) for pk, name in products],
        },
    }
    return render(request, "tickets/list.html", context)


def _sla_choices():
    from .models import SlaState

    return [*SlaState.choices, ("none", _("No SLA"))]


@login_required
@require_POST
def saved_view_save(request: HttpRequest) -> HttpResponse:
    form = forms.SavedViewForm(request.POST)
    if form.is_valid():
        try:
            services.saved_view_save(user=request.user, name=form.cleaned_data["name"], query=form.cleaned_data["query"])
            messages.success(request, _("View saved."))
        except ValidationError as error:
            messages.error(request, _errors_text(error))
        return redirect(reverse("tickets:list") + "?" + form.cleaned_data["query"].lstrip("?"))
    messages.error(request, _("Give the view a name."))
    return redirect("tickets:list")


@login_required
@require_POST
def saved_view_delete(request: HttpRequest, view_id: int) -> HttpResponse:
    services.saved_view_delete(user=request.user, view_id=view_id)
    return redirect("tickets:list")


# --- one ticket ---------------------------------------------------------------------------------


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
    compensations = list(selectors.compensations_list(actor=user, ticket_id=ticket.pk))
    can_compensate = ticket.type in order_services.TICKET_TYPE_TRIGGER and order is not None
    order_rmas = [rma for rma in all_rmas if rma.ticket_id != ticket.pk]
    context = {
        "ticket": ticket,
        "order": order,
        "order_items": list(order.items.select_related("product").all()) if order else [],
        "ticket_item_ids": set(ticket.items.values_list("pk", flat=True)),
        "timeline": _timeline(ticket),
        "playbook": playbook,
        "checklist": selectors.ticket_checklist(ticket, playbook),
        "transitions": [
            {"value": status, "label": _("Reopen") if is_reopening(ticket.status, status) else TicketStatus(status).label}
            for status in transitions_from(ticket.status)
        ],
        "actions": actions,
        "rules": list(AfterSalesRule.objects.filter(enabled=True).order_by("code")),
        "rmas": rmas,
        "order_rmas": order_rmas,
        "refunds": list(selectors.refunds_list(actor=user, order_id=order.pk)) if order else [],
        "refundable": selectors.refundable_amount(order) if order else None,
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


def _form_or_error(request: HttpRequest, form) -> bool:
    if form.is_valid():
        return True
    messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    return False


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


# --- returns, refunds and compensation from the ticket page ---------------------------------


def _money_action(request: HttpRequest, ticket_id: int, action, success: str) -> HttpResponse:
    ticket = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    if not services.ticket_actions_for(request.user, ticket)["returns"]:
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


RMA_STEPS = {"approve", "decline", "ship_back", "receive", "inspect", "complete"}


@login_required
@require_POST
def return_step(request: HttpRequest, ticket_id: int, rma_id: int, step: str) -> HttpResponse:
    if step not in RMA_STEPS:
        raise Http404

    def act(ticket):
        rma = selectors.return_get(actor=request.user, rma_id=rma_id)
        if rma.ticket_id != ticket.pk and rma.order_id != ticket.order_id:
            raise Http404
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

    return _money_action(request, ticket_id, act, _("Return updated."))


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


# --- opening a ticket ---------------------------------------------------------------------------


@login_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    """Open a ticket from the workbench: for a customer or an order number, or one click from a conversation."""
    user = request.user
    permission_require(user, Capability.TICKET_WRITE)
    conversation = None
    conversation_id = request.POST.get("conversation") or request.GET.get("conversation")
    if conversation_id and str(conversation_id).isdigit():
        conversation = Conversation.objects.select_related("customer", "order").filter(pk=int(conversation_id)).first()
    initial = {"conversation": conversation.pk if conversation else None, "customer": request.GET.get("customer")}
    if conversation is not None and conversation.order_id:
        initial["order_number"] = conversation.order.number
    if request.GET.get("order"):
        initial["order_number"] = request.GET["order"]
    form = forms.TicketCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = None
            if data["order_number"]:
                order = Order.objects.select_related("customer").filter(number=data["order_number"].strip()).first()
                if order is None:
                    raise ValidationError({"order_number": [_("No order has the number %(number)s.") % {"number": data["order_number"]}]})
            common = {
                "actor": user, "type": data["type"], "subject": data["subject"], "description": data["description"],
                "priority": data["priority"], "cause": data["cause"], "assignee": user if data["take"] else None,
            }  # fmt: skip
            if conversation is not None:
                ticket = services.ticket_create_from_conversation(conversation=conversation, order=order, **common)
            else:
                customer = order.customer if order is not None else Customer.objects.filter(pk=data["customer"] or 0).first()
                if customer is None:
                    raise ValidationError({"customer": [_("Give the customer's number or an order number.")]})
                ticket = services.ticket_create(customer=customer, order=order, channel=TicketChannel.WORKBENCH, **common)
            messages.success(request, _("Ticket %(number)s opened.") % {"number": ticket.number})
            return redirect("tickets:detail", ticket_id=ticket.pk)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
    context = {"form": form, "conversation": conversation, "quote": services.conversation_quote(conversation) if conversation else ""}
    return render(request, "tickets/new.html", context)


def _client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def ticket_public_new(request: HttpRequest) -> HttpResponse:
    """Serve the customer's own after-sales form (no login): the order number and its phone number prove the order."""
    form = forms.PublicTicketForm(request.POST or None)
    if request.method == "POST":
        key = f"tickets:public-form:{_client_address(request)}"
        attempts = cache.get_or_set(key, 0, PUBLIC_FORM_WINDOW)
        if attempts >= PUBLIC_FORM_LIMIT:
            return render(request, "tickets/public_new.html", {"form": form, "limited": True}, status=429)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, PUBLIC_FORM_WINDOW)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.ticket_create_by_customer(
                    order_number=data["order_number"], phone=data["phone"], type=data["type"], description=data["description"]
                )
                return render(request, "tickets/public_done.html", {"ticket": ticket})
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
    return render(request, "tickets/public_new.html", {"form": form, "limited": False})


# --- playbooks (supervisors) --------------------------------------------------------------------


@login_required
def playbook_list(request: HttpRequest) -> HttpResponse:
    permission_require(request.user, Capability.TICKET_READ)
    context = {"playbooks": list(Playbook.objects.order_by("problem")), "can_edit": user_can(request.user, Capability.PLAYBOOK_WRITE)}
    return render(request, "tickets/playbooks.html", context)


@login_required
def playbook_edit(request: HttpRequest, playbook_id: int) -> HttpResponse:
    permission_require(request.user, Capability.PLAYBOOK_WRITE)
    playbook = get_object_or_404(Playbook, pk=playbook_id)
    initial = {"title": playbook.title, **{name: "\n".join(getattr(playbook, name) or []) for name in ("causes", "handling", "offers", "prevention")}}
    form = forms.PlaybookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.playbook_update(actor=request.user, playbook=playbook, **form.cleaned_data)
            messages.success(request, _("Playbook saved."))
            return redirect("tickets:playbooks")
        except ValidationError as error:
            form.add_error(None, _errors_text(error))
    return render(request, "tickets/playbook_edit.html", {"form": form, "playbook": playbook})


# --- the workbench's customer sidebar -----------------------------------------------------------


@login_required
def customer_tickets(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Render the customer's tickets for the workbench sidebar (the same partial it includes)."""
    customer = get_object_or_404(Customer, pk=customer_id)
    context = {
        "customer": customer,
        "customer_tickets": selectors.customer_tickets(actor=request.user, customer_id=customer.pk),
        "new_ticket_url": reverse("tickets:new") + "?" + urlencode({"customer": customer.pk}),
    }
    return render(request, "tickets/_customer_tickets.html", context)


def saved_view_url(view: SavedView) -> str:
    return reverse("tickets:list") + ("?" + view.query if view.query else "")


# --- compensation rules (supervisors) -------------------------------------------------------------


@login_required
def compensation_policies(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    """List the compensation rules; supervisors add and change them on the same page."""
    from kefu.orders.models import CompensationPolicy

    user = request.user
    permission_require(user, Capability.TICKET_READ)
    can_edit = user_can(user, Capability.COMPENSATION_POLICY_WRITE)
    policy = get_object_or_404(CompensationPolicy, pk=policy_id) if policy_id else None
    form = None
    if can_edit:
        form = forms.CompensationPolicyForm(request.POST or None, instance=policy)
        if request.method == "POST" and form.is_valid():
            try:
                order_services.compensation_policy_save(actor=user, fields=form.service_fields(), policy=policy, via="web")
                messages.success(request, _("Compensation rule saved."))
                return redirect("tickets:compensation_policies")
            except ValidationError as error:
                form.add_error(None, _errors_text(error))
    elif request.method == "POST":
        raise PermissionDenied(_("Only supervisors and administrators may edit compensation rules."))
    context = {"policies": list(selectors.compensation_policies(actor=user)), "form": form, "editing": policy, "can_edit": can_edit}
    return render(request, "tickets/compensation_policies.html", context)
