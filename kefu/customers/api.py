"""Customers under /api/v1/customers: list, profile, create, edit, notes."""

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from kefu.accounts.api_auth import request_actor, request_ip
from kefu.api_pagination import KefuPagination

from . import selectors, services
from .schemas import (
    CustomerCreateIn,
    CustomerDetailOut,
    CustomerFilters,
    CustomerOut,
    CustomerPatchIn,
    NoteIn,
    NoteOut,
)

router = Router(tags=["customers"])



def _detail(request: HttpRequest, customer_id: int):
    return selectors.customer_get_with_totals(actor=request_actor(request), customer_id=customer_id)


@router.get("", response=list[CustomerOut], summary="List customers")
@paginate(KefuPagination)
def customer_list(request: HttpRequest, filters: Query[CustomerFilters]):
    """List customers newest first; every staff role may read. Phone and address are masked for agents without the right."""
    return selectors.customer_list(actor=request_actor(request), **filters.dict())


@router.get("/{customer_id}", response=CustomerDetailOut, summary="Get a customer")
def customer_get(request: HttpRequest, customer_id: int):
    """Return a profile with identities, tags, note and order counts and total spend; unmasked reads are audited."""
    actor = request_actor(request)
    customer = _detail(request, customer_id)
    services.customer_contact_view_record(actor=actor, customer=customer, via="api", ip_address=request_ip(request))
    return customer


@router.post("", response={201: CustomerDetailOut}, summary="Create a customer")
def customer_create(request: HttpRequest, payload: CustomerCreateIn):
    """Create a customer with platform identities and tags (by name, created when new). Any staff role."""
    data = payload.dict()
    identities = data.pop("identities")
    tags = data.pop("tags")
    customer = services.customer_create(
        actor=request_actor(request), fields=data, identities=identities, tags=tags, via="api", ip_address=request_ip(request)
    )
    return Status(201, _detail(request, customer.pk))


@router.patch("/{customer_id}", response=CustomerDetailOut, summary="Edit a customer")
def customer_update(request: HttpRequest, customer_id: int, payload: CustomerPatchIn):
    """Change only the fields sent; `tags` replaces the tag set. Any staff role."""
    actor = request_actor(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    data = payload.dict(exclude_unset=True)
    tags = data.pop("tags", None)
    services.customer_update(actor=actor, customer=customer, fields=data, tags=tags, via="api", ip_address=request_ip(request))
    return _detail(request, customer_id)


@router.get("/{customer_id}/notes", response=list[NoteOut], summary="List a customer's notes")
@paginate(KefuPagination)
def customer_note_list(request: HttpRequest, customer_id: int):
    actor = request_actor(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    return selectors.customer_note_list(actor=actor, customer=customer)


@router.post("/{customer_id}/notes", response={201: NoteOut}, summary="Add a note to a customer")
def customer_note_create(request: HttpRequest, customer_id: int, payload: NoteIn):
    actor = request_actor(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    note = services.customer_note_create(actor=actor, customer=customer, body=payload.body, via="api", ip_address=request_ip(request))
    return Status(201, note)
