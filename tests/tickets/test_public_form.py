"""The customer's own form: the order number and the order's phone prove the order; a wrong phone creates nothing."""

import pytest
from django.core.cache import cache
from django.test import Client

from kefu.tickets.enums import TicketChannel, TicketStatus
from kefu.tickets.models import Ticket
from tests.tickets.test_models import paid_order


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def form(order, phone, **extra):
    return {"order_number": order.number, "phone": phone, "type": "quality", "description": "电池充不进电，指示灯一直闪", **extra}


@pytest.mark.django_db
def test_the_form_opens_without_login():
    response = Client().get("/tickets/new/")
    assert response.status_code == 200
    assert 'name="order_number"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["13912345678", "+86 139-1234-5678", "0086 13912345678"])
def test_the_receivers_phone_in_any_form_opens_a_ticket(phone):
    order = paid_order()  # receiver phone 13912345678
    response = Client().post("/tickets/new/", form(order, phone))
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert (ticket.customer, ticket.order, ticket.channel, ticket.status, ticket.created_by) == (
        order.customer,
        order,
        TicketChannel.WEB_FORM,
        TicketStatus.NEW,
        None,
    )
    assert ticket.number in response.content.decode()


@pytest.mark.django_db
def test_the_customers_own_phone_also_proves_the_order():
    order = paid_order()
    Client().post("/tickets/new/", form(order, order.customer.phone))
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["13900000000", "", "12345"])
def test_a_wrong_phone_is_refused_and_nothing_is_created(phone):
    order = paid_order()
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/tickets/new/", form(order, phone))
    assert response.status_code == 200
    assert Ticket.objects.count() == 0
    if phone:
        assert "No order matches this order number and phone number." in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_order_gets_the_same_answer_as_a_wrong_phone():
    order = paid_order()
    data = form(order, "13912345678", order_number="NO-SUCH-ORDER")
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/tickets/new/", data)
    assert "No order matches this order number and phone number." in response.content.decode()
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_guessing_is_rate_limited_per_address():
    order = paid_order()
    client = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(5):
        assert client.post("/tickets/new/", form(order, "13900000000")).status_code == 200
    response = client.post("/tickets/new/", form(order, "13912345678"))  # even the right phone now waits
    assert response.status_code == 429
    assert Ticket.objects.count() == 0
    assert Client(REMOTE_ADDR="10.0.0.8").post("/tickets/new/", form(order, "13912345678")).status_code == 200
    assert Ticket.objects.count() == 1
