"""Returns, exchanges and refund-only requests (RMA): request, decide, parcel back, inspection, resolution.

Every step is audit-logged; the ticket the return belongs to is told through its timeline.

A parcel can come back after its ticket was closed (archived). The parcel's own steps (sent
back, received, inspected) are facts the warehouse records whatever the ticket's state: they
are kept on the return and in the audit log only, and the archived ticket is left as it was.
Decisions (approve, decline, complete with its money) are refused on an archived ticket's
return until ``rma_ticket_move`` carries the return over to an open ticket of the same order.
"""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require
from kefu.accounts.services import audit_record, audit_value
from kefu.knowledge.models import AfterSalesRule

from ..enums import (
    OrderStatus,
    ReturnKind,
    ReturnResolution,
    ReturnStatus,
)
from ..models import Order, Refund, ReturnItem, ReturnRequest
from .orders import _error
from .refunds import refund_available, refund_issue
from .timeline import CLOSED, _ticket_note, _ticket_of, _TicketRef, ticket_order_errors

RMA_ALLOWED: dict[str, frozenset[str]] = {
    ReturnStatus.REQUESTED: frozenset({ReturnStatus.APPROVED, ReturnStatus.DECLINED}),
    ReturnStatus.APPROVED: frozenset({ReturnStatus.IN_TRANSIT, ReturnStatus.RECEIVED, ReturnStatus.COMPLETED}),
    ReturnStatus.IN_TRANSIT: frozenset({ReturnStatus.RECEIVED}),
    ReturnStatus.RECEIVED: frozenset({ReturnStatus.INSPECTED}),
    ReturnStatus.INSPECTED: frozenset({ReturnStatus.COMPLETED}),
    ReturnStatus.DECLINED: frozenset(),
    ReturnStatus.COMPLETED: frozenset(),
}

# What happens to the parcel, recorded even when the ticket is archived (DOMAIN.md 9: it can arrive late).
PARCEL_STEPS: frozenset[str] = frozenset({ReturnStatus.IN_TRANSIT, ReturnStatus.RECEIVED, ReturnStatus.INSPECTED})
FINISHED: frozenset[str] = frozenset({ReturnStatus.DECLINED, ReturnStatus.COMPLETED})


class ReturnItemInput(TypedDict):
    order_item_id: int
    quantity: int


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
    errors.update(ticket_order_errors(ticket, order))
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
        archived = rma_archived_ticket_number(current)
        if archived and to_status not in PARCEL_STEPS:
            raise ValidationError(
                _(
                    "Ticket %(number)s of this return is closed (archived). The parcel can still be recorded as sent back, "
                    "received and inspected; to approve, decline or complete the return, continue it on an open ticket of order %(order)s."
                )
                % {"number": archived, "order": current.order.number},
                code="ticket_closed",
            )
        if ReturnRequest.objects.filter(pk=current.pk, status=current.status).update(status=to_status, **updates) != 1:
            raise ValidationError(_("This return was changed meanwhile; reload and try again."), code="conflict")
        changes = {"status": [current.status, to_status]}
        changes.update({name: [None, str(value) if hasattr(value, "pk") else audit_value(value)] for name, value in updates.items()})
        current.refresh_from_db()
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=current, changes=changes, via=via)
        if not archived:  # an archived ticket's timeline stays as it was closed
            _ticket_note(current.ticket_id, "return_changed", actor, rma_id=current.pk, status=to_status)
    return current


def rma_archived_ticket_number(rma: ReturnRequest) -> str | None:
    """Return the number of the return's ticket when that ticket is closed (archived), else None."""
    if not rma.ticket_id:
        return None
    from kefu.tickets.models import Ticket

    return Ticket.objects.filter(pk=rma.ticket_id, status=CLOSED).values_list("number", flat=True).first()


def rma_ticket_move(*, rma: ReturnRequest, ticket: Any, actor: User | None, via: str = "") -> ReturnRequest:
    """Carry a return whose ticket is archived over to an open ticket of the same order, where it can be decided and completed."""
    permission_require(actor, Capability.RETURN_WRITE)
    with transaction.atomic():
        current = ReturnRequest.objects.select_for_update().select_related("order").get(pk=rma.pk)
        if current.ticket_id == ticket.pk:
            return current
        errors = ticket_order_errors(ticket, current.order)
        if errors:
            raise ValidationError(errors)
        if current.status in FINISHED:
            raise ValidationError(
                _("Return #%(id)s is finished (%(status)s).") % {"id": current.pk, "status": ReturnStatus(current.status).label}, code="finished"
            )
        previous = rma_archived_ticket_number(current)
        if current.ticket_id and previous is None:
            raise ValidationError(_("Return #%(id)s belongs to a ticket that is still open: continue it there.") % {"id": current.pk}, code="ticket_open")
        ReturnRequest.objects.filter(pk=current.pk).update(ticket_id=ticket.pk)
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=current, changes={"ticket": [previous, ticket.number]}, via=via)
        current.ticket_id = ticket.pk
        note = _("carried over from ticket %(number)s") % {"number": previous} if previous else ""
        _ticket_note(ticket.pk, "return_changed", actor, rma_id=current.pk, status=current.status, note=note)
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
                ticket=_TicketRef(rma.ticket_id, rma.order_id) if rma.ticket_id else None, via=via,
            )  # fmt: skip
    return rma, refund
