"""Returns and exchanges (RMA): request, approve or decline with a rule, parcel back, inspection, resolution."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kefu.accounts.models import AuditLog
from kefu.orders.enums import RefundStatus, ReturnKind, ReturnResolution, ReturnStatus
from kefu.orders.models import Refund, ReturnRequest
from kefu.orders.services import (
    rma_approve,
    rma_complete,
    rma_decline,
    rma_inspect,
    rma_mark_shipped_back,
    rma_receive,
    rma_request,
)
from kefu.tickets.enums import TicketEventAction, TicketType
from kefu.tickets.models import TicketComment, TicketEvent
from tests.tickets.test_models import make_ticket, paid_order, rule_seven_days


def battery_line(order):
    return order.items.get(sku="F40-B")


@pytest.mark.django_db
def test_a_return_goes_all_the_way_to_a_full_refund_of_the_returned_items(other_agent, aftersale_team):
    order = paid_order()
    ticket = make_ticket(team=aftersale_team, type=TicketType.TRANSPORT_DAMAGE, order=order)
    rma = rma_request(
        actor=other_agent, order=order, kind=ReturnKind.RETURN, items=[{"order_item_id": battery_line(order).pk, "quantity": 1}],
        reason="外壳破损", ticket=ticket,
    )  # fmt: skip
    rma = rma_approve(rma=rma, actor=other_agent)
    rma = rma_mark_shipped_back(rma=rma, actor=other_agent, carrier="顺丰速运", tracking_number="SF100200300")
    rma = rma_receive(rma=rma, actor=other_agent)
    rma = rma_inspect(rma=rma, actor=other_agent, passed=True, note="外壳裂纹，非人为")
    rma, refund = rma_complete(rma=rma, actor=other_agent, resolution=ReturnResolution.FULL_REFUND)

    assert (rma.status, rma.resolution, rma.return_tracking_number, rma.inspection_passed) == (
        ReturnStatus.COMPLETED,
        ReturnResolution.FULL_REFUND,
        "SF100200300",
        True,
    )
    assert (refund.amount, refund.status, refund.rma, refund.ticket_id) == (Decimal("100.00"), RefundStatus.ISSUED, rma, ticket.pk)
    statuses = list(
        TicketEvent.objects.filter(ticket=ticket, action=TicketEventAction.RETURN_CHANGED).values_list("params__status", flat=True)
    )
    assert statuses == ["requested", "approved", "in_transit", "received", "inspected", "completed"]
    assert AuditLog.objects.filter(object_type="orders.returnrequest", object_id=str(rma.pk)).count() == 6  # request + five steps


@pytest.mark.django_db
def test_a_partial_refund_needs_an_amount_within_what_was_paid(other_agent, supervisor):
    order = paid_order(paid="300.00")
    rma = rma_request(actor=other_agent, order=order, kind=ReturnKind.REFUND_ONLY, reason="少发一个配件")
    rma = rma_approve(rma=rma, actor=other_agent)
    with pytest.raises(ValidationError):
        rma_complete(rma=rma, actor=supervisor, resolution=ReturnResolution.PARTIAL_REFUND)
    with pytest.raises(ValidationError):
        rma_complete(rma=rma, actor=supervisor, resolution=ReturnResolution.PARTIAL_REFUND, refund_amount="300.01")
    assert ReturnRequest.objects.get(pk=rma.pk).status == ReturnStatus.APPROVED  # nothing changed
    rma, refund = rma_complete(rma=rma, actor=supervisor, resolution=ReturnResolution.PARTIAL_REFUND, refund_amount="30.00")
    assert (rma.status, refund.amount) == (ReturnStatus.COMPLETED, Decimal("30.00"))


@pytest.mark.django_db
def test_a_declined_return_cites_the_rule_on_the_ticket(other_agent, aftersale_team):
    rule = rule_seven_days()
    order = paid_order()
    ticket = make_ticket(team=aftersale_team, type=TicketType.RETURN, order=order)
    rma = rma_request(actor=other_agent, order=order, kind=ReturnKind.RETURN, items=[{"order_item_id": battery_line(order).pk, "quantity": 2}], ticket=ticket)

    rma = rma_decline(rma=rma, actor=other_agent, rule=rule, note="已超过七天无理由期限")

    assert (rma.status, rma.decline_rule, rma.decided_by) == (ReturnStatus.DECLINED, rule, other_agent)
    comment = TicketComment.objects.get(ticket=ticket)
    assert comment.cited_rule == rule and comment.body.startswith("已超过七天无理由期限")
    with pytest.raises(ValidationError):
        rma_approve(rma=rma, actor=other_agent)


@pytest.mark.django_db
def test_quantities_cannot_exceed_what_was_bought_across_requests(other_agent):
    order = paid_order()
    line = battery_line(order)
    rma_request(actor=other_agent, order=order, kind=ReturnKind.EXCHANGE, items=[{"order_item_id": line.pk, "quantity": 1}])
    with pytest.raises(ValidationError) as caught:
        rma_request(actor=other_agent, order=order, kind=ReturnKind.RETURN, items=[{"order_item_id": line.pk, "quantity": 2}])
    assert caught.value.error_dict["items.0.quantity"][0].code == "quantity_out_of_range"
    assert ReturnRequest.objects.count() == 1


@pytest.mark.django_db
def test_steps_cannot_be_skipped(other_agent):
    order = paid_order()
    rma = rma_request(actor=other_agent, order=order, kind=ReturnKind.RETURN, items=[{"order_item_id": battery_line(order).pk, "quantity": 1}])
    with pytest.raises(ValidationError):
        rma_receive(rma=rma, actor=other_agent)  # not approved yet
    rma = rma_approve(rma=rma, actor=other_agent)
    with pytest.raises(ValidationError):
        rma_complete(rma=rma, actor=other_agent, resolution=ReturnResolution.RESEND)  # goods not back yet
    assert ReturnRequest.objects.get(pk=rma.pk).status == ReturnStatus.APPROVED
    assert Refund.objects.count() == 0


@pytest.mark.django_db
def test_an_unpaid_order_has_nothing_to_return(other_agent):
    order = paid_order(paid="0.00")
    with pytest.raises(ValidationError) as caught:
        rma_request(actor=other_agent, order=order, kind=ReturnKind.REFUND_ONLY)
    assert caught.value.error_dict["order_id"][0].code == "not_paid"


@pytest.mark.django_db
def test_roles_without_the_right_cannot_handle_returns(other_agent):
    from kefu.accounts.enums import Role
    from kefu.accounts.models import User

    viewer = User.objects.create_user(username="viewer", password="x", role="viewer")
    assert viewer.role not in Role.values
    with pytest.raises(PermissionDenied):
        rma_request(actor=viewer, order=paid_order(), kind=ReturnKind.REFUND_ONLY)
