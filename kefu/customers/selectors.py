"""Permission-aware reads of customers: filtered lists and a profile with its totals."""

import datetime
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require
from kefu.orders.enums import OrderStatus

from .models import Customer, CustomerIdentity, CustomerNote

# Orders that count towards what a customer spent: everything not cancelled or refunded.
_NOT_SPENT_STATUSES = (OrderStatus.CLOSED, OrderStatus.REFUNDED)


def customer_list(
    *,
    actor: User | None,
    q: str = "",
    province: str = "",
    city: str = "",
    gender: str | None = None,
    tag: str = "",
    value_level: str | None = None,
    created_after: datetime.datetime | None = None,
    created_before: datetime.datetime | None = None,
) -> QuerySet[Customer]:
    """Return customers matching the filters, newest first; `q` searches name, phone, e-mail and identities."""
    permission_require(actor, Capability.CUSTOMER_READ)
    customers = Customer.objects.prefetch_related("tags")
    q = (q or "").strip()
    if q:
        identity_match = CustomerIdentity.objects.filter(customer=OuterRef("pk"), external_id__icontains=q)
        customers = customers.filter(
            Q(name__icontains=q) | Q(phone__contains=q) | Q(email__icontains=q) | Q(Exists(identity_match))
        )
    if province:
        customers = customers.filter(province=province.strip())
    if city:
        customers = customers.filter(city=city.strip())
    if gender is not None:
        customers = customers.filter(gender=gender)
    if tag:
        customers = customers.filter(Exists(Customer.tags.through.objects.filter(customer=OuterRef("pk"), tag__name=tag.strip())))
    if value_level is not None:
        customers = customers.filter(value_level=value_level)
    if created_after is not None:
        customers = customers.filter(created_at__gte=created_after)
    if created_before is not None:
        customers = customers.filter(created_at__lt=created_before)
    return customers.order_by("-created_at", "-id")


def customer_get(*, actor: User | None, customer_id: int) -> Customer:
    """Return one customer with identities and tags loaded; 404 when it does not exist."""
    permission_require(actor, Capability.CUSTOMER_READ)
    customer = (
        Customer.objects.prefetch_related("tags", Prefetch("identities", queryset=CustomerIdentity.objects.order_by("id")))
        .filter(pk=customer_id)
        .first()
    )
    if customer is None:
        raise Http404(_("Customer %(id)s does not exist.") % {"id": customer_id})
    return customer


def customer_get_with_totals(*, actor: User | None, customer_id: int) -> Customer:
    """Return a customer with notes_count, order_count and total_spend set, for the profile page and the API."""
    from kefu.orders.models import Order

    customer = customer_get(actor=actor, customer_id=customer_id)
    totals = Order.objects.filter(customer=customer).aggregate(
        order_count=Count("id"), total_spend=Sum("paid_amount", filter=~Q(status__in=_NOT_SPENT_STATUSES))
    )
    customer.order_count = totals["order_count"]
    customer.total_spend = (totals["total_spend"] or Decimal("0")).quantize(Decimal("0.01"))
    customer.notes_count = CustomerNote.objects.filter(customer=customer).count()
    return customer


def customer_note_list(*, actor: User | None, customer: Customer) -> QuerySet[CustomerNote]:
    """Return a customer's notes, newest first."""
    permission_require(actor, Capability.CUSTOMER_READ)
    return CustomerNote.objects.filter(customer=customer).select_related("author").order_by("-created_at", "-id")
