"""Refund limits: never more than paid across all refunds of an order, also when refunds race."""

import contextlib
import sqlite3
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import AuditLog
from kefu.orders.enums import RefundStatus
from kefu.orders.models import Order, Refund
from kefu.orders.services import refund_approve, refund_available, refund_decline, refund_issue
from tests.tickets.test_models import paid_order


@pytest.mark.django_db
def test_refunds_add_up_to_the_paid_amount_and_no_further(supervisor):
    order = paid_order(paid="300.00")
    refund_issue(order=order, amount="120.00", actor=supervisor, reason="部分退款")
    refund_issue(order=order, amount=Decimal("180.00"), actor=supervisor)
    assert refund_available(order) == Decimal("0.00")
    assert order.refunded_amount == Decimal("300.00")

    with pytest.raises(ValidationError) as caught:
        refund_issue(order=order, amount="0.01", actor=supervisor)
    assert caught.value.error_dict["amount"][0].code == "above_refundable"
    assert Refund.objects.filter(order=order).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["0", "-5", "abc", "300.01"])
def test_bad_amounts_are_refused_and_nothing_is_written(supervisor, amount):
    order = paid_order(paid="300.00")
    with pytest.raises(ValidationError):
        refund_issue(order=order, amount=amount, actor=supervisor)
    assert Refund.objects.count() == 0
    assert AuditLog.objects.filter(object_type="orders.refund").count() == 0


@pytest.mark.django_db
def test_the_refund_is_audited_with_who_approved_it(supervisor):
    order = paid_order()
    refund = refund_issue(order=order, amount="50.00", actor=supervisor, via="web")
    row = AuditLog.objects.get(object_type="orders.refund", object_id=str(refund.pk))
    assert (row.actor, row.action, row.via) == (supervisor, AuditAction.CREATE, "web")
    assert row.changes["amount"] == [None, "50.00"]
    assert row.changes["approved_by"] == [None, "supervisor"]
    assert (refund.status, refund.approved_by) == (RefundStatus.ISSUED, supervisor)


@pytest.mark.django_db
def test_above_the_agents_limit_a_refund_waits_and_reserves_the_amount(other_agent, supervisor, settings):
    settings.KEFU = {**settings.KEFU, "REFUND_AGENT_LIMIT": "100.00"}
    order = paid_order(paid="300.00")
    small = refund_issue(order=order, amount="100.00", actor=other_agent)
    large = refund_issue(order=order, amount="150.00", actor=other_agent)
    assert (small.status, small.approved_by) == (RefundStatus.ISSUED, other_agent)
    assert (large.status, large.approved_by) == (RefundStatus.PENDING, None)
    assert refund_available(order) == Decimal("50.00")  # the pending one is reserved

    with pytest.raises(PermissionDenied):
        refund_approve(refund=large, actor=other_agent)
    approved = refund_approve(refund=large, actor=supervisor)
    assert (approved.status, approved.approved_by) == (RefundStatus.ISSUED, supervisor)
    with pytest.raises(ValidationError):
        refund_decline(refund=large, actor=supervisor)  # already decided


@pytest.mark.django_db
def test_a_declined_refund_frees_its_amount(other_agent, supervisor, settings):
    settings.KEFU = {**settings.KEFU, "REFUND_AGENT_LIMIT": "10.00"}
    order = paid_order(paid="300.00")
    pending = refund_issue(order=order, amount="300.00", actor=other_agent)
    refund_decline(refund=pending, actor=supervisor)
    assert refund_available(order) == Decimal("300.00")


@contextlib.contextmanager
def database_for_threads(tmp_path):
    """Yield a database that threads share the way the product's processes do.

    PostgreSQL (DATABASE_URL): the test database itself. SQLite: the test database lives in
    shared-cache memory, where a second writer fails at once instead of waiting; so copy it to
    a file and let new connections open that file with the product's settings (WAL, IMMEDIATE
    transactions, busy timeout), as two server processes would.
    """
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield lambda: None
        return
    path = tmp_path / "threads.sqlite3"
    target = sqlite3.connect(path)
    connection.ensure_connection()
    connection.connection.backup(target)
    target.close()
    settings_dict = connections.settings["default"]
    original = settings_dict["NAME"]
    settings_dict["NAME"] = str(path)
    try:
        yield lambda: None
    finally:
        settings_dict["NAME"] = original


def run_at_once(count: int, action) -> list[str]:
    """Run an action in several threads released together; return each outcome."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            barrier.wait(timeout=10)
            action()
            result = "ok"
        except ValidationError:
            result = "refused"
        except Exception as error:  # noqa: BLE001 - reported by the caller's assertion
            result = f"error: {error}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


def in_thread(function):
    """Run a function in a fresh thread (so on a fresh connection) and return its result."""
    result = {}

    def target() -> None:
        try:
            result["value"] = function()
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    return result["value"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_never_exceed_the_paid_amount(supervisor, tmp_path):
    """Eight agents refund ¥100 of a ¥300 order at the same moment: exactly three succeed."""
    order = paid_order(paid="300.00")
    with database_for_threads(tmp_path):
        outcomes = run_at_once(8, lambda: refund_issue(order=order, amount="100.00", actor=supervisor))
        refunds = in_thread(lambda: list(Refund.objects.filter(order=order).values_list("amount", flat=True)))
        available = in_thread(lambda: refund_available(Order.objects.get(pk=order.pk)))

    assert outcomes == ["ok"] * 3 + ["refused"] * 5, outcomes
    assert refunds == [Decimal("100.00")] * 3
    assert available == Decimal("0.00")
