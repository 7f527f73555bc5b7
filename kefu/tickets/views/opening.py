"""Opening a ticket: the workbench's form (also one click from a conversation) and the customer's own form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kefu.accounts.permissions import Capability, permission_require
from kefu.conversations.selectors import conversation_get_for
from kefu.customers.models import Customer
from kefu.orders.models import Order
from kefu.web.forms import form_add_service_errors

from .. import forms, services
from ..enums import TicketChannel

PUBLIC_FORM_LIMIT = 5  # attempts per address
PUBLIC_FORM_WINDOW = 600  # seconds


@login_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    """Open a ticket from the workbench: for a customer or an order number, or one click from a conversation."""
    user = request.user
    permission_require(user, Capability.TICKET_WRITE)
    conversation = None
    conversation_id = request.POST.get("conversation") or request.GET.get("conversation")
    if conversation_id and str(conversation_id).isdigit():
        # The workbench's rule: another team's conversation does not exist for an agent (404).
        conversation = conversation_get_for(user, int(conversation_id))
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
            form_add_service_errors(form, error)
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
                form_add_service_errors(form, error)
    return render(request, "tickets/public_new.html", {"form": form, "limited": False})
