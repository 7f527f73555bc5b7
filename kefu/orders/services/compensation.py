"""Compensation: policies as data, a proposal computed from the order's dates, and the decision on it."""

import datetime
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require
from kefu.accounts.services import audit_record, audit_value, field_changes

from ..enums import (
    CompensationKind,
    CompensationStatus,
    CompensationTrigger,
)
from ..models import Compensation, CompensationPolicy, Order
from .orders import _error
from .refunds import CENT, _refund_record
from .timeline import CLOSED, _ticket_note

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
    if ticket.status == CLOSED:
        raise ValidationError(_("A closed ticket is archived and cannot be changed."), code="closed")
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
