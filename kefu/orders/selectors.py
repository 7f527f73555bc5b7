"""Permission-aware reads of orders."""

import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require

from .models import Order, OrderItem


def _orders() -> QuerySet[Order]:
    return Order.objects.select_related("customer").prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.order_by("id"))
    )


def order_list(
    *,
    actor: User | None,
    q: str = "",
    status: str | None = None,
    platform: str | None = None,
    customer_id: int | None = None,
    placed_after: datetime.datetime | None = None,
    placed_before: datetime.datetime | None = None,
) -> QuerySet[Order]:
    """Orders newest first, with customer and items loaded; `q` matches order or tracking number."""
    permission_require(actor, Capability.ORDER_READ)
    orders = _orders()
    q = (q or "").strip()
    if q:
        orders = orders.filter(Q(number__icontains=q) | Q(tracking_number__icontains=q))
    if status is not None:
        orders = orders.filter(status=status)
    if platform is not None:
        orders = orders.filter(platform=platform)
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    if placed_after is not None:
        orders = orders.filter(placed_at__gte=placed_after)
    if placed_before is not None:
        orders = orders.filter(placed_at__lt=placed_before)
    return orders.order_by("-placed_at", "-id")


def order_get(*, actor: User | None, order_id: int | None = None, number: str | None = None) -> Order:
    """One order by id or by its platform number; 404 when it does not exist."""
    permission_require(actor, Capability.ORDER_READ)
    order = _orders().filter(pk=order_id).first() if order_id is not None else _orders().filter(number=number).first()
    if order is None:
        if order_id is not None:
            raise Http404(_("Order %(id)s does not exist.") % {"id": order_id})
        raise Http404(_("No order has the number %(number)s.") % {"number": number})
    return order


def order_days_late(order: Order, *, at: datetime.datetime | None = None) -> int | None:
    """Say how many calendar days (shop time) the arrival is past its promise; None without a promise.

    A parcel still on the way counts until ``at`` (now), as the compensation proposal does.
    """
    if order.promised_delivery_by is None:
        return None
    arrival = order.delivered_at or at or timezone.now()
    return max((timezone.localtime(arrival).date() - timezone.localtime(order.promised_delivery_by).date()).days, 0)
