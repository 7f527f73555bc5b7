"""Products under /api/v1/products: every staff role reads, administrators write."""

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from kefu.accounts.api_auth import request_actor, request_ip
from kefu.api_pagination import KefuPagination

from . import selectors, services
from .schemas import ProductCreateIn, ProductFilters, ProductOut, ProductPatchIn

router = Router(tags=["products"])


@router.get("", response=list[ProductOut], summary="List products")
@paginate(KefuPagination)
def product_list(request: HttpRequest, filters: Query[ProductFilters]):
    return selectors.product_list(actor=request_actor(request), **filters.dict())


@router.get("/by-sku/{sku}", response=ProductOut, summary="Get a product by SKU")
def product_get_by_sku(request: HttpRequest, sku: str):
    return selectors.product_get(actor=request_actor(request), sku=sku)


@router.get("/{product_id}", response=ProductOut, summary="Get a product")
def product_get(request: HttpRequest, product_id: int):
    return selectors.product_get(actor=request_actor(request), product_id=product_id)


@router.post("", response={201: ProductOut}, summary="Create a product")
def product_create(request: HttpRequest, payload: ProductCreateIn):
    """Administrators only."""
    actor = request_actor(request)
    product = services.product_create(actor=actor, fields=payload.dict(), via="api", ip_address=request_ip(request))
    return Status(201, selectors.product_get(actor=actor, product_id=product.pk))


@router.patch("/{product_id}", response=ProductOut, summary="Edit a product")
def product_update(request: HttpRequest, product_id: int, payload: ProductPatchIn):
    """Administrators only; changes only the fields sent."""
    actor = request_actor(request)
    product = selectors.product_get(actor=actor, product_id=product_id)
    services.product_update(
        actor=actor, product=product, fields=payload.dict(exclude_unset=True), via="api", ip_address=request_ip(request)
    )
    return selectors.product_get(actor=actor, product_id=product_id)
