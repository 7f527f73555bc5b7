"""An order's status follows its money: refunded in full (已退款), a full refund awaiting approval (退款中), else unchanged."""

from decimal import Decimal

import pytest

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import AuditLog
from kefu.orders.enums import OrderStatus, RefundStatus, ReturnKind, ReturnResolution
from kefu.orders.models import Order, Refund
from kefu.orders.services import (
    order_update,
    refund_approve,
    refund_decline,
    refund_issue,
    rma_approve,
    rma_complete,
    rma_inspect,
    rma_receive,
    rma_request,
)
from tests.orders.test_refunds import database_for_threads, in_thread, run_at_once
from tests.tickets.test_models import paid_order


def status_rows(order) -> list[tuple[list, str, str, str]]:
    """Return the order's audit rows that changed its status: (old → new, reason, actor, via), oldest first."""
    rows = AuditLog.objects.filter(object_type="orders.order", object_id=str(order.pk), action=AuditAction.UPDATE).order_by("id")
    return [(row.changes["status"], row.changes.get("reason", ""), str(row.actor or ""), row.via) for row in rows if "status" in row.changes]


def order_with_status(status: str) -> Order:
    """Given a ¥300 order the platform's export left in a status."""
    order = paid_order(paid="300.00")
    Order.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    return order


def status_of(order) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


@pytest.mark.django_db
def test_a_partial_refund_leaves_the_status(supervisor):
    order = paid_order(paid="300.00")
    refund_issue(order=order, amount="299.99", actor=supervisor, via="api")
    assert status_of(order) == OrderStatus.DELIVERED
    assert status_rows(order) == []


@pytest.mark.django_db
def test_refunds_that_reach_the_paid_amount_make_the_order_refunded(supervisor):
    order = paid_order(paid="300.00")
    refund_issue(order=order, amount="100.00", actor=supervisor, via="web")
    assert status_of(order) == OrderStatus.DELIVERED
    refund_issue(order=order, amount="200.00", actor=supervisor, via="web")
    assert status_of(order) == OrderStatus.REFUNDED
    assert status_rows(order) == [(["delivered", "refunded"], "refunded_in_full", "supervisor", "web")]


@pytest.mark.django_db
def test_a_full_refund_waiting_for_a_supervisor_is_refunding_then_refunded(other_agent, supervisor, settings):
    settings.KEFU = {**settings.KEFU, "REFUND_AGENT_LIMIT": "100.00"}
    order = paid_order(paid="300.00")
    refund_issue(order=order, amount="50.00", actor=other_agent)
    pending = refund_issue(order=order, amount="250.00", actor=other_agent, via="api")
    assert pending.status == RefundStatus.PENDING
    assert status_of(order) == OrderStatus.REFUNDING

    refund_approve(refund=pending, actor=supervisor, via="web")
    assert status_of(order) == OrderStatus.REFUNDED
    assert status_rows(order) == [
        (["delivered", "refunding"], "full_refund_pending", "阿强", "api"),
        (["refunding", "refunded"], "refunded_in_full", "supervisor", "web"),
    ]


@pytest.mark.django_db
def test_a_declined_full_refund_gives_the_order_its_status_back(other_agent, supervisor, settings):
    settings.KEFU = {**settings.KEFU, "REFUND_AGENT_LIMIT": "100.00"}
    order = order_with_status("completed")
    pending = refund_issue(order=order, amount="300.00", actor=other_agent)
    assert status_of(order) == OrderStatus.REFUNDING

    refund_decline(refund=pending, actor=supervisor, via="web")
    assert status_of(order) == OrderStatus.COMPLETED
    assert [row[:2] for row in status_rows(order)] == [
        (["completed", "refunding"], "full_refund_pending"),
        (["refunding", "completed"], "refund_declined"),
    ]


@pytest.mark.django_db
def test_a_platform_refunding_status_is_left_to_the_platform(other_agent, supervisor, settings):
    """The export said 退款中: declining a refund here does not invent the status before it."""
    settings.KEFU = {**settings.KEFU, "REFUND_AGENT_LIMIT": "100.00"}
    order = order_with_status("refunding")
    pending = refund_issue(order=order, amount="300.00", actor=other_agent)
    refund_decline(refund=pending, actor=supervisor)
    assert status_of(order) == OrderStatus.REFUNDING
    assert status_rows(order) == []


@pytest.mark.django_db
def test_a_partial_pending_refund_leaves_the_status(other_agent, settings):
    settings.KEFU = {**settings.KEFU, "REFUND_AGENT_LIMIT": "100.00"}
    order = paid_order(paid="300.00")
    refund_issue(order=order, amount="150.00", actor=other_agent)
    assert status_of(order) == OrderStatus.DELIVERED


@pytest.mark.django_db
def test_a_return_completed_with_a_full_refund_refunds_the_order(supervisor):
    order = paid_order(paid="300.00")
    items = [{"order_item_id": item.pk, "quantity": item.quantity} for item in order.items.order_by("id")]
    rma = rma_request(actor=supervisor, order=order, kind=ReturnKind.RETURN, items=items)
    rma = rma_receive(rma=rma_approve(rma=rma, actor=supervisor), actor=supervisor)
    rma = rma_inspect(rma=rma, actor=supervisor, passed=True)
    _rma, refund = rma_complete(rma=rma, actor=supervisor, resolution=ReturnResolution.FULL_REFUND, via="web")
    assert refund.amount == Decimal("300.00")
    assert status_of(order) == OrderStatus.REFUNDED


@pytest.mark.django_db
def test_the_api_shows_the_refunded_order(api_client_for, supervisor):
    order = paid_order(paid="300.00")
    client = api_client_for(supervisor)
    assert client.post("/api/v1/refunds", {"order_id": order.pk, "amount": "120.00"}).status_code == 201
    assert client.get(f"/api/v1/orders/{order.pk}").json()["status"] == "delivered"
    assert client.post("/api/v1/refunds", {"order_id": order.pk, "amount": "180.00"}).status_code == 201
    assert client.get(f"/api/v1/orders/{order.pk}").json()["status"] == "refunded"
    assert status_rows(order) == [(["delivered", "refunded"], "refunded_in_full", "supervisor", "api")]


@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_refund_the_order_exactly_once(supervisor, tmp_path):
    """Eight ¥100 refunds of a ¥300 order at once: three pass, the order is refunded, one status row."""
    order = paid_order(paid="300.00")
    with database_for_threads(tmp_path):
        outcomes = run_at_once(8, lambda: refund_issue(order=order, amount="100.00", actor=supervisor))
        status = in_thread(lambda: status_of(order))
        rows = in_thread(lambda: status_rows(order))
        issued = in_thread(lambda: list(Refund.objects.filter(order=order, status=RefundStatus.ISSUED).values_list("amount", flat=True)))

    assert outcomes == ["ok"] * 3 + ["refused"] * 5, outcomes
    assert issued == [Decimal("100.00")] * 3
    assert status == OrderStatus.REFUNDED
    assert rows == [(["delivered", "refunded"], "refunded_in_full", "supervisor", "")]


# --- the status before "refunding" is kept on the order ---------------------------------------------


def before_refunding(order) -> str:
    return Order.objects.values_list("status_before_refunding", flat=True).get(pk=order.pk)


@pytest.mark.django_db
def test_the_order_keeps_the_status_a_pending_full_refund_replaced_until_it_is_decided(other_agent, supervisor, settings):
    settings.KEFU = {**settings.KEFU, "REFUND_AGENT_LIMIT": "100.00"}
    order = order_with_status("completed")
    assert before_refunding(order) == ""

    pending = refund_issue(order=order, amount="300.00", actor=other_agent)
    assert (status_of(order), before_refunding(order)) == (OrderStatus.REFUNDING, OrderStatus.COMPLETED)

    refund_approve(refund=pending, actor=supervisor)
    assert (status_of(order), before_refunding(order)) == (OrderStatus.REFUNDED, "")


@pytest.mark.django_db
def test_a_declined_refund_gives_back_the_kept_status_however_long_the_orders_history_since(other_agent, supervisor, settings):
    """Sixty later changes of the order's note once hid the refund's audit row; the kept status does not depend on it."""
    settings.KEFU = {**settings.KEFU, "REFUND_AGENT_LIMIT": "100.00"}
    order = order_with_status("completed")
    pending = refund_issue(order=order, amount="300.00", actor=other_agent)
    for index in range(60):
        order_update(actor=supervisor, order=order, fields={"seller_note": f"催审批 {index}"}, via="web")
    assert before_refunding(order) == OrderStatus.COMPLETED

    refund_decline(refund=pending, actor=supervisor, via="web")

    assert (status_of(order), before_refunding(order)) == (OrderStatus.COMPLETED, "")
    assert status_rows(order)[-1][:2] == (["refunding", "completed"], "refund_declined")


@pytest.mark.django_db
def test_an_order_made_refunding_before_the_order_kept_the_status_is_given_it_back_from_its_audit_rows(other_agent, supervisor, settings):
    settings.KEFU = {**settings.KEFU, "REFUND_AGENT_LIMIT": "100.00"}
    order = order_with_status("shipped")
    pending = refund_issue(order=order, amount="300.00", actor=other_agent)
    Order.objects.filter(pk=order.pk).update(status_before_refunding="")  # as rows written before the field existed

    refund_decline(refund=pending, actor=supervisor)

    assert (status_of(order), before_refunding(order)) == (OrderStatus.SHIPPED, "")


@pytest.mark.django_db
def test_a_status_set_by_hand_forgets_the_kept_one_and_a_refunding_set_by_hand_stays(other_agent, supervisor, settings):
    settings.KEFU = {**settings.KEFU, "REFUND_AGENT_LIMIT": "100.00"}
    order = order_with_status("completed")
    pending = refund_issue(order=order, amount="300.00", actor=other_agent)
    order_update(actor=supervisor, order=order, fields={"status": "delivered"}, via="web")
    assert (status_of(order), before_refunding(order)) == (OrderStatus.DELIVERED, "")
    order_update(actor=supervisor, order=order, fields={"status": "refunding"}, via="web")
    assert before_refunding(order) == ""

    refund_decline(refund=pending, actor=supervisor)

    assert status_of(order) == OrderStatus.REFUNDING  # the supervisor's 退款中 is not the refund step's to undo
