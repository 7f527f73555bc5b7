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
def test_the_order_panel_shows_shop_payment_shipping_method_and_the_promise(browser, aftersale_team):
    order = paid_order(
        shop_name="翼龙户外旗舰店",
        payment_number="2026111022001188",
        shipping_method="快递",
        promised_delivery_by=datetime.datetime(2026, 11, 10, 18, tzinfo=SHANGHAI),
        delivered_at=datetime.datetime(2026, 11, 12, 9, tzinfo=SHANGHAI),
    )
    html = browser.get(f"/tickets/{make_ticket(team=aftersale_team, order=order).pk}/").content.decode()
    for text in (
        '<dd data-field="shop_name">翼龙户外旗舰店</dd>',
        'data-field="payment_number">2026111022001188</dd>',
        '<dd data-field="shipping_method">快递</dd>',
        '<dd data-field="promised_delivery_by">2026-11-10 18:00</dd>',
        'data-days-late="2"',
    ):
        assert text in html, text


@pytest.mark.django_db
def test_the_order_panel_says_nothing_is_late_without_a_promise_or_on_time(browser, aftersale_team):
    on_time = paid_order(
        promised_delivery_by=datetime.datetime(2026, 11, 10, 18, tzinfo=SHANGHAI), delivered_at=datetime.datetime(2026, 11, 10, 9, tzinfo=SHANGHAI)
    )
    html = browser.get(f"/tickets/{make_ticket(team=aftersale_team, order=on_time).pk}/").content.decode()
    assert "data-days-late" not in html and 'data-field="shop_name"' not in html
    assert '<dd data-field="shipping_method">—</dd>' in html
    html = browser.get(f"/tickets/{make_ticket(team=aftersale_team, order=paid_order()).pk}/").content.decode()
    assert '<dd data-field="promised_delivery_by">—</dd>' in html and "data-days-late" not in html


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



@pytest.mark.django_db
def test_the_empty_list_says_why_it_is_empty(other_agent):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(other_agent)
    assert "Tickets of your teams appear here once they are opened." in client.get("/tickets/").content.decode()
    filtered = client.get("/tickets/?type=quality").content.decode()
    assert "No ticket matches these filters." in filtered and "Tickets of your teams appear here" not in filtered


@pytest.mark.django_db
def test_the_compensation_rules_page_shows_amounts_in_yuan_and_a_form_without_empty_choices(supervisor):
    CompensationPolicy.objects.create(name="延迟1天 5元券", min_days_late=1, kind=CompensationKind.COUPON, value=Decimal("5"))
    CompensationPolicy.objects.create(name="延迟3天 退5%", min_days_late=3, kind=CompensationKind.REFUND_PERCENT, value=Decimal("5"), max_amount=Decimal("50"))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(supervisor)
    page = client.get("/tickets/compensation-rules/").content.decode()
    assert '<td class="tk-money">Coupon ¥5.00</td>' in page
    assert '<td class="tk-money">Refund a percentage 5.00% (≤ ¥50.00)</td>' in page
    assert '<option value="" selected>Any category</option>' in page and "---------" not in page
    assert '<label class="tk-check-field"><input type="checkbox" name="active"' in page


@pytest.mark.django_db
def test_an_agent_is_offered_to_take_a_ticket_only_when_it_is_not_already_theirs(browser, aftersale_team, other_agent):
    mine = make_ticket(team=aftersale_team, assignee=other_agent)
    unassigned = make_ticket(team=aftersale_team)
    assert f'action="/tickets/{mine.pk}/assign/"' not in browser.get(f"/tickets/{mine.pk}/").content.decode()
    assert f'action="/tickets/{unassigned.pk}/assign/"' in browser.get(f"/tickets/{unassigned.pk}/").content.decode()


@pytest.mark.django_db
def test_a_supervisor_can_reassign_a_ticket_already_theirs(supervisor, aftersale_team):
    ticket = make_ticket(team=aftersale_team, assignee=supervisor)
    client = Client()
    client.force_login(supervisor)
    assert f'action="/tickets/{ticket.pk}/assign/"' in client.get(f"/tickets/{ticket.pk}/").content.decode()


@pytest.mark.django_db
def test_refusals_get_designed_pages_not_the_bare_server_ones(agent, other_agent, aftersale_team):
    """An agent of another team following a ticket link, an agent opening the settings: a page of the product."""
    ticket = make_ticket(team=aftersale_team)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(agent)  # of the pre-sale team
    missing = client.get(f"/tickets/{ticket.pk}/")
    assert missing.status_code == 404
    assert 'data-error-page="404"' in missing.content.decode() and "Back to the home page" in missing.content.decode()
    client.force_login(other_agent)
    refused = client.get("/tickets/settings/")
    assert refused.status_code == 403
    assert 'data-error-page="403"' in refused.content.decode()


@pytest.mark.django_db
def test_the_status_buttons_say_what_they_do(other_agent, aftersale_team):
    from kefu.tickets.services import ticket_transition

    ticket = ticket_transition(ticket=make_ticket(team=aftersale_team), to_status=TicketStatus.RESOLVED, actor=None)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(other_agent)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    for status, label in (("in_progress", "Reopen"), ("follow_up", "Move to follow-up"), ("closed", "Close and archive")):
        assert f'<button type="submit" data-to-status="{status}">{label}</button>' in page, label
