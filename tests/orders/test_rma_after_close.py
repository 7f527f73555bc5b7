"""A return whose ticket is closed (archived): the parcel's steps are still recorded, decisions wait for an open ticket.

DOMAIN.md 9-11: a parcel can come back after the ticket closed. Receipt and inspection are
facts the warehouse records on the order's return (and its audit log) whatever the ticket's
state; the archived ticket's timeline never changes. Approving, declining and completing (the
money) are refused with a clear message until an open ticket of the same order carries the
return on.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from kefu.accounts.models import AuditLog
from kefu.orders.enums import ReturnKind, ReturnResolution, ReturnStatus
from kefu.orders.models import Refund, ReturnRequest
from kefu.orders.services import (
    rma_approve,
    rma_complete,
    rma_inspect,
    rma_mark_shipped_back,
    rma_receive,
    rma_request,
    rma_ticket_move,
)
from kefu.tickets.enums import TicketEventAction, TicketStatus, TicketType
from kefu.tickets.models import TicketEvent
from kefu.tickets.services import ticket_transition
from tests.tickets.test_models import make_ticket, paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """Read the messages in their English source (the Chinese ones are the .po's business)."""
    with translation.override("en"):
        yield


def closed(ticket):
    """Given a ticket resolved and then archived."""
    ticket = ticket_transition(ticket=ticket, to_status=TicketStatus.RESOLVED, actor=None)
    return ticket_transition(ticket=ticket, to_status=TicketStatus.CLOSED, actor=None)


def approved_return(order, ticket, actor):
    line = order.items.get(sku="F40-B")
    rma = rma_request(actor=actor, order=order, kind=ReturnKind.RETURN, items=[{"order_item_id": line.pk, "quantity": 1}], ticket=ticket)
    return rma_approve(rma=rma, actor=actor)


def timeline_statuses(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket, action=TicketEventAction.RETURN_CHANGED).values_list("params__status", flat=True))


def test_the_parcel_is_received_and_inspected_after_the_ticket_closed_on_the_return_only(other_agent, aftersale_team):
    order = paid_order()
    ticket = make_ticket(team=aftersale_team, type=TicketType.TRANSPORT_DAMAGE, order=order)
    rma = approved_return(order, ticket, other_agent)
    ticket = closed(ticket)
    events_before = TicketEvent.objects.filter(ticket=ticket).count()

    rma = rma_mark_shipped_back(rma=rma, actor=other_agent, carrier="顺丰速运", tracking_number="SF900800700")
    rma = rma_receive(rma=rma, actor=other_agent)
    rma = rma_inspect(rma=rma, actor=other_agent, passed=True, note="外壳裂纹")

    assert (rma.status, rma.return_tracking_number, rma.inspection_passed, rma.ticket_id) == (ReturnStatus.INSPECTED, "SF900800700", True, ticket.pk)
    assert TicketEvent.objects.filter(ticket=ticket).count() == events_before  # the archive is untouched
    assert timeline_statuses(ticket) == ["requested", "approved"]
    assert AuditLog.objects.filter(object_type="orders.returnrequest", object_id=str(rma.pk)).count() == 5  # request, approve, three parcel steps


def test_decisions_on_an_archived_tickets_return_are_refused_and_change_nothing(other_agent, aftersale_team):
    order = paid_order()
    ticket = make_ticket(team=aftersale_team, order=order)
    line = order.items.get(sku="F40-B")
    pending = rma_request(actor=other_agent, order=order, kind=ReturnKind.REFUND_ONLY, items=[{"order_item_id": line.pk, "quantity": 1}], ticket=ticket)
    inspected = approved_return(order, ticket, other_agent)
    inspected = rma_inspect(rma=rma_receive(rma=inspected, actor=other_agent), actor=other_agent, passed=True)
    ticket = closed(ticket)

    with pytest.raises(ValidationError) as refused:
        rma_approve(rma=pending, actor=other_agent)
    assert refused.value.code == "ticket_closed"
    assert refused.value.messages == [
        f"Ticket {ticket.number} of this return is closed (archived). The parcel can still be recorded as sent back, received and inspected; "
        f"to approve, decline or complete the return, continue it on an open ticket of order {order.number}."
    ]
    with pytest.raises(ValidationError) as refused:
        rma_complete(rma=inspected, actor=other_agent, resolution=ReturnResolution.FULL_REFUND)
    assert refused.value.code == "ticket_closed"
    assert list(ReturnRequest.objects.order_by("pk").values_list("status", flat=True)) == [ReturnStatus.REQUESTED, ReturnStatus.INSPECTED]
    assert Refund.objects.count() == 0


def test_an_open_ticket_of_the_same_order_carries_the_return_on_to_its_refund(other_agent, aftersale_team):
    order = paid_order()
    old = make_ticket(team=aftersale_team, order=order)
    rma = approved_return(order, old, other_agent)
    old = closed(old)
    rma = rma_receive(rma=rma, actor=other_agent)
    new = make_ticket(team=aftersale_team, order=order)

    rma = rma_ticket_move(rma=rma, ticket=new, actor=other_agent)
    rma = rma_inspect(rma=rma, actor=other_agent, passed=True)
    rma, refund = rma_complete(rma=rma, actor=other_agent, resolution=ReturnResolution.FULL_REFUND)

    assert (rma.status, rma.ticket_id, refund.amount, refund.ticket_id) == (ReturnStatus.COMPLETED, new.pk, Decimal("100.00"), new.pk)
    assert timeline_statuses(new) == ["received", "inspected", "completed"]
    assert TicketEvent.objects.filter(ticket=new, action=TicketEventAction.RETURN_CHANGED).first().params["note"] == f"carried over from ticket {old.number}"
    assert timeline_statuses(old) == ["requested", "approved"]


def test_a_return_cannot_be_carried_off_an_open_ticket_nor_onto_another_order_or_a_closed_ticket(other_agent, aftersale_team):
    order = paid_order()
    own = make_ticket(team=aftersale_team, order=order)
    rma = approved_return(order, own, other_agent)
    other = make_ticket(team=aftersale_team, order=order)
    with pytest.raises(ValidationError) as refused:
        rma_ticket_move(rma=rma, ticket=other, actor=other_agent)
    assert refused.value.messages == [f"Return #{rma.pk} belongs to a ticket that is still open: continue it there."]

    closed(own)
    with pytest.raises(ValidationError) as refused:
        rma_ticket_move(rma=rma, ticket=make_ticket(team=aftersale_team), actor=other_agent)
    assert refused.value.message_dict == {"ticket_id": [f"The ticket is about another order, not {order.number}."]}
    with pytest.raises(ValidationError) as refused:
        rma_ticket_move(rma=rma, ticket=closed(other), actor=other_agent)
    assert refused.value.message_dict == {"ticket_id": ["A closed ticket is archived and cannot be changed."]}
    assert ReturnRequest.objects.get().ticket_id == own.pk


def test_on_the_pages_the_archived_ticket_records_the_parcel_and_a_new_ticket_finishes_the_return(other_agent, aftersale_team):
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(other_agent)
    order = paid_order()
    old = make_ticket(team=aftersale_team, order=order)
    rma = approved_return(order, old, other_agent)
    old = closed(old)

    page = browser.get(f"/tickets/{old.pk}/").content.decode()
    assert f"/tickets/{old.pk}/returns/{rma.pk}/receive/" in page and f"/tickets/{old.pk}/refunds/" not in page
    browser.post(f"/tickets/{old.pk}/returns/{rma.pk}/receive/")
    browser.post(f"/tickets/{old.pk}/returns/{rma.pk}/inspect/", {"passed": "yes", "note": "完好"})
    response = browser.post(f"/tickets/{old.pk}/returns/{rma.pk}/complete/", {"resolution": "full_refund"}, follow=True)
    assert "A closed ticket is archived and cannot be changed." in response.content.decode()
    rma.refresh_from_db()
    assert (rma.status, rma.ticket_id) == (ReturnStatus.INSPECTED, old.pk)

    new = make_ticket(team=aftersale_team, order=order)
    page = browser.get(f"/tickets/{new.pk}/").content.decode()
    assert f'data-carried-from="{old.number}"' in page and f"/tickets/{new.pk}/returns/{rma.pk}/complete/" in page
    browser.post(f"/tickets/{new.pk}/returns/{rma.pk}/complete/", {"resolution": "full_refund"})
    rma.refresh_from_db()
    assert (rma.status, rma.ticket_id, Refund.objects.get().amount) == (ReturnStatus.COMPLETED, new.pk, Decimal("100.00"))


def test_a_failed_step_from_a_new_ticket_does_not_carry_the_return_over(other_agent, aftersale_team):
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(other_agent)
    order = paid_order()
    old = make_ticket(team=aftersale_team, order=order)
    rma = approved_return(order, old, other_agent)
    closed(old)
    new = make_ticket(team=aftersale_team, order=order)
    response = browser.post(f"/tickets/{new.pk}/returns/{rma.pk}/inspect/", {"passed": "yes"}, follow=True)  # not received yet
    assert "A return cannot go from “Approved” to “Inspected”." in response.content.decode()
    rma.refresh_from_db()
    assert (rma.status, rma.ticket_id) == (ReturnStatus.APPROVED, old.pk)
    assert timeline_statuses(new) == []
