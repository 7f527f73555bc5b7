"""The system's own words: greeting at once, holding message when nobody answers, away message off hours."""

from __future__ import annotations

import datetime

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.inboxes.options import InboxOptions
from kefu.knowledge.models import Phrase

from ..enums import ConversationAction, SenderKind
from ..models import Conversation, Message
from .common import event_record, message_append


def _phrase(shortcut: str) -> str:
    """Return the body of the enabled phrase with this shortcut (unique), "" without one: one statement, for every new chat."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT body FROM {connection.ops.quote_name(Phrase._meta.db_table)} WHERE shortcut = %s AND enabled", [shortcut])
        row = cursor.fetchone()
    return (row[0] if row else "") or ""


def _speaker(conversation: Conversation) -> str:
    """Name who speaks for the shop in a system message: the agent serving the chat, else the bot when it is on, else nobody.

    "我是客服{agent}" then reads 我是客服小美, 我是客服小客 or 我是客服: never the bot's name when an agent will answer.
    """
    if conversation.assignee_id is not None:
        return str(conversation.assignee)
    if conversation.inbox.bot_enabled:
        return InboxOptions.of(conversation.inbox).bot_name
    return ""


def _fill(text: str, conversation: Conversation, **values: str) -> str:
    known = {"name": conversation.customer.name or _("dear customer"), "agent": _speaker(conversation), **values}
    for key, value in known.items():
        text = text.replace("{" + key + "}", str(value))
    return text


def customer_is_returning(conversation: Conversation) -> bool:
    """Tell whether the customer returns (回头客): they have a name and an earlier conversation or an order."""
    customer = conversation.customer
    if not customer.name:
        return False
    return customer.orders.exists() or customer.conversations.exclude(pk=conversation.pk).exists()


def greeting_text(conversation: Conversation, *, at: datetime.datetime | None = None) -> str:
    """Pick the greeting: the inbox's own, the returning-customer one by name, or one for the time of day."""
    if conversation.inbox.greeting:
        return _fill(conversation.inbox.greeting, conversation)
    if customer_is_returning(conversation):
        text = _phrase("hi_back")
        if text:
            return _fill(text, conversation)
    hour = timezone.localtime(at or timezone.now()).hour
    shortcut = "hi_morning" if 5 <= hour < 11 else "hi_afternoon" if 11 <= hour < 18 else "hi_evening"
    text = _phrase(shortcut) or _phrase("hi")
    return _fill(text, conversation) if text else _("Hello! Thank you for contacting us. How can we help you?")


def away_text(conversation: Conversation, *, at: datetime.datetime | None = None) -> str:
    options = InboxOptions.of(conversation.inbox)
    text = _phrase("away")
    hours = str(options.hours_until_open(at))
    body = _fill(text, conversation, hours=hours) if text else _("We are away right now and will be back in about %(hours)s hours.") % {"hours": hours}
    return body + " " + _("(Business hours: %(hours)s)") % {"hours": options.hours_text()}


def holding_text(conversation: Conversation) -> str:
    text = _phrase("hi_busy")
    return _fill(text, conversation) if text else _("Many customers are asking right now; an agent will be with you shortly.")


def greeting_send(conversation: Conversation, *, at: datetime.datetime | None = None) -> Message:
    """Answer a customer's first message at once: the greeting, or the away message outside business hours."""
    at = at or timezone.now()
    if InboxOptions.of(conversation.inbox).is_open(at):
        message = message_append(conversation, sender_kind=SenderKind.SYSTEM, body=greeting_text(conversation, at=at))
        event_record(conversation, ConversationAction.GREETED)
    else:
        message = message_append(conversation, sender_kind=SenderKind.SYSTEM, body=away_text(conversation, at=at))
        event_record(conversation, ConversationAction.AWAY)
    if conversation.first_response_at is None:
        conversation.first_response_at = message.created_at
        Conversation.objects.filter(pk=conversation.pk).update(first_response_at=message.created_at)
    return message
