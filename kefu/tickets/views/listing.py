"""The ticket list with filters and saved views, and the customer's tickets in the workbench sidebar."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.models import Team, User
from kefu.accounts.permissions import Capability, permission_require
from kefu.catalog.models import Product
from kefu.customers.models import Customer

from .. import forms, selectors, services
from ..enums import ComplaintCause, TicketPriority, TicketStatus, TicketType
from ..models import SavedView, Ticket
from .flash import _errors_text

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


def _sla_module():
    from .. import sla

    return sla


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
    from ..models import SlaState

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
