"""Refunds: never more than what was paid across all refunds of an order; above the agents' limit a supervisor decides.

Every money decision is audit-logged with who approved it.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require, user_can
from kefu.accounts.services import audit_record

from ..enums import (
    RefundStatus,
)
from ..models import Order, Refund, ReturnRequest
from .orders import _error
from .status import order_status_after_refunds
from .timeline import _ticket_note, _ticket_of, ticket_order_errors

CENT = Decimal("0.01")


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
        order_status_after_refunds(order=locked, actor=actor, via=via)
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
    errors = ticket_order_errors(ticket, order)
    if rma is not None and rma.order_id != order.pk:
        errors["rma_id"] = [_error(_("The return request is on another order, not %(number)s."), "rma_not_for_order", number=order.number)]
    elif rma is not None and ticket is not None and rma.ticket_id and rma.ticket_id != ticket.pk:
        errors["rma_id"] = [_error(_("The return request belongs to another ticket."), "rma_not_for_ticket")]
    if errors:
        raise ValidationError(errors)
    approved = actor is None or user_can(actor, Capability.REFUND_APPROVE) or Decimal(str(amount or 0)) <= _agent_refund_limit()
    return _refund_record(order=order, amount=amount, actor=actor, reason=reason, approved=approved, rma=rma, ticket_id=_ticket_of(ticket), via=via)


def _refund_decide(*, refund: Refund, actor: User | None, status: str, via: str) -> Refund:
    permission_require(actor, Capability.REFUND_APPROVE)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=refund.order_id)
        now = timezone.now()
        if Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(status=status, approved_by=actor, decided_at=now) != 1:
            raise ValidationError(_("This refund has already been decided."), code="already_decided")
        refund.refresh_from_db()
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=refund,
            changes={"status": [RefundStatus.PENDING, status], "approved_by": [None, str(actor) if actor else "system"]}, via=via,
        )  # fmt: skip
        order_status_after_refunds(order=locked, actor=actor, via=via, declined=status == RefundStatus.DECLINED)
        _ticket_note(refund.ticket_id, "refund", actor, refund_id=refund.pk, amount=refund.amount, status=status)
    return refund


def refund_approve(*, refund: Refund, actor: User | None, via: str = "") -> Refund:
    """Approve, as a supervisor, a refund that was above the agents' limit: the money goes out."""
    return _refund_decide(refund=refund, actor=actor, status=RefundStatus.ISSUED, via=via)


def refund_decline(*, refund: Refund, actor: User | None, via: str = "") -> Refund:
    """Decline, as a supervisor, a pending refund: its amount is free to refund again."""
    return _refund_decide(refund=refund, actor=actor, status=RefundStatus.DECLINED, via=via)
