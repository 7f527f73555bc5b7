"""Details a shop's team trips on in live chat, each found by driving the product and fixed.

- a colleague's conversation offers an agent no 接入/转接/结束 the server would refuse;
- order numbers and statuses in the sidebar are shown whole;
- an image-only message is previewed as 图片, not the server's internal "[image]";
- the agent's presence chosen in one tab shows in the agent's other tabs;
- a verified visitor is not asked to verify again after a reload; the emoji picker closes on
  send; the rating card does not hide the agent's last answer.
"""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, screenshot, zh
from tests.e2e.test_chat_journey import tiny_png
from tests.e2e.test_widget import AGENT_SOCKET, agent_request

NOT_CUT = "el => el.scrollWidth <= el.clientWidth + 1"


def sign_in(browser, live_url, username: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(live_url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button.btn-primary")
    page.wait_for_url(lambda url: "/login/" not in url)
    if not page.url.endswith("/workbench/"):  # supervisors land on the home page
        page.goto(live_url + "/workbench/")
    expect(page.locator("#wb-list .wb-loading")).to_have_count(0, timeout=10_000)
    return context, page


def action(page, name: str):
    return page.locator(f'.wb-actions [data-action="{name}"]')


def open_orders_of_a_customer_with_orders(page) -> None:
    """Open conversations of the 全部 tab until one's customer has orders; show the orders tab."""
    page.click(".wb-tabs [data-tab=all]")
    # the newest rows are the anonymous visitors other browser tests on this server wrote as: no orders there
    rows = page.locator("#wb-list .wb-row").filter(has_not_text=zh("Visitor %(number)s").split("%")[0].strip())  # 访客
    expect(rows.first).to_be_visible(timeout=10_000)
    for index in range(10):
        with page.expect_response(lambda response: "/panel" in response.url) as panel:
            rows.nth(index).click()
        customer = re.search(r"/customers/(\d+)/panel", panel.value.url).group(1)
        expect(page.locator(f'#wb-side [data-customer="{customer}"]')).to_be_attached(timeout=10_000)  # this row's panel, not the last one's
        orders_tab = page.locator('#wb-side [data-side-tab="orders"]')
        expect(orders_tab).to_be_visible(timeout=10_000)
        if page.locator("#wb-side .wb-order").count():
            orders_tab.click()
            return
    raise AssertionError("no customer with orders among the first ten conversations")


def test_a_colleagues_conversation_and_the_orders_panel(live_url, browser):
    agent_context, agent = sign_in(browser, live_url, "xiaomei")
    agent.click(".wb-tabs [data-tab=teams]")
    colleague_row = agent.locator("#wb-list .wb-row").filter(has=agent.locator(".wb-assignee", has_text="小丽")).first
    expect(colleague_row).to_be_visible(timeout=10_000)
    conversation = colleague_row.get_attribute("data-id")
    colleague_row.click()
    expect(agent.locator("#wb-head-sub")).to_contain_text("小丽")
    # the server refuses an agent these on a colleague's conversation: they are not offered
    for name in ("claim", "transfer", "resolve"):
        expect(action(agent, name)).to_be_hidden()
    agent.locator("#wb-input").press("Alt+c")
    agent.locator("#wb-input").press("Alt+r")
    expect(agent.locator(".wb-toast.error")).to_have_count(0)
    expect(agent.locator("#wb-head-sub")).to_contain_text("小丽")
    agent_context.close()

    supervisor_context, supervisor = sign_in(browser, live_url, "wang")
    supervisor.click(".wb-tabs [data-tab=all]")
    supervisor.locator(f'#wb-list .wb-row[data-id="{conversation}"]').click()
    expect(supervisor.locator("#wb-head-sub")).to_contain_text("小丽")
    expect(action(supervisor, "claim")).to_be_hidden()  # taken: a supervisor reassigns by 转接
    expect(action(supervisor, "transfer")).to_be_visible()
    expect(action(supervisor, "resolve")).to_be_visible()

    open_orders_of_a_customer_with_orders(supervisor)
    numbers = supervisor.locator("#wb-side .wb-order-no")
    statuses = supervisor.locator("#wb-side .wb-order-status")
    assert numbers.count() >= 1
    for index in range(numbers.count()):
        assert numbers.nth(index).evaluate(NOT_CUT), numbers.nth(index).inner_text()
        assert statuses.nth(index).evaluate(NOT_CUT), statuses.nth(index).inner_text()
        assert statuses.nth(index).evaluate("el => getComputedStyle(el).textOverflow") != "ellipsis"
    screenshot(supervisor, "workbench-orders-whole")
    supervisor_context.close()


def test_presence_chosen_in_one_tab_shows_in_the_other(live_url, browser):
    context, first = sign_in(browser, live_url, "aqiang")
    second = context.new_page()
    with second.expect_websocket(lambda ws: ws.url.endswith("/ws/agent/")) as socket_info:
        second.goto(live_url + "/workbench/")
    # the second tab has its own welcome (its presence) before the first tab changes it
    socket_info.value.wait_for_event("framereceived", lambda payload: '"welcome"' in str(payload), timeout=10_000)
    expect(second.locator("#wb-list .wb-loading")).to_have_count(0, timeout=10_000)
    expect(second.locator("#wb-banner")).to_be_hidden()
    first.select_option("#wb-presence", "away")
    expect(first.locator("#wb-presence-dot")).to_have_class("wb-dot away")
    expect(second.locator("#wb-presence")).to_have_value("away", timeout=10_000)
    expect(second.locator("#wb-presence-dot")).to_have_class("wb-dot away")
    second.select_option("#wb-presence", "offline")
    expect(first.locator("#wb-presence")).to_have_value("offline", timeout=10_000)
    context.close()


def order_and_phone(browser, live_url) -> tuple[str, str]:
    """Read an order's number and the customer's phone (the order's phone) as the supervisor sees them."""
    context, supervisor = sign_in(browser, live_url, "wang")
    open_orders_of_a_customer_with_orders(supervisor)
    number = supervisor.locator("#wb-side .wb-order-no").first.inner_text().strip()
    supervisor.click('#wb-side [data-side-tab="profile"]')
    phone = supervisor.locator("#wb-side [data-phone]").inner_text().strip()
    context.close()
    assert number and phone.isdigit() and len(phone) == 11, (number, phone)
    return number, phone


def test_verified_visitor_emoji_image_preview_and_rating_card(live_url, browser, tmp_path):
    number, phone = order_and_phone(browser, live_url)
    visitor_context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    visitor = visitor_context.new_page()
    visitor.goto(live_url + "/chat/demo-web/")
    expect(visitor.locator("#kc-connection")).to_be_hidden(timeout=10_000)
    image = tmp_path / "photo.png"
    image.write_bytes(tiny_png())
    visitor.set_input_files("#kc-file", str(image))  # only an image, no text
    expect(visitor.locator(".kc-own img")).to_have_count(1, timeout=10_000)
    conversation = visitor.wait_for_function("window.kefuChat.state.conversation && window.kefuChat.state.conversation.id").json_value()

    # the emoji picker closes once the message is sent
    visitor.click("#kc-emoji-btn")
    visitor.click('#kc-emoji [data-emoji="👍"]')
    expect(visitor.locator("#kc-emoji")).to_be_visible()
    visitor.locator("#kc-input").press("Enter")
    expect(visitor.locator(".kc-own .kc-bubble").filter(has_text="👍")).to_have_count(1, timeout=10_000)
    expect(visitor.locator("#kc-emoji")).to_be_hidden()

    # verified once, not asked again after a reload
    visitor.click("#kc-identify-btn")
    visitor.fill("#kc-order-number", number)
    visitor.fill("#kc-phone", phone)
    visitor.click("#kc-identify-submit")
    expect(visitor.locator("#kc-identify-btn")).to_be_hidden(timeout=10_000)
    visitor.reload()
    expect(visitor.locator("#kc-connection")).to_be_hidden(timeout=10_000)
    expect(visitor.locator(".kc-own img")).to_have_count(1)
    expect(visitor.locator("#kc-identify-btn")).to_be_hidden()

    # an agent answers at length and ends the chat
    agent_context, agent = sign_in(browser, live_url, "xiaomei")
    assert agent.evaluate(AGENT_SOCKET) == "小美"
    assert agent_request(agent, {"type": "presence.set", "presence": "online", "ref": "p"})["type"] == "result"
    claimed = agent_request(agent, {"type": "conversation.claim", "conversation": conversation, "ref": "claim"})
    assert claimed["type"] == "result" or claimed.get("code") == "already_claimed", claimed
    for index in range(6):
        body = f"第{index + 1}条回复：翼龙F40满电大约可以连续飞行40分钟，野外建议多带一块备用电池。"
        reply = agent_request(agent, {"type": "message.send", "conversation": conversation, "client_id": f"qa-{conversation}-{index}", "body": body, "ref": f"m{index}"})
        assert reply["type"] == "ack", reply
    expect(visitor.locator(".kc-theirs .kc-bubble").filter(has_text="第6条回复")).to_have_count(1, timeout=10_000)
    assert agent_request(agent, {"type": "conversation.resolve", "conversation": conversation, "ref": "r"})["type"] == "result"

    # the rating card shows, and the agent's last answer stays in view above it
    expect(visitor.locator("#kc-rating")).to_be_visible(timeout=10_000)
    visitor.wait_for_timeout(300)
    last = visitor.locator(".kc-theirs .kc-bubble").filter(has_text="第6条回复").bounding_box()
    messages = visitor.locator("#kc-messages").bounding_box()
    assert last is not None and messages is not None
    assert last["y"] >= messages["y"] - 1 and last["y"] + last["height"] <= messages["y"] + messages["height"] + 1, (last, messages)
    screenshot(visitor, "widget-rating-keeps-last-answer")
    agent_context.close()
    visitor_context.close()


def test_image_only_preview_is_translated(live_url, browser, tmp_path):
    visitor_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 720})
    visitor = visitor_context.new_page()
    visitor.goto(live_url + "/chat/demo-web/")
    expect(visitor.locator("#kc-connection")).to_be_hidden(timeout=10_000)
    visitor.locator("#kc-input").fill("看下这个")
    visitor.locator("#kc-input").press("Enter")
    expect(visitor.locator(".kc-theirs, .kc-system").first).to_be_visible(timeout=10_000)  # greeting or away message
    image = tmp_path / "only.png"
    image.write_bytes(tiny_png())
    visitor.set_input_files("#kc-file", str(image))
    expect(visitor.locator(".kc-own img")).to_have_count(1, timeout=10_000)
    conversation = visitor.wait_for_function("window.kefuChat.state.conversation && window.kefuChat.state.conversation.id").json_value()

    supervisor_context, supervisor = sign_in(browser, live_url, "wang")
    supervisor.click(".wb-tabs [data-tab=all]")
    row = supervisor.locator(f'#wb-list .wb-row[data-id="{conversation}"]')
    expect(row.locator(".wb-last-text")).to_have_text(zh("[Image]"), timeout=10_000)
    # a live image-only message shows the same preview without a reload
    visitor.set_input_files("#kc-file", str(image))
    expect(visitor.locator(".kc-own img")).to_have_count(2, timeout=10_000)
    expect(row.locator(".wb-last-text")).to_have_text(zh("[Image]"))
    supervisor_context.close()
    visitor_context.close()
