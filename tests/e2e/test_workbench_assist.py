"""The assistant in the workbench (UX.md journeys 2, 3 and 4): the assist tab, the live guard, suggestions.

A customer writes in the standalone widget page; the agent 小美 serves the chat in her workbench.
The messages are read by the task worker, as in `kefu up`: this module starts one beside the live
server (periodic tasks off, so the other modules' schedules are left alone). What the product records for quality inspection (guard decisions, suggestion feedback) is read
from the live server's own database with a `kefu shell` subprocess, as the after-sales test does.
"""

import re

import pytest
from playwright.sync_api import expect

from kefu.conversations.enums import Emotion, Stage
from kefu.knowledge.enums import SuggestionSource
from tests.e2e.conftest import live_query, live_var_dir, screenshot, sign_in, zh

pytestmark = pytest.mark.usefixtures("task_worker")

GUARD_DRAFT = "这个问题我不知道，你自己看说明书"
BARGAIN = "能不能便宜点，别家才卖800"
LATE_PARCEL = "我的快递怎么还没到？？？都一个星期了"
ANGRY = "你们这什么破服务！！！气死我了，我要投诉！"


def customer_writes(browser, live_url: str, first: str):
    """Open the widget as a new visitor, write `first`; return the context, the page, its text box and the conversation id."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 420, "height": 760})
    page = context.new_page()
    page.goto(live_url + "/chat/demo-web/")
    box = page.locator("textarea:visible")
    expect(box).to_be_visible()
    box.fill(first)
    box.press("Enter")
    conversation = page.wait_for_function("window.kefuChat.state.conversation && window.kefuChat.state.conversation.id").json_value()
    return context, page, box, conversation


def agent_serves(agent, conversation: int) -> None:
    """Open the conversation from the team's list and claim it (Alt+C) when nobody serves it yet."""
    agent.click(".wb-tabs [data-tab=teams]")
    row = agent.locator(f'#wb-list .wb-row[data-id="{conversation}"]')
    expect(row).to_have_count(1, timeout=15_000)
    row.click()
    expect(agent.locator("#wb-history .wb-msg").first).to_be_visible()
    expect(agent.locator('#wb-side-panel [data-side-tab="assist"]')).to_be_visible()
    if agent.locator("[data-action=claim]").is_visible():
        agent.keyboard.press("Alt+c")
    expect(agent.locator("[data-action=claim]")).to_be_hidden()
    expect(agent.locator("#wb-head-sub")).to_contain_text("小美")


def open_assist_tab(agent):
    agent.click('#wb-side [data-side-tab="assist"]')
    pane = agent.locator("#wb-assist")
    expect(pane).to_be_visible()
    return pane


def test_the_guard_marks_forbidden_words_offers_a_rewrite_and_records_the_decision(live_url, browser, tmp_path_factory):
    customer_context, customer, box, conversation = customer_writes(browser, live_url, "你好，这个净水器的滤芯怎么换？")
    agent_context, agent = sign_in(browser, live_url, "xiaomei")
    agent_serves(agent, conversation)

    # As she types, the guard underlines 不知道 (否定) and 你自己看说明书 (蔑视) and lists them with a rewrite.
    composer = agent.locator("#wb-input")
    composer.press_sequentially(GUARD_DRAFT, delay=15)
    marks = agent.locator("#wb-guard-layer mark")
    expect(marks).to_have_count(2)
    expect(marks.nth(0)).to_have_text("不知道")
    expect(marks.nth(0)).to_have_attribute("data-category", "denial")
    expect(marks.nth(1)).to_have_text("你自己看说明书")
    expect(marks.nth(1)).to_have_attribute("data-category", "contempt")
    bar = agent.locator("#wb-guard")
    expect(bar.locator(".wb-guard-item")).to_have_count(2)
    expect(bar.locator(".wb-guard-item").nth(0).locator(".wb-guard-cat")).to_have_text(re.compile("否定"))
    expect(bar.locator(".wb-guard-item").nth(1).locator(".wb-guard-cat")).to_have_text(re.compile("蔑视"))
    expect(bar.locator("[data-guard-rewrite]").first).to_contain_text(zh("Replace with"))
    # the mark lies under the text the agent typed, and hovering it names the category and the reason
    word = agent.evaluate(
        """() => {
            const input = document.querySelector('#wb-input');
            const mark = document.querySelectorAll('#wb-guard-layer mark')[1].getBoundingClientRect();
            const box = input.getBoundingClientRect();
            return {x: mark.left + mark.width / 2, y: mark.top + mark.height / 2, inside: mark.left >= box.left && mark.right <= box.right && mark.top >= box.top && mark.bottom <= box.bottom};
        }"""
    )
    assert word["inside"], word
    agent.mouse.move(word["x"], word["y"])
    expect(composer).to_have_attribute("title", re.compile("蔑视"))
    screenshot(agent, "workbench-guard")

    # Enter asks first; Esc (返回修改) keeps the draft and records "revised".
    composer.press("Enter")
    dialog = agent.locator("#wb-guard-confirm")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    expect(dialog.locator(".wb-guard-word")).to_have_text(["不知道", "你自己看说明书"])
    expect(agent.locator("#wb-guard-back")).to_be_focused()
    agent.keyboard.press("Tab")
    agent.keyboard.press("Tab")
    agent.keyboard.press("Tab")
    agent.keyboard.press("Tab")
    assert agent.evaluate("document.activeElement.closest('#wb-guard-confirm') !== null")  # the focus stays in the dialog
    screenshot(agent, "workbench-guard-confirm")
    agent.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(composer).to_have_value(GUARD_DRAFT)
    expect(composer).to_be_focused()

    # Enter again, and 仍然发送: the reply goes out as written and the decision is recorded with its message.
    composer.press("Enter")
    expect(dialog).to_be_visible()
    agent.get_by_role("button", name=zh("Send anyway")).click()
    expect(dialog).to_be_hidden()
    expect(composer).to_have_value("")
    expect(agent.locator("#wb-guard")).to_be_hidden()
    expect(customer.locator("body")).to_contain_text(GUARD_DRAFT)

    var_dir = live_var_dir(tmp_path_factory)
    code = (
        "import json; from kefu.conversations.models import GuardDecision as G; "
        f"print(json.dumps([[d.decision, d.draft, d.message.body if d.message else None, d.categories, d.agent.username] for d in G.objects.filter(conversation_id={conversation}).order_by('id')]))"
    )
    decisions = []
    for _ in range(20):  # the decision is posted once the reply is acknowledged
        decisions = live_query(var_dir, code)
        if len(decisions) >= 2:
            break
        agent.wait_for_timeout(250)
    assert [row[:3] for row in decisions] == [["revised", GUARD_DRAFT, None], ["sent", GUARD_DRAFT, GUARD_DRAFT]], decisions
    assert "denial" in decisions[1][3] and "contempt" in decisions[1][3] and decisions[1][4] == "xiaomei"

    # A rewrite replaces the flagged clause in one click; a clean draft goes out at once, without a dialog.
    composer.press_sequentially("这个我不知道。", delay=15)
    expect(agent.locator("#wb-guard [data-guard-rewrite]")).to_have_count(1)
    agent.locator("#wb-guard [data-guard-rewrite]").click()
    expect(composer).not_to_have_value(re.compile("不知道"))
    expect(agent.locator("#wb-guard-layer mark")).to_have_count(0)
    rewritten = composer.input_value()
    composer.press("Enter")
    expect(dialog).to_be_hidden()
    expect(customer.locator("body")).to_contain_text(rewritten.strip())
    customer_context.close()
    agent_context.close()


def test_bargaining_shows_stage_objection_and_a_suggestion_used_with_alt_number(live_url, browser, tmp_path_factory):
    customer_context, customer, box, conversation = customer_writes(browser, live_url, "在吗？想买个无人机")
    agent_context, agent = sign_in(browser, live_url, "xiaomei")
    agent_serves(agent, conversation)
    pane = open_assist_tab(agent)

    box.fill(BARGAIN)
    box.press("Enter")
    # the assist tab follows the new message live: stage 议价, objection "别家更便宜", the shop's objection answer
    expect(pane.locator(".wb-assist-about")).to_contain_text(BARGAIN, timeout=15_000)
    expect(pane.locator("[data-assist-stage]")).to_have_text(zh(Stage.BARGAINING.label))
    expect(pane.locator("[data-assist-objection]")).to_be_visible()
    suggestions = pane.locator(".wb-suggestion")
    expect(suggestions.first).to_be_visible()
    assert 3 <= suggestions.count() <= 5
    sources = [suggestions.nth(i).get_attribute("data-source") for i in range(suggestions.count())]
    assert "objection" in sources, sources
    index = sources.index("objection")
    objection = suggestions.nth(index)
    expect(objection.locator(".wb-src")).to_have_text(zh(SuggestionSource.OBJECTION.label))
    expect(agent.locator("#wb-head-sub .wb-stage")).to_contain_text(zh(Stage.BARGAINING.label))
    screenshot(agent, "workbench-assist")

    # a suggestion the agent does not want: ✕ hides it and records "rejected"
    other = next(i for i, source in enumerate(sources) if i != index)
    dismissed_text = suggestions.nth(other).locator(".wb-sugg-text").inner_text()
    suggestions.nth(other).locator("[data-dismiss-suggestion]").click()
    expect(pane.locator(".wb-sugg-text").filter(has_text=dismissed_text)).to_have_count(0)
    if other < index:
        index -= 1

    # Alt+N puts the objection answer into the empty composer; Enter sends it
    text = suggestions.nth(index).locator(".wb-sugg-text").inner_text()
    composer = agent.locator("#wb-input")
    composer.focus()
    agent.keyboard.press(f"Alt+{index + 1}")
    expect(composer).to_have_value(text)
    expect(composer).to_be_focused()
    composer.press("Enter")
    expect(agent.locator("#wb-guard-confirm")).to_be_hidden()
    expect(composer).to_have_value("")
    expect(customer.locator("body")).to_contain_text(text[:12])

    var_dir = live_var_dir(tmp_path_factory)
    code = (
        "import json; from kefu.knowledge.models import SuggestionFeedback as F; "
        f"print(json.dumps([[f.outcome, f.source, f.suggested] for f in F.objects.filter(message__conversation_id={conversation}).order_by('id')]))"
    )
    rows = []
    for _ in range(20):
        rows = live_query(var_dir, code)
        if len(rows) >= 2:
            break
        agent.wait_for_timeout(250)
    assert rows[0][0] == "rejected" and rows[0][2] == dismissed_text, rows
    assert rows[1] == ["used", "objection", text], rows
    customer_context.close()
    agent_context.close()


def test_a_late_parcel_shows_an_anxious_or_angry_customer_in_the_list_and_the_assist_tab(live_url, browser):
    customer_context, customer, box, conversation = customer_writes(browser, live_url, "你好")
    agent_context, agent = sign_in(browser, live_url, "xiaomei")
    agent_serves(agent, conversation)
    pane = open_assist_tab(agent)

    box.fill(LATE_PARCEL)
    box.press("Enter")
    upset = re.compile(f"{zh(Emotion.ANXIOUS.label)}|{zh(Emotion.ANGRY.label)}")  # 焦虑 or 愤怒
    row = agent.locator(f'#wb-list .wb-row[data-id="{conversation}"]')
    expect(row.locator("[data-emotion]")).to_have_text(upset, timeout=15_000)
    expect(pane.locator("[data-assist-emotion]")).to_have_text(upset)
    expect(pane.locator("[data-assist-emotion] .wb-intensity")).to_be_visible()
    expect(agent.locator("#wb-head-sub [data-emotion]")).to_have_text(upset)
    expect(pane.locator(".wb-suggestion").first).to_be_visible()
    screenshot(agent, "workbench-assist-emotion")

    # she gets angry: the conversation is escalated, the row says so, and the supervisor is alerted at once
    supervisor_context, supervisor = sign_in(browser, live_url, "wang")
    supervisor.goto(live_url + "/workbench/")
    supervisor.wait_for_function("window.kefuWorkbench && window.kefuWorkbench.connected()")
    box.fill(ANGRY)
    box.press("Enter")
    expect(row.locator("[data-emotion]")).to_have_text(re.compile(zh(Emotion.ANGRY.label)), timeout=15_000)
    expect(row.locator("[data-escalated]")).to_be_visible()
    expect(pane.locator("[data-assist-emotion]")).to_have_attribute("data-assist-emotion", "angry")
    alert = supervisor.locator(".wb-toast.alert")
    expect(alert).to_be_visible(timeout=15_000)
    expect(alert).to_contain_text(ANGRY)  # what she wrote
    name = agent.locator("#wb-head-name").inner_text()
    expect(alert).to_contain_text(name)  # who is upset
    screenshot(supervisor, "workbench-escalation")
    alert.click()  # opens the conversation
    expect(supervisor.locator("#wb-head-name")).to_have_text(name)
    expect(supervisor.locator("#wb-history")).to_contain_text(ANGRY)
    # the alert's link (in 通知 and the e-mail) opens the same conversation in a fresh workbench
    supervisor.goto(f"{live_url}/workbench/?conversation={conversation}")
    expect(supervisor.locator("#wb-head-name")).to_have_text(name, timeout=10_000)
    expect(supervisor.locator("#wb-history")).to_contain_text(ANGRY)
    supervisor_context.close()
    customer_context.close()
    agent_context.close()
