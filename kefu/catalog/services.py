"""Writes on the product catalogue; administrators only, audited."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require
from kefu.accounts.services import audit_record, audit_value, field_changes
from kefu.knowledge.assist_index import knowledge_changed

from .models import Category, Product

PRODUCT_EDITABLE_FIELDS = (
    "sku",
    "name",
    "aliases",
    "category_id",
    "price",
    "stock_state",
    "stock_quantity",
    "summary",
    "description",
    "features",
    "advantages",
    "applications",
    "specifications",
    "is_active",
)
_NULLABLE = {"category_id", "stock_quantity"}


def _clean_fields(fields: Mapping[str, Any], product: Product | None = None) -> dict[str, Any]:
    errors: dict[str, ValidationError] = {}
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in PRODUCT_EDITABLE_FIELDS:
            errors[name] = ValidationError(_("Unknown field."), code="unknown_field")
            continue
        if value is None and name not in _NULLABLE:
            errors[name] = ValidationError(_("This field cannot be null."), code="null")
            continue
        if isinstance(value, str):
            value = value.strip()
        cleaned[name] = value
    if cleaned.get("category_id") is not None and not Category.objects.filter(pk=cleaned["category_id"]).exists():
        errors["category_id"] = ValidationError(
            _("Category %(id)s does not exist."), code="does_not_exist", params={"id": cleaned["category_id"]}
        )
    if "sku" in cleaned:
        taken = Product.objects.filter(sku=cleaned["sku"])
        if product is not None:
            taken = taken.exclude(pk=product.pk)
        if taken.exists():
            errors["sku"] = ValidationError(
                _("A product with the SKU %(sku)s already exists."), code="duplicate_sku", params={"sku": cleaned["sku"]}
            )
    if errors:
        raise ValidationError(errors)
    return cleaned


def _duplicate_sku(sku: str) -> ValidationError:
    return ValidationError({"sku": ValidationError(_("A product with the SKU %(sku)s already exists."), code="duplicate_sku", params={"sku": sku})})


def product_create(*, actor: User | None, fields: Mapping[str, Any], via: str = "", ip_address: str | None = None) -> Product:
    """Add a product to the catalogue."""
    permission_require(actor, Capability.PRODUCT_WRITE)
    cleaned = _clean_fields(fields)
    product = Product(**cleaned)
    product.full_clean(exclude=["category"], validate_unique=False)
    try:
        with transaction.atomic():
            product.save()
            changes = {name: [None, audit_value(value)] for name, value in cleaned.items()}
            audit_record(actor=actor, action=AuditAction.CREATE, obj=product, changes=changes, via=via, ip_address=ip_address)
            knowledge_changed()  # product names, aliases and facts feed the assistant
    except IntegrityError as exc:
        raise _duplicate_sku(product.sku) from exc
    return product


def product_update(
    *, actor: User | None, product: Product, fields: Mapping[str, Any], via: str = "", ip_address: str | None = None
) -> Product:
    """Change some fields of a product; audit what changed."""
    permission_require(actor, Capability.PRODUCT_WRITE)
    cleaned = _clean_fields(fields, product=product)
    try:
        with transaction.atomic():
            product = Product.objects.select_for_update().get(pk=product.pk)
            changes = field_changes(product, cleaned)
            product.full_clean(exclude=["category"], validate_unique=False)
            if changes:
                product.save()
                audit_record(actor=actor, action=AuditAction.UPDATE, obj=product, changes=changes, via=via, ip_address=ip_address)
                knowledge_changed()  # product names, aliases and facts feed the assistant
    except IntegrityError as exc:
        raise _duplicate_sku(product.sku) from exc
    return product
