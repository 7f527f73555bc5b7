"""Writes on orders: creation with items and later changes of status and shipment; audited."""

import datetime
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require, user_can
from kefu.accounts.services import audit_record, audit_value, field_changes
from kefu.catalog.models import Product
from kefu.customers.models import Customer
from kefu.knowledge.models import AfterSalesRule

from .enums import (
    CompensationKind,
    CompensationStatus,
    CompensationTrigger,
    OrderStatus,
    RefundStatus,
    ReturnKind,
    ReturnResolution,
    ReturnStatus,
)
from .models import Compensation, CompensationPolicy, Order, OrderItem, Refund, ReturnItem, ReturnRequest

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
    "seller_note",
)
_DATETIME_FIELDS = ("placed_at", "paid_at", "shipped_at", "delivered_at", "completed_at", "closed_at", "promised_ship_by")
_NULLABLE_FIELDS = {"paid_at", "shipped_at", "delivered_at", "completed_at", "closed_at", "promised_ship_by"}
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
        order.full_clean(exclude=["customer"], validate_unique=False, validate_constraints=False)
        if changes:
            order.save()
            audit_record(actor=actor, action=AuditAction.UPDATE, obj=order, changes=changes, via=via, ip_address=ip_address)
    return order




# --- returns, exchanges and refunds (RMA) -----------------------------------------------------
# Every money decision is audit-logged with who approved it; an order's refunds together never
# exceed what was paid. Tickets are told through their timeline (imported late: tickets import orders).

RMA_ALLOWED: dict[str, frozenset[str]] = {
    ReturnStatus.REQUESTED: frozenset({ReturnStatus.APPROVED, ReturnStatus.DECLINED}),
    ReturnStatus.APPROVED: frozenset({ReturnStatus.IN_TRANSIT, ReturnStatus.RECEIVED, ReturnStatus.COMPLETED}),
    ReturnStatus.IN_TRANSIT: frozenset({ReturnStatus.RECEIVED}),
    ReturnStatus.RECEIVED: frozenset({ReturnStatus.INSPECTED}),
    ReturnStatus.INSPECTED: frozenset({ReturnStatus.COMPLETED}),
    ReturnStatus.DECLINED: frozenset(),
    ReturnStatus.COMPLETED: frozenset(),
}
CENT = Decimal("0.01")


class ReturnItemInput(TypedDict):
    order_item_id: int
    quantity: int


def _ticket_note(ticket_id: int | None, action: str, actor: User | None, **params: Any) -> None:
    if not ticket_id:
        return
    from kefu.tickets.models import Ticket
    from kefu.tickets.services import ticket_timeline_add

    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is not None:
        ticket_timeline_add(ticket=ticket, action=action, actor=actor, **{k: audit_value(v) for k, v in params.items()})


def _ticket_of(ticket: Any) -> int | None:
    return ticket.pk if ticket is not None else None


def refund_available(order: Order) -> Decimal:
    """Return what can still be refunded: paid minus refunds issued or awaiting approval."""
    reserved = order.refunds.filter(status__in=(RefundStatus.PENDING, RefundStatus.ISSUED)).aggregate(total=Sum("amount"))["total"]
    return order.paid_amount - (reserved or Decimal("0"))


def _agent_refund_limit() -> Decimal:
    return Decimal(str(settings.KEFU.get("REFUND_AGENT_LIMIT", "200.00")))


def _refund_record(
    *,
    order: Order,
    amount: Any,
    actor: User | None,
    reason: str,
    approved: bool,
    rma: ReturnRequest | None = None,
    ticket_id: int | None = None,
    via: str = "",
) -> Refund:
    """Lock the order, check the amount against what is left to refund, and write the refund with its audit row."""
    try:
        amount = Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"amount": [_error(_("Enter a number."), "invalid")]}) from None
    if amount <= 0:
        raise ValidationError({"amount": [_error(_("The refund must be more than zero."), "not_positive")]})
    with transaction.atomic():
        # The order row is the lock: PostgreSQL holds it until commit; SQLite's IMMEDIATE
        # transactions already let one writer in at a time, so the sum below cannot go stale.
        locked = Order.objects.select_for_update().get(pk=order.pk)
        available = refund_available(locked)
        if amount > available:
            raise ValidationError(
                {
                    "amount": [
                        _error(
                            _("The refund of ¥%(amount)s exceeds what is left to refund on order %(number)s: ¥%(available)s of ¥%(paid)s paid."),
                            "above_refundable",
                            amount=amount,
                            number=locked.number,
                            available=max(available, Decimal("0")),
                            paid=locked.paid_amount,
                        )
                    ]
                }
            )
        now = timezone.now()
        refund = Refund.objects.create(
            order=locked,
            rma=rma,
            ticket_id=ticket_id,
            amount=amount,
            reason=(reason or "").strip()[:255],
            status=RefundStatus.ISSUED if approved else RefundStatus.PENDING,
            requested_by=actor,
            approved_by=actor if approved else None,
            decided_at=now if approved else None,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=refund,
            changes={
                "order": [None, locked.number],
                "amount": [None, str(amount)],
                "status": [None, refund.status],
                "approved_by": [None, str(actor) if approved and actor else ("system" if approved else None)],
            },
            via=via,
        )
        _ticket_note(ticket_id, "refund", actor, refund_id=refund.pk, amount=amount, status=refund.status)
    return refund


def refund_issue(
    *,
    order: Order,
    amount: Any,
    actor: User | None,
    reason: str = "",
    rma: ReturnRequest | None = None,
    ticket: Any = None,
    via: str = "",
) -> Refund:
    """Refund money on an order. Agents issue up to KEFU["REFUND_AGENT_LIMIT"]; above it the refund waits for a supervisor."""
    permission_require(actor, Capability.RETURN_WRITE)
    approved = actor is None or user_can(actor, Capability.REFUND_APPROVE) or Decimal(str(amount or 0)) <= _agent_refund_limit()
    return _refund_record(order=order, amount=amount, actor=actor, reason=reason, approved=approved, rma=rma, ticket_id=_ticket_of(ticket), via=via)


def _refund_decide(*, refund: Refund, actor: User | None, status: str, via: str) -> Refund:
    permission_require(actor, Capability.REFUND_APPROVE)
    with transaction.atomic():
        Order.objects.select_for_update().get(pk=refund.order_id)
        now = timezone.now()
        if Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(status=status, approved_by=actor, decided_at=now) != 1:
            raise ValidationError(_("This refund has already been decided."), code="already_decided")
        refund.refresh_from_db()
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=refund,
            changes={"status": [RefundStatus.PENDING, status], "approved_by": [None, str(actor) if actor else "system"]}, via=via,
        )  # fmt: skip
        _ticket_note(refund.ticket_id, "refund", actor, refund_id=refund.pk, amount=refund.amount, status=status)
    return refund


def refund_approve(*, refund: Refund, actor: User | None, via: str = "") -> Refund:
    """Approve, as a supervisor, a refund that was above the agents' limit: the money goes out."""
    return _refund_decide(refund=refund, actor=actor, status=RefundStatus.ISSUED, via=via)


def refund_decline(*, refund: Refund, actor: User | None, via: str = "") -> Refund:
    """Decline, as a supervisor, a pending refund: its amount is free to refund again."""
    return _refund_decide(refund=refund, actor=actor, status=RefundStatus.DECLINED, via=via)


def _rma_requested_quantities(order: Order) -> dict[int, int]:
    rows = (
        ReturnItem.objects.filter(rma__order=order)
        .exclude(rma__status=ReturnStatus.DECLINED)
        .values("order_item_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["order_item_id"]: row["total"] for row in rows}


def rma_request(
    *,
    actor: User | None,
    order: Order,
    kind: str,
    items: Sequence[ReturnItemInput] = (),
    reason: str = "",
    ticket: Any = None,
    via: str = "",
) -> ReturnRequest:
    """Record a return, exchange or refund-only request for items of a paid order."""
    permission_require(actor, Capability.RETURN_WRITE)
    errors: dict[str, list[ValidationError]] = {}
    if kind not in ReturnKind.values:
        errors["kind"] = [_error(_("Select a valid choice: %(choices)s."), "invalid_choice", choices=", ".join(ReturnKind.values))]
    if order.paid_amount <= 0 or order.status in (OrderStatus.UNPAID, OrderStatus.CLOSED):
        errors["order_id"] = [_error(_("Order %(number)s was not paid; there is nothing to return."), "not_paid", number=order.number)]
    if not items and kind in (ReturnKind.RETURN, ReturnKind.EXCHANGE):
        errors["items"] = [_error(_("Choose the items to send back."), "required")]
    order_items = {item.pk: item for item in order.items.all()}
    already = _rma_requested_quantities(order)
    lines = []
    for index, line in enumerate(items):
        item = order_items.get(line.get("order_item_id"))
        quantity = int(line.get("quantity") or 0)
        if item is None:
            errors[f"items.{index}.order_item_id"] = [_error(_("The item is not part of order %(number)s."), "item_not_in_order", number=order.number)]
            continue
        left = item.quantity - already.get(item.pk, 0)
        if quantity < 1 or quantity > left:
            errors[f"items.{index}.quantity"] = [
                _error(_("Between 1 and %(left)s of this item can still be returned."), "quantity_out_of_range", left=left)
            ]
            continue
        lines.append((item, quantity))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rma = ReturnRequest.objects.create(order=order, ticket_id=_ticket_of(ticket), kind=kind, reason=(reason or "").strip(), requested_by=actor)
        ReturnItem.objects.bulk_create([ReturnItem(rma=rma, order_item=item, quantity=quantity) for item, quantity in lines])
        audit_record(
            actor=actor, action=AuditAction.CREATE, obj=rma, via=via,
            changes={"order": [None, order.number], "kind": [None, kind], "items": [None, [f"{i.title} × {q}" for i, q in lines]]},
        )  # fmt: skip
        _ticket_note(rma.ticket_id, "return_changed", actor, rma_id=rma.pk, status=rma.status, kind=kind)
    return rma


def _rma_move(rma: ReturnRequest, to_status: str, *, actor: User | None, via: str = "", **updates: Any) -> ReturnRequest:
    """Move a return to its next step if allowed, with a conditional UPDATE so two clicks cannot both pass."""
    permission_require(actor, Capability.RETURN_WRITE)
    with transaction.atomic():
        current = ReturnRequest.objects.select_for_update().get(pk=rma.pk)
        allowed = RMA_ALLOWED.get(current.status, frozenset())
        if to_status == ReturnStatus.COMPLETED and current.status == ReturnStatus.APPROVED and current.kind != ReturnKind.REFUND_ONLY:
            allowed = frozenset()
        if to_status not in allowed:
            raise ValidationError(
                _("A return cannot go from “%(from)s” to “%(to)s”.")
                % {"from": ReturnStatus(current.status).label, "to": ReturnStatus(to_status).label},
                code="transition_not_allowed",
            )
        if ReturnRequest.objects.filter(pk=current.pk, status=current.status).update(status=to_status, **updates) != 1:
            raise ValidationError(_("This return was changed meanwhile; reload and try again."), code="conflict")
        changes = {"status": [current.status, to_status]}
        changes.update({name: [None, str(value) if hasattr(value, "pk") else audit_value(value)] for name, value in updates.items()})
        current.refresh_from_db()
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=current, changes=changes, via=via)
        _ticket_note(current.ticket_id, "return_changed", actor, rma_id=current.pk, status=to_status)
    return current


def rma_approve(*, rma: ReturnRequest, actor: User | None, via: str = "") -> ReturnRequest:
    return _rma_move(rma, ReturnStatus.APPROVED, actor=actor, via=via, decided_by=actor, decided_at=timezone.now())


def rma_decline(*, rma: ReturnRequest, actor: User | None, rule: AfterSalesRule, note: str = "", via: str = "") -> ReturnRequest:
    """Refuse a return citing the after-sales rule (售后制度); the ticket's reply to the customer quotes it."""
    if not rule.enabled:
        raise ValidationError({"rule_id": [_error(_("Rule %(code)s is not in force."), "rule_disabled", code=rule.code)]})
    with transaction.atomic():
        rma = _rma_move(
            rma, ReturnStatus.DECLINED, actor=actor, via=via,
            decided_by=actor, decided_at=timezone.now(), decline_rule=rule, decline_note=(note or "").strip(),
        )  # fmt: skip
        if rma.ticket_id:
            from kefu.tickets.models import Ticket
            from kefu.tickets.services import ticket_decline_with_rule

            ticket = Ticket.objects.filter(pk=rma.ticket_id).first()
            if ticket is not None and ticket.status != "closed":
                ticket_decline_with_rule(ticket=ticket, actor=actor, rule=rule, body=note)
    return rma


def rma_mark_shipped_back(*, rma: ReturnRequest, actor: User | None, carrier: str, tracking_number: str, via: str = "") -> ReturnRequest:
    carrier, tracking_number = (carrier or "").strip(), (tracking_number or "").strip()
    errors = {}
    if not carrier:
        errors["return_carrier"] = [_error(_("This field is required."), "required")]
    if not tracking_number:
        errors["return_tracking_number"] = [_error(_("This field is required."), "required")]
    if errors:
        raise ValidationError(errors)
    return _rma_move(
        rma, ReturnStatus.IN_TRANSIT, actor=actor, via=via,
        return_carrier=carrier[:32], return_tracking_number=tracking_number[:64], shipped_back_at=timezone.now(),
    )  # fmt: skip


def rma_receive(*, rma: ReturnRequest, actor: User | None, via: str = "") -> ReturnRequest:
    return _rma_move(rma, ReturnStatus.RECEIVED, actor=actor, via=via, received_at=timezone.now())


def rma_inspect(*, rma: ReturnRequest, actor: User | None, passed: bool, note: str = "", via: str = "") -> ReturnRequest:
    return _rma_move(
        rma, ReturnStatus.INSPECTED, actor=actor, via=via, inspected_at=timezone.now(), inspection_passed=passed, inspection_note=(note or "").strip()
    )


def rma_items_value(rma: ReturnRequest) -> Decimal:
    return sum((line.order_item.unit_price * line.quantity for line in rma.items.select_related("order_item")), Decimal("0"))


def rma_complete(
    *, rma: ReturnRequest, actor: User | None, resolution: str, refund_amount: Any = None, via: str = ""
) -> tuple[ReturnRequest, Refund | None]:
    """Finish a return: full refund (the items' value, or what is left), partial refund (the amount given), resend or exchange."""
    if resolution not in ReturnResolution.values:
        raise ValidationError(
            {"resolution": [_error(_("Select a valid choice: %(choices)s."), "invalid_choice", choices=", ".join(ReturnResolution.values))]}
        )
    refund = None
    with transaction.atomic():
        if resolution == ReturnResolution.FULL_REFUND:
            value = rma_items_value(rma) if rma.items.exists() else rma.order.paid_amount
            refund_amount = min(value, refund_available(rma.order))
        elif resolution == ReturnResolution.PARTIAL_REFUND and refund_amount in (None, ""):
            raise ValidationError({"refund_amount": [_error(_("Enter the amount to refund."), "required")]})
        rma = _rma_move(rma, ReturnStatus.COMPLETED, actor=actor, via=via, resolution=resolution, completed_at=timezone.now())
        if resolution in (ReturnResolution.FULL_REFUND, ReturnResolution.PARTIAL_REFUND):
            refund = refund_issue(
                order=rma.order, amount=refund_amount, actor=actor, reason=str(ReturnResolution(resolution).label), rma=rma,
                ticket=_TicketRef(rma.ticket_id) if rma.ticket_id else None, via=via,
            )  # fmt: skip
    return rma, refund


class _TicketRef:
    """Carry a ticket id where a ticket is expected, without loading it."""

    def __init__(self, pk: int) -> None:
        self.pk = pk


# --- compensation ---------------------------------------------------------------------------

# A ticket's type names the problem a compensation policy answers.
TICKET_TYPE_TRIGGER = {
    "late_delivery": CompensationTrigger.LATE_DELIVERY,
    "transport_damage": CompensationTrigger.TRANSPORT_DAMAGE,
    "wrong_or_missing": CompensationTrigger.WRONG_OR_MISSING,
    "quality": CompensationTrigger.QUALITY,
}


def _local_date(value: datetime.datetime) -> datetime.date:
    return timezone.localtime(value).date()


def compensation_evidence(order: Order, *, at: datetime.datetime | None = None) -> dict[str, Any]:
    """Return the order's promised and actual dates and how many days late it is, as the proposal shows them.

    Days are calendar days in the shop's time zone. Without a promised delivery date the
    promised dispatch date is compared with the dispatch; an order not yet delivered counts until now.
    """
    now = at or timezone.now()
    categories = sorted(
        {name for name in order.items.exclude(product__category=None).values_list("product__category__name", flat=True)}
    )
    evidence: dict[str, Any] = {
        "order": order.number,
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "paid_amount": str(order.paid_amount),
        "promised_delivery_by": audit_value(order.promised_delivery_by),
        "promised_ship_by": audit_value(order.promised_ship_by),
        "shipped_at": audit_value(order.shipped_at),
        "delivered_at": audit_value(order.delivered_at),
        "categories": categories,
        "basis": "",
        "days_late": 0,
    }
    if order.promised_delivery_by is not None:
        actual = order.delivered_at or now
        evidence["basis"] = "delivery" if order.delivered_at else "delivery_pending"
        evidence["days_late"] = max((_local_date(actual) - _local_date(order.promised_delivery_by)).days, 0)
    elif order.promised_ship_by is not None:
        actual = order.shipped_at or now
        evidence["basis"] = "dispatch" if order.shipped_at else "dispatch_pending"
        evidence["days_late"] = max((_local_date(actual) - _local_date(order.promised_ship_by)).days, 0)
    return evidence


def compensation_policy_match(*, trigger: str, order: Order, days_late: int) -> CompensationPolicy | None:
    """Pick the active policy for the problem that fits the order's category and carrier and the days late.

    The most specific wins (category and carrier both set, then one of them), then the one for most days late.
    """
    category_ids = set(order.items.exclude(product__category=None).values_list("product__category_id", flat=True))
    candidates = [
        policy
        for policy in CompensationPolicy.objects.filter(active=True, trigger=trigger, min_days_late__lte=days_late)
        if (policy.category_id is None or policy.category_id in category_ids) and (not policy.carrier or policy.carrier == order.carrier)
    ]
    if trigger == CompensationTrigger.LATE_DELIVERY and days_late <= 0:
        return None
    candidates.sort(key=lambda p: (p.category_id is not None, bool(p.carrier), p.min_days_late, p.value), reverse=True)
    return candidates[0] if candidates else None


def compensation_amount(policy: CompensationPolicy, order: Order) -> Decimal:
    if policy.kind == CompensationKind.REFUND_PERCENT:
        amount = (order.paid_amount * policy.value / Decimal("100")).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        amount = policy.value
    if policy.max_amount is not None:
        amount = min(amount, policy.max_amount)
    return amount


def compensation_propose(*, ticket: Any, actor: User | None, at: datetime.datetime | None = None) -> Compensation:
    """Compute the compensation a ticket's order is owed under the shop's policies, with the evidence; a proposal already made is returned."""
    permission_require(actor, Capability.RETURN_WRITE)
    trigger = TICKET_TYPE_TRIGGER.get(ticket.type)
    if trigger is None:
        raise ValidationError(_("No compensation policy covers this kind of ticket."), code="no_trigger")
    if ticket.order_id is None:
        raise ValidationError({"order_id": [_error(_("Link the ticket to its order first."), "no_order")]})
    existing = Compensation.objects.filter(ticket_id=ticket.pk).exclude(status=CompensationStatus.DECLINED).first()
    if existing is not None:
        return existing
    order = Order.objects.get(pk=ticket.order_id)
    evidence = compensation_evidence(order, at=at)
    policy = compensation_policy_match(trigger=trigger, order=order, days_late=evidence["days_late"])
    if policy is None:
        if trigger == CompensationTrigger.LATE_DELIVERY and evidence["basis"] == "":
            message = _("The order has no promised delivery or dispatch date, so the delay cannot be measured.")
        elif trigger == CompensationTrigger.LATE_DELIVERY:
            message = _("No policy applies to an order %(days)s days late.") % {"days": evidence["days_late"]}
        else:
            message = _("No active compensation policy applies to this order.")
        raise ValidationError(message, code="no_policy")
    amount = compensation_amount(policy, order)
    evidence.update(policy=policy.name, rule=f"{policy.get_kind_display()} {policy.value}", min_days_late=policy.min_days_late)
    with transaction.atomic():
        compensation = Compensation.objects.create(
            ticket_id=ticket.pk,
            order=order,
            policy=policy,
            kind=policy.kind,
            amount=amount,
            evidence=evidence,
            requires_supervisor=amount > policy.requires_supervisor_above,
            proposed_by=actor,
        )
        audit_record(
            actor=actor, action=AuditAction.CREATE, obj=compensation,
            changes={"order": [None, order.number], "amount": [None, str(amount)], "policy": [None, policy.name]},
        )  # fmt: skip
        _ticket_note(ticket.pk, "compensation", actor, compensation_id=compensation.pk, amount=amount, status=compensation.status)
    return compensation


def compensation_approve(*, compensation: Compensation, actor: User | None, via: str = "") -> Compensation:
    """Grant a proposed compensation: a coupon is approved; money is refunded at once (within what is left to refund)."""
    permission_require(actor, Capability.REFUND_APPROVE if compensation.requires_supervisor else Capability.RETURN_WRITE)
    with transaction.atomic():
        current = Compensation.objects.select_for_update().get(pk=compensation.pk)
        if current.status != CompensationStatus.PROPOSED:
            raise ValidationError(_("This compensation has already been decided."), code="already_decided")
        now = timezone.now()
        refund = None
        status = CompensationStatus.APPROVED
        if current.kind != CompensationKind.COUPON:
            refund = _refund_record(
                order=current.order, amount=current.amount, actor=actor, reason=_("Compensation: %(policy)s") % {"policy": current.evidence.get("policy", "")},
                approved=True, ticket_id=current.ticket_id, via=via,
            )  # fmt: skip
            status = CompensationStatus.PAID
        Compensation.objects.filter(pk=current.pk).update(status=status, approved_by=actor, decided_at=now, refund=refund)
        current.refresh_from_db()
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=current,
            changes={"status": [CompensationStatus.PROPOSED, status], "approved_by": [None, str(actor) if actor else "system"]}, via=via,
        )  # fmt: skip
        _ticket_note(current.ticket_id, "compensation", actor, compensation_id=current.pk, amount=current.amount, status=status)
    return current


def compensation_decline(*, compensation: Compensation, actor: User | None, via: str = "") -> Compensation:
    permission_require(actor, Capability.REFUND_APPROVE if compensation.requires_supervisor else Capability.RETURN_WRITE)
    with transaction.atomic():
        if Compensation.objects.filter(pk=compensation.pk, status=CompensationStatus.PROPOSED).update(
            status=CompensationStatus.DECLINED, approved_by=actor, decided_at=timezone.now()
        ) != 1:
            raise ValidationError(_("This compensation has already been decided."), code="already_decided")
        compensation.refresh_from_db()
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=compensation, changes={"status": [CompensationStatus.PROPOSED, CompensationStatus.DECLINED]}, via=via)
        _ticket_note(compensation.ticket_id, "compensation", actor, compensation_id=compensation.pk, status=CompensationStatus.DECLINED)
    return compensation


COMPENSATION_POLICY_FIELDS = ("name", "trigger", "min_days_late", "category_id", "carrier", "kind", "value", "max_amount", "requires_supervisor_above", "active")


def compensation_policy_save(
    *, actor: User | None, fields: Mapping[str, Any], policy: CompensationPolicy | None = None, via: str = ""
) -> CompensationPolicy:
    """Create or change a compensation rule (supervisors and administrators)."""
    permission_require(actor, Capability.COMPENSATION_POLICY_WRITE)
    unknown = set(fields) - set(COMPENSATION_POLICY_FIELDS)
    if unknown:
        raise ValidationError({name: [_error(_("Unknown field."), "unknown_field")] for name in unknown})
    creating = policy is None
    policy = policy or CompensationPolicy()
    with transaction.atomic():
        changes = field_changes(policy, dict(fields))
        policy.full_clean(validate_constraints=False)
        if policy.value is not None and policy.value <= 0:
            raise ValidationError({"value": [_error(_("The value must be more than zero."), "not_positive")]})
        if policy.kind == CompensationKind.REFUND_PERCENT and policy.value > 100:
            raise ValidationError({"value": [_error(_("A percentage cannot exceed 100."), "above_100")]})
        policy.save()
        audit_record(actor=actor, action=AuditAction.CREATE if creating else AuditAction.UPDATE, obj=policy, changes=changes, via=via)
    return policy
