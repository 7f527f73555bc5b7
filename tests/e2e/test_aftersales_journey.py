"""UX.md journey 6 without the chat, on the real server: a damaged parcel from the customer's form to the closed ticket.

The customer files the ticket on /tickets/new/ with her order number and phone; the after-sales
agent 阿华 takes it, runs the return (approval, the parcel's tracking number, receipt,
inspection), is refused a refund above what was paid, proposes a partial refund above her limit;
the supervisor 王主管 approves it; the ticket is resolved. Three days later the product's own
follow-up service asks the customer by e-mail (a real local SMTP server); she opens the link,
answers "solved" with 5 stars, and the ticket closes. The shop's data enter through the REST API
and the follow-ups run as the Huey task and its service do, in a `kefu` process on the server's
database; nothing edits rows.
"""

import email
import json
import re
import threading
import urllib.request
from email import policy

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from tests.e2e.conftest import _free_port, kefu, live_var_dir, screenshot, sign_in

CUSTOMER = {"name": "林女士", "phone": "13700009876", "email": "lin.e2e@example.com"}
ORDER_NUMBER = "E2E2026112300001"
DAMAGE = "快递到了外箱压扁了，无人机桨叶断了两片，机身有划痕"


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.received.set()
        return "250 Message accepted"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [message for message in self.messages if address in str(message["To"])]


@pytest.fixture
def mailbox():
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def api(live_url: str, token: str, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        live_url + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read())


def visit_sent(var_dir: str, live_url: str, smtp_port: int, number: str, *, days: float | None) -> bool:
    """Run the due follow-up visits (the Huey task now, or its service with the clock `days` ahead); say whether ticket `number`'s went out.

    The demo shop has visits of its own falling due, so the ticket's own visit is what is looked at.
    """
    if days is None:
        run = "from kefu.tickets.tasks import follow_ups_send_periodic as t; t.call_local()"
    else:
        run = (
            "import datetime; from django.utils import timezone; from kefu.tickets.followups import follow_ups_process; "
            f"follow_ups_process(now=timezone.now() + datetime.timedelta(days={days}))"
        )
    code = f"{run}; from kefu.tickets.models import FollowUpVisit; print(FollowUpVisit.objects.filter(ticket__number={number!r}, sent_at__isnull=False).exists())"
    env = {"KEFU_EMAIL_HOST": "127.0.0.1", "KEFU_EMAIL_PORT": str(smtp_port), "KEFU_PUBLIC_URL": live_url}
    return kefu(var_dir, "shell", "-c", code, env=env).splitlines()[-1] == "True"


def status_is(page, status: str) -> None:
    expect(page.locator("[data-ticket-status]")).to_have_attribute("data-ticket-status", status)


def rma_step(page, step: str) -> None:
    page.locator(f"[data-rma] form[action$='/{step}/'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def drone_return_inspected(agent, tracking_number: str):
    """Request a return of the drone for transport damage, approve it, ship it back, receive and inspect it; return the RMA panel."""
    agent.locator("#money details.tk-more summary").click()
    agent.select_option("#money select[name=kind]", "return")
    agent.locator("#money label.row", has_text="翼龙F40 航拍无人机").locator("input[type=number]").fill("1")
    agent.fill("#money form[action$='/returns/'] input[name=reason]", "运输损坏，买家申请退货")
    agent.locator("#money form[action$='/returns/'] button[type=submit]").click()
    rma = agent.locator("[data-rma]")
    expect(rma).to_have_attribute("data-rma-status", "requested")
    rma_step(agent, "approve")
    expect(rma).to_have_attribute("data-rma-status", "approved")
    agent.fill("[data-rma] input[name=carrier]", "顺丰速运")
    agent.fill("[data-rma] input[name=tracking_number]", tracking_number)
    rma_step(agent, "ship_back")
    expect(rma).to_have_attribute("data-rma-status", "in_transit")
    expect(rma).to_contain_text(tracking_number)
    rma_step(agent, "receive")
    expect(rma).to_have_attribute("data-rma-status", "received")
    agent.select_option("[data-rma] select[name=passed]", "yes")
    agent.fill("[data-rma] input[name=note]", "外箱压扁，桨叶断裂两片，机身划痕，确认运输损坏")
    rma_step(agent, "inspect")
    expect(rma).to_have_attribute("data-rma-status", "inspected")
    return rma


def refund_over_paid_refused_then_partial_waits(agent, rma, *, refused_shot: str, waiting_shot: str) -> None:
    """Ask a refund above what was paid (refused, nothing changes), then ¥300, above the agents' ¥200 limit (waits for a supervisor)."""
    agent.select_option("[data-rma] select[name=resolution]", "partial_refund")
    agent.fill("[data-rma] input[name=refund_amount]", "1000.00")
    rma_step(agent, "complete")
    refusal = agent.locator(".messages .error")
    expect(refusal).to_contain_text("1000.00")
    expect(refusal).to_contain_text("899.00")
    expect(rma).to_have_attribute("data-rma-status", "inspected")
    expect(agent.locator("tr[data-refund]")).to_have_count(0)
    screenshot(agent, refused_shot)
    # ... and a partial refund within it, above the agents' ¥200 limit, waits for the supervisor.
    agent.select_option("[data-rma] select[name=resolution]", "partial_refund")
    agent.fill("[data-rma] input[name=refund_amount]", "300.00")
    rma_step(agent, "complete")
    expect(rma).to_have_attribute("data-rma-status", "completed")
    refund_row = agent.locator("tr[data-refund]")
    expect(refund_row).to_have_count(1)
    expect(refund_row).to_contain_text("300.00")
    expect(refund_row.locator("button")).to_have_count(0)  # an agent cannot approve it
    screenshot(agent, waiting_shot)


def supervisor_approves_the_refund(browser, live_url: str, ticket_url: str, token: str, order: dict):
    """王主管 approves the waiting ¥300 refund; a partial refund leaves the order delivered. Return her context and page."""
    supervisor_context, supervisor = sign_in(browser, live_url, "wang")
    supervisor.goto(ticket_url)
    supervisor.locator("tr[data-refund] form[action$='/approve/'] button").click()
    expect(supervisor.locator("tr[data-refund]")).to_contain_text("王主管")
    expect(supervisor.locator("tr[data-refund] button")).to_have_count(0)
    refunds = api(live_url, token, "GET", f"/api/v1/refunds?order_id={order['id']}")["items"]
    assert [(refund["amount"], refund["status"]) for refund in refunds] == [("300.00", "issued")]
    assert api(live_url, token, "GET", f"/api/v1/orders/{order['id']}")["status"] == "delivered"
    return supervisor_context, supervisor


def test_a_damaged_parcel_from_the_customers_form_to_the_closed_ticket(live_url, browser, tmp_path_factory, mailbox):
    handler, smtp_port = mailbox
    var_dir = live_var_dir(tmp_path_factory)
    token = kefu(var_dir, "token", "create", "wang", "--name", "e2e after-sales").splitlines()[-1]

    # Given the shop's order, recorded through the REST API: ¥899 paid, delivered by 中通.
    customer = api(live_url, token, "POST", "/api/v1/customers", CUSTOMER)
    order = api(live_url, token, "POST", "/api/v1/orders", {
        "number": ORDER_NUMBER, "customer_id": customer["id"], "status": "delivered", "paid_amount": "899.00",
        "placed_at": "2026-11-18T10:00:00+08:00", "paid_at": "2026-11-18T10:01:00+08:00", "shipped_at": "2026-11-19T17:00:00+08:00",
        "delivered_at": "2026-11-21T15:30:00+08:00", "promised_delivery_by": "2026-11-22T18:00:00+08:00",
        "carrier": "中通快递", "tracking_number": "ZT7800012345", "shipping_method": "快递", "shop_name": "翼龙官方旗舰店",
        "payment_number": "2026111822001100009876", "receiver_name": "林女士", "receiver_phone": CUSTOMER["phone"],
        "shipping_address": "浙江省杭州市西湖区文三路90号",
        "items": [{"title": "翼龙F40 航拍无人机", "quantity": 1, "unit_price": "799.00"}, {"title": "备用桨叶 4片装", "quantity": 1, "unit_price": "100.00"}],
    })  # fmt: skip
    assert (order["status"], order["paid_amount"]) == ("delivered", "899.00")

    # 1. The customer files the ticket on the public form: her order number and phone prove the order.
    customer_context = browser.new_context(locale="zh-CN", viewport={"width": 420, "height": 800})
    customer_page = customer_context.new_page()
    customer_page.goto(live_url + "/tickets/new/")
    expect(customer_page.locator("h1")).to_contain_text("售后")
    customer_page.fill("#id_order_number", ORDER_NUMBER)
    customer_page.fill("#id_phone", "137 0000 9876")
    customer_page.select_option("#id_type", "transport_damage")
    customer_page.fill("#id_description", DAMAGE)
    screenshot(customer_page, "aftersales-1-customer-form")
    customer_page.click("form.tk-form button[type=submit]")
    number = customer_page.locator(".tk-num").inner_text().strip()
    assert re.fullmatch(r"T\d{12}", number), number
    screenshot(customer_page, "aftersales-2-request-received")

    # 2. The after-sales agent 阿华 finds it in the list and takes it.
    agent_context, agent = sign_in(browser, live_url, "ahua")
    agent.goto(f"{live_url}/tickets/?q={number}")
    agent.locator("a", has_text=number).first.click()
    expect(agent.locator(".tk-desc")).to_contain_text(DAMAGE)
    ticket_url = agent.url
    agent.locator("form[action$='/assign/'] button[type=submit]").click()
    status_is(agent, "assigned")
    agent.locator("button[data-to-status=in_progress]").click()
    status_is(agent, "in_progress")

    # 3. The return: requested for the drone, approved, sent back with its tracking number, received, inspected.
    rma = drone_return_inspected(agent, "SF1400000001")

    # 4. A refund above what was paid is refused with a clear message and changes nothing ...
    refund_over_paid_refused_then_partial_waits(agent, rma, refused_shot="aftersales-3-refund-refused", waiting_shot="aftersales-4-refund-waiting")

    # 5. The supervisor approves the refund; a partial refund leaves the order delivered.
    supervisor_context, supervisor = supervisor_approves_the_refund(browser, live_url, ticket_url, token, order)
    screenshot(supervisor, "aftersales-5-refund-approved")

    # 6. The agent resolves the ticket: a follow-up visit is due three days later, not before.
    agent.goto(ticket_url)
    agent.locator("button[data-to-status=resolved]").click()
    status_is(agent, "resolved")
    assert visit_sent(var_dir, live_url, smtp_port, number, days=None) is False
    assert visit_sent(var_dir, live_url, smtp_port, number, days=2.9) is False
    assert handler.to(CUSTOMER["email"]) == []
    assert visit_sent(var_dir, live_url, smtp_port, number, days=3.01) is True
    assert handler.received.wait(10)
    (visit_mail,) = handler.to(CUSTOMER["email"])
    assert number in str(visit_mail["Subject"])
    link = re.search(r"https?://\S+/tickets/followup/\S+/", visit_mail.get_content()).group(0)
    assert link.startswith(live_url)
    agent.reload()
    status_is(agent, "follow_up")

    # 7. The customer opens the follow-up page and answers: solved, five stars. The ticket closes.
    customer_page.goto(link)
    expect(customer_page.locator("h1")).to_be_visible()
    customer_page.check("input[name=solved][value=yes]")
    customer_page.check("input[name=rating][value='5']")
    customer_page.fill("#comment", "退款很快，谢谢")
    screenshot(customer_page, "aftersales-6-follow-up")
    customer_page.click("form button.btn-primary[type=submit]")
    expect(customer_page.locator("input[name=solved]")).to_have_count(0)
    expect(customer_page.locator(".panel")).to_contain_text(number)
    screenshot(customer_page, "aftersales-7-thanks")

    agent.reload()
    status_is(agent, "closed")
    expect(agent.locator("body")).to_contain_text("5/5")
    expect(agent.locator("button[data-to-status]")).to_have_count(0)  # archived: no more moves
    expect(agent.locator(f"form[action$='/tickets/{ticket_url.rstrip('/').rsplit('/', 1)[-1]}/refunds/']")).to_have_count(0)  # nor money
    screenshot(agent, "aftersales-8-closed")
    for context in (customer_context, agent_context, supervisor_context):
        context.close()
