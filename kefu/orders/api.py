"""Orders under /api/v1/orders: every staff role reads, supervisors and administrators write."""

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from kefu.accounts.api_auth import request_actor, request_ip
from kefu.api_pagination import KefuPagination

from . import selectors, services
from .schemas import OrderCreateIn, OrderFilters, OrderOut, OrderPatchIn

router = Router(tags=["orders"])


@router.get("", response=list[OrderOut], summary="List orders")
@paginate(KefuPagination)
def order_list(request: HttpRequest, filters: Query[OrderFilters]):
    """Orders newest first, with items. Receiver phone and address are masked for agents without the right."""
    return selectors.order_list(actor=request_actor(request), **filters.dict())


@router.get("/by-number/{number}", response=OrderOut, summary="Get an order by its number")
def order_get_by_number(request: HttpRequest, number: str):
    return selectors.order_get(actor=request_actor(request), number=number)


@router.get("/{order_id}", response=OrderOut, summary="Get an order")
def order_get(request: HttpRequest, order_id: int):
    return selectors.order_get(actor=request_actor(request), order_id=order_id)


@router.post("", response={201: OrderOut}, summary="Create an order")
def order_create(request: HttpRequest, payload: OrderCreateIn):
    """Supervisors and administrators. Amounts must add up: discount ≤ total, paid ≤ total − discount + shipping fee."""
    actor = request_actor(request)
    data = payload.dict()
    items = data.pop("items")
    order = services.order_create(actor=actor, fields=data, items=items, via="api", ip_address=request_ip(request))
    return Status(201, selectors.order_get(actor=actor, order_id=order.pk))


@router.patch("/{order_id}", response=OrderOut, summary="Update an order's status or shipment")
def order_update(request: HttpRequest, order_id: int, payload: OrderPatchIn):
    """Supervisors and administrators; changes only the fields sent."""
    actor = request_actor(request)
    order = selectors.order_get(actor=actor, order_id=order_id)
    services.order_update(
        actor=actor, order=order, fields=payload.dict(exclude_unset=True), via="api", ip_address=request_ip(request)
    )
    return selectors.order_get(actor=actor, order_id=order_id)
