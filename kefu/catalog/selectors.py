"""Permission-aware reads of the product catalogue."""

from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import Http404
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require

from .models import Product


def product_list(
    *,
    actor: User | None,
    q: str = "",
    category_id: int | None = None,
    stock_state: str | None = None,
    is_active: bool | None = None,
) -> QuerySet[Product]:
    """Products by name; `q` searches name, SKU and aliases (model numbers)."""
    permission_require(actor, Capability.PRODUCT_READ)
    products = Product.objects.select_related("category")
    q = (q or "").strip()
    if q:
        products = products.annotate(aliases_text=Cast("aliases", TextField())).filter(
            Q(name__icontains=q) | Q(sku__icontains=q) | Q(aliases_text__icontains=q)
        )
    if category_id is not None:
        products = products.filter(Q(category_id=category_id) | Q(category__parent_id=category_id))
    if stock_state is not None:
        products = products.filter(stock_state=stock_state)
    if is_active is not None:
        products = products.filter(is_active=is_active)
    return products.order_by("name", "id")


def product_get(*, actor: User | None, product_id: int | None = None, sku: str | None = None) -> Product:
    """One product by id or by SKU; 404 when it does not exist."""
    permission_require(actor, Capability.PRODUCT_READ)
    products = Product.objects.select_related("category")
    product = products.filter(pk=product_id).first() if product_id is not None else products.filter(sku=sku).first()
    if product is None:
        if product_id is not None:
            raise Http404(_("Product %(id)s does not exist.") % {"id": product_id})
        raise Http404(_("No product has the SKU %(sku)s.") % {"sku": sku})
    return product
