"""A customer and agents chat through the real server: greeting, question, quick phrase, transfer, resolve.

The customer uses the standalone widget page only through what a person sees (the text box and
Enter); the agent 小美 and the supervisor 王主管 use the workbench in their own browser contexts.
Everything reaches the other side without a reload.
"""

import re
import struct
import zlib

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in

QUESTION = "翼龙F40续航多久？我下周要带去野外用"
ANSWER = "满电大约可以连续用40分钟，野外建议带一块备用电池。"
TRANSFER_NOTE = "客户要在野外用，请售后组跟进备用电池"
GREETING = re.compile(r"亲|欢迎")  # every greeting and the away message of the phrase library


def tiny_png(size: int = 24) -> bytes:
    """Build a real PNG (an orange square) so the browsers can show it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xf0\x88\x3e" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def find_conversation(page, tab: str, search: str):
    """Show one tab, filter it with the search box (Ctrl+K) and open the journey's conversation."""
    page.click(f".wb-tabs [data-tab={tab}]")
    page.keyboard.press("Control+k")
    expect(page.locator("#wb-search")).to_be_focused()
    page.keyboard.type(search)
    row = page.locator(".wb-row").filter(has_text=search)
    expect(row).to_have_count(1, timeout=10_000)
    row.click()
    expect(page.locator("#wb-history")).to_contain_text(QUESTION)
    return row


def test_customer_and_agents_chat_transfer_and_resolve_in_real_time(live_url, browser):
    agent_context, agent = sign_in(browser, live_url, "xiaomei")
    assert agent.url == live_url + "/workbench/"  # agents land on the workbench
    expect(agent.locator("#wb-banner")).to_be_hidden()
    expect(agent.locator(".wb-tabs [data-tab=mine] .wb-count")).not_to_have_text("0")

    customer_context = browser.new_context(locale="zh-CN", viewport={"width": 420, "height": 760})
    customer = customer_context.new_page()
    customer.goto(live_url + "/chat/demo-web/")
    box = customer.locator("textarea:visible")  # the one text box a customer sees
    expect(box).to_be_visible()

    # greeting: within 10 seconds of the first message, sent by the system
    box.fill("你好")
    box.press("Enter")
    expect(customer.locator("body")).to_contain_text(GREETING, timeout=10_000)

    # question: it reaches the agent's list without a reload
    box.fill(QUESTION)
    box.press("Enter")
    find_conversation(agent, "teams", "野外")  # the search also looks at the last message
    customer_name = agent.locator("#wb-head-name").inner_text()
    expect(agent.locator("#wb-history .wb-system").first).to_contain_text(GREETING)
    if agent.locator("[data-action=claim]").is_visible():
        agent.keyboard.press("Alt+c")
    expect(agent.locator("[data-action=claim]")).to_be_hidden()
    expect(agent.locator("#wb-head-sub")).to_contain_text("小美")
    expect(agent.locator("#wb-input")).to_be_focused()  # the composer has the focus back

    # quick phrase: "/" and a shortcut, Enter inserts it with {agent} filled in, Enter sends
    composer = agent.locator("#wb-input")
    composer.type("/hi")
    picker = agent.locator("#wb-phrases")
    expect(picker).to_be_visible()
    expect(picker.locator(".wb-phrase").first).to_have_attribute("data-shortcut", "hi")
    screenshot(agent, "workbench-phrases")
    composer.press("Enter")
    expect(picker).to_be_hidden()
    expect(composer).to_have_value(re.compile("^亲，您好～欢迎光临本店，我是客服小美"))
    composer.press("Enter")
    expect(composer).to_have_value("")
    expect(customer.locator("body")).to_contain_text("我是客服小美")

    # a typed answer, and a private note the customer never sees
    composer.fill(ANSWER)
    composer.press("Enter")
    expect(customer.locator("body")).to_contain_text(ANSWER)
    # an image: uploaded from the composer, sent with Enter, shown on both sides
    agent.set_input_files("#wb-file", files=[{"name": "battery.png", "mimeType": "image/png", "buffer": tiny_png()}])
    expect(agent.locator("#wb-attach img")).to_have_count(1)
    composer.press("Enter")
    expect(agent.locator("#wb-history .wb-msg img[src*='/media/chat/']")).to_have_count(1)
    expect(customer.locator("img[src*='/media/chat/']")).to_have_count(1)

    agent.check("#wb-private")
    composer.fill("客户很在意续航")
    composer.press("Enter")
    expect(agent.locator("#wb-history .wb-msg.note")).to_contain_text("客户很在意续航")
    agent.uncheck("#wb-private")

    # the customer sidebar: a tag and a note, saved in place (htmx) through the audited customer services
    side = agent.locator("#wb-side")
    side.locator("form.wb-inline-form input[name=name]").fill("户外用户")
    side.locator("form.wb-inline-form input[name=name]").press("Enter")
    expect(side.locator('[data-tag="户外用户"]')).to_be_visible()
    side.locator("form.wb-note-form textarea").fill("下周野外使用，关注电池")
    side.locator("form.wb-note-form button[type=submit]").click()
    expect(side.locator(".wb-notes")).to_contain_text("下周野外使用，关注电池")
    expect(composer).to_be_focused()

    # the customer writes back, the agent sees it at once
    box.fill("好的，谢谢")
    box.press("Enter")
    expect(agent.locator("#wb-history")).to_contain_text("好的，谢谢")
    expect(customer.locator("body")).not_to_contain_text("客户很在意续航")
    screenshot(agent, "workbench")

    # transfer to the after-sales team with a note (Alt+T opens the dialog)
    composer.focus()
    agent.keyboard.press("Alt+t")
    dialog = agent.locator("#wb-transfer")
    expect(dialog).to_be_visible()
    target = dialog.locator("label.wb-target:has(input[value^='team:'])").filter(has_text="售后组")
    expect(target).to_have_count(1)
    target.click()
    dialog.locator("#wb-transfer-note").fill(TRANSFER_NOTE)
    screenshot(agent, "workbench-transfer")
    dialog.locator("#wb-transfer-submit").click()
    expect(dialog).to_be_hidden()
    expect(agent.locator("#wb-head-sub")).to_contain_text("售后组")
    expect(agent.locator("#wb-history .wb-system.private")).to_contain_text(TRANSFER_NOTE)

    # the supervisor sees it, with the note, among all conversations
    supervisor_context, supervisor = sign_in(browser, live_url, "wang")
    supervisor.get_by_role("link", name=re.compile("工作台|Workbench")).click()
    supervisor.wait_for_url(live_url + "/workbench/")
    find_conversation(supervisor, "all", customer_name)
    expect(supervisor.locator("#wb-history")).to_contain_text(TRANSFER_NOTE)
    expect(supervisor.locator("#wb-history")).to_contain_text(ANSWER)
    expect(supervisor.locator("#wb-head-sub")).to_contain_text("售后组")

    # resolve (Alt+R): both workbenches show it resolved without a reload
    composer.focus()
    agent.keyboard.press("Alt+r")
    expect(agent.locator("[data-action=reopen]")).to_be_visible()
    expect(agent.locator("[data-action=resolve]")).to_be_hidden()
    expect(supervisor.locator("[data-action=reopen]")).to_be_visible()
    expect(customer.locator("body")).to_contain_text("好的，谢谢")

    for context in (customer_context, agent_context, supervisor_context):
        context.close()


def test_keyboard_help_empty_states_and_presence(live_url, browser):
    context, page = sign_in(browser, live_url, "aqiang")
    expect(page.locator("#wb-start")).to_be_visible()
    page.keyboard.press("?")
    expect(page.locator("#wb-keys")).to_be_visible()
    expect(page.locator("#wb-keys")).to_contain_text("Alt")
    page.keyboard.press("Escape")
    expect(page.locator("#wb-keys")).to_be_hidden()
    page.fill("#wb-search", "不存在的客户名字")
    expect(page.locator("#wb-list .wb-empty")).to_be_visible()

    # presence goes over the socket and is kept by the server ("away" takes no new conversations)
    page.select_option("#wb-presence", "away")
    expect(page.locator("#wb-presence-dot")).to_have_class("wb-dot away")
    page.reload()
    expect(page.locator("#wb-presence")).to_have_value("away")
    page.select_option("#wb-presence", "offline")
    expect(page.locator("#wb-presence-dot")).to_have_class("wb-dot offline")
    context.close()


def test_a_reply_written_while_the_connection_is_down_is_sent_once_after_the_reconnect(live_url, browser):
    context, page = sign_in(browser, live_url, "xiaoli")
    page.click(".wb-tabs [data-tab=mine]")
    page.locator(".wb-row").first.click()
    expect(page.locator("#wb-history .wb-day").first).to_be_visible()
    name = page.locator("#wb-head-name").inner_text()

    page.evaluate(
        """() => {
            window.kefuWorkbench.dropConnection();
            document.querySelector("#wb-input").value = "断线时写的回复";
            document.querySelector("#wb-send").click();
        }"""
    )

    expect(page.locator("#wb-history .wb-msg.pending")).to_have_count(1)  # kept, shown as sending
    expect(page.locator("#wb-banner")).to_be_visible()
    expect(page.locator("#wb-banner")).to_be_hidden(timeout=10_000)
    expect(page.locator("#wb-history .wb-msg.pending")).to_have_count(0)
    expect(page.locator("#wb-history .wb-msg").filter(has_text="断线时写的回复")).to_have_count(1)

    page.reload()
    page.click(".wb-tabs [data-tab=mine]")
    page.locator(".wb-row").filter(has_text=name).first.click()
    expect(page.locator("#wb-head-name")).to_have_text(name)
    expect(page.locator("#wb-history .wb-msg").filter(has_text="断线时写的回复")).to_have_count(1)  # stored once
    context.close()
