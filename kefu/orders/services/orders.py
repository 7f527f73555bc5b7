"""Writes on orders: creation with items and later changes of status and shipment; audited."""

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require
from kefu.accounts.services import audit_record, audit_value, field_changes
from kefu.catalog.models import Product
from kefu.customers.models import Customer

from ..enums import (
    OrderStatus,
)
from ..models import Order, OrderItem

ORDER_CREATE_FIELDS = (
    "number",
    "platform",
    "customer_id",
    "status",
    "total_amount",
    "discount_amount",
    "shipping_fee",
    "paid_amount",
    "placed_at",
    "paid_at",
    "shipped_at",
    "delivered_at",
    "completed_at",
    "closed_at",
    "promised_ship_by",
    "promised_delivery_by",
    "payment_number",
    "shop_name",
    "shipping_method",
    "carrier",
    "tracking_number",
    "receiver_name",
    "receiver_phone",
    "shipping_address",
    "buyer_message",
    "seller_note",
)
# After creation only the order's progress changes; amounts and receiver come from the platform.
ORDER_UPDATE_FIELDS = (
    "status",
    "carrier",
    "tracking_number",
    "paid_at",
    "shipped_at",
    "delivered_at",
    "completed_at",
    "closed_at",
    "promised_ship_by",
    "promised_delivery_by",
    "payment_number",  # known once the buyer pays, which may be after the order was recorded
    "shipping_method",
    "seller_note",
)
_DATETIME_FIELDS = ("placed_at", "paid_at", "shipped_at", "delivered_at", "completed_at", "closed_at", "promised_ship_by", "promised_delivery_by")
_NULLABLE_FIELDS = {"paid_at", "shipped_at", "delivered_at", "completed_at", "closed_at", "promised_ship_by", "promised_delivery_by"}
# Entering a status stamps its time when the caller did not give one.
_STATUS_TIMESTAMP = {
    OrderStatus.PAID: "paid_at",
    OrderStatus.SHIPPED: "shipped_at",
    OrderStatus.DELIVERED: "delivered_at",
    OrderStatus.COMPLETED: "completed_at",
    OrderStatus.CLOSED: "closed_at",
}
_MONEY_FIELDS = ("total_amount", "discount_amount", "shipping_fee", "paid_amount")


class OrderItemInput(TypedDict, total=False):
    product_id: int | None
    title: str
    sku: str
    quantity: int
    unit_price: Decimal


def aware(value: datetime.datetime | None) -> datetime.datetime | None:
    """Read a naive date-time as the shop's local time."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _error(message: str, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _clean_scalars(fields: Mapping[str, Any], allowed: Sequence[str]) -> tuple[dict[str, Any], dict[str, list[ValidationError]]]:
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[ValidationError]] = {}
    for name, value in fields.items():
        if name not in allowed:
            errors[name] = [_error(_("Unknown field."), "unknown_field")]
            continue
        if value is None and name not in _NULLABLE_FIELDS:
            errors[name] = [_error(_("This field cannot be null."), "null")]
            continue
        if isinstance(value, str):
            value = value.strip()
        if name in _DATETIME_FIELDS:
            value = aware(value)
        if name == "status" and value not in OrderStatus.values:
            errors[name] = [_error(_("Select a valid choice: %(choices)s."), "invalid_choice", choices=", ".join(OrderStatus.values))]
            continue
        cleaned[name] = value
    return cleaned, errors


def _clean_items(items: Sequence[OrderItemInput]) -> tuple[list[OrderItem], dict[str, list[ValidationError]]]:
    errors: dict[str, list[ValidationError]] = {}
    product_ids = {item.get("product_id") for item in items if item.get("product_id") is not None}
    skus = {(item.get("sku") or "").strip() for item in items if (item.get("sku") or "").strip()}
    products_by_id = {product.pk: product for product in Product.objects.filter(pk__in=product_ids)}
    products_by_sku = {product.sku: product for product in Product.objects.filter(sku__in=skus)}
    order_items = []
    for index, item in enumerate(items):
        prefix = f"items.{index}"
        title = (item.get("title") or "").strip()
        sku = (item.get("sku") or "").strip()
        quantity = item.get("quantity", 1)
        unit_price = item.get("unit_price")
        product = None
        if item.get("product_id") is not None:
            product = products_by_id.get(item["product_id"])
            if product is None:
                errors[f"{prefix}.product_id"] = [
                    _error(_("Product %(id)s does not exist."), "does_not_exist", id=item["product_id"])
                ]
                continue
        elif sku:
            product = products_by_sku.get(sku)
        if product is not None:
            title = title or product.name
            sku = sku or product.sku
        if not title:
            errors[f"{prefix}.title"] = [_error(_("This field is required."), "required")]
        if quantity is None or int(quantity) < 1:
            errors[f"{prefix}.quantity"] = [_error(_("The quantity must be at least 1."), "min_quantity")]
        if unit_price is None:
            if product is None:
                errors[f"{prefix}.unit_price"] = [_error(_("This field is required."), "required")]
            else:
                unit_price = product.price
        elif Decimal(unit_price) < 0:
            errors[f"{prefix}.unit_price"] = [_error(_("The price cannot be negative."), "negative")]
        order_items.append(
            OrderItem(product=product, title=title, sku=sku, quantity=quantity or 0, unit_price=unit_price or Decimal("0"))
        )
    return order_items, errors


def _check_amounts(order: Order, errors: dict[str, list[ValidationError]]) -> None:
    for name in _MONEY_FIELDS:
        if getattr(order, name) is not None and getattr(order, name) < 0 and name not in errors:
            errors[name] = [_error(_("The amount cannot be negative."), "negative")]
    if errors:
        return
    if order.discount_amount > order.total_amount:
        errors["discount_amount"] = [
            _error(_("The discount cannot exceed the total of %(total)s."), "discount_above_total", total=order.total_amount)
        ]
    elif order.paid_amount > order.amount_due:
        errors["paid_amount"] = [
            _error(
                _("The paid amount cannot exceed the amount due of %(due)s (total − discount + shipping fee)."),
                "paid_above_due",
                due=order.amount_due,
            )
        ]


def _duplicate_number(number: str) -> ValidationError:
    return ValidationError(
        {"number": _error(_("An order with the number %(number)s already exists."), "duplicate_number", number=number)}
    )


def order_create(
    *,
    actor: User | None,
    fields: Mapping[str, Any],
    items: Sequence[OrderItemInput] = (),
    via: str = "",
    ip_address: str | None = None,
) -> Order:
    """Record an order with its items; the total defaults to the sum of the items' line totals."""
    permission_require(actor, Capability.ORDER_WRITE)
    # No placing time means now; no total means the sum of the items.
    fields = {name: value for name, value in fields.items() if not (name in ("placed_at", "total_amount") and value is None)}
    cleaned, errors = _clean_scalars(fields, ORDER_CREATE_FIELDS)
    order_items, item_errors = _clean_items(items)
    errors.update(item_errors)
    if "number" not in errors and not cleaned.get("number"):
        errors["number"] = [_error(_("This field is required."), "required")]
    elif "number" not in errors and Order.objects.filter(number=cleaned["number"]).exists():
        errors.update(_duplicate_number(cleaned["number"]).error_dict)
    customer_id = cleaned.get("customer_id")
    if customer_id is None and "customer_id" not in errors:
        errors["customer_id"] = [_error(_("This field is required."), "required")]
    elif customer_id is not None and not Customer.objects.filter(pk=customer_id).exists():
        errors["customer_id"] = [_error(_("Customer %(id)s does not exist."), "does_not_exist", id=customer_id)]
    if cleaned.get("total_amount") is None and not item_errors:
        cleaned["total_amount"] = sum((item.line_total for item in order_items), Decimal("0"))
    cleaned.setdefault("placed_at", timezone.now())
    order = Order(**cleaned)
    if not errors:
        _check_amounts(order, errors)
    if not errors:
        try:
            order.full_clean(exclude=["customer"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            order.save()
            for item in order_items:
                item.order = order
            OrderItem.objects.bulk_create(order_items)
            changes = {name: [None, audit_value(value)] for name, value in cleaned.items() if value not in ("", None)}
            changes["items"] = [None, [f"{item.title} × {item.quantity} @ {item.unit_price}" for item in order_items]]
            audit_record(actor=actor, action=AuditAction.CREATE, obj=order, changes=changes, via=via, ip_address=ip_address)
    except IntegrityError as exc:  # the same number sent twice at once
        if Order.objects.filter(number=order.number).exists():
            raise _duplicate_number(order.number) from exc
        raise
    return order


def order_update(
    *, actor: User | None, order: Order, fields: Mapping[str, Any], via: str = "", ip_address: str | None = None
) -> Order:
    """Change an order's status, shipment or note; entering a status stamps its time if none was given."""
    permission_require(actor, Capability.ORDER_WRITE)
    cleaned, errors = _clean_scalars(fields, ORDER_UPDATE_FIELDS)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        new_status = cleaned.get("status")
        stamp_field = _STATUS_TIMESTAMP.get(new_status) if new_status and new_status != order.status else None
        if stamp_field and cleaned.get(stamp_field) is None and getattr(order, stamp_field) is None:
            cleaned[stamp_field] = timezone.now()
        changes = field_changes(order, cleaned)
        if "status" in changes:
            order.status_before_refunding = ""  # a status set by hand is not the refund step's to give back
        order.full_clean(exclude=["customer"], validate_unique=False, validate_constraints=False)
        if changes:
            order.save()
            audit_record(actor=actor, action=AuditAction.UPDATE, obj=order, changes=changes, via=via, ip_address=ip_address)
    return order
