"""The answer bot in the customer's widget and the agent's workbench (UX.md journeys 1 and 5).

Customers write on the standalone chat page of ``demo-shop`` (商城智能客服, team 售前组, bot 小客
on). Each message is read by the task worker after commit, as in `kefu up`: this module starts
one beside the live server (``kefu worker`` with periodic tasks off, its events relayed by the
server through the outbox), so the bot's words reach the browser as they do in the product.
The expected answers are read from the live server's own database with `kefu shell`.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import live_query, screenshot, sign_in, zh

pytestmark = pytest.mark.usefixtures("task_worker")

ENDURANCE = "翼龙F40续航多久？"
CHANNELS = "AFG2100有几个通道？"  # the FAQ entry's own question
CHANNELS_TRADITIONAL = "請問AFG2100有幾個通道？"
CHANNELS_SIMPLIFIED = "请问AFG2100有几个通道？"
ENDURANCE_TRADITIONAL = "F40能飛多久？"  # only its simplified form "F40能飞多久" is a variant of the entry
VAGUE = "你们的无人机能飞多久呀"  # close to 翼龙F40续航多久？ but not sure enough to answer
UNRELATED = ("我家猫咪昨天把窗帘抓坏了怎么弄", "隔壁老王说周末可能下雨")
AGENT_REPLY = "您好，我是小美，F40的航时评估我来帮您安排。"
FIRST_ANSWER_SECONDS = 30  # the worker builds the knowledge index on its first message
QUEUED = re.compile(r"前面还有 \d+ 位|下一位就是您")


def handed_over(online: bool):
    """Return what the bot says when it hands over: connecting now, or when agents are back outside business hours."""
    if online:
        return zh("I am connecting you to an agent, one moment please.")
    away = zh("Our agents are off duty now and back in about %(hours)s hours. Your message is kept and they will answer it first.")
    return re.compile("^" + re.escape(away).replace(re.escape("%(hours)s"), r"\d+") + "$")


@pytest.fixture(scope="module")
def faq_answers(var_dir) -> dict[str, str]:
    """Read the demo knowledge base's answers, by question, from the live server's database."""
    code = "import json; from kefu.knowledge.models import FaqEntry as F; print(json.dumps(dict(F.objects.values_list('question', 'answer'))))"
    return live_query(var_dir, code)


@pytest.fixture(scope="module", autouse=True)
def presale_agents_offline(var_dir):
    """Given no 售前组 agent is online, a handed-over chat waits in the team's queue instead of being assigned at once."""
    code = (
        "import json; from kefu.accounts.models import User; from kefu.conversations.services.routing import agent_presence_set; "
        "[agent_presence_set(agent=u, presence='offline') for u in User.objects.filter(username__in=['xiaomei', 'xiaoli']).exclude(presence='offline')]; "
        "print(json.dumps(list(User.objects.filter(username__in=['xiaomei', 'xiaoli']).values_list('presence', flat=True))))"
    )
    assert live_query(var_dir, code) == ["offline", "offline"]


def visitor(browser, live_url: str):
    """Open the bot inbox's chat page as a new visitor (a fresh browser context: no token yet)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 420, "height": 760})
    page = context.new_page()
    page.goto(live_url + "/chat/demo-shop/")
    box = page.locator("#kc-input")
    expect(box).to_be_visible()
    expect(page.locator("#kc-connection")).to_be_hidden()
    return context, page, box


def write(page, box, text: str) -> int:
    """Write one message with Enter; return the conversation's id once the server acknowledged it."""
    box.fill(text)
    box.press("Enter")
    expect(page.locator(".kc-msg.kc-own .kc-bubble").filter(has_text=text).last).to_be_visible()
    return page.wait_for_function(
        "window.kefuChat.state.conversation && window.kefuChat.state.conversation.id"
    ).json_value()


def bot_bubbles(page):
    return page.locator('.kc-msg[data-kind="bot"] .kc-bubble')


def open_from_queue(agent, conversation: int):
    """Show the 排队 tab and open the conversation from it."""
    tab = agent.locator(".wb-tabs [data-tab=queue]")
    expect(tab).to_contain_text("排队")
    tab.click()
    row = agent.locator(f'#wb-list .wb-row[data-id="{conversation}"]')
    expect(row).to_have_count(1, timeout=15_000)
    row.click()
    expect(agent.locator("#wb-history .wb-msg").first).to_be_visible()
    return row


def system_greeting(var_dir: str, conversation: int) -> str:
    """Return the system's first words in the conversation (the greeting, or the away message outside business hours)."""
    code = (
        "import json; from kefu.conversations.models import Message as M; "
        f"print(json.dumps(M.objects.filter(conversation_id={conversation}, sender_kind='system').order_by('seq').values_list('body', flat=True).first()))"
    )
    return live_query(var_dir, code)


def kinds_in_history(agent) -> list[str]:
    """List what the workbench's history shows, in order: "system", "customer", "agent", "bot" or "bot-note"."""
    return agent.evaluate(
        """() => Array.from(document.querySelectorAll('#wb-history .wb-system, #wb-history .wb-msg')).map((node) =>
            node.classList.contains('wb-system') ? 'system' : node.dataset.kind + (node.classList.contains('note') ? '-note' : ''))"""
    )


def test_a_new_visitor_is_answered_by_the_bot_hands_over_and_an_agent_takes_the_whole_history(
    live_url, browser, var_dir, faq_answers
):
    answer = faq_answers[ENDURANCE]
    customer_context, customer, box = visitor(browser, live_url)
    online = customer.evaluate("window.kefuChat.state.inbox.online !== false")
    who = customer.locator("#kc-who-name")
    bot_label = zh("Bot %(name)s", name="小客")
    # the bot answers at any hour: the header names it before the first message, in or out of business hours
    expect(who).to_have_text(bot_label)
    if not online:
        expect(who).to_have_attribute("title", re.compile("08:00"))

    # greeted at once by the system, then the bot answers from the knowledge base, labelled 机器人
    conversation = write(customer, box, ENDURANCE)
    greeting = system_greeting(var_dir, conversation)
    assert greeting
    expect(customer.locator(".kc-system").first).to_have_text(greeting, timeout=10_000)
    expect(bot_bubbles(customer)).to_have_text([answer], timeout=FIRST_ANSWER_SECONDS * 1000)
    bot_message = customer.locator('.kc-msg[data-kind="bot"]').first
    expect(bot_message.locator(".kc-name")).to_have_text("小客")
    expect(bot_message.locator(".kc-tag")).to_have_text(zh("Bot"))
    expect(bot_message.locator(".kc-tag")).to_have_text("机器人")
    human = customer.locator("#kc-human")
    expect(human).to_be_visible()
    expect(human).to_have_text("转人工")
    expect(who).to_have_text(bot_label)
    expect(customer.locator("#kc-queue")).to_be_hidden()
    screenshot(customer, "widget-bot")

    # the visitor writes 转人工: the bot says so and the chat waits in the 售前组 queue
    write(customer, box, "转人工")
    expect(bot_bubbles(customer)).to_have_text(
        [answer, handed_over(online)], timeout=15_000
    )
    expect(customer.locator("#kc-queue")).to_have_text(QUEUED, timeout=10_000)
    expect(human).to_be_hidden()
    # nobody answers until an agent takes it: 排队中 in business hours, the service hours outside them
    expect(who).not_to_have_text(bot_label)
    if online:
        expect(who).to_have_text(zh("Waiting for an agent"))

    # the agent finds it under 排队 with the bot's reading as a private note, and the whole history
    agent_context, agent = sign_in(browser, live_url, "xiaomei")
    open_from_queue(agent, conversation)
    history = agent.locator("#wb-history")
    expect(history.locator(".wb-system").first).to_contain_text(greeting)
    expect(agent.locator("#wb-head-sub")).to_contain_text("售前组")
    expect(agent.locator("[data-action=claim]")).to_be_visible()
    note = history.locator(".wb-msg.bot.note")
    expect(note).to_have_count(1)
    expect(note.locator(".wb-note-label")).to_have_text(zh("Note"))
    expect(note.locator(".wb-bubble")).to_contain_text(zh("The customer asked for a person."))
    expect(note.locator(".wb-bubble")).to_contain_text(ENDURANCE)
    expect(note.locator(".wb-bubble")).to_contain_text("转人工")
    answered = history.locator(".wb-msg.bot:not(.note)")
    expect(answered.locator(".wb-bubble")).to_have_text([answer, handed_over(online)])
    expect(answered.first.locator(".wb-who-bot")).to_have_text("机器人")
    assert kinds_in_history(agent) == ["customer", "system", "bot", "customer", "bot", "bot-note"]
    screenshot(agent, "workbench-bot-handover")

    # she claims it and replies; the customer sees her name instead of the bot's
    agent.locator("[data-action=claim]").click()
    expect(agent.locator("[data-action=claim]")).to_be_hidden()
    expect(agent.locator("#wb-head-sub")).to_contain_text("小美")
    composer = agent.locator("#wb-input")
    composer.fill(AGENT_REPLY)
    composer.press("Enter")
    expect(agent.locator("#wb-guard-confirm")).to_be_hidden()
    expect(composer).to_have_value("")
    reply = customer.locator('.kc-msg[data-kind="agent"]')
    expect(reply.locator(".kc-bubble")).to_have_text([AGENT_REPLY])
    expect(reply.locator(".kc-name")).to_have_text("小美")
    expect(reply.locator(".kc-tag")).to_have_count(0)
    expect(who).to_have_text(zh("%(name)s (agent)", name="小美"))
    expect(customer.locator("#kc-queue")).to_be_hidden()
    expect(human).to_be_hidden()
    screenshot(customer, "widget-bot-agent")
    customer_context.close()
    agent_context.close()


def test_a_traditional_chinese_question_gets_the_same_answer_as_its_simplified_form(
    live_url, browser, faq_answers
):
    traditional_context, traditional, traditional_box = visitor(browser, live_url)
    simplified_context, simplified, simplified_box = visitor(browser, live_url)
    write(traditional, traditional_box, CHANNELS_TRADITIONAL)
    write(simplified, simplified_box, CHANNELS_SIMPLIFIED)
    expect(bot_bubbles(traditional)).to_have_count(1, timeout=FIRST_ANSWER_SECONDS * 1000)
    expect(bot_bubbles(simplified)).to_have_count(1, timeout=FIRST_ANSWER_SECONDS * 1000)
    answers = [bot_bubbles(page).first.inner_text() for page in (traditional, simplified)]
    assert answers == [faq_answers[CHANNELS], faq_answers[CHANNELS]], answers

    # a traditional wording the knowledge base holds only in simplified characters is understood too
    write(traditional, traditional_box, ENDURANCE_TRADITIONAL)
    expect(bot_bubbles(traditional)).to_have_text(
        [faq_answers[CHANNELS], faq_answers[ENDURANCE]], timeout=15_000
    )

    # the 转人工 button queues the chat at once
    human = traditional.locator("#kc-human")
    expect(human).to_be_visible()
    human.click()
    expect(traditional.locator("#kc-notice")).to_have_text(
        zh("We are connecting you to an agent, please wait a moment.")
    )
    expect(traditional.locator("#kc-queue")).to_have_text(QUEUED, timeout=10_000)
    expect(human).to_be_hidden()
    traditional_context.close()
    simplified_context.close()


def test_two_questions_the_bot_cannot_answer_hand_the_chat_over(live_url, browser, var_dir):
    customer_context, customer, box = visitor(browser, live_url)
    unsure = zh(
        "Sorry, I am not sure I understood. Could you say it another way, or write 转人工 for an agent?"
    )
    conversation = write(customer, box, UNRELATED[0])
    expect(bot_bubbles(customer)).to_have_count(1, timeout=FIRST_ANSWER_SECONDS * 1000)
    expect(bot_bubbles(customer).first).to_contain_text(unsure)
    expect(customer.locator("#kc-human")).to_be_visible()
    expect(customer.locator("#kc-queue")).to_be_hidden()

    write(customer, box, UNRELATED[1])
    expect(bot_bubbles(customer)).to_have_count(2, timeout=15_000)
    online = customer.evaluate("window.kefuChat.state.inbox.online !== false")
    expect(bot_bubbles(customer).last).to_have_text(handed_over(online))
    expect(customer.locator("#kc-queue")).to_have_text(QUEUED, timeout=10_000)
    expect(customer.locator("#kc-human")).to_be_hidden()
    screenshot(customer, "widget-bot-unsure")

    code = (
        "import json; from kefu.conversations.models import Conversation as C; "
        f"c = C.objects.get(pk={conversation}); print(json.dumps([c.bot_active, c.queued_at is not None, c.assignee_id, c.team.name, c.handover_reason]))"
    )
    assert live_query(var_dir, code) == [
        False,
        True,
        None,
        "售前组",
        zh("The bot was unsure %(count)s times in a row.", count=2),
    ]

    agent_context, agent = sign_in(browser, live_url, "xiaoli")
    open_from_queue(agent, conversation)
    note = agent.locator("#wb-history .wb-msg.bot.note .wb-bubble")
    expect(note).to_contain_text(zh("The bot was unsure %(count)s times in a row.", count=2))
    expect(note).to_contain_text(UNRELATED[0])
    expect(note).to_contain_text(UNRELATED[1])
    customer_context.close()
    agent_context.close()


def test_a_vague_question_gets_questions_to_tap_and_a_tap_gets_the_answer(live_url, browser, faq_answers):
    customer_context, customer, box = visitor(browser, live_url)
    write(customer, box, VAGUE)
    expect(bot_bubbles(customer)).to_have_count(1, timeout=FIRST_ANSWER_SECONDS * 1000)
    expect(bot_bubbles(customer).first).to_contain_text(zh("Did you mean:"))
    choices = customer.locator('.kc-msg[data-kind="bot"] .kc-choice')
    expect(choices.first).to_be_visible()
    question = choices.first.inner_text()
    screenshot(customer, "widget-bot-choices")

    choices.first.click()
    expect(customer.locator(".kc-msg.kc-own .kc-bubble").last).to_have_text(question)  # asked in the customer's name
    expect(bot_bubbles(customer)).to_have_count(2, timeout=15_000)
    expect(bot_bubbles(customer).last).to_have_text(faq_answers[question])
    expect(customer.locator("#kc-queue")).to_be_hidden()  # answered: still with the bot, not queued
    customer_context.close()
