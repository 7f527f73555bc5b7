"""The system's greeting, holding and away messages, and conversion marking, through the real services."""

import datetime

import pytest
from django.utils import timezone

from kefu.conversations.enums import ConversationAction, Conversion, SenderKind
from kefu.conversations.errors import ChatError
from kefu.conversations.models import Conversation
from kefu.conversations.services import (
    agent_message_send,
    conversation_conversion_mark,
    conversions_detect,
    customer_message_receive,
    holding_send_if_unanswered,
    visitor_create,
)
from kefu.knowledge.models import Phrase
from tests.factories import order_factory

pytestmark = pytest.mark.django_db
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def phrases(db):
    rows = {
        "hi_morning": "早上好呀亲～我是客服{agent}",
        "hi_afternoon": "下午好亲～我是客服{agent}",
        "hi_evening": "晚上好亲～我是客服{agent}",
        "hi_back": "{name}，欢迎回来！",
        "hi_busy": "亲，现在咨询的朋友比较多，请稍等片刻～",
        "away": "亲，客服暂时不在线，大约{hours}小时后回来。",
    }
    for shortcut, body in rows.items():
        Phrase.objects.create(stage="greeting", shortcut=shortcut, title=shortcut, body=body)


def _system_bodies(conversation_id):
    return list(Conversation.objects.get(pk=conversation_id).messages.filter(sender_kind=SenderKind.SYSTEM).values_list("body", flat=True))


@pytest.mark.parametrize(("hour", "expected"), [(8, "早上好呀亲～我是客服小客"), (14, "下午好亲～我是客服小客"), (21, "晚上好亲～我是客服小客")])
def test_greeting_fits_the_time_of_day(inbox, phrases, hour, expected, monkeypatch):
    inbox.bot_enabled = True  # the bot speaks for the shop: it gives its name
    inbox.save()
    at = datetime.datetime(2026, 11, 23, hour, 5, tzinfo=SHANGHAI)
    monkeypatch.setattr(timezone, "now", lambda: at)
    message, _ = customer_message_receive(visitor=visitor_create(inbox=inbox), body="在吗", client_id="c1")
    assert _system_bodies(message.conversation_id) == [expected]


def test_without_the_bot_and_before_an_agent_the_greeting_names_nobody(inbox, phrases, monkeypatch):
    inbox.bot_enabled = False
    inbox.save()
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 11, 23, 14, 5, tzinfo=SHANGHAI))
    message, _ = customer_message_receive(visitor=visitor_create(inbox=inbox), body="在吗", client_id="c1")
    assert _system_bodies(message.conversation_id) == ["下午好亲～我是客服"]


def test_returning_customer_is_greeted_by_name(inbox, phrases):
    visitor = visitor_create(inbox=inbox)
    visitor.customer.name = "张女士"
    visitor.customer.save()
    order_factory(customer=visitor.customer)
    message, _ = customer_message_receive(visitor=visitor, body="我又来了", client_id="c1")
    assert _system_bodies(message.conversation_id) == ["张女士，欢迎回来！"]


def test_outside_business_hours_the_away_message_gives_the_hours(inbox, phrases, monkeypatch):
    inbox.settings = {"hours": {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
    inbox.save()
    at = datetime.datetime(2026, 11, 23, 6, 0, tzinfo=SHANGHAI)
    monkeypatch.setattr(timezone, "now", lambda: at)
    message, _ = customer_message_receive(visitor=visitor_create(inbox=inbox), body="有人吗", client_id="c1")
    [away] = _system_bodies(message.conversation_id)
    assert away.startswith("亲，客服暂时不在线，大约3小时后回来。") and "09:00-18:00" in away
    assert Conversation.objects.get(pk=message.conversation_id).events.filter(action=ConversationAction.AWAY).exists()


def test_greeting_goes_once_and_first_response_time_is_stored(inbox, phrases):
    visitor = visitor_create(inbox=inbox)
    first, _ = customer_message_receive(visitor=visitor, body="你好", client_id="c1")
    customer_message_receive(visitor=visitor, body="在吗", client_id="c2")
    conversation = Conversation.objects.get(pk=first.conversation_id)
    assert len(_system_bodies(conversation.pk)) == 1
    assert 0 <= conversation.first_response_seconds < 10


def test_holding_message_follows_only_when_nobody_answered(inbox, phrases, agent):
    visitor = visitor_create(inbox=inbox)
    message, _ = customer_message_receive(visitor=visitor, body="你好", client_id="c1")
    conversation = Conversation.objects.get(pk=message.conversation_id)
    waiting_since = conversation.waiting_since.isoformat()
    assert holding_send_if_unanswered(conversation_id=conversation.pk, waiting_since=waiting_since).body.startswith("亲，现在咨询的朋友比较多")
    assert holding_send_if_unanswered(conversation_id=conversation.pk, waiting_since=waiting_since) is None  # once per wait
    agent_message_send(conversation=conversation, agent=agent, body="您好，我是小美", client_id="a1")
    assert holding_send_if_unanswered(conversation_id=conversation.pk, waiting_since=waiting_since) is None
    assert len(_system_bodies(conversation.pk)) == 2


def test_conversion_is_marked_by_hand_with_a_reason(inbox, agent):
    message, _ = customer_message_receive(visitor=visitor_create(inbox=inbox), body="太贵了", client_id="c1")
    conversation = Conversation.objects.get(pk=message.conversation_id)
    with pytest.raises(ChatError) as refused:
        conversation_conversion_mark(conversation=conversation, actor=agent, converted=False, reason="weather")
    assert refused.value.code == "invalid" and Conversation.objects.get(pk=conversation.pk).conversion == ""
    conversation_conversion_mark(conversation=conversation, actor=agent, converted=False, reason="price")
    conversation.refresh_from_db()
    assert (conversation.conversion, conversation.lost_reason) == (Conversion.NOT_CONVERTED, "price")


def test_an_order_within_the_window_marks_the_conversation_converted(inbox, settings):
    settings.KEFU_CONVERSION_WINDOW_HOURS = 48
    visitor = visitor_create(inbox=inbox)
    message, _ = customer_message_receive(visitor=visitor, body="F40有货吗", client_id="c1")
    conversation = Conversation.objects.get(pk=message.conversation_id)
    other_visitor = visitor_create(inbox=inbox)
    other, _ = customer_message_receive(visitor=other_visitor, body="随便看看", client_id="c1")
    now = timezone.now()
    order_factory(customer=visitor.customer, number="ORD-CONV-1", placed_at=now + datetime.timedelta(hours=2), paid_at=None)
    order_factory(customer=other_visitor.customer, number="ORD-LATE-1", placed_at=now + datetime.timedelta(hours=72), paid_at=None)
    assert conversions_detect(since=now - datetime.timedelta(minutes=1)) == 1
    conversation.refresh_from_db()
    assert conversation.conversion == Conversion.CONVERTED
    assert conversation.events.get(action=ConversationAction.CONVERSION).params["order"] == "ORD-CONV-1"
    assert Conversation.objects.get(pk=other.conversation_id).conversion == ""


def test_a_disabled_greeting_phrase_is_not_sent(inbox, phrases, monkeypatch):
    Phrase.objects.filter(shortcut="hi_afternoon").update(enabled=False)
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 11, 23, 14, 5, tzinfo=SHANGHAI))
    message, _ = customer_message_receive(visitor=visitor_create(inbox=inbox), body="在吗", client_id="c1")
    assert "下午好" not in _system_bodies(message.conversation_id)[0]
