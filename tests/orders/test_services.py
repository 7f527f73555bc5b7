"""Order services called directly, as the importer and the workbench do."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kefu.orders.models import Order
from kefu.orders.services import order_create, order_update
from tests.factories import customer_factory, order_factory


def test_naive_times_are_read_as_local_time(supervisor):
    import datetime

    naive = datetime.datetime(2024, 5, 1, 10, 0)  # noqa: DTZ001 - naive on purpose
    order = order_create(
        actor=supervisor,
        fields={"number": "A1", "customer_id": customer_factory().pk, "placed_at": naive},
        items=[{"title": "x", "quantity": 1, "unit_price": Decimal("5")}],
    )

    assert order.placed_at == datetime.datetime(2024, 5, 1, 2, 0, tzinfo=datetime.UTC)


def test_item_quantity_below_one_is_a_field_error(supervisor):
    with pytest.raises(ValidationError) as caught:
        order_create(
            actor=supervisor,
            fields={"number": "A1", "customer_id": customer_factory().pk},
            items=[{"title": "x", "quantity": 0, "unit_price": Decimal("5")}],
        )

    assert list(caught.value.message_dict) == ["items.0.quantity"]
    assert Order.objects.count() == 0


def test_agents_may_not_change_orders(agent):
    order = order_factory(status="paid")

    with pytest.raises(PermissionDenied):
        order_update(actor=agent, order=order, fields={"status": "closed"})
    order.refresh_from_db()
    assert order.status == "paid"


def test_update_refuses_amount_fields(supervisor):
    order = order_factory()

    with pytest.raises(ValidationError) as caught:
        order_update(actor=supervisor, order=order, fields={"paid_amount": Decimal("0")})

    assert list(caught.value.message_dict) == ["paid_amount"]


def test_update_to_the_same_status_stamps_nothing(supervisor):
    order = order_factory(status="paid", paid_at=None)

    order_update(actor=supervisor, order=order, fields={"status": "paid"})

    order.refresh_from_db()
    assert order.paid_at is None
