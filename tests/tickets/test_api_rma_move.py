"""POST /api/v1/tickets/{ticket_id}/returns/{rma_id}/move: an archived ticket's return carried on by an open ticket of the order.

The tickets and the return belong to 售后组: `agent` is 售后组's agent and `other_team_agent`
(售前组) the agent of another team, for whom they do not exist (404). The return was approved on
a ticket that is now closed (archived); a new open ticket of the same order carries it on, as the
ticket page does when an agent continues the return there.
"""

import pytest

from kefu.accounts.enums import Role
from kefu.accounts.permissions import ROLE_CAPABILITIES, Capability
from kefu.orders.enums import ReturnKind, ReturnResolution, ReturnStatus
from kefu.orders.models import ReturnRequest
from kefu.orders.services import rma_approve, rma_complete, rma_inspect, rma_receive, rma_request
from kefu.tickets.enums import TicketEventAction, TicketStatus
from kefu.tickets.models import TicketEvent
from kefu.tickets.services import ticket_transition
from tests.tickets.test_models import make_ticket, paid_order


def closed(ticket):
    """Given a ticket resolved and then archived."""
    ticket = ticket_transition(ticket=ticket, to_status=TicketStatus.RESOLVED, actor=None)
    return ticket_transition(ticket=ticket, to_status=TicketStatus.CLOSED, actor=None)


def approved_return(order, ticket, actor):
    line = order.items.get(sku="F40-B")
    rma = rma_request(actor=actor, order=order, kind=ReturnKind.RETURN, items=[{"order_item_id": line.pk, "quantity": 1}], ticket=ticket)
    return rma_approve(rma=rma, actor=actor)


@pytest.fixture
def world(db, agent, other_agent, supervisor, admin_user, aftersale_team):
    """Given a return approved on a ticket that was then archived, and a new open ticket of the same order."""
    order = paid_order()
    old = make_ticket(team=aftersale_team, order=order)
    rma = approved_return(order, old, other_agent)
    old = closed(old)
    new = make_ticket(team=aftersale_team, order=order)
    users = {"anonymous": None, "other_team_agent": agent, "agent": other_agent, "supervisor": supervisor, "admin": admin_user}
    return {"order": order, "old": old, "new": new, "rma": rma, "users": users, "team": aftersale_team}


def move(api_client_for, world, role, *, ticket=None, rma=None):
    ticket = ticket or world["new"]
    rma = rma or world["rma"]
    client = api_client_for(world["users"][role])
    return client.post(f"/api/v1/tickets/{ticket.pk}/returns/{rma.pk}/move", headers={"Accept-Language": "en"})


def detail(response) -> list[dict]:
    return response.json()["detail"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 401), ("other_team_agent", 404), ("agent", 200), ("supervisor", 200), ("admin", 200)],
)
def test_who_may_carry_an_archived_tickets_return_over(api_client_for, world, role, expected):
    response = move(api_client_for, world, role)

    assert response.status_code == expected, response.content
    rma = ReturnRequest.objects.get(pk=world["rma"].pk)
    carried = TicketEvent.objects.filter(ticket=world["new"], action=TicketEventAction.RETURN_CHANGED)
    if expected == 200:
        body = response.json()
        assert (body["id"], body["ticket_id"], body["status"], body["order_number"]) == (rma.pk, world["new"].pk, "approved", world["order"].number)
        assert rma.ticket_id == world["new"].pk
        assert [(event.params["rma_id"], event.params["note"]) for event in carried] == [(rma.pk, f"carried over from ticket {world['old'].number}")]
    else:
        assert rma.ticket_id == world["old"].pk
        assert not carried.exists()


def test_a_role_without_the_return_capability_is_refused_403(api_client_for, world, monkeypatch):
    """No shipped role lacks it; a shop that takes it from its agents gets 403 and nothing moves."""
    monkeypatch.setitem(ROLE_CAPABILITIES, Role.AGENT, ROLE_CAPABILITIES[Role.AGENT] - {Capability.RETURN_WRITE})

    response = move(api_client_for, world, "agent")

    assert response.status_code == 403, response.content
    assert ReturnRequest.objects.get(pk=world["rma"].pk).ticket_id == world["old"].pk


def test_the_carried_return_is_then_completed_on_the_new_ticket(api_client_for, world):
    assert move(api_client_for, world, "agent").status_code == 200
    client = api_client_for(world["users"]["agent"])
    rma_id = world["rma"].pk

    for step, body in (("receive", None), ("inspect", {"passed": True, "note": "完好"}), ("complete", {"resolution": "full_refund"})):
        response = client.post(f"/api/v1/returns/{rma_id}/{step}", body)
        assert response.status_code == 200, (step, response.content)

    rma = ReturnRequest.objects.get(pk=rma_id)
    assert (rma.status, rma.ticket_id, rma.resolution) == (ReturnStatus.COMPLETED, world["new"].pk, ReturnResolution.FULL_REFUND)
    assert rma.refunds.get().ticket_id == world["new"].pk


def test_moving_onto_the_ticket_it_is_already_on_changes_nothing(api_client_for, world):
    assert move(api_client_for, world, "agent").status_code == 200
    events = TicketEvent.objects.filter(ticket=world["new"]).count()

    response = move(api_client_for, world, "agent")

    assert response.status_code == 200, response.content
    assert response.json()["ticket_id"] == world["new"].pk
    assert TicketEvent.objects.filter(ticket=world["new"]).count() == events


def test_a_finished_return_is_refused(api_client_for, world, other_agent):
    order = world["order"]
    reopened = make_ticket(team=world["team"], order=order)
    finished = approved_return(order, reopened, other_agent)
    finished = rma_inspect(rma=rma_receive(rma=finished, actor=other_agent), actor=other_agent, passed=True)
    finished, _refund = rma_complete(rma=finished, actor=other_agent, resolution=ReturnResolution.FULL_REFUND)
    closed(reopened)

    response = move(api_client_for, world, "agent", rma=finished)

    assert response.status_code == 422, response.content
    assert detail(response) == [{"field": None, "message": f"Return #{finished.pk} is finished (Completed).", "code": "finished"}]
    assert ReturnRequest.objects.get(pk=finished.pk).ticket_id == reopened.pk


def test_a_return_whose_ticket_is_still_open_is_refused(api_client_for, world, other_agent):
    open_ticket = make_ticket(team=world["team"], order=world["order"])
    rma = approved_return(world["order"], open_ticket, other_agent)

    response = move(api_client_for, world, "agent", rma=rma)

    assert response.status_code == 422, response.content
    assert detail(response) == [
        {"field": None, "message": f"Return #{rma.pk} belongs to a ticket that is still open: continue it there.", "code": "ticket_open"}
    ]
    assert ReturnRequest.objects.get(pk=rma.pk).ticket_id == open_ticket.pk


def test_a_ticket_of_another_order_is_refused(api_client_for, world):
    stranger = make_ticket(team=world["team"], order=paid_order())

    response = move(api_client_for, world, "agent", ticket=stranger)

    assert response.status_code == 422, response.content
    assert detail(response) == [
        {"field": "ticket_id", "message": f"The ticket is about another order, not {world['order'].number}.", "code": "ticket_not_for_order"}
    ]
    assert ReturnRequest.objects.get(pk=world["rma"].pk).ticket_id == world["old"].pk
    assert not TicketEvent.objects.filter(ticket=stranger, action=TicketEventAction.RETURN_CHANGED).exists()


def test_a_closed_ticket_does_not_take_the_return(api_client_for, world):
    target = closed(world["new"])

    response = move(api_client_for, world, "supervisor", ticket=target)

    assert response.status_code == 422, response.content
    assert detail(response) == [{"field": "ticket_id", "message": "A closed ticket is archived and cannot be changed.", "code": "closed"}]
    assert ReturnRequest.objects.get(pk=world["rma"].pk).ticket_id == world["old"].pk


def test_another_teams_return_does_not_exist_for_an_agent(api_client_for, world, presale_team, agent):
    """A return on a 售前组 ticket is not the 售后组 agent's: 404, exactly like an unknown id."""
    order = paid_order()
    theirs = make_ticket(team=presale_team, order=order)
    rma = approved_return(order, theirs, agent)
    closed(theirs)
    mine = make_ticket(team=world["team"], order=order)

    hidden = move(api_client_for, world, "agent", ticket=mine, rma=rma)
    client = api_client_for(world["users"]["agent"])
    unknown = client.post(f"/api/v1/tickets/{mine.pk}/returns/987654/move", headers={"Accept-Language": "en"})

    assert (hidden.status_code, unknown.status_code) == (404, 404)
    assert ReturnRequest.objects.get(pk=rma.pk).ticket_id == theirs.pk
