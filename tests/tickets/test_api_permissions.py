"""The API's authorisation matrix beyond test_permissions: the same capability and team rule as the pages.

The ticket, its conversation and its money rows belong to 售后组: `agent` is 售后组's agent and
`other_team_agent` (售前组) is the agent of another team, for whom they do not exist (404, or
422 when named in a body). Returns, refunds and compensations opened on a ticket follow that
ticket's team; those opened on the order alone are order data every staff role reads.
"""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from kefu.knowledge.models import Playbook
from kefu.orders.enums import CompensationKind, CompensationStatus, RefundStatus, ReturnKind, ReturnStatus
from kefu.orders.models import Compensation, CompensationPolicy, Refund, ReturnRequest
from kefu.orders.services import (
    compensation_propose,
    refund_issue,
    rma_approve,
    rma_inspect,
    rma_mark_shipped_back,
    rma_receive,
    rma_request,
)
from kefu.tickets.models import Ticket, TicketComment, TicketEvent
from tests.factories import customer_factory
from tests.tickets.test_models import PLAYBOOK_LATE, make_ticket, paid_order, rule_seven_days
from tests.tickets.test_services import conversation_with_messages

ROLES = ["anonymous", "other_team_agent", "agent", "supervisor", "admin"]
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def world(db, agent, other_agent, supervisor, admin_user, aftersale_team, settings):
    settings.KEFU = {**settings.KEFU, "REFUND_AGENT_LIMIT": "50.00"}
    order = paid_order(
        promised_delivery_by=datetime.datetime(2026, 11, 10, 18, tzinfo=SHANGHAI),
        delivered_at=datetime.datetime(2026, 11, 13, 9, tzinfo=SHANGHAI),
    )
    conversation = conversation_with_messages(order, aftersale_team)
    ticket = make_ticket(team=aftersale_team, order=order)
    users = {"anonymous": None, "other_team_agent": agent, "agent": other_agent, "supervisor": supervisor, "admin": admin_user}
    return {
        "order": order,
        "item": order.items.get(sku="F40-B"),
        "conversation": conversation,
        "ticket": ticket,
        "users": users,
        "playbook": Playbook.objects.create(**PLAYBOOK_LATE),
        "rule": rule_seven_days(),
    }


def api(api_client_for, world, role):
    return api_client_for(world["users"][role])


def matrix(success: int) -> list[tuple[str, int]]:
    return [("anonymous", 401), ("other_team_agent", 404), ("agent", success), ("supervisor", success), ("admin", success)]


def body_matrix(success: int) -> list[tuple[str, int]]:
    """Naming another team's row in a body answers like naming an unknown one: 422."""
    return [("anonymous", 401), ("other_team_agent", 422), ("agent", success), ("supervisor", success), ("admin", success)]


def fields(response) -> list[tuple[str | None, str]]:
    return [(error["field"], error["code"]) for error in response.json()["detail"]]


# --- opening tickets ------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), body_matrix(201))
def test_open_a_ticket_from_a_conversation_the_caller_sees(api_client_for, world, role, expected):
    before = Ticket.objects.count()
    body = {"conversation_id": world["conversation"].pk, "type": "late_delivery"}
    response = api(api_client_for, world, role).post("/api/v1/tickets", body)
    assert response.status_code == expected, response.content
    assert Ticket.objects.count() == before + (1 if expected == 201 else 0)
    if expected == 422:
        assert fields(response) == [("conversation_id", "does_not_exist")]
    if expected == 201:
        assert (response.json()["conversation_id"], response.json()["order_id"]) == (world["conversation"].pk, world["order"].pk)


def test_an_unknown_conversation_answers_exactly_like_another_teams(api_client_for, world):
    client = api(api_client_for, world, "other_team_agent")
    hidden = client.post("/api/v1/tickets", {"conversation_id": world["conversation"].pk, "type": "other"}, headers={"Accept-Language": "en"})
    unknown = client.post("/api/v1/tickets", {"conversation_id": 987654, "type": "other"}, headers={"Accept-Language": "en"})
    assert hidden.json()["detail"] == [
        {"field": "conversation_id", "message": f"{world['conversation'].pk} does not exist.", "code": "does_not_exist"}
    ]
    assert unknown.json()["detail"] == [{"field": "conversation_id", "message": "987654 does not exist.", "code": "does_not_exist"}]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("order_of_another_customer", [("order_id", "order_not_customers")]),
        ("conversation_and_order_of_another_customer", [("order_id", "order_not_customers")]),
        ("items_of_another_order", [("item_ids", "item_not_in_order")]),
        ("conversation_items_of_another_order", [("item_ids", "item_not_in_order")]),
        ("items_without_order", [("item_ids", "items_without_order")]),
        ("conversation_with_another_customer", [("conversation_id", "conversation_not_customers")]),
        ("assignee_outside_the_team", [("assignee_id", "not_in_team")]),
    ],
)
def test_links_that_do_not_belong_together_are_refused_and_nothing_is_created(api_client_for, world, body, expected, aftersale_team, agent):
    stranger_order = paid_order(customer=customer_factory())
    stranger_item = stranger_order.items.get(sku="F40-C")
    customer_id, conversation_id = world["order"].customer_id, world["conversation"].pk
    bodies = {
        "order_of_another_customer": {"customer_id": customer_id, "order_id": stranger_order.pk},
        "conversation_and_order_of_another_customer": {"conversation_id": conversation_id, "order_id": stranger_order.pk},
        "items_of_another_order": {"customer_id": customer_id, "order_id": world["order"].pk, "item_ids": [stranger_item.pk]},
        "conversation_items_of_another_order": {"conversation_id": conversation_id, "item_ids": [stranger_item.pk]},
        "items_without_order": {"customer_id": customer_id, "item_ids": [world["item"].pk]},
        "conversation_with_another_customer": {"conversation_id": conversation_id, "customer_id": stranger_order.customer_id},
        # 小美 is an agent of 售前组: a supervisor cannot put her on a 售后组 ticket.
        "assignee_outside_the_team": {"customer_id": customer_id, "team_id": aftersale_team.pk, "assignee_id": agent.pk},
    }
    before = (Ticket.objects.count(), TicketEvent.objects.count())
    response = api(api_client_for, world, "supervisor").post("/api/v1/tickets", {"type": "quality", **bodies[body]})
    assert response.status_code == 422, response.content
    assert fields(response) == expected
    assert (Ticket.objects.count(), TicketEvent.objects.count()) == before


@pytest.mark.parametrize(("role", "expected"), [("anonymous", 302), ("other_team_agent", 404), ("agent", 200), ("supervisor", 200), ("admin", 200)])
def test_page_new_ticket_from_a_conversation(world, role, expected):
    client = Client()
    if world["users"][role] is not None:
        client.force_login(world["users"][role])
    response = client.get(f"/tickets/create/?conversation={world['conversation'].pk}")
    assert response.status_code == expected
    if expected == 200:
        assert "都一个星期了" in response.content.decode()


def test_page_new_ticket_refuses_another_teams_conversation_on_post_too(world):
    client = Client()
    client.force_login(world["users"]["other_team_agent"])
    before = Ticket.objects.count()
    response = client.post("/tickets/create/", {"conversation": world["conversation"].pk, "type": "other", "priority": "normal"})
    assert response.status_code == 404
    assert Ticket.objects.count() == before


# --- the other ticket endpoints ---------------------------------------------------------------


TICKET_CALLS = {
    "patch": ("patch", "", {"priority": "high"}, 200),
    "events": ("get", "/events", None, 200),
    "comments": ("get", "/comments", None, 200),
    "checklist": ("get", "/checklist", None, 200),
    "tick": ("post", "/checklist", {"item_key": "handling:0"}, 200),
    "decline": ("post", "/decline", "rule", 201),
    "compensation": ("post", "/compensation", {}, 201),
}


@pytest.mark.parametrize("call", list(TICKET_CALLS))
@pytest.mark.parametrize("role", ROLES)
def test_ticket_endpoints(api_client_for, world, call, role):
    CompensationPolicy.objects.create(name="延迟1天 5元券", min_days_late=1, kind=CompensationKind.COUPON, value=Decimal("5"))
    method, suffix, body, success = TICKET_CALLS[call]
    if body == "rule":
        body = {"rule_id": world["rule"].pk, "body": "抱歉"}
    ticket = world["ticket"]
    client = api(api_client_for, world, role)
    path = f"/api/v1/tickets/{ticket.pk}{suffix}"
    response = getattr(client, method)(path, body) if body is not None else getattr(client, method)(path)
    expected = dict(matrix(success))[role]
    assert response.status_code == expected, response.content
    changed = expected == success and method != "get"
    assert (Ticket.objects.get(pk=ticket.pk).priority == "high") is (changed and call == "patch")
    assert TicketComment.objects.filter(ticket=ticket).count() == (1 if changed and call == "decline" else 0)
    assert Compensation.objects.filter(ticket_id=ticket.pk).count() == (1 if changed and call == "compensation" else 0)


# --- returns (RMA) ------------------------------------------------------------------------------


def ticket_return(world) -> ReturnRequest:
    items = [{"order_item_id": world["item"].pk, "quantity": 1}]
    return rma_request(actor=None, order=world["order"], kind=ReturnKind.RETURN, items=items, ticket=world["ticket"])


def order_return(world) -> ReturnRequest:
    """Given a refund-only request on the order alone (no ticket): order data."""
    return rma_request(actor=None, order=world["order"], kind=ReturnKind.REFUND_ONLY, reason="仅退款")


@pytest.mark.parametrize(
    ("role", "visible"), [("other_team_agent", "order"), ("agent", "both"), ("supervisor", "both"), ("admin", "both")]
)
def test_return_list_and_detail_follow_the_tickets_team(api_client_for, world, role, visible):
    on_ticket, on_order = ticket_return(world), order_return(world)
    client = api(api_client_for, world, role)
    listed = [row["id"] for row in client.get("/api/v1/returns").json()["items"]]
    assert listed == ([on_order.pk] if visible == "order" else [on_order.pk, on_ticket.pk])
    assert client.get(f"/api/v1/returns/{on_ticket.pk}").status_code == (404 if visible == "order" else 200)
    assert client.get(f"/api/v1/returns/{on_order.pk}").status_code == 200


def test_return_list_anonymous(api_client_for, world):
    rma = ticket_return(world)
    assert api(api_client_for, world, "anonymous").get("/api/v1/returns").status_code == 401
    assert api(api_client_for, world, "anonymous").get(f"/api/v1/returns/{rma.pk}").status_code == 401


def _to(status: str, rma: ReturnRequest) -> ReturnRequest:
    """Given a return moved by the system to the step before the one under test."""
    if status in ("approved", "in_transit", "received", "inspected"):
        rma = rma_approve(rma=rma, actor=None)
    if status in ("in_transit", "received", "inspected"):
        rma = rma_mark_shipped_back(rma=rma, actor=None, carrier="顺丰速运", tracking_number="SF100")
    if status in ("received", "inspected"):
        rma = rma_receive(rma=rma, actor=None)
    if status == "inspected":
        rma = rma_inspect(rma=rma, actor=None, passed=True)
    return rma


RMA_STEPS = {
    "approve": ("requested", {}, ReturnStatus.APPROVED),
    "decline": ("requested", "rule", ReturnStatus.DECLINED),
    "ship-back": ("approved", {"carrier": "顺丰速运", "tracking_number": "SF200"}, ReturnStatus.IN_TRANSIT),
    "receive": ("in_transit", {}, ReturnStatus.RECEIVED),
    "inspect": ("received", {"passed": True, "note": "外箱破损"}, ReturnStatus.INSPECTED),
    "complete": ("inspected", {"resolution": "resend"}, ReturnStatus.COMPLETED),
}


@pytest.mark.parametrize("step", list(RMA_STEPS))
@pytest.mark.parametrize(("role", "expected"), matrix(200))
def test_return_steps(api_client_for, world, step, role, expected):
    before, body, after = RMA_STEPS[step]
    rma = _to(before, ticket_return(world))
    if body == "rule":
        body = {"rule_id": world["rule"].pk, "note": "已超过七天"}
    response = api(api_client_for, world, role).post(f"/api/v1/returns/{rma.pk}/{step}", body)
    assert response.status_code == expected, response.content
    assert ReturnRequest.objects.get(pk=rma.pk).status == (after if expected == 200 else before)


@pytest.mark.parametrize(("role", "expected"), body_matrix(201))
def test_return_create_on_a_ticket(api_client_for, world, role, expected):
    body = {"order_id": world["order"].pk, "kind": "return", "items": [{"order_item_id": world["item"].pk, "quantity": 1}], "ticket_id": world["ticket"].pk}
    response = api(api_client_for, world, role).post("/api/v1/returns", body)
    assert response.status_code == expected, response.content
    assert ReturnRequest.objects.count() == (1 if expected == 201 else 0)
    if expected == 422:
        assert fields(response) == [("ticket_id", "does_not_exist")]


def test_a_return_on_a_ticket_must_be_on_the_tickets_order(api_client_for, world):
    other_order = paid_order(customer=world["order"].customer)
    item = other_order.items.get(sku="F40-B")
    body = {"order_id": other_order.pk, "kind": "return", "items": [{"order_item_id": item.pk, "quantity": 1}], "ticket_id": world["ticket"].pk}
    response = api(api_client_for, world, "agent").post("/api/v1/returns", body, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "ticket_id", "message": f"The ticket is about another order, not {other_order.number}.", "code": "ticket_not_for_order"}
    ]
    assert ReturnRequest.objects.count() == 0


# --- refunds --------------------------------------------------------------------------------------


def pending_refund(world) -> Refund:
    """Given a ¥120 refund above the agents' ¥50 limit, asked on the ticket by its team's agent."""
    refund = refund_issue(order=world["order"], amount="120.00", actor=world["users"]["agent"], ticket=world["ticket"])
    assert refund.status == RefundStatus.PENDING
    return refund


@pytest.mark.parametrize(("role", "listed"), [("other_team_agent", 0), ("agent", 1), ("supervisor", 1), ("admin", 1)])
def test_refund_list_and_detail_follow_the_tickets_team(api_client_for, world, role, listed):
    refund = pending_refund(world)
    client = api(api_client_for, world, role)
    assert client.get("/api/v1/refunds").json()["count"] == listed
    assert client.get(f"/api/v1/refunds/{refund.pk}").status_code == (200 if listed else 404)


@pytest.mark.parametrize("decision", ["approve", "decline"])
@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("other_team_agent", 404), ("agent", 403), ("supervisor", 200), ("admin", 200)]
)
def test_refund_decisions_on_a_ticket(api_client_for, world, decision, role, expected):
    refund = pending_refund(world)
    response = api(api_client_for, world, role).post(f"/api/v1/refunds/{refund.pk}/{decision}")
    assert response.status_code == expected, response.content
    decided = RefundStatus.ISSUED if decision == "approve" else RefundStatus.DECLINED
    assert Refund.objects.get(pk=refund.pk).status == (decided if expected == 200 else RefundStatus.PENDING)


@pytest.mark.parametrize(("role", "expected"), body_matrix(201))
def test_refund_create_on_a_ticket(api_client_for, world, role, expected):
    body = {"order_id": world["order"].pk, "amount": "20.00", "ticket_id": world["ticket"].pk}
    response = api(api_client_for, world, role).post("/api/v1/refunds", body)
    assert response.status_code == expected, response.content
    assert list(Refund.objects.values_list("amount", "ticket_id")) == ([(Decimal("20.00"), world["ticket"].pk)] if expected == 201 else [])


@pytest.mark.parametrize("link", ["ticket_of_another_order", "return_of_another_order", "return_of_another_ticket"])
def test_a_refund_must_match_its_ticket_and_return(api_client_for, world, link):
    other_order = paid_order(customer=world["order"].customer)
    other_ticket = make_ticket(team=world["ticket"].team, order=world["order"])
    other_rma = rma_request(actor=None, order=other_order, kind=ReturnKind.REFUND_ONLY)
    own_rma = ticket_return(world)
    bodies = {
        "ticket_of_another_order": ({"order_id": other_order.pk, "ticket_id": world["ticket"].pk}, [("ticket_id", "ticket_not_for_order")]),
        "return_of_another_order": ({"order_id": world["order"].pk, "rma_id": other_rma.pk}, [("rma_id", "does_not_exist")]),
        "return_of_another_ticket": (
            {"order_id": world["order"].pk, "rma_id": own_rma.pk, "ticket_id": other_ticket.pk},
            [("rma_id", "rma_not_for_ticket")],
        ),
    }
    body, expected = bodies[link]
    response = api(api_client_for, world, "agent").post("/api/v1/refunds", {"amount": "10.00", **body})
    assert response.status_code == 422, response.content
    assert fields(response) == expected
    assert Refund.objects.count() == 0


# --- compensation ---------------------------------------------------------------------------------


def proposal(world, *, needs_supervisor: bool) -> Compensation:
    """Given a proposal on the late ticket (3 days late): a ¥5 coupon, or ¥80 that needs a supervisor (limit ¥50)."""
    if needs_supervisor:
        CompensationPolicy.objects.create(name="延迟3天 赔80元", min_days_late=3, kind=CompensationKind.FIXED_AMOUNT, value=Decimal("80"))
    else:
        CompensationPolicy.objects.create(name="延迟1天 5元券", min_days_late=1, kind=CompensationKind.COUPON, value=Decimal("5"))
    compensation = compensation_propose(ticket=world["ticket"], actor=None)
    assert compensation.requires_supervisor is needs_supervisor
    return compensation


@pytest.mark.parametrize(("role", "listed"), [("other_team_agent", 0), ("agent", 1), ("supervisor", 1), ("admin", 1)])
def test_compensation_list_and_detail_follow_the_tickets_team(api_client_for, world, role, listed):
    compensation = proposal(world, needs_supervisor=False)
    client = api(api_client_for, world, role)
    assert client.get("/api/v1/compensations").json()["count"] == listed
    assert client.get(f"/api/v1/compensations/{compensation.pk}").status_code == (200 if listed else 404)


@pytest.mark.parametrize("decision", ["approve", "decline"])
@pytest.mark.parametrize(
    ("needs_supervisor", "role", "expected"),
    [(False, role, code) for role, code in matrix(200)]
    + [(True, "anonymous", 401), (True, "other_team_agent", 404), (True, "agent", 403), (True, "supervisor", 200), (True, "admin", 200)],
)
def test_compensation_decisions(api_client_for, world, decision, needs_supervisor, role, expected):
    compensation = proposal(world, needs_supervisor=needs_supervisor)
    response = api(api_client_for, world, role).post(f"/api/v1/compensations/{compensation.pk}/{decision}")
    assert response.status_code == expected, response.content
    if decision == "decline":
        decided = CompensationStatus.DECLINED
    else:
        decided = CompensationStatus.PAID if needs_supervisor else CompensationStatus.APPROVED
    assert Compensation.objects.get(pk=compensation.pk).status == (decided if expected == 200 else CompensationStatus.PROPOSED)
    assert Refund.objects.count() == (1 if expected == 200 and decided == CompensationStatus.PAID else 0)


@pytest.mark.parametrize(("role", "expected"), [("anonymous", 401), ("other_team_agent", 200), ("agent", 200), ("supervisor", 200), ("admin", 200)])
def test_compensation_policy_list(api_client_for, world, role, expected):
    CompensationPolicy.objects.create(name="延迟1天 5元券", min_days_late=1, kind=CompensationKind.COUPON, value=Decimal("5"))
    response = api(api_client_for, world, role).get("/api/v1/compensation-policies")
    assert response.status_code == expected
    if expected == 200:
        assert [policy["name"] for policy in response.json()] == ["延迟1天 5元券"]


@pytest.mark.parametrize(("role", "expected"), [("anonymous", 401), ("other_team_agent", 403), ("agent", 403), ("supervisor", 200), ("admin", 200)])
def test_compensation_policy_update(api_client_for, world, role, expected):
    policy = CompensationPolicy.objects.create(name="延迟1天 5元券", min_days_late=1, kind=CompensationKind.COUPON, value=Decimal("5"))
    body = {"name": "延迟1天 8元券", "min_days_late": 1, "kind": "coupon", "value": "8.00"}
    response = api(api_client_for, world, role).put(f"/api/v1/compensation-policies/{policy.pk}", body)
    assert response.status_code == expected, response.content
    policy.refresh_from_db()
    assert (policy.name, policy.value) == (("延迟1天 8元券", Decimal("8.00")) if expected == 200 else ("延迟1天 5元券", Decimal("5.00")))


# --- an archived (closed) ticket takes no more money or returns ------------------------------------


def closed(world):
    from kefu.tickets.services import ticket_transition

    ticket_transition(ticket=world["ticket"], to_status="resolved", actor=None)
    return ticket_transition(ticket=world["ticket"], to_status="closed", actor=None)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/returns", {"kind": "refund_only"}),
        ("/api/v1/refunds", {"amount": "10.00"}),
    ],
)
def test_a_closed_ticket_takes_no_return_or_refund_through_the_api(api_client_for, world, path, body):
    ticket = closed(world)
    events = TicketEvent.objects.filter(ticket=ticket).count()
    response = api(api_client_for, world, "supervisor").post(path, {"order_id": world["order"].pk, "ticket_id": ticket.pk, **body})
    assert response.status_code == 422, response.content
    assert fields(response) == [("ticket_id", "closed")]
    assert (ReturnRequest.objects.count(), Refund.objects.count()) == (0, 0)
    assert TicketEvent.objects.filter(ticket=ticket).count() == events


def test_a_closed_ticket_gets_no_compensation_proposal(api_client_for, world):
    CompensationPolicy.objects.create(name="延迟1天 5元券", min_days_late=1, kind=CompensationKind.COUPON, value=Decimal("5"))
    ticket = closed(world)
    response = api(api_client_for, world, "supervisor").post(f"/api/v1/tickets/{ticket.pk}/compensation", headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": None, "message": "A closed ticket is archived and cannot be changed.", "code": "closed"}]
    assert Compensation.objects.count() == 0


def test_the_closed_ticket_page_offers_no_money_forms_and_refuses_a_posted_refund(world):
    ticket = closed(world)
    client = Client()
    client.force_login(world["users"]["agent"])
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert f"/tickets/{ticket.pk}/refunds/" not in page
    assert f"/tickets/{ticket.pk}/returns/" not in page
    response = client.post(f"/tickets/{ticket.pk}/refunds/", {"amount": "10.00"}, follow=True, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert [str(message) for message in response.context["messages"]] == ["A closed ticket is archived and cannot be changed."]
    assert Refund.objects.count() == 0
