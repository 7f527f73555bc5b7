"""The customer chat in Chromium: on a phone-sized screen, and embedded on a shop's page from another origin."""

import http.server
import json
import threading
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, screenshot, zh

QUESTION = "翼龙F40续航多久？"



@pytest.fixture(scope="module")
def shop():
    """Serve the shop's own pages from another origin (another port) than the Kefu server.

    Both stay on the loopback address: Chromium blocks a public page from loading a loopback script.
    Tests put the page bodies in ``pages`` by path.
    """
    pages: dict[str, str] = {}

    class ShopPage(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ShopPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", pages
    server.shutdown()
    server.server_close()


def phone_context(browser):
    return browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )


def test_phone_visitor_is_greeted_within_10_seconds_and_keeps_the_history(live_url, browser):
    context = phone_context(browser)
    page = context.new_page()
    page.goto(live_url + "/chat/demo-web/")

    expect(page.locator(".kc-shop")).to_have_text("官网在线客服")
    expect(page.locator("#kc-connection")).to_be_hidden(timeout=10_000)  # welcomed: a visitor token is stored
    token = page.evaluate("localStorage.getItem('kefu.visitor.demo-web')")
    assert token and len(token) > 20
    visitor_id = page.evaluate("window.kefuChat.state.visitor.id")
    expect(page.locator("#kc-empty")).to_be_visible()

    page.fill("#kc-input", QUESTION)
    sent_at = time.monotonic()
    page.press("#kc-input", "Enter")

    own = page.locator(".kc-msg.kc-own")
    expect(own).to_have_count(1)
    expect(own.locator(".kc-bubble")).to_have_text(QUESTION)
    expect(page.locator("#kc-input")).to_have_value("")
    greeting = page.locator(".kc-system, .kc-msg.kc-theirs").first
    expect(greeting).to_be_visible(timeout=10_000)
    greeted_after = time.monotonic() - sent_at
    assert greeted_after < 10, f"greeted after {greeted_after:.1f} s"
    expect(own.locator(".kc-state")).to_have_attribute("data-state", "delivered", timeout=10_000)
    expect(own.locator(".kc-state")).to_have_text(zh("Delivered", "chat message state"))
    # acknowledged: nothing left to resend
    assert json.loads(page.evaluate("localStorage.getItem('kefu.pending.demo-web')")) == []
    expect(page.locator(".kc-day").first).to_have_text(zh("Today"))
    greeting_text = greeting.inner_text()
    assert greeting_text.strip()

    # phone-sized: the page fills the width and the tap targets are large
    box = page.locator("#kc-app").bounding_box()
    assert box["width"] == 390
    send_box = page.locator("#kc-send").bounding_box()
    assert send_box["height"] >= 44
    screenshot(page, "widget-phone")

    page.reload()
    expect(page.locator("#kc-connection")).to_be_hidden(timeout=10_000)
    # once: the history, not doubled
    expect(page.locator(".kc-msg.kc-own .kc-bubble")).to_have_text([QUESTION])
    expect(page.locator(".kc-system, .kc-msg.kc-theirs").first).to_have_text(greeting_text)
    assert page.evaluate("window.kefuChat.state.visitor.id") == visitor_id  # the same visitor, by the stored token
    context.close()


def test_the_widget_embedded_on_a_shop_page_opens_the_chat_and_leaks_no_style(live_url, browser, shop):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    shop_html = f"""<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>演示商城</title>
<style>
  body {{ font-family: serif; margin: 0; padding: 40px; background: #fafafa; }}
  h1 {{ font-size: 32px; color: rgb(10, 20, 30); }}
  button {{ background: rgb(0, 255, 0) !important; width: 300px !important; }}
  div {{ position: relative; }}
</style></head>
<body><h1>翼龙F40 无人机</h1><p>续航 45 分钟，4K 云台相机。</p><button id="buy">立即购买</button>
<script src="{live_url}/widget.js" data-inbox="demo-web" async></script></body></html>"""
    shop_origin, pages = shop
    pages["/product/f40"] = shop_html
    page.goto(shop_origin + "/product/f40")
    assert shop_origin != live_url  # the shop's page and the chat live on different origins

    launcher = page.locator(".kefu-launcher")  # inside the widget's open shadow root
    expect(launcher).to_be_visible(timeout=10_000)
    expect(launcher).to_have_attribute("aria-label", zh("Chat with us"))
    # the host page's styles do not reach the widget, and the widget's do not reach the page
    expect(launcher).to_have_css(
        "background-color", "rgb(22, 119, 255)", timeout=10_000
    )  # the inbox colour, not the page's green
    expect(launcher).to_have_css("width", "56px")
    expect(page.locator("#buy")).to_have_css("background-color", "rgb(0, 255, 0)")
    expect(page.locator("h1")).to_have_css("font-size", "32px")
    box = launcher.bounding_box()
    assert box["x"] + box["width"] == 1280 - 20 and box["y"] + box["height"] == 800 - 20  # bottom right

    panel = page.locator(".kefu-panel")
    expect(panel).to_be_hidden()
    launcher.click()
    expect(panel).to_be_visible()
    chat = page.frame_locator(".kefu-panel iframe")
    expect(chat.locator(".kc-shop")).to_have_text("官网在线客服")
    expect(chat.locator("#kc-connection")).to_be_hidden(timeout=10_000)
    expect(chat.locator("#kc-close")).to_be_visible()
    chat.locator("#kc-input").fill(QUESTION)
    chat.locator("#kc-input").press("Enter")
    expect(chat.locator(".kc-system, .kc-msg.kc-theirs").first).to_be_visible(timeout=10_000)
    expect(chat.locator(".kc-msg.kc-own .kc-state")).to_have_attribute(
        "data-state", "delivered", timeout=10_000
    )
    panel_box = panel.bounding_box()
    assert panel_box["width"] == 380
    screenshot(page, "widget-embed")

    chat.locator("#kc-input").press("Escape")  # Esc inside the chat closes the panel
    expect(panel).to_be_hidden()
    launcher.click()
    expect(panel).to_be_visible()
    chat.locator("#kc-close").click()  # and so does the ×
    expect(panel).to_be_hidden()
    launcher.click()
    expect(panel).to_be_visible()
    page.keyboard.press("Escape")  # and Esc on the shop's page
    expect(panel).to_be_hidden()
    context.close()


def test_the_widget_fills_a_phone_screen(live_url, browser, shop):
    context = phone_context(browser)
    page = context.new_page()
    shop_origin, pages = shop
    pages["/m"] = (
        '<!doctype html><meta name="viewport" content="width=device-width"><p>商品详情</p>'
        f'<script src="{live_url}/widget.js" data-inbox="demo-web" data-color="#e4572e"></script>'
    )
    page.goto(shop_origin + "/m")

    launcher = page.locator(".kefu-launcher")
    # data-color wins over the inbox colour
    expect(launcher).to_have_css("background-color", "rgb(228, 87, 46)")
    launcher.click()
    panel = page.locator(".kefu-panel")
    expect(panel).to_be_visible()
    box = panel.bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 844)
    expect(launcher).to_be_hidden()  # the chat's own × closes it on a phone
    chat = page.frame_locator(".kefu-panel iframe")
    expect(chat.locator("#kc-connection")).to_be_hidden(timeout=10_000)
    chat.locator("#kc-close").click()
    expect(panel).to_be_hidden()
    expect(launcher).to_be_visible()
    context.close()


# A real 1x1 PNG (red pixel).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082"
)


def test_visitor_sends_an_image_and_a_message_survives_a_dropped_connection(live_url, browser):
    context = phone_context(browser)
    page = context.new_page()
    page.goto(live_url + "/chat/demo-web/")
    expect(page.locator("#kc-connection")).to_be_hidden(timeout=10_000)

    # an image: uploaded with the visitor token, then sent as an attachment, shown as a thumbnail
    page.set_input_files("#kc-file", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": PNG}])
    thumb = page.locator(".kc-msg.kc-own .kc-thumb img")
    expect(thumb).to_have_count(1, timeout=10_000)
    assert thumb.get_attribute("src").startswith("/media/chat/")
    expect(page.locator(".kc-msg.kc-own .kc-state")).to_have_attribute("data-state", "delivered", timeout=10_000)
    page.locator(".kc-msg.kc-own .kc-thumb").click()
    expect(page.locator("#kc-lightbox")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#kc-lightbox")).to_be_hidden()

    # the network drops: the message waits in localStorage, "reconnecting" shows, then it goes out once
    page.evaluate(
        """() => {
            window.__RealWebSocket = window.WebSocket;
            const Offline = function () { throw new Error("offline"); };
            Offline.OPEN = 1; Offline.CONNECTING = 0;
            window.WebSocket = Offline;
            window.kefuChat.state.ws.close();
        }"""
    )
    expect(page.locator("#kc-connection")).to_have_text(zh("Reconnecting…"))
    page.fill("#kc-input", "断网时发的消息")
    page.press("#kc-input", "Enter")
    last = page.locator(".kc-msg.kc-own").last
    expect(last.locator(".kc-state")).to_have_attribute("data-state", "sending")
    pending = json.loads(page.evaluate("localStorage.getItem('kefu.pending.demo-web')"))
    assert [item["body"] for item in pending] == ["断网时发的消息"]

    page.evaluate("() => { window.WebSocket = window.__RealWebSocket; window.dispatchEvent(new Event('online')); }")
    expect(page.locator("#kc-connection")).to_be_hidden(timeout=10_000)
    expect(last.locator(".kc-state")).to_have_attribute("data-state", "delivered", timeout=10_000)
    assert json.loads(page.evaluate("localStorage.getItem('kefu.pending.demo-web')")) == []
    expect(page.locator(".kc-msg.kc-own .kc-bubble", has_text="断网时发的消息")).to_have_count(1)

    # a copy of an acknowledged message left in the pending list (its ack was lost) is not doubled
    stored = page.evaluate("window.kefuChat.state.messages.size")
    acked = page.evaluate("[...window.kefuChat.state.messages.values()].find(m => m.body === '断网时发的消息')")
    page.evaluate(
        "m => localStorage.setItem('kefu.pending.demo-web', JSON.stringify([{client_id: m.client_id, body: m.body, attachments: [], created_at: m.created_at}]))",
        acked,
    )
    page.reload()
    expect(page.locator("#kc-connection")).to_be_hidden(timeout=10_000)
    expect(page.locator(".kc-msg.kc-own .kc-bubble", has_text="断网时发的消息")).to_have_count(1)
    page.wait_for_timeout(500)
    assert page.evaluate("window.kefuChat.state.messages.size") == stored
    assert json.loads(page.evaluate("localStorage.getItem('kefu.pending.demo-web')")) == []

    # identifying with an order that does not match is refused with the server's message
    page.click("#kc-identify-btn")
    page.fill("#kc-order-number", "NO-SUCH-ORDER")
    page.fill("#kc-phone", "13800000000")
    page.click("#kc-identify-submit")
    expect(page.locator("#kc-identify-error")).to_have_text(zh("The order number and phone number do not match any order."))
    screenshot(page, "widget-identify-error")
    context.close()


AGENT_SOCKET = """() => new Promise((resolve) => {
    const ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/ws/agent/");
    window.kefuAgent = { ws: ws, frames: [], send: (frame) => ws.send(JSON.stringify(frame)) };
    ws.onmessage = (event) => {
        const frame = JSON.parse(event.data);
        window.kefuAgent.frames.push(frame);
        if (frame.type === "welcome") resolve(frame.agent.name);
    };
})"""


def agent_request(page, frame: dict) -> dict:
    """Send one frame from the agent's socket and return the server's reply to it (by ref)."""
    page.evaluate("frame => window.kefuAgent.send(frame)", frame)
    handle = page.wait_for_function("ref => window.kefuAgent.frames.find(f => f.ref === ref)", arg=frame["ref"], timeout=10_000)
    return handle.json_value()


def chat_frame(page):
    return next(frame for frame in page.frames if "/chat/demo-web/" in frame.url)


def test_an_agent_answers_the_widget_shows_who_typing_read_unread_and_asks_for_a_rating(live_url, browser, shop):
    customer = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = customer.new_page()
    shop_origin, pages = shop
    pages["/agent-test"] = f'<!doctype html><title>商城</title><p>商品</p><script src="{live_url}/widget.js" data-inbox="demo-web"></script>'
    page.goto(shop_origin + "/agent-test")
    launcher = page.locator(".kefu-launcher")
    dot = page.locator(".kefu-dot")
    launcher.click()
    chat = page.frame_locator(".kefu-panel iframe")
    expect(chat.locator("#kc-connection")).to_be_hidden(timeout=10_000)
    chat.locator("#kc-input").fill("我想买两台F40，有优惠吗？")
    chat.locator("#kc-input").press("Enter")
    own = chat.locator(".kc-msg.kc-own")
    expect(own.locator(".kc-state")).to_have_attribute("data-state", "delivered", timeout=10_000)
    conversation = chat_frame(page).evaluate("window.kefuChat.state.conversation.id")
    own_seq = chat_frame(page).evaluate("[...window.kefuChat.state.messages.values()].find(m => m.sender_kind === 'customer').seq")

    agent_context = browser.new_context(locale="zh-CN")
    agent = agent_context.new_page()
    agent.goto(live_url + "/login/")
    agent.fill("input[name=username]", "xiaomei")
    agent.fill("input[name=password]", DEMO_PASSWORD)
    agent.click("button[type=submit]")
    agent.wait_for_url(lambda url: "/login/" not in url)
    assert agent.evaluate(AGENT_SOCKET) == "小美"
    assert agent_request(agent, {"type": "presence.set", "presence": "online", "ref": "p"})["type"] == "result"
    claimed = agent_request(agent, {"type": "conversation.claim", "conversation": conversation, "ref": "claim"})
    assert claimed["type"] == "result", claimed

    # who answers: the agent's name and initial
    expect(chat.locator("#kc-who-name")).to_contain_text("小美", timeout=10_000)
    expect(chat.locator("#kc-who-avatar")).to_have_text("小")
    expect(chat.locator("#kc-human")).to_be_hidden()

    # typing, then the answer with the agent's name
    agent.evaluate("c => window.kefuAgent.send({type: 'typing', conversation: c, active: true})", conversation)
    expect(chat.locator("#kc-typing")).to_be_visible(timeout=10_000)
    reply = "您好，我是小美～两台可以申请团购价，我帮您看一下。"
    ack = agent_request(agent, {"type": "message.send", "conversation": conversation, "client_id": "agent-1", "body": reply, "private": False, "ref": "m1"})
    assert ack["type"] == "ack", ack
    answer = chat.locator(".kc-msg.kc-theirs[data-kind=agent]")
    expect(answer.locator(".kc-bubble")).to_have_text(reply, timeout=10_000)
    expect(answer.locator(".kc-name")).to_have_text("小美")
    expect(chat.locator("#kc-typing")).to_be_hidden()

    # the open panel tells the shop the customer has read the answer; the agent's read marks 已读
    agent.wait_for_function(
        "seq => window.kefuAgent.frames.some(f => f.type === 'read' && f.sender_kind === 'customer' && f.seq >= seq)", arg=ack["seq"], timeout=10_000
    )
    agent.evaluate("([c, s]) => window.kefuAgent.send({type: 'read', conversation: c, seq: s})", [conversation, own_seq])
    expect(own.locator(".kc-state")).to_have_attribute("data-state", "read", timeout=10_000)
    expect(own.locator(".kc-state")).to_have_text(zh("Read", "chat message state"))
    screenshot(page, "widget-agent")

    # a message while the panel is closed: the unread dot on the button
    chat.locator("#kc-close").click()
    expect(dot).to_be_hidden()
    agent_request(agent, {"type": "message.send", "conversation": conversation, "client_id": "agent-2", "body": "团购价每台立减200元。", "private": False, "ref": "m2"})
    expect(dot).to_be_visible(timeout=10_000)
    expect(dot).to_have_text("1")
    launcher.click()
    expect(dot).to_be_hidden()
    expect(chat.locator(".kc-msg.kc-theirs .kc-bubble").last).to_have_text("团购价每台立减200元。")

    # resolved: the satisfaction prompt, 1-5 stars and a comment
    resolved = agent_request(agent, {"type": "conversation.resolve", "conversation": conversation, "ref": "resolve"})
    assert resolved["type"] == "result", resolved
    rating = chat.locator("#kc-rating")
    expect(rating).to_be_visible(timeout=10_000)
    chat.locator("#kc-rating-submit").click()
    expect(chat.locator("#kc-rating-error")).to_have_text(zh("Choose one to five stars first."))
    chat.locator(".kc-star[data-score='5']").click()
    expect(chat.locator(".kc-star.kc-lit")).to_have_count(5)
    chat.locator("#kc-rating-comment").fill("小美很耐心")
    screenshot(page, "widget-rating")
    chat.locator("#kc-rating-submit").click()
    expect(rating).to_be_hidden(timeout=10_000)
    expect(chat.locator("#kc-notice")).to_have_text(zh("Thank you for your rating!"))
    agent_context.close()
    customer.close()


def test_composer_keys_emoji_and_a_flood_refused_with_a_clear_error_then_retried(live_url, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(live_url + "/chat/demo-web/")
    expect(page.locator("#kc-connection")).to_be_hidden(timeout=10_000)

    # Shift+Enter breaks the line, the emoji picker inserts at the cursor, Enter sends
    page.type("#kc-input", "第一行")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("第二行")
    page.click("#kc-emoji-btn")
    expect(page.locator("#kc-emoji")).to_be_visible()
    expect(page.locator("#kc-emoji button")).to_have_count(40)
    page.click("#kc-emoji button[data-emoji='👍']")
    expect(page.locator("#kc-input")).to_have_value("第一行\n第二行👍")
    page.keyboard.press("Escape")
    expect(page.locator("#kc-emoji")).to_be_hidden()
    page.press("#kc-input", "Enter")
    first = page.locator(".kc-msg.kc-own").first
    expect(first.locator(".kc-bubble")).to_have_text("第一行\n第二行👍")
    expect(first.locator(".kc-state")).to_have_attribute("data-state", "delivered", timeout=10_000)

    # a flood: more than 10 messages in 10 seconds; the 11th is refused with the server's message.
    # The server counts in fixed 10-second windows: start the burst just after one begins.
    time.sleep(10 - time.time() % 10 + 0.2)
    for number in range(2, 13):  # 11 messages in one window
        page.fill("#kc-input", f"第{number}条")
        page.press("#kc-input", "Enter")
    failed = page.locator(".kc-msg.kc-own .kc-state[data-state=failed]")
    expect(failed).to_have_count(1, timeout=10_000)
    expect(page.locator(".kc-msg.kc-own .kc-state[data-state=delivered]")).to_have_count(11)
    expect(page.locator("#kc-notice")).to_have_text(zh("You are sending messages too fast. Please wait a few seconds."))
    expect(page.locator(".kc-msg.kc-own.kc-failed .kc-bubble")).to_have_text("第12条")
    assert json.loads(page.evaluate("localStorage.getItem('kefu.pending.demo-web')")) == []  # refused: not resent by itself

    page.wait_for_timeout(10_500)  # the rate window passes
    page.locator(".kc-retry").click()
    expect(page.locator(".kc-msg.kc-own .kc-state[data-state=delivered]")).to_have_count(12, timeout=10_000)
    expect(page.locator(".kc-msg.kc-own .kc-bubble").last).to_have_text("第12条")
    context.close()


def test_a_forged_visitor_token_is_refused_and_the_visitor_starts_over(live_url, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    context.add_init_script("if (!sessionStorage.getItem('seeded')) { localStorage.setItem('kefu.visitor.demo-web', 'forged.token:abc'); sessionStorage.setItem('seeded', '1'); }")
    page = context.new_page()
    frames = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(json.loads(payload))))
    page.goto(live_url + "/chat/demo-web/")

    expect(page.locator("#kc-connection")).to_be_hidden(timeout=15_000)
    errors = [frame for frame in frames if frame["type"] == "error"]
    assert [frame["code"] for frame in errors] == ["bad_token"]
    assert errors[0]["message"] == zh("This chat link is not valid here. Please reload the page.")
    token = page.evaluate("localStorage.getItem('kefu.visitor.demo-web')")
    assert token != "forged.token:abc" and len(token) > 20  # a fresh, genuine token
    page.fill("#kc-input", "你好")
    page.press("#kc-input", "Enter")
    expect(page.locator(".kc-msg.kc-own .kc-state")).to_have_attribute("data-state", "delivered", timeout=10_000)
    context.close()
