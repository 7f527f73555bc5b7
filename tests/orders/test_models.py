"""Order invariants enforced by the database."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from kefu.orders.models import Order, OrderItem
from tests.factories import customer_factory

D = Decimal


def make_order(**amounts) -> Order:
    fields = {"total_amount": D("100"), "discount_amount": D("0"), "shipping_fee": D("0"), "paid_amount": D("0"), **amounts}
    return Order.objects.create(number=f"N{Order.objects.count() + 1}", customer=customer_factory(), placed_at=timezone.now(), **fields)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "amounts",
    [
        {"total_amount": D("-1")},
        {"discount_amount": D("-0.01")},
        {"paid_amount": D("-5")},
        {"discount_amount": D("100.01")},  # discount above total
        {"discount_amount": D("10"), "shipping_fee": D("5"), "paid_amount": D("95.01")},  # paid above due
    ],
)
def test_bad_amounts_are_rejected_by_the_database(amounts):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_order(**amounts)


@pytest.mark.django_db
def test_amounts_at_the_limits_are_accepted():
    order = make_order(discount_amount=D("10"), shipping_fee=D("5"), paid_amount=D("95"))

    assert order.amount_due == D("95")


@pytest.mark.django_db
@pytest.mark.parametrize(("quantity", "unit_price"), [(0, D("1")), (1, D("-1"))])
def test_item_quantity_and_price_are_checked(quantity, unit_price):
    order = make_order()

    with pytest.raises(IntegrityError), transaction.atomic():
        OrderItem.objects.create(order=order, title="x", quantity=quantity, unit_price=unit_price)


@pytest.mark.django_db
def test_order_number_is_unique():
    make_order()

    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.create(number="N1", customer=customer_factory(), placed_at=timezone.now())


@pytest.mark.django_db
@pytest.mark.parametrize(("total", "discount", "paid"), [("1451.60", "5", "1446.60"), ("0.30", "0.10", "0.20"), ("99999.99", "0.01", "99999.98")])
def test_paid_exactly_the_amount_due_is_accepted_despite_float_arithmetic(total, discount, paid):
    """SQLite computes the check in floating point; exact equality must still pass."""
    order = make_order(total_amount=D(total), discount_amount=D(discount), paid_amount=D(paid))

    order.refresh_from_db()
    assert order.paid_amount == D(paid)
