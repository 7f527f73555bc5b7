"""UX.md journey 6 from a chat, on the real server: a damaged parcel from the widget to the closed ticket.

The customer 欧阳女士 opens the shop's chat, proves her order with its number and phone, and writes
that the parcel arrived damaged. The pre-sales agent 小美 hands the chat to 售后组; the after-sales
agent 阿华 claims it and opens a ticket from the order panel (customer, order and the chat's
messages come pre-filled). On the ticket she runs the return (approval, the parcel's tracking
number, receipt, inspection), is refused a refund above what was paid, proposes a partial refund
above her limit; the supervisor 王主管 approves it; the ticket is resolved. Three days later the
product's own follow-up service asks the customer in her chat; she opens the link, answers
"solved" with 5 stars, and the ticket closes with every step on its timeline. The shop's data
enter through the REST API and the follow-ups run as the worker runs them, in a `kefu` process on
the server's database; nothing edits rows.
"""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import kefu, live_var_dir, screenshot, sign_in, zh
from tests.e2e.test_aftersales_journey import (
    api,
    drone_return_inspected,
    refund_over_paid_refused_then_partial_waits,
    status_is,
    supervisor_approves_the_refund,
)

CUSTOMER = {"name": "欧阳女士", "phone": "13700005432"}  # no e-mail: the chat is her only channel
ORDER_NUMBER = "E2ECHAT2026112300002"
DAMAGE = "你好，快递今天到了，外箱被压扁，无人机桨叶断了两片，机身还有划痕"
TRANSFER_NOTE = "运输损坏，请售后组处理"


def visit_sent(var_dir: str, live_url: str, number: str, *, days: float | None) -> bool:
    """Run the due follow-up visits as the worker does (the Huey task now, or its service with the clock `days` ahead).

    The process writes its real-time events to the outbox the server relays, as `kefu worker` does.
    Say whether ticket `number`'s visit went out (the demo shop has visits of its own falling due).
    """
    if days is None:
        run = "from kefu.tickets.tasks import follow_ups_send_periodic as t; t.call_local()"
    else:
        run = (
            "import datetime; from django.utils import timezone; from kefu.tickets.followups import follow_ups_process; "
            f"follow_ups_process(now=timezone.now() + datetime.timedelta(days={days}))"
        )
    code = (
        f"from kefu.events import outbox_writer_enable; outbox_writer_enable(); {run}; "
        f"from kefu.tickets.models import FollowUpVisit; print(FollowUpVisit.objects.filter(ticket__number={number!r}, sent_at__isnull=False).exists())"
    )
    return kefu(var_dir, "shell", "-c", code, env={"KEFU_PUBLIC_URL": live_url}).splitlines()[-1] == "True"


def workbench(browser, live_url: str, username: str):
    context, page = sign_in(browser, live_url, username)
    if not page.url.endswith("/workbench/"):
        page.goto(live_url + "/workbench/")
    expect(page.locator("#wb-list .wb-loading")).to_have_count(0, timeout=10_000)
    return context, page


def open_conversation(page, tab: str, conversation: int):
    """Show one tab, filter it by the customer's name (Ctrl+K) and open the journey's conversation."""
    page.click(f".wb-tabs [data-tab={tab}]")
    page.keyboard.press("Control+k")
    expect(page.locator("#wb-search")).to_be_focused()
    page.keyboard.type(CUSTOMER["name"])
    row = page.locator(f'#wb-list .wb-row[data-id="{conversation}"]')
    expect(row).to_have_count(1, timeout=10_000)
    row.click()
    expect(page.locator("#wb-history")).to_contain_text(DAMAGE)
    return row


def claim(page, name: str) -> None:
    """Take the conversation unless the team's routing already gave it to this agent."""
    page.wait_for_function(
        "name => { const button = document.querySelector('[data-action=claim]');"
        " return (button && button.offsetParent !== null) || document.querySelector('#wb-head-sub').textContent.includes(name); }",
        arg=name,
    )
    if page.locator("[data-action=claim]").is_visible():
        page.locator("[data-action=claim]").click()
    expect(page.locator("[data-action=claim]")).to_be_hidden()
    expect(page.locator("#wb-head-sub")).to_contain_text(name)


def test_a_damaged_parcel_from_the_chat_to_the_closed_ticket(live_url, browser, tmp_path_factory):
    var_dir = live_var_dir(tmp_path_factory)
    token = kefu(var_dir, "token", "create", "wang", "--name", "e2e chat ticket").splitlines()[-1]

    # Given the shop's order, recorded through the REST API: ¥899 paid, delivered by 中通.
    customer = api(live_url, token, "POST", "/api/v1/customers", CUSTOMER)
    order = api(live_url, token, "POST", "/api/v1/orders", {
        "number": ORDER_NUMBER, "customer_id": customer["id"], "status": "delivered", "paid_amount": "899.00",
        "placed_at": "2026-11-18T10:00:00+08:00", "paid_at": "2026-11-18T10:01:00+08:00", "shipped_at": "2026-11-19T17:00:00+08:00",
        "delivered_at": "2026-11-21T15:30:00+08:00", "carrier": "中通快递", "tracking_number": "ZT7800054321",
        "shop_name": "翼龙官方旗舰店", "receiver_name": CUSTOMER["name"], "receiver_phone": CUSTOMER["phone"],
        "shipping_address": "江苏省南京市鼓楼区中山北路30号",
        "items": [{"title": "翼龙F40 航拍无人机", "quantity": 1, "unit_price": "799.00"}, {"title": "备用桨叶 4片装", "quantity": 1, "unit_price": "100.00"}],
    })  # fmt: skip
    assert (order["status"], order["paid_amount"]) == ("delivered", "899.00")

    # 1. The customer opens the chat, proves her order with its number and phone, and writes what happened.
    customer_context = browser.new_context(locale="zh-CN", viewport={"width": 420, "height": 800})
    chat = customer_context.new_page()
    chat.goto(live_url + "/chat/demo-web/")
    expect(chat.locator("#kc-connection")).to_be_hidden(timeout=10_000)
    chat.click("#kc-identify-btn")
    chat.fill("#kc-order-number", ORDER_NUMBER)
    chat.fill("#kc-phone", "137 0000 5432")
    chat.click("#kc-identify-submit")
    expect(chat.locator("#kc-identify-btn")).to_be_hidden(timeout=10_000)
    chat.fill("#kc-input", DAMAGE)
    chat.press("#kc-input", "Enter")
    expect(chat.locator(".kc-msg.kc-own .kc-state")).to_have_attribute("data-state", "delivered", timeout=10_000)
    conversation = chat.wait_for_function("window.kefuChat.state.conversation && window.kefuChat.state.conversation.id").json_value()
    screenshot(chat, "chat-ticket-1-customer-writes")

    # 2. The pre-sales agent 小美 sees it on her team's list and hands it to 售后组 with a note.
    presale_context, presale = workbench(browser, live_url, "xiaomei")
    open_conversation(presale, "teams", conversation)
    expect(presale.locator("#wb-head-name")).to_have_text(CUSTOMER["name"])  # identified: the order's customer
    claim(presale, "小美")
    presale.locator("[data-action=transfer]").click()
    dialog = presale.locator("#wb-transfer")
    expect(dialog).to_be_visible()
    dialog.locator("label.wb-target:has(input[value^='team:'])").filter(has_text="售后组").click()
    dialog.locator("#wb-transfer-note").fill(TRANSFER_NOTE)
    dialog.locator("#wb-transfer-submit").click()
    expect(dialog).to_be_hidden()
    expect(presale.locator("#wb-head-sub")).to_contain_text("售后组")
    presale_context.close()

    # 3. The after-sales agent 阿华 claims it and opens a ticket from the order in the customer panel.
    agent_context, agent = workbench(browser, live_url, "ahua")
    open_conversation(agent, "teams", conversation)
    expect(agent.locator("#wb-history .wb-system.private")).to_contain_text(TRANSFER_NOTE)
    claim(agent, "阿华")
    expect(agent.locator(f'#wb-side [data-customer="{customer["id"]}"]')).to_be_attached(timeout=10_000)
    agent.click('#wb-side [data-side-tab="orders"]')
    order_row = agent.locator("#wb-side .wb-order").filter(has_text=ORDER_NUMBER)
    expect(order_row).to_have_count(1)
    screenshot(agent, "chat-ticket-2-workbench-order")
    with agent_context.expect_page() as opened:
        order_row.locator("a[href*='/tickets/']").click()
    workbench_page, agent = agent, opened.value
    agent.wait_for_load_state()
    expect(agent.locator("#id_customer")).to_have_value(str(customer["id"]))
    expect(agent.locator("#id_order_number")).to_have_value(ORDER_NUMBER)
    expect(agent.locator(".tk-desc")).to_contain_text(DAMAGE)  # the chat's messages, quoted
    agent.select_option("#id_type", "transport_damage")
    agent.fill("#id_subject", "快递压坏：无人机桨叶断裂、机身划痕")
    expect(agent.locator("#id_take")).to_be_checked()
    screenshot(agent, "chat-ticket-3-new-ticket")
    agent.click("form.tk-form button[type=submit]")
    number = agent.locator(".tk-head .tk-num").inner_text().strip()
    assert re.fullmatch(r"T\d{12}", number), number
    ticket_url = agent.url
    expect(agent.locator(".tk-desc")).to_contain_text(DAMAGE)
    meta = agent.locator("dl.tk-meta").first
    expect(meta).to_contain_text(CUSTOMER["name"])
    expect(meta).to_contain_text(f"#{conversation}")
    expect(agent.locator("#order-title")).to_contain_text(ORDER_NUMBER)
    status_is(agent, "assigned")
    agent.locator("button[data-to-status=in_progress]").click()
    status_is(agent, "in_progress")
    workbench_page.close()

    # 4. The return: requested for the drone, approved, sent back with its tracking number, received, inspected.
    rma = drone_return_inspected(agent, "SF1400000077")

    # 5. A refund above what was paid is refused with a clear message and changes nothing ...
    refund_over_paid_refused_then_partial_waits(agent, rma, refused_shot="chat-ticket-4-refund-refused", waiting_shot="chat-ticket-5-refund-waiting")

    # 6. The supervisor approves the refund; a partial refund leaves the order delivered.
    supervisor_context, _supervisor = supervisor_approves_the_refund(browser, live_url, ticket_url, token, order)
    supervisor_context.close()

    # 7. The agent resolves the ticket: the follow-up visit is due three days later, not before.
    agent.goto(ticket_url)
    agent.locator("button[data-to-status=resolved]").click()
    status_is(agent, "resolved")
    assert visit_sent(var_dir, live_url, number, days=None) is False
    assert visit_sent(var_dir, live_url, number, days=2.9) is False
    expect(chat.locator("#kc-messages")).not_to_contain_text(number)
    assert visit_sent(var_dir, live_url, number, days=3.01) is True

    # 8. The visit reaches the customer in her chat, without a reload, with a link to answer.
    visit = chat.locator(".kc-msg, .kc-system").filter(has_text=number)
    expect(visit).to_have_count(1, timeout=10_000)
    link = visit.locator("a[href*='/tickets/followup/']")
    expect(link).to_have_count(1)
    assert link.get_attribute("href").startswith(live_url)
    screenshot(chat, "chat-ticket-6-visit-in-chat")
    agent.reload()
    status_is(agent, "follow_up")

    # 9. She opens the link and answers: solved, five stars. The ticket closes.
    with customer_context.expect_page() as opened:
        link.click()
    answer = opened.value
    expect(answer.locator("h1")).to_be_visible()
    answer.check("input[name=solved][value=yes]")
    answer.check("input[name=rating][value='5']")
    answer.fill("#comment", "聊天里就办好了，谢谢")
    screenshot(answer, "chat-ticket-7-follow-up")
    answer.click("form button.btn-primary[type=submit]")
    expect(answer.locator("input[name=solved]")).to_have_count(0)
    expect(answer.locator(".panel")).to_contain_text(number)

    agent.reload()
    status_is(agent, "closed")
    expect(agent.locator("body")).to_contain_text("5/5")
    expect(agent.locator("button[data-to-status]")).to_have_count(0)  # archived: no more moves

    # The timeline shows every step, from the chat to the customer's answer.
    timeline = agent.locator(".tk-timeline")
    expect(timeline.locator("li").first).to_contain_text(zh("Created"))
    for status in ("Requested", "Approved", "Returning", "Received", "Inspected", "Completed"):
        expect(timeline.locator("li").filter(has_text=zh("Return or exchange updated")).filter(has_text=zh(status))).not_to_have_count(0)
    refund_lines = timeline.locator("li").filter(has_text=zh("Refund")).filter(has_text="¥300.00")
    expect(refund_lines.filter(has_text=zh("Awaiting approval"))).not_to_have_count(0)
    expect(refund_lines.filter(has_text=zh("Issued"))).not_to_have_count(0)
    for status in ("In progress", "Resolved", "Follow-up", "Closed"):
        expect(timeline.locator("li").filter(has_text=zh("Status changed")).filter(has_text=f"→ {zh(status)}")).not_to_have_count(0)
    expect(timeline).to_contain_text("5/5")
    screenshot(agent, "chat-ticket-8-closed")
    for context in (customer_context, agent_context):
        context.close()
