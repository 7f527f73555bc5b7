"""The ticket API end to end: create, filter, transitions, comments, checklist, returns, refunds, compensation."""

import datetime
from decimal import Decimal

import pytest

from kefu.orders.enums import CompensationKind
from kefu.orders.models import CompensationPolicy, Refund
from kefu.tickets.models import Ticket, TicketEvent
from tests.tickets.test_models import make_ticket, paid_order, playbook_late, rule_seven_days
from tests.tickets.test_services import conversation_with_messages

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def client(api_client_for, other_agent):
    return api_client_for(other_agent)


@pytest.mark.django_db
def test_open_a_ticket_from_a_conversation(client, aftersale_team):
    order = paid_order()
    conversation = conversation_with_messages(order, aftersale_team)
    response = client.post("/api/v1/tickets", {"conversation_id": conversation.pk, "type": "late_delivery", "priority": "high"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["customer_id"], body["order_id"], body["order_number"], body["team_id"], body["channel"], body["status"]) == (
        order.customer_id,
        order.pk,
        order.number,
        aftersale_team.pk,
        "conversation",
        "new",
    )
    assert body["allowed_transitions"] == ["assigned", "in_progress", "waiting_customer", "waiting_carrier", "resolved"]
    assert "都一个星期了" in body["description"]


@pytest.mark.django_db
def test_open_a_ticket_for_a_customer_and_items(client, other_agent):
    order = paid_order()
    item = order.items.get(sku="F40-B")
    body = {
        "customer_id": order.customer_id, "order_id": order.pk, "item_ids": [item.pk], "type": "quality",
        "subject": "电池鼓包", "assignee_id": other_agent.pk,
    }  # fmt: skip
    response = client.post("/api/v1/tickets", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["item_ids"], data["status"], data["assignee_id"], data["subject"]) == ([item.pk], "assigned", other_agent.pk, "电池鼓包")


@pytest.mark.django_db
def test_errors_are_422_with_fields_and_nothing_is_created(client):
    order = paid_order()
    response = client.post("/api/v1/tickets", {"customer_id": order.customer_id, "type": "complaint"}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "cause", "message": "A complaint needs its cause.", "code": "required"}]
    response = client.post("/api/v1/tickets", {"type": "other"})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "customer_id"
    response = client.post("/api/v1/tickets", {"customer_id": 999999, "type": "other"})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "customer_id"
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_an_illegal_transition_is_422_and_changes_nothing(client, aftersale_team):
    ticket = make_ticket(team=aftersale_team)
    response = client.post(f"/api/v1/tickets/{ticket.pk}/transitions", {"to_status": "closed"}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "to_status", "message": "A ticket cannot go from “New” to “Closed”.", "code": "transition_not_allowed"}
    ]
    assert TicketEvent.objects.filter(ticket=ticket).count() == 1


@pytest.mark.django_db
def test_filters(client, aftersale_team, other_agent):
    late = make_ticket(team=aftersale_team)
    quality = make_ticket(team=aftersale_team, type="quality", priority="urgent", assignee=other_agent)
    assert [t["id"] for t in client.get("/api/v1/tickets?type=quality").json()["items"]] == [quality.pk]
    assert [t["id"] for t in client.get("/api/v1/tickets?priority=urgent").json()["items"]] == [quality.pk]
    assert [t["id"] for t in client.get(f"/api/v1/tickets?assignee_id={other_agent.pk}").json()["items"]] == [quality.pk]
    assert [t["id"] for t in client.get("/api/v1/tickets?unassigned=true").json()["items"]] == [late.pk]
    assert [t["id"] for t in client.get(f"/api/v1/tickets?q={late.number}").json()["items"]] == [late.pk]
    assert [t["id"] for t in client.get(f"/api/v1/tickets?product_id={late.product_id}").json()["items"]] == [late.pk]
    assert client.get("/api/v1/tickets?status=archived").status_code == 422


@pytest.mark.django_db
def test_timeline_comments_and_checklist(client, aftersale_team):
    playbook_late()
    rule = rule_seven_days()
    ticket = make_ticket(team=aftersale_team)
    assert client.post(f"/api/v1/tickets/{ticket.pk}/checklist", {"item_key": "handling:0"}).status_code == 200
    checklist = client.get(f"/api/v1/tickets/{ticket.pk}/checklist").json()
    assert [item["key"] for item in checklist if item["done"]] == ["handling:0"]
    assert client.post(f"/api/v1/tickets/{ticket.pk}/decline", {"rule_id": rule.pk, "body": "抱歉"}).status_code == 201
    comments = client.get(f"/api/v1/tickets/{ticket.pk}/comments").json()
    assert comments[0]["cited_rule"] == "AS-01"
    actions = [event["action"] for event in client.get(f"/api/v1/tickets/{ticket.pk}/events").json()]
    assert actions == ["created", "checklist_ticked", "commented", "declined"]


@pytest.mark.django_db
def test_return_flow_and_refund_limits_through_the_api(client, aftersale_team):
    order = paid_order(paid="300.00")
    ticket = make_ticket(team=aftersale_team, type="transport_damage", order=order)
    item = order.items.get(sku="F40-B")
    response = client.post("/api/v1/returns", {"order_id": order.pk, "kind": "return", "items": [{"order_item_id": item.pk, "quantity": 1}], "ticket_id": ticket.pk})
    assert response.status_code == 201, response.content
    rma_id = response.json()["id"]
    for path, body in [("approve", None), ("ship-back", {"carrier": "顺丰速运", "tracking_number": "SF1"}), ("receive", None), ("inspect", {"passed": True})]:
        response = client.post(f"/api/v1/returns/{rma_id}/{path}", body or {})
        assert response.status_code == 200, (path, response.content)
    response = client.post(f"/api/v1/returns/{rma_id}/complete", {"resolution": "partial_refund", "refund_amount": "60.00"})
    assert response.status_code == 200 and response.json()["status"] == "completed"
    assert Refund.objects.get().amount == Decimal("60.00")

    response = client.post("/api/v1/refunds", {"order_id": order.pk, "amount": "240.01", "ticket_id": ticket.pk}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["message"] == (
        f"The refund of ¥240.01 exceeds what is left to refund on order {order.number}: ¥240.00 of ¥300.00 paid."
    )
    assert client.get(f"/api/v1/refunds?order_id={order.pk}").json()["count"] == 1


@pytest.mark.django_db
def test_compensation_through_the_api(client, aftersale_team):
    CompensationPolicy.objects.create(name="延迟1天 5元券", min_days_late=1, kind=CompensationKind.COUPON, value=Decimal("5"))
    order = paid_order(
        promised_delivery_by=datetime.datetime(2026, 11, 10, 18, tzinfo=SHANGHAI), delivered_at=datetime.datetime(2026, 11, 12, 9, tzinfo=SHANGHAI)
    )
    ticket = make_ticket(team=aftersale_team, order=order)
    response = client.post(f"/api/v1/tickets/{ticket.pk}/compensation")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["amount"], body["evidence"]["days_late"], body["status"]) == ("coupon", "5.00", 2, "proposed")
    response = client.post(f"/api/v1/compensations/{body['id']}/approve")
    assert response.status_code == 200 and response.json()["status"] == "approved"
