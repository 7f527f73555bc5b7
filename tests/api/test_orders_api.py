"""Orders API: reads for all staff, writes for supervisors and administrators; amounts validated."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kefu.accounts.models import AuditLog
from kefu.orders.models import Order, OrderItem
from tests.factories import customer_factory, order_factory, product_factory

EN = {"Accept-Language": "en"}


def new_order(customer_id: int, **overrides) -> dict:
    return {
        "number": "TB20240501001",
        "customer_id": customer_id,
        "status": "paid",
        "discount_amount": "10.00",
        "shipping_fee": "8.00",
        "paid_amount": "208.00",
        "placed_at": "2024-05-01T10:00:00+08:00",
        "receiver_name": "王芳",
        "receiver_phone": "13812345678",
        "shipping_address": "浙江省杭州市西湖区文三路1号",
        "items": [{"title": "机械键盘", "sku": "KB-87", "quantity": 2, "unit_price": "105.00"}],
        **overrides,
    }


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_every_staff_role_reads_orders(client_for_role, role):
    order = order_factory(number="N1")
    client = client_for_role(role)

    assert client.get("/api/v1/orders").status_code == 200
    assert client.get(f"/api/v1/orders/{order.pk}").status_code == 200
    assert client.get("/api/v1/orders/by-number/N1").status_code == 200


@pytest.mark.parametrize(("role", "create_status", "patch_status"), [("agent", 403, 403), ("supervisor", 201, 200), ("admin", 201, 200)])
def test_supervisors_and_administrators_write_orders(client_for_role, role, create_status, patch_status):
    customer = customer_factory()
    order = order_factory(customer=customer, number="EXISTING", status="paid")
    client = client_for_role(role)

    created = client.post("/api/v1/orders", new_order(customer.pk), headers=EN)
    patched = client.patch(f"/api/v1/orders/{order.pk}", {"status": "shipped"}, headers=EN)

    assert (created.status_code, patched.status_code) == (create_status, patch_status)
    if role == "agent":
        assert created.json() == {"detail": "Only supervisors and administrators may create or change orders."}
        assert Order.objects.count() == 1
        order.refresh_from_db()
        assert order.status == "paid"


def test_create_computes_total_from_items_and_returns_the_order(api_client_for, supervisor):
    customer = customer_factory(name="王芳")
    product = product_factory(sku="KB-87", name="机械键盘")

    response = api_client_for(supervisor).post("/api/v1/orders", new_order(customer.pk))

    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["customer_name"], body["total_amount"], body["amount_due"], body["paid_amount"]) == (
        "TB20240501001",
        "王芳",
        "210.00",
        "208.00",
        "208.00",
    )
    assert body["items"] == [
        {"id": body["items"][0]["id"], "product_id": product.pk, "title": "机械键盘", "sku": "KB-87", "quantity": 2, "unit_price": "105.00", "line_total": "210.00"}
    ]
    assert body["placed_at"] == "2024-05-01T02:00:00Z"


def test_create_with_product_id_fills_title_sku_and_price(api_client_for, admin_user):
    customer = customer_factory()
    product = product_factory(sku="MS-1", name="无线鼠标", price=Decimal("59.00"))

    response = api_client_for(admin_user).post(
        "/api/v1/orders", new_order(customer.pk, paid_amount="0", discount_amount="0", items=[{"product_id": product.pk}])
    )

    assert response.status_code == 201
    item = OrderItem.objects.get()
    assert (item.product, item.title, item.sku, item.quantity, item.unit_price) == (product, "无线鼠标", "MS-1", 1, Decimal("59.00"))
    assert response.json()["total_amount"] == "59.00"


def test_create_writes_an_audit_row(api_client_for, supervisor):
    customer = customer_factory()

    response = api_client_for(supervisor).post("/api/v1/orders", new_order(customer.pk))

    audit = AuditLog.objects.get(action="create", object_type="orders.order")
    assert (audit.actor, audit.via, audit.object_id) == (supervisor, "api", str(response.json()["id"]))
    assert audit.changes["number"] == [None, "TB20240501001"]
    assert audit.changes["total_amount"] == [None, "210.00"]
    assert audit.changes["items"] == [None, ["机械键盘 × 2 @ 105.00"]]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"discount_amount": "300.00"}, "discount_amount", "The discount cannot exceed the total of 210.00."),
        (
            {"paid_amount": "208.01"},
            "paid_amount",
            "The paid amount cannot exceed the amount due of 208.00 (total − discount + shipping fee).",
        ),
        ({"customer_id": 999}, "customer_id", "Customer 999 does not exist."),
        ({"number": "TAKEN"}, "number", "An order with the number TAKEN already exists."),
        ({"items": [{"title": "x", "quantity": 0, "unit_price": "1.00"}]}, "items.0.quantity", "Ensure this value is greater than or equal to 1."),
        ({"items": [{"product_id": 999}]}, "items.0.product_id", "Product 999 does not exist."),
        ({"items": [{"title": "x"}]}, "items.0.unit_price", "This field is required."),
        ({"total_amount": "-1"}, "total_amount", "Ensure this value is greater than or equal to 0."),
        ({"status": "lost"}, "status", None),
        ({"number": ""}, "number", "Ensure this value has at least 1 characters."),
    ],
)
def test_create_validation_is_422_by_field_and_creates_nothing(api_client_for, supervisor, overrides, field, message):
    customer = customer_factory()
    order_factory(customer=customer, number="TAKEN")

    response = api_client_for(supervisor).post("/api/v1/orders", {**new_order(customer.pk), **overrides}, headers=EN)

    assert response.status_code == 422
    errors = response.json()["detail"]
    assert [e["field"] for e in errors] == [field]
    if message is not None:
        assert errors[0]["message"] == message
    assert Order.objects.count() == 1


def test_patch_status_stamps_the_time_and_audits(api_client_for, supervisor):
    order = order_factory(status="paid", carrier="", tracking_number="")

    response = api_client_for(supervisor).patch(
        f"/api/v1/orders/{order.pk}", {"status": "shipped", "carrier": "顺丰", "tracking_number": "SF123"}
    )

    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "顺丰", "SF123")
    assert order.shipped_at is not None and timezone.now() - order.shipped_at < datetime.timedelta(minutes=1)
    audit = AuditLog.objects.get(action="update", object_type="orders.order")
    assert audit.changes["status"] == ["paid", "shipped"]
    assert audit.changes["tracking_number"] == ["", "SF123"]
    assert audit.changes["shipped_at"][0] is None


def test_patch_keeps_a_given_timestamp_and_rejects_amounts(api_client_for, admin_user):
    order = order_factory(status="shipped")

    kept = api_client_for(admin_user).patch(
        f"/api/v1/orders/{order.pk}", {"status": "delivered", "delivered_at": "2024-05-03T09:00:00+08:00", "seller_note": "已签收"}
    )
    refused = api_client_for(admin_user).patch(f"/api/v1/orders/{order.pk}", {"paid_amount": "0"}, headers=EN)

    assert kept.status_code == 200
    assert kept.json()["delivered_at"] == "2024-05-03T01:00:00Z"
    assert kept.json()["seller_note"] == "已签收"
    assert refused.status_code == 422
    assert refused.json()["detail"] == [{"field": "paid_amount", "message": "Unknown field.", "code": "extra_forbidden"}]


def test_unknown_order_is_404(api_client_for, agent, supervisor):
    assert api_client_for(agent).get("/api/v1/orders/999", headers=EN).json() == {"detail": "Order 999 does not exist."}
    assert api_client_for(agent).get("/api/v1/orders/by-number/X", headers=EN).json() == {"detail": "No order has the number X."}
    assert api_client_for(supervisor).patch("/api/v1/orders/999", {"status": "paid"}).status_code == 404


@pytest.mark.parametrize(
    ("who", "phone", "address"),
    [
        ("agent", "139****5678", "浙江省杭州市西湖区****"),
        ("agent_with_contact", "13912345678", "浙江省杭州市西湖区文三路100号"),
        ("supervisor", "13912345678", "浙江省杭州市西湖区文三路100号"),
        ("admin_user", "13912345678", "浙江省杭州市西湖区文三路100号"),
    ],
)
def test_receiver_contact_is_masked_by_role(db, request, api_client_for, who, phone, address):
    order = order_factory(receiver_phone="13912345678", shipping_address="浙江省杭州市西湖区文三路100号")
    client = api_client_for(request.getfixturevalue(who))

    detail = client.get(f"/api/v1/orders/{order.pk}").json()
    listed = client.get("/api/v1/orders").json()["items"][0]

    assert (detail["receiver_phone"], detail["shipping_address"]) == (phone, address)
    assert (listed["receiver_phone"], listed["shipping_address"]) == (phone, address)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=TB0", ["TB02", "TB01"]),
        ("q=SF999", ["TB02"]),
        ("status=shipped", ["TB02"]),
        ("platform=jd", ["JD01"]),
        ("customer_id={wang}", ["TB02", "TB01"]),
        ("placed_after=2024-05-02T00:00:00%2B08:00", ["JD01", "TB02"]),
        ("placed_before=2024-05-02T00:00:00%2B08:00", ["TB01"]),
    ],
)
def test_list_filters(api_client_for, agent, query, expected):
    wang = customer_factory(name="王芳")
    day = lambda d: datetime.datetime(2024, 5, d, 4, tzinfo=datetime.UTC)  # noqa: E731
    order_factory(number="TB01", customer=wang, placed_at=day(1))
    order_factory(number="TB02", customer=wang, placed_at=day(2), status="shipped", tracking_number="SF999")
    order_factory(number="JD01", platform="jd", placed_at=day(3))

    response = api_client_for(agent).get("/api/v1/orders?" + query.format(wang=wang.pk))

    assert [o["number"] for o in response.json()["items"]] == expected
    assert response.json()["count"] == len(expected)


def test_list_of_twenty_runs_a_constant_number_of_queries(api_client_for, agent, django_assert_max_num_queries):
    for _ in range(20):
        order_factory(items=2)
    client = api_client_for(agent)

    with django_assert_max_num_queries(6):  # token + last use, count, page with customers, items
        response = client.get("/api/v1/orders?limit=20")

    assert response.json()["count"] == 20
    assert all(len(order["items"]) == 2 for order in response.json()["items"])
