"""The order fields after-sales reads (payment number, promised delivery, shipping method, shop) through the REST API."""

import datetime

import pytest

from kefu.accounts.models import AuditLog
from kefu.orders.models import Order
from tests.factories import customer_factory

EN = {"Accept-Language": "en"}
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def new_order(customer_id: int, **overrides) -> dict:
    return {
        "number": "TB20261103001",
        "customer_id": customer_id,
        "status": "shipped",
        "paid_amount": "899.00",
        "placed_at": "2026-11-03T10:00:00+08:00",
        "shipped_at": "2026-11-04T18:00:00+08:00",
        "promised_ship_by": "2026-11-05T23:59:59+08:00",
        "promised_delivery_by": "2026-11-08T18:00:00+08:00",
        "payment_number": "2026110322001100000001",
        "shop_name": "翼龙官方旗舰店",
        "shipping_method": "快递",
        "carrier": "中通快递",
        "items": [{"title": "翼龙F40 航拍无人机", "quantity": 1, "unit_price": "899.00"}],
        **overrides,
    }


@pytest.mark.django_db
def test_create_and_read_back_the_after_sales_fields(api_client_for, supervisor, agent):
    customer = customer_factory()
    created = api_client_for(supervisor).post("/api/v1/orders", new_order(customer.pk), headers=EN)
    assert created.status_code == 201, created.content

    read = api_client_for(agent).get(f"/api/v1/orders/{created.json()['id']}").json()
    assert {name: read[name] for name in ("payment_number", "shop_name", "shipping_method", "promised_delivery_by", "promised_ship_by")} == {
        "payment_number": "2026110322001100000001",
        "shop_name": "翼龙官方旗舰店",
        "shipping_method": "快递",
        "promised_delivery_by": "2026-11-08T10:00:00Z",
        "promised_ship_by": "2026-11-05T15:59:59Z",
    }
    order = Order.objects.get(number="TB20261103001")
    assert order.promised_delivery_by == datetime.datetime(2026, 11, 8, 18, 0, tzinfo=SHANGHAI)
    audit = AuditLog.objects.get(object_type="orders.order", object_id=str(order.pk), action="create")
    assert audit.changes["payment_number"] == [None, "2026110322001100000001"]
    assert audit.changes["shop_name"] == [None, "翼龙官方旗舰店"]


@pytest.mark.django_db
def test_patch_changes_the_promised_delivery_payment_number_and_shipping_method(api_client_for, supervisor):
    customer = customer_factory()
    client = api_client_for(supervisor)
    order_id = client.post("/api/v1/orders", new_order(customer.pk, status="unpaid", paid_amount="0", shipped_at=None, payment_number=""), headers=EN).json()["id"]

    patched = client.patch(
        f"/api/v1/orders/{order_id}",
        {"status": "paid", "payment_number": "PAY-2", "promised_delivery_by": "2026-11-10T18:00:00+08:00", "shipping_method": "EMS"},
        headers=EN,
    )
    assert patched.status_code == 200, patched.content
    body = patched.json()
    assert (body["status"], body["payment_number"], body["shipping_method"], body["promised_delivery_by"]) == (
        "paid",
        "PAY-2",
        "EMS",
        "2026-11-10T10:00:00Z",
    )
    cleared = client.patch(f"/api/v1/orders/{order_id}", {"promised_delivery_by": None}, headers=EN)
    assert cleared.json()["promised_delivery_by"] is None
    assert Order.objects.get(pk=order_id).promised_delivery_by is None


@pytest.mark.django_db
def test_the_shop_is_not_changed_after_creation_and_long_values_are_refused(api_client_for, supervisor):
    customer = customer_factory()
    client = api_client_for(supervisor)
    order_id = client.post("/api/v1/orders", new_order(customer.pk), headers=EN).json()["id"]

    response = client.patch(f"/api/v1/orders/{order_id}", {"shop_name": "别的店"}, headers=EN)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "shop_name"
    response = client.post("/api/v1/orders", new_order(customer.pk, number="TB2", payment_number="9" * 65), headers=EN)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["detail"]] == ["payment_number"]
    assert Order.objects.get(pk=order_id).shop_name == "翼龙官方旗舰店"
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_agents_may_not_write_the_fields(api_client_for, agent):
    customer = customer_factory()
    response = api_client_for(agent).post("/api/v1/orders", new_order(customer.pk), headers=EN)
    assert response.status_code == 403
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_the_admin_shows_and_edits_the_fields(client, admin_user, supervisor, api_client_for):
    customer = customer_factory()
    order_id = api_client_for(supervisor).post("/api/v1/orders", new_order(customer.pk), headers=EN).json()["id"]
    client.force_login(admin_user)
    page = client.get(f"/admin/orders/order/{order_id}/change/").content.decode()
    for name, value in (("payment_number", "2026110322001100000001"), ("shop_name", "翼龙官方旗舰店"), ("shipping_method", "快递")):
        assert f'name="{name}"' in page and value in page
    assert 'name="promised_delivery_by_0"' in page
