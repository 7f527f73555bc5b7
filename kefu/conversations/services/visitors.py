"""Widget visitors: signed tokens, and proving who they are with an order number and its phone."""

from __future__ import annotations

import uuid

from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.services import audit_record
from kefu.customers.enums import Platform
from kefu.customers.models import Customer, CustomerIdentity
from kefu.customers.phones import phone_canonical
from kefu.inboxes.models import Inbox
from kefu.orders.models import Order

from ..enums import ConversationAction
from ..errors import ChatError
from ..models import Conversation, Visitor
from .common import conversation_publish, event_record

TOKEN_SALT = "kefu.visitor"
IDENTIFY_ATTEMPTS = 5  # per visitor and 10 minutes: order numbers must not be guessable by trying


def visitor_create(*, inbox: Inbox, user_agent: str = "") -> Visitor:
    """Create an anonymous visitor with its own customer record (a widget identity)."""
    with transaction.atomic():
        key = uuid.uuid4()
        customer = Customer.objects.create()
        CustomerIdentity.objects.create(customer=customer, platform=Platform.WIDGET, external_id=key.hex)
        return Visitor.objects.create(key=key, inbox=inbox, customer=customer, user_agent=user_agent[:255])


def visitor_token(visitor: Visitor) -> str:
    return signing.dumps({"v": visitor.key.hex, "i": visitor.inbox_id}, salt=TOKEN_SALT, compress=False)


def visitor_from_token(token: str, *, inbox: Inbox) -> Visitor | None:
    """Return the visitor a token was issued to, if it is genuine and for this inbox."""
    if not token or not isinstance(token, str) or len(token) > 300:
        return None
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("i") != inbox.pk:
        return None
    try:
        return Visitor.objects.select_related("customer", "inbox").get(key=uuid.UUID(str(data.get("v"))), inbox=inbox)
    except (Visitor.DoesNotExist, ValueError):
        return None


def visitor_current_conversation(visitor: Visitor) -> Conversation | None:
    """Return the visitor's latest conversation in their inbox: the one a new message goes to."""
    return (
        Conversation.objects.select_related("inbox", "customer", "team", "assignee", "visitor")
        .filter(visitor=visitor)
        .order_by("-created_at", "-pk")
        .first()
    )


def visitor_arrive(*, inbox: Inbox, token: str | None, user_agent: str = "") -> Visitor | None:
    """Return the visitor a widget's hello names (a new one when it brings no token); None for a bad token."""
    if token:
        visitor = visitor_from_token(token, inbox=inbox)
        if visitor is None:
            return None
    else:
        visitor = visitor_create(inbox=inbox, user_agent=user_agent)
    Visitor.objects.filter(pk=visitor.pk).update(last_seen_at=timezone.now())
    return visitor


def visitor_handover(*, visitor: Visitor) -> int | None:
    """Queue the visitor's conversation for a person (转人工); return their place in the queue."""
    from .routing import conversation_handover, queue_position

    conversation = visitor_current_conversation(visitor)
    if conversation is None:
        raise ChatError("not_found", _("Write your question first, then we will connect you to an agent."))
    conversation = conversation_handover(conversation=conversation, reason=str(_("The customer asked for a person.")))
    return queue_position(conversation)


def visitor_rate(*, visitor: Visitor, score: int, comment: str = "") -> None:
    """Record the visitor's satisfaction with their current conversation."""
    from .routing import conversation_rate

    conversation = visitor_current_conversation(visitor)
    if conversation is None:
        raise ChatError("not_found", _("There is no conversation to rate yet."))
    conversation_rate(conversation=conversation, score=score, comment=comment)


def visitor_identify(*, visitor: Visitor, order_number: str, phone: str) -> Customer:
    """Link the visitor to the customer of an order when the phone given matches the order's phone."""
    attempts_key = f"kefu:identify:{visitor.key.hex}"
    attempts = cache.get_or_set(attempts_key, 0, 600)
    if attempts >= IDENTIFY_ATTEMPTS:
        raise ChatError("rate_limited", _("Too many attempts. Please try again in ten minutes."))
    cache.set(attempts_key, attempts + 1, 600)
    number, given_phone = (order_number or "").strip(), phone_canonical(phone or "")
    order = Order.objects.select_related("customer").filter(number=number).first() if number and given_phone else None
    known_phones = {phone_canonical(order.receiver_phone), phone_canonical(order.customer.phone)} - {""} if order else set()
    if given_phone not in known_phones:
        raise ChatError("not_verified", _("The order number and phone number do not match any order."))
    target = order.customer
    with transaction.atomic():
        anonymous = visitor.customer
        if anonymous.pk != target.pk:
            Conversation.objects.filter(visitor=visitor).update(customer=target)
            Visitor.objects.filter(pk=visitor.pk).update(customer=target, identified_at=timezone.now())
            CustomerIdentity.objects.filter(customer=anonymous, platform=Platform.WIDGET).update(customer=target)
            if not anonymous.name and not anonymous.phone and not anonymous.conversations.exists() and not anonymous.orders.exists():
                if not anonymous.visitors.exists():
                    anonymous.delete()
        visitor.customer = target
        audit_record(actor=None, action="update", obj=target, changes={"widget_visitor": [None, visitor.key.hex]}, via="widget")
        conversation = visitor_current_conversation(visitor)
        if conversation:
            event_record(conversation, ConversationAction.IDENTIFIED, order=order.number)
            conversation_publish(conversation, action=ConversationAction.IDENTIFIED)
    cache.delete(attempts_key)
    return target
