"""The ticket pages: list with filters and saved views, the ticket with its panels, opening tickets, the sidebar partial."""

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import Client

from kefu.orders.enums import CompensationKind, ReturnKind
from kefu.orders.models import Compensation, CompensationPolicy, ReturnRequest
from kefu.orders.services import rma_request
from kefu.tickets.enums import TicketChannel, TicketStatus
from kefu.tickets.models import SavedView, Ticket
from tests.tickets.test_models import make_ticket, paid_order, playbook_late, rule_seven_days
from tests.tickets.test_services import conversation_with_messages

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def browser(other_agent):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(other_agent)
    return client


@pytest.mark.django_db
def test_the_list_filters_by_type_and_assignee(browser, aftersale_team, other_agent):
    late = make_ticket(team=aftersale_team)
    quality = make_ticket(team=aftersale_team, type="quality", assignee=other_agent)
    html = browser.get("/tickets/?type=quality").content.decode()
    assert quality.number in html and late.number not in html
    html = browser.get("/tickets/?assignee=none").content.decode()
    assert late.number in html and quality.number not in html
    html = browser.get("/tickets/?status=open&assignee=me").content.decode()
    assert quality.number in html and late.number not in html


@pytest.mark.django_db
def test_saved_views_keep_the_filters(browser, other_agent):
    response = browser.post("/tickets/views/", {"name": "我的紧急", "query": "priority=urgent&assignee=me"})
    assert response.status_code == 302 and response["Location"] == "/tickets/?priority=urgent&assignee=me"
    view = SavedView.objects.get(user=other_agent)
    assert (view.name, view.query) == ("我的紧急", "priority=urgent&assignee=me")
    assert "我的紧急" in browser.get("/tickets/").content.decode()
    browser.post(f"/tickets/views/{view.pk}/delete/")
    assert SavedView.objects.count() == 0


@pytest.mark.django_db
def test_the_ticket_page_shows_checklist_order_and_money_panels(browser, aftersale_team):
    playbook_late()
    rule_seven_days()
    CompensationPolicy.objects.create(name="延迟1天 5元券", min_days_late=1, kind=CompensationKind.COUPON, value=Decimal("5"))
    order = paid_order(
        promised_delivery_by=datetime.datetime(2026, 11, 10, 18, tzinfo=SHANGHAI), delivered_at=datetime.datetime(2026, 11, 12, 9, tzinfo=SHANGHAI)
    )
    ticket = make_ticket(team=aftersale_team, order=order)
    rma_request(actor=None, order=order, kind=ReturnKind.REFUND_ONLY, ticket=ticket)
    html = browser.get(f"/tickets/{ticket.pk}/").content.decode()
    for text in ("联系快递催件", order.number, "翼龙F40 电池", "AS-01 七天无理由退货", 'data-rma-status="requested"', "/compensation/"):
        assert text in html, text


@pytest.mark.django_db
def test_buttons_on_the_page_move_the_ticket_and_tick_the_checklist(browser, aftersale_team):
    playbook_late()
    ticket = make_ticket(team=aftersale_team)
    browser.post(f"/tickets/{ticket.pk}/transition/", {"to_status": "in_progress"})
    browser.post(f"/tickets/{ticket.pk}/checklist/", {"item_key": "causes:2", "done": "on"})
    response = browser.post(f"/tickets/{ticket.pk}/transition/", {"to_status": "closed"}, follow=True)
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.IN_PROGRESS
    assert 'class="message error"' in response.content.decode()  # the refusal is shown, nothing changed
    assert ticket.checklist_ticks.get().item_key == "causes:2"


@pytest.mark.django_db
def test_the_money_forms_on_the_page(browser, aftersale_team):
    CompensationPolicy.objects.create(name="延迟1天 5元券", min_days_late=1, kind=CompensationKind.COUPON, value=Decimal("5"))
    order = paid_order(
        promised_delivery_by=datetime.datetime(2026, 11, 10, 18, tzinfo=SHANGHAI), delivered_at=datetime.datetime(2026, 11, 12, 9, tzinfo=SHANGHAI)
    )
    ticket = make_ticket(team=aftersale_team, order=order)
    line = order.items.get(sku="F40-B")
    browser.post(f"/tickets/{ticket.pk}/returns/", {"kind": "return", f"qty_{line.pk}": "1", "reason": "破损"})
    rma = ReturnRequest.objects.get()
    assert [(i.order_item_id, i.quantity) for i in rma.items.all()] == [(line.pk, 1)]
    browser.post(f"/tickets/{ticket.pk}/returns/{rma.pk}/approve/")
    browser.post(f"/tickets/{ticket.pk}/refunds/", {"amount": "20.00", "reason": "补偿运费"})
    browser.post(f"/tickets/{ticket.pk}/compensation/")
    rma.refresh_from_db()
    assert rma.status == "approved"
    assert order.refunds.get().amount == Decimal("20.00")
    assert Compensation.objects.get().amount == Decimal("5.00")


@pytest.mark.django_db
def test_one_click_from_a_conversation(browser, aftersale_team):
    order = paid_order()
    conversation = conversation_with_messages(order, aftersale_team)
    page = browser.get(f"/tickets/create/?conversation={conversation.pk}").content.decode()
    assert "都一个星期了" in page and order.number in page
    response = browser.post("/tickets/create/", {"conversation": conversation.pk, "order_number": order.number, "type": "late_delivery", "priority": "high", "take": "on"})
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/tickets/{ticket.pk}/"
    assert (ticket.channel, ticket.conversation, ticket.order, ticket.status) == (TicketChannel.CONVERSATION, conversation, order, TicketStatus.ASSIGNED)


@pytest.mark.django_db
def test_the_customer_sidebar_partial(browser, aftersale_team, other_agent):
    ticket = make_ticket(team=aftersale_team)
    html = browser.get(f"/tickets/customers/{ticket.customer_id}/").content.decode()
    assert ticket.number in html
    standalone = render_to_string("tickets/_customer_tickets.html", {"customer_tickets": [ticket]})
    assert f"/tickets/{ticket.pk}/" in standalone
