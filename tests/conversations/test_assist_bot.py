"""The assistant in live chat, through the real services and the Huey task (immediate in tests).

Given the demo shop's knowledge, a customer message is read after commit: its emotion, stage and
suggestions are kept, the conversation's mood and trend follow, an angry customer is escalated
with the supervisors alerted, and on an inbox with the answer bot the bot answers or hands over.
"""

import pytest
from django.utils.translation import gettext

from kefu.accounts.enums import Role
from kefu.accounts.models import User
from kefu.conversations.enums import ConversationAction, SenderKind
from kefu.conversations.models import Conversation, Message, MessageInsight
from kefu.conversations.services import customer_message_receive, visitor_create, visitor_handover
from kefu.conversations.services.assist import emotion_trend
from kefu.demo.loader.write import _load_catalog, _load_knowledge
from kefu.knowledge.assist_index import knowledge_changed
from kefu.knowledge.models import FaqEntry
from kefu.tickets.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def knowledge(django_capture_on_commit_callbacks):
    products = _load_catalog(None)
    _load_knowledge(products, None)
    with django_capture_on_commit_callbacks(execute=True):
        knowledge_changed()


@pytest.fixture
def bot_inbox(inbox):
    inbox.bot_enabled = True
    inbox.save()
    return inbox


def say(capture, visitor, body, n=[0]):  # noqa: B006 -- a counter for unique client ids
    n[0] += 1
    with capture(execute=True):
        message, _ = customer_message_receive(visitor=visitor, body=body, client_id=f"c{n[0]}")
    return Conversation.objects.get(pk=message.conversation_id), message


def bodies(conversation, kind, *, private=False):
    return list(conversation.messages.filter(sender_kind=kind, is_private=private).order_by("seq").values_list("body", flat=True))


def test_every_customer_message_is_read_and_kept(inbox, knowledge, django_capture_on_commit_callbacks):
    visitor = visitor_create(inbox=inbox)
    conversation, message = say(django_capture_on_commit_callbacks, visitor, "能不能便宜点，别家才卖800")
    insight = MessageInsight.objects.get(message=message)
    assert (insight.stage, insight.objection) == ("bargaining", "cheaper_elsewhere")
    assert conversation.stage == "bargaining"
    assert any(item["source"] == "objection" for item in insight.suggestions)
    assert 3 <= len(insight.suggestions) <= 5


def test_the_mood_trend_rises_as_the_customer_gets_upset(inbox, knowledge, django_capture_on_commit_callbacks):
    visitor = visitor_create(inbox=inbox)
    say(django_capture_on_commit_callbacks, visitor, "你好，我想问下我的订单")
    conversation, _ = say(django_capture_on_commit_callbacks, visitor, "我的快递怎么还没到？？？都一个星期了")
    assert conversation.emotion in ("anxious", "angry")
    assert conversation.emotion_trend == "rising"


def test_trend_arithmetic():
    assert emotion_trend([0.1]) == ""
    assert emotion_trend([0.1, 0.8]) == "rising"
    assert emotion_trend([0.9, 0.8, 0.2]) == "falling"
    assert emotion_trend([0.5, 0.55]) == "steady"


def test_an_angry_customer_rises_in_the_queue_and_the_supervisors_are_alerted(inbox, knowledge, presale_team, django_capture_on_commit_callbacks):
    boss = User.objects.create_user("boss", password="x", role=Role.SUPERVISOR)
    presale_team.memberships.create(user=boss)
    visitor = visitor_create(inbox=inbox)
    conversation, _ = say(django_capture_on_commit_callbacks, visitor, "你们这什么破服务！！！气死我了，骗子！")
    before = conversation.priority
    assert conversation.emotion == "angry"
    assert conversation.escalated_at is not None and before >= 20
    assert conversation.events.filter(action=ConversationAction.ESCALATED).count() == 1
    assert list(Notification.objects.filter(user=boss).values_list("kind", flat=True)) == ["escalation"]
    conversation, _ = say(django_capture_on_commit_callbacks, visitor, "气死了！！！")
    assert conversation.priority == before  # once per conversation
    assert Notification.objects.filter(user=boss).count() == 1


def test_the_bot_answers_a_confident_faq_match_and_keeps_the_chat_out_of_the_queue(bot_inbox, knowledge, django_capture_on_commit_callbacks):
    visitor = visitor_create(inbox=bot_inbox)
    conversation, _ = say(django_capture_on_commit_callbacks, visitor, "翼龙F40续航多久？")
    assert conversation.bot_active and conversation.queued_at is None and conversation.waiting_since is None
    expected = FaqEntry.objects.get(question="翼龙F40续航多久？").answer
    assert bodies(conversation, SenderKind.BOT) == [expected]
    assert conversation.events.filter(action=ConversationAction.BOT_ANSWERED).count() == 1


def test_the_bot_hands_over_when_the_customer_asks_for_a_person(bot_inbox, knowledge, django_capture_on_commit_callbacks):
    visitor = visitor_create(inbox=bot_inbox)
    say(django_capture_on_commit_callbacks, visitor, "翼龙F40续航多久？")
    conversation, _ = say(django_capture_on_commit_callbacks, visitor, "转人工")
    assert not conversation.bot_active
    assert conversation.queued_at is not None and conversation.waiting_since is not None
    assert conversation.handover_reason == gettext("The customer asked for a person.")
    note = bodies(conversation, SenderKind.BOT, private=True)
    assert len(note) == 1 and "翼龙F40续航多久？" in note[0] and "转人工" in note[0]


def test_the_bot_hands_over_after_two_unsure_turns(bot_inbox, knowledge, django_capture_on_commit_callbacks):
    visitor = visitor_create(inbox=bot_inbox)
    conversation, _ = say(django_capture_on_commit_callbacks, visitor, "我家猫咪昨天把窗帘抓坏了怎么弄")
    assert conversation.bot_active and conversation.bot_misses == 1
    conversation, _ = say(django_capture_on_commit_callbacks, visitor, "隔壁老王说周末可能下雨")
    assert not conversation.bot_active and conversation.queued_at is not None
    assert "2" in conversation.handover_reason


def test_the_unsure_turns_setting_is_read(bot_inbox, knowledge, django_capture_on_commit_callbacks):
    bot_inbox.settings = {**bot_inbox.settings, "bot_unsure_turns": 1}
    bot_inbox.save()
    visitor = visitor_create(inbox=bot_inbox)
    conversation, _ = say(django_capture_on_commit_callbacks, visitor, "我家猫咪昨天把窗帘抓坏了怎么弄")
    assert not conversation.bot_active and conversation.queued_at is not None


def test_the_bot_hands_over_an_angry_customer_at_once(bot_inbox, knowledge, django_capture_on_commit_callbacks):
    visitor = visitor_create(inbox=bot_inbox)
    conversation, _ = say(django_capture_on_commit_callbacks, visitor, "你们这什么破服务！！！气死我了，骗子！")
    assert not conversation.bot_active and conversation.queued_at is not None
    assert conversation.handover_reason == gettext("The customer is angry.")


def test_the_customers_handover_button_leaves_the_bots_reading(bot_inbox, knowledge, django_capture_on_commit_callbacks):
    visitor = visitor_create(inbox=bot_inbox)
    say(django_capture_on_commit_callbacks, visitor, "翼龙F40续航多久？")
    with django_capture_on_commit_callbacks(execute=True):
        position = visitor_handover(visitor=visitor)
    conversation = Conversation.objects.get(visitor=visitor)
    assert position == 0 and not conversation.bot_active  # nobody ahead
    assert len(bodies(conversation, SenderKind.BOT, private=True)) == 1


def test_without_the_bot_the_chat_is_queued_at_once(inbox, knowledge, django_capture_on_commit_callbacks):
    visitor = visitor_create(inbox=inbox)
    conversation, _ = say(django_capture_on_commit_callbacks, visitor, "翼龙F40续航多久？")
    assert not conversation.bot_active and conversation.queued_at is not None
    assert bodies(conversation, SenderKind.BOT) == []


def test_a_bot_that_never_answered_hands_over_when_the_holding_time_is_up(bot_inbox, knowledge):
    from kefu.conversations.services import holding_send_if_unanswered

    # the message is stored but its reading never ran (no commit here: the task worker was down)
    message, _ = customer_message_receive(visitor=visitor_create(inbox=bot_inbox), body="翼龙F40续航多久？", client_id="lost-1")
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert conversation.bot_active and conversation.queued_at is None
    holding_send_if_unanswered(conversation_id=conversation.pk, waiting_since=conversation.waiting_since.isoformat())
    conversation.refresh_from_db()
    assert not conversation.bot_active and conversation.queued_at is not None
    assert conversation.handover_reason == gettext("The bot did not answer in time.")


def test_the_bots_answer_stops_the_holding_timer(bot_inbox, knowledge, django_capture_on_commit_callbacks):
    from kefu.conversations.services import holding_send_if_unanswered

    visitor = visitor_create(inbox=bot_inbox)
    with django_capture_on_commit_callbacks(execute=True):
        message, _ = customer_message_receive(visitor=visitor, body="翼龙F40续航多久？", client_id="t-1")
    first_wait = Message.objects.filter(conversation_id=message.conversation_id).count()
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert conversation.waiting_since is None  # the bot answered
    assert holding_send_if_unanswered(conversation_id=conversation.pk, waiting_since=message.created_at.isoformat()) is None
    assert Message.objects.filter(conversation_id=conversation.pk).count() == first_wait and conversation.bot_active


def test_out_of_hours_the_bot_says_when_agents_are_back(bot_inbox, knowledge, django_capture_on_commit_callbacks):
    bot_inbox.settings = {**bot_inbox.settings, "hours": {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat")} | {"sun": [["00:00", "00:01"]]}}
    bot_inbox.save()
    visitor = visitor_create(inbox=bot_inbox)
    conversation, _ = say(django_capture_on_commit_callbacks, visitor, "转人工")
    last = bodies(conversation, SenderKind.BOT)[-1]
    assert not conversation.bot_active and conversation.queued_at is not None
    assert last != gettext("I am connecting you to an agent, one moment please.")
    assert any(ch.isdigit() for ch in last)  # the hours until the next opening


def test_when_unsure_the_bot_offers_questions_to_tap_and_a_number_picks_one(bot_inbox, knowledge, django_capture_on_commit_callbacks):
    from kefu.conversations.payloads import message_payload

    visitor = visitor_create(inbox=bot_inbox)
    conversation, _ = say(django_capture_on_commit_callbacks, visitor, "你们的无人机能飞多久呀")
    asked = conversation.messages.filter(sender_kind=SenderKind.BOT, is_private=False).order_by("-seq").first()
    assert conversation.bot_active and conversation.bot_misses == 1
    assert asked.choices, asked.body  # 猜你想问, shown as buttons in the widget
    assert all(f"{number}. {question}" in asked.body for number, question in enumerate(asked.choices, 1))  # other channels answer by number
    assert message_payload(asked, for_customer=True)["choices"] == asked.choices

    # a number beyond the list is read as it is: still unsure, the chat goes to a person
    conversation, _ = say(django_capture_on_commit_callbacks, visitor, "9")
    assert not conversation.bot_active


def test_a_number_answering_the_list_asks_that_question(bot_inbox, knowledge, django_capture_on_commit_callbacks):
    visitor = visitor_create(inbox=bot_inbox)
    conversation, _ = say(django_capture_on_commit_callbacks, visitor, "你们的无人机能飞多久呀")
    choices = conversation.messages.filter(sender_kind=SenderKind.BOT, is_private=False).order_by("-seq").first().choices
    conversation, message = say(django_capture_on_commit_callbacks, visitor, "１")  # full-width, as phone keyboards send it
    assert conversation.bot_active and conversation.bot_misses == 0
    assert bodies(conversation, SenderKind.BOT)[-1] == FaqEntry.objects.get(question=choices[0]).answer
    assert MessageInsight.objects.get(message=message).faq_entry_id == FaqEntry.objects.get(question=choices[0]).pk
