"""Inputs the OpenAPI fuzzer found crashing the API (500): each must now be refused with a clear 422."""

import pytest

from kefu.customers.models import Customer
from kefu.orders.models import Order
from tests.factories import customer_factory

EN = {"Accept-Language": "en"}
TOO_BIG = str(2**65)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/products?category_id={TOO_BIG}",
        f"/api/v1/orders?customer_id={TOO_BIG}",
        f"/api/v1/customers?offset={TOO_BIG}",
        f"/api/v1/customers/1/notes?offset={TOO_BIG}",
        f"/api/v1/conversations/1/messages?after_seq={TOO_BIG}",
        f"/api/v1/conversations?inbox={TOO_BIG}",
        f"/api/v1/conversations?assignee={TOO_BIG}",
        f"/api/v1/conversations?customer={TOO_BIG}",
    ],
)
def test_a_number_beyond_the_database_range_is_refused(client_for_role, path):
    response = client_for_role("supervisor").get(path, headers=EN)
    assert response.status_code == 422
    assert "less than or equal to" in response.json()["detail"][0]["message"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/customers?created_after=0001-01-01T00:00:00%2B02:00",
        "/api/v1/customers?created_before=0001-01-01T00:00:00",
        "/api/v1/orders?placed_before=9999-12-31T23:00:00-05:00",
    ],
)
def test_a_moment_off_the_calendar_in_utc_is_refused(client_for_role, path):
    response = client_for_role("supervisor").get(path, headers=EN)
    assert response.status_code == 422
    assert response.json()["detail"][0]["message"] == "Enter a valid date/time."


@pytest.mark.django_db
def test_an_order_placed_off_the_calendar_is_refused_and_not_saved(client_for_role):
    customer = customer_factory()
    payload = {"number": "T-EDGE-1", "customer_id": customer.pk, "placed_at": "0001-01-01T00:00:00+02:00"}
    response = client_for_role("supervisor").post("/api/v1/orders", payload, headers=EN)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "placed_at"
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_an_offset_beyond_what_postgresql_takes_means_the_same_instant(client_for_role):
    response = client_for_role("supervisor").get("/api/v1/customers?created_before=3020-09-14T21:40:44%2B16:48", headers=EN)
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/customers?province=%00", None),
        ("get", "/api/v1/products/by-sku/A%00B", None),
        ("post", "/api/v1/customers", {"name": "张\x00三", "phone": "13812345678"}),
    ],
)
def test_nul_characters_are_refused_with_422_and_change_nothing(supervisor, api_client_for, method, path, body):
    """PostgreSQL cannot store U+0000 in text; the API refuses it up front on every database."""
    api = api_client_for(supervisor)
    before = Customer.objects.count()

    response = getattr(api, method)(path, body, headers={"Accept-Language": "en"})

    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": None, "message": "Text may not contain NUL characters.", "code": "null_characters_not_allowed"}]
    assert Customer.objects.count() == before
