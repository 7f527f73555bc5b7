"""An order's status as a consequence of its money: refunded in full (已退款), or a full refund awaiting approval (退款中).

The refund services call these with the order row locked, so two refunds at once cannot both
miss (or both make) the step that completes the refund. Each change writes the order's audit
row with who caused it and why, as order_update does for a supervisor's change by hand. The
status a pending full refund replaced is kept on the order (``status_before_refunding``), so a
declined refund can give it back.
"""

from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import AuditLog, User
from kefu.accounts.services import audit_record

from ..enums import OrderStatus, RefundStatus
from ..models import Order

PENDING_REASON = "full_refund_pending"


def order_status_change(*, order: Order, status: str, actor: User | None, reason: str, via: str = "") -> Order:
    """Move a locked order to a status another write decided (no capability of its own: the caller checked its own).

    The audit row keeps the old and new status and the reason (e.g. "refund"), like every order change.
    """
    previous = order.status
    if previous == status:
        return order
    now = timezone.now()
    # Remembered only when a pending full refund makes the order "refunding"; any other move forgets it.
    before = previous if status == OrderStatus.REFUNDING and reason == PENDING_REASON else ""
    Order.objects.filter(pk=order.pk).update(status=status, status_before_refunding=before, updated_at=now)
    order.status, order.status_before_refunding, order.updated_at = status, before, now
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=order, changes={"status": [previous, status], "reason": reason}, via=via)
    return order


def _status_before_refunding(order: Order) -> str | None:
    """Return the status the order had when a pending full refund made it "refunding".

    None when the refund step did not set it (the platform's export or a person did): that status stays.
    """
    if order.status_before_refunding:
        return order.status_before_refunding
    return _status_before_refunding_from_audit(order)


def _status_before_refunding_from_audit(order: Order) -> str | None:
    """Read it from the order's audit rows: for orders made "refunding" before the order kept it."""
    rows = AuditLog.objects.filter(object_type="orders.order", object_id=str(order.pk), action=AuditAction.UPDATE)
    for changes in rows.order_by("-created_at", "-id").values_list("changes", flat=True)[:50]:
        status = (changes or {}).get("status")
        if isinstance(status, list) and len(status) == 2 and status[1] == OrderStatus.REFUNDING:
            return status[0] if changes.get("reason") == PENDING_REASON else None
    return None


def order_status_after_refunds(*, order: Order, actor: User | None, via: str = "", declined: bool = False) -> Order:
    """Set the status the order's refunds call for; the order must be locked by the caller.

    Issued refunds reaching the amount paid: refunded. Issued and pending together reaching it:
    refunding, until a supervisor decides. A partial refund leaves the status as it is; a declined
    refund that had made the order "refunding" gives it back the status it had before.
    """
    if order.paid_amount <= 0:
        return order
    totals = {
        row["status"]: row["total"]
        for row in order.refunds.filter(status__in=(RefundStatus.ISSUED, RefundStatus.PENDING)).values("status").annotate(total=Sum("amount")).order_by()
    }
    issued = totals.get(RefundStatus.ISSUED) or Decimal("0")
    pending = totals.get(RefundStatus.PENDING) or Decimal("0")
    if issued >= order.paid_amount:
        return order_status_change(order=order, status=OrderStatus.REFUNDED, actor=actor, reason="refunded_in_full", via=via)
    if issued + pending >= order.paid_amount:
        return order_status_change(order=order, status=OrderStatus.REFUNDING, actor=actor, reason=PENDING_REASON, via=via)
    if declined and order.status == OrderStatus.REFUNDING:
        previous = _status_before_refunding(order)
        if previous is not None:
            return order_status_change(order=order, status=previous, actor=actor, reason="refund_declined", via=via)
    return order
