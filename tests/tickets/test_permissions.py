"""The permission matrix of the ticket API and pages: anonymous, agent of another team, agent, supervisor, admin.

The ticket belongs to 售后组: `other_agent` is its team's agent, `agent` (售前组) is the agent of
another team, for whom the ticket does not exist (404).
"""

import pytest
from django.test import Client

from kefu.knowledge.models import Playbook
from kefu.orders.enums import RefundStatus
from kefu.orders.models import Refund
from kefu.orders.services import refund_issue
from kefu.tickets.enums import TicketStatus
from kefu.tickets.models import Ticket
from tests.tickets.test_models import PLAYBOOK_LATE, make_ticket

ROLES = ["anonymous", "other_team_agent", "agent", "supervisor", "admin"]


@pytest.fixture
def world(db, agent, other_agent, supervisor, admin_user, aftersale_team, settings):
    settings.KEFU = {**settings.KEFU, "REFUND_AGENT_LIMIT": "50.00"}
    ticket = make_ticket(team=aftersale_team)
    users = {"anonymous": None, "other_team_agent": agent, "agent": other_agent, "supervisor": supervisor, "admin": admin_user}
    return {"ticket": ticket, "users": users, "playbook": Playbook.objects.create(**PLAYBOOK_LATE)}


def api(api_client_for, world, role):
    return api_client_for(world["users"][role])


def page_client(world, role) -> Client:
    client = Client()
    if world["users"][role] is not None:
        client.force_login(world["users"][role])
    return client


# --- API ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("other_team_agent", 404), ("agent", 200), ("supervisor", 200), ("admin", 200)]
)
def test_api_ticket_detail(api_client_for, world, role, expected):
    response = api(api_client_for, world, role).get(f"/api/v1/tickets/{world['ticket'].pk}")
    assert response.status_code == expected


@pytest.mark.parametrize(("role", "count"), [("other_team_agent", 0), ("agent", 1), ("supervisor", 1), ("admin", 1)])
def test_api_ticket_list_shows_only_visible_tickets(api_client_for, world, role, count):
    response = api(api_client_for, world, role).get("/api/v1/tickets")
    assert response.status_code == 200
    assert response.json()["count"] == count


def test_api_ticket_list_anonymous(api_client_for, world):
    assert api(api_client_for, world, "anonymous").get("/api/v1/tickets").status_code == 401


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("other_team_agent", 404), ("agent", 200), ("supervisor", 200), ("admin", 200)]
)
def test_api_transition(api_client_for, world, role, expected):
    ticket = world["ticket"]
    response = api(api_client_for, world, role).post(f"/api/v1/tickets/{ticket.pk}/transitions", {"to_status": "in_progress"})
    assert response.status_code == expected
    assert Ticket.objects.get(pk=ticket.pk).status == (TicketStatus.IN_PROGRESS if expected == 200 else TicketStatus.NEW)


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("other_team_agent", 404), ("agent", 403), ("supervisor", 200), ("admin", 200)]
)
def test_api_assign_to_someone_else(api_client_for, world, role, expected, supervisor):
    ticket = world["ticket"]
    response = api(api_client_for, world, role).post(f"/api/v1/tickets/{ticket.pk}/assign", {"assignee_id": supervisor.pk})
    assert response.status_code == expected
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == (supervisor.pk if expected == 200 else None)


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("other_team_agent", 404), ("agent", 201), ("supervisor", 201), ("admin", 201)]
)
def test_api_comment(api_client_for, world, role, expected):
    response = api(api_client_for, world, role).post(f"/api/v1/tickets/{world['ticket'].pk}/comments", {"body": "已登记", "is_internal": True})
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("other_team_agent", 201), ("agent", 201), ("supervisor", 201), ("admin", 201)]
)
def test_api_refund_within_the_limit(api_client_for, world, role, expected):
    response = api(api_client_for, world, role).post("/api/v1/refunds", {"order_id": world["ticket"].order_id, "amount": "20.00"})
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("other_team_agent", 403), ("agent", 403), ("supervisor", 200), ("admin", 200)]
)
def test_api_refund_approval(api_client_for, world, role, expected):
    pending = refund_issue(order=world["ticket"].order, amount="120.00", actor=world["users"]["agent"])
    assert pending.status == RefundStatus.PENDING
    response = api(api_client_for, world, role).post(f"/api/v1/refunds/{pending.pk}/approve")
    assert response.status_code == expected
    assert Refund.objects.get(pk=pending.pk).status == (RefundStatus.ISSUED if expected == 200 else RefundStatus.PENDING)


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("other_team_agent", 403), ("agent", 403), ("supervisor", 201), ("admin", 201)]
)
def test_api_compensation_policy_create(api_client_for, world, role, expected):
    body = {"name": "延迟2天 10元券", "min_days_late": 2, "kind": "coupon", "value": "10.00"}
    assert api(api_client_for, world, role).post("/api/v1/compensation-policies", body).status_code == expected


# --- pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 302), ("other_team_agent", 200), ("agent", 200), ("supervisor", 200), ("admin", 200)]
)
def test_page_ticket_list(world, role, expected):
    response = page_client(world, role).get("/tickets/")
    assert response.status_code == expected
    if expected == 200:
        assert (world["ticket"].number in response.content.decode()) is (role != "other_team_agent")


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 302), ("other_team_agent", 404), ("agent", 200), ("supervisor", 200), ("admin", 200)]
)
def test_page_ticket_detail(world, role, expected):
    response = page_client(world, role).get(f"/tickets/{world['ticket'].pk}/")
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 302), ("other_team_agent", 404), ("agent", 302), ("supervisor", 302), ("admin", 302)]
)
def test_page_transition(world, role, expected):
    ticket = world["ticket"]
    response = page_client(world, role).post(f"/tickets/{ticket.pk}/transition/", {"to_status": "in_progress"})
    assert response.status_code == expected
    moved = role not in ("anonymous", "other_team_agent")
    assert Ticket.objects.get(pk=ticket.pk).status == (TicketStatus.IN_PROGRESS if moved else TicketStatus.NEW)


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 302), ("other_team_agent", 403), ("agent", 403), ("supervisor", 200), ("admin", 200)]
)
def test_page_playbook_edit(world, role, expected):
    response = page_client(world, role).get(f"/tickets/playbooks/{world['playbook'].pk}/")
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("role", "approved"), [("other_team_agent", False), ("agent", False), ("supervisor", True), ("admin", True)]
)
def test_page_refund_approval(world, role, approved):
    ticket = world["ticket"]
    pending = refund_issue(order=ticket.order, amount="120.00", actor=world["users"]["agent"])
    response = page_client(world, role).post(f"/tickets/{ticket.pk}/refunds/{pending.pk}/approve/")
    assert response.status_code in (302, 403, 404)
    assert (Refund.objects.get(pk=pending.pk).status == RefundStatus.ISSUED) is approved


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 302), ("other_team_agent", 403), ("agent", 403), ("supervisor", 302), ("admin", 302)]
)
def test_page_compensation_rule_create(world, role, expected):
    from kefu.orders.models import CompensationPolicy

    body = {"name": "延迟2天 10元券", "trigger": "late_delivery", "min_days_late": "2", "kind": "coupon", "value": "10.00",
            "requires_supervisor_above": "50.00", "active": "on"}  # fmt: skip
    response = page_client(world, role).post("/tickets/compensation-rules/", body)
    assert response.status_code == expected
    assert CompensationPolicy.objects.filter(name="延迟2天 10元券").exists() is (role in ("supervisor", "admin"))
