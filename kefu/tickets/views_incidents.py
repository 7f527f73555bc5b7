"""The supervisors' incident pages: the list, one incident with its tickets and orders, and its actions."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .incidents import (
    customers_reach,
    incident_acknowledge,
    incident_customers,
    incident_key_label,
    incident_link,
    incident_message_customers,
    incident_resolve,
)
from .models import Incident, IncidentContact, IncidentStatus
from .sla import ticket_url


def supervisor_required(view):
    """Let supervisors and administrators in; agents get a 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_supervisor_or_admin:
            raise PermissionDenied(_("Only supervisors and administrators may handle incidents."))
        return view(request, *args, **kwargs)

    return wrapper


def _numbers(text: str) -> list[str]:
    """Split pasted numbers on spaces, new lines and (full-width) commas."""
    return text.replace(",", " ").replace("，", " ").split()


def _error_text(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


@supervisor_required
def incident_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    incidents = Incident.objects.select_related("owner").annotate(ticket_count=Count("tickets", distinct=True))
    if status == "active":
        incidents = incidents.exclude(status=IncidentStatus.RESOLVED)
    elif status in IncidentStatus.values:
        incidents = incidents.filter(status=status)
    rows = list(incidents.order_by("-created_at", "-id")[:200])
    for incident in rows:
        incident.key_label = incident_key_label(incident.dimension, incident.key)
    context = {"incidents": rows, "status": status, "statuses": IncidentStatus.choices}
    return render(request, "tickets/incidents/list.html", context)


def _default_message(incident: Incident) -> str:
    return _(
        "Dear customer, we are sorry: we have found a problem that affects your order (%(what)s). "
        "We are already fixing it and will contact you with a concrete solution shortly; you do not need to do anything. "
        "If you have any question, reply to this message."
    ) % {"what": incident_key_label(incident.dimension, incident.key)}


@supervisor_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.select_related("owner"), pk=pk)
    tickets = list(incident.tickets.select_related("customer", "order", "assignee").order_by("-created_at")[:500])
    for ticket in tickets:
        ticket.detail_url = ticket_url(ticket)
    customers = incident_customers(incident)
    events = list(incident.events.select_related("actor").order_by("created_at", "id"))
    context = {
        "incident": incident,
        "key_label": incident_key_label(incident.dimension, incident.key),
        "tickets": tickets,
        "orders": list(incident.orders.select_related("customer").order_by("-placed_at")[:500]),
        "customer_count": len(customers),
        "reach": customers_reach(customers),
        "events": events,
        "contacts": list(IncidentContact.objects.filter(incident=incident).select_related("customer").order_by("-id")[:500]),
        "last_message": next((event for event in reversed(events) if event.action == "customers_messaged"), None),
        "default_message": "" if any(event.action == "customers_messaged" for event in events) else _default_message(incident),
        "is_resolved": incident.status == IncidentStatus.RESOLVED,
    }
    return render(request, "tickets/incidents/detail.html", context)


@supervisor_required
@require_POST
def incident_acknowledge_view(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=pk)
    try:
        incident_acknowledge(incident=incident, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("tickets_incidents:detail", pk=pk)


@supervisor_required
@require_POST
def incident_message_view(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=pk)
    try:
        event = incident_message_customers(incident=incident, body=request.POST.get("body", ""), actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("Message sent: %(chat)s by chat, %(email)s by e-mail, %(none)s customers could not be reached.")
            % {"chat": event.params["conversation"], "email": event.params["email"], "none": event.params["none"]},
        )
    return redirect("tickets_incidents:detail", pk=pk)


@supervisor_required
@require_POST
def incident_link_view(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=pk)
    try:
        incident_link(
            incident=incident,
            actor=request.user,
            ticket_numbers=_numbers(request.POST.get("tickets", "")),
            order_numbers=_numbers(request.POST.get("orders", "")),
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("tickets_incidents:detail", pk=pk)


@supervisor_required
@require_POST
def incident_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=pk)
    try:
        incident_resolve(incident=incident, actor=request.user, note=request.POST.get("note", ""))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("tickets_incidents:detail", pk=pk)
