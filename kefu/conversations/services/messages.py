"""Sending messages: the customer's (with greeting and queueing), the agent's, and the system's."""

from __future__ import annotations

import time
from collections.abc import Sequence

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import User
from kefu.customers.models import Customer
from kefu.inboxes.models import Inbox
from kefu.inboxes.options import InboxOptions

from ..enums import ConversationAction, ConversationStatus, SenderKind
from ..errors import ChatError
from ..models import Conversation, Message, Visitor
from .assist import customer_message_received
from .common import (
    conversation_locked,
    conversation_publish,
    event_record,
    message_append,
    visitor_conversation_locked,
)
from .greeting import greeting_send

MAX_BODY = 2000
MAX_ATTACHMENTS = 4
MAX_CLIENT_ID = 64
RATE_LIMIT = (10, 10)  # at most 10 messages in 10 seconds from one visitor


def message_content_clean(body: object, attachments: object, client_id: object) -> tuple[str, list[dict], str]:
    """Check a message's text, images and client id; raise ChatError with a clear reason, change nothing."""
    if not isinstance(body, str) or not isinstance(attachments, list | tuple) or not isinstance(client_id, str):
        raise ChatError("invalid", _("The message is malformed."))
    body = body.replace("\x00", "").strip()
    if len(client_id) > MAX_CLIENT_ID:
        raise ChatError("invalid", _("The client id is longer than %(max)s characters.") % {"max": MAX_CLIENT_ID})
    if len(body) > MAX_BODY:
        raise ChatError("too_long", _("The message is longer than %(max)s characters.") % {"max": MAX_BODY})
    if len(attachments) > MAX_ATTACHMENTS:
        raise ChatError("too_many_attachments", _("At most %(max)s images can be sent at once.") % {"max": MAX_ATTACHMENTS})
    cleaned = []
    prefix = settings.MEDIA_URL + "chat/"
    for item in attachments:
        url = item.get("url") if isinstance(item, dict) else None
        if not isinstance(url, str) or not url.startswith(prefix) or ".." in url or len(url) > 300:
            raise ChatError("bad_attachment", _("An attachment was not uploaded through Kefu."))
        cleaned.append(
            {
                "url": url,
                "name": str(item.get("name", ""))[:120],
                "content_type": str(item.get("content_type", ""))[:64],
                "size": int(item["size"]) if str(item.get("size", "")).isdigit() else 0,
            }
        )
    if not body and not cleaned:
        raise ChatError("empty", _("The message is empty."))
    return body, cleaned, client_id


def _rate_check(key: str) -> None:
    """Sliding-window limit: this window's count plus the previous window's, weighted by how much of it still overlaps.

    A plain fixed window lets a burst straddling a boundary through twice over (10 at 9.9 s, 10 more at 10.1 s).
    """
    limit, window = RATE_LIMIT
    now = time.time()
    current = int(now // window)
    this_key, last_key = f"kefu:rate:{key}:{current}", f"kefu:rate:{key}:{current - 1}"
    counts = cache.get_many([this_key, last_key])
    overlap = 1 - (now % window) / window
    if counts.get(this_key, 0) + counts.get(last_key, 0) * overlap >= limit:
        raise ChatError("rate_limited", _("You are sending messages too fast. Please wait a few seconds."))
    if cache.add(this_key, 1, window * 2):
        return
    try:
        cache.incr(this_key)
    except ValueError:
        cache.set(this_key, 1, window * 2)


def _existing_in(scope, client_id: str) -> Message | None:
    """Return the stored message with this client id in any of the scope's conversations (one query)."""
    if not client_id:
        return None
    return Message.objects.select_related("conversation").filter(conversation__in=scope, client_id=client_id).first()


def _existing_id(client_id: str, *, visitor_id: int | None = None, conversation_id: int | None = None) -> int | None:
    """Return the id of the message stored with this client id in the visitor's conversations, or in one conversation.

    One indexed statement without the ORM's query building: it runs for every message.
    """
    if not client_id:
        return None
    message_table = connection.ops.quote_name(Message._meta.db_table)
    with connection.cursor() as cursor:
        if visitor_id is not None:
            conversation_table = connection.ops.quote_name(Conversation._meta.db_table)
            cursor.execute(
                f"SELECT m.id FROM {message_table} m WHERE m.client_id = %s AND m.conversation_id IN (SELECT c.id FROM {conversation_table} c WHERE c.visitor_id = %s)",
                [client_id, visitor_id],
            )
        else:
            cursor.execute(f"SELECT id FROM {message_table} WHERE conversation_id = %s AND client_id = %s", [conversation_id, client_id])
        row = cursor.fetchone()
    return row[0] if row else None


def _existing_message(pk: int | None) -> Message | None:
    return Message.objects.select_related("conversation", "conversation__inbox", "conversation__customer", "sender_user").get(pk=pk) if pk else None


def _customer_scope(visitor: Visitor | None, inbox: Inbox | None, customer: Customer | None):
    """Return the conversations a new message of this customer may belong to: the visitor's, or theirs in that inbox."""
    if visitor is not None:
        return Conversation.objects.filter(visitor=visitor)
    return Conversation.objects.filter(inbox=inbox, customer=customer, visitor__isnull=True)


def customer_message_receive(
    *,
    body: object,
    attachments: object = (),
    client_id: object = "",
    visitor: Visitor | None = None,
    inbox: Inbox | None = None,
    customer: Customer | None = None,
) -> tuple[Message, bool]:
    """Store a customer's message (a widget visitor's, or a customer's relayed through the channel API).

    Return it and whether it is new (False: a resend of a stored one). A first message opens
    a conversation and gets the greeting at once; a message in a resolved conversation
    reopens it; an unanswered conversation enters its team's queue.
    """
    if visitor is not None:
        inbox, customer = visitor.inbox, visitor.customer
    if inbox is None or customer is None:
        raise ValueError("a visitor, or an inbox and a customer, are required")
    body, attachments, client_id = message_content_clean(body, list(attachments) if isinstance(attachments, tuple) else attachments, client_id)

    def duplicate() -> Message | None:
        if visitor is not None:
            return _existing_message(_existing_id(client_id, visitor_id=visitor.pk))
        return _existing_in(_customer_scope(visitor, inbox, customer), client_id)

    found = duplicate()
    if found:
        return found, False
    _rate_check(f"visitor:{visitor.key.hex}" if visitor else f"customer:{customer.pk}:{inbox.pk}")
    try:
        message = _customer_message_store(visitor=visitor, inbox=inbox, customer=customer, body=body, attachments=attachments, client_id=client_id)
        return message, True
    except IntegrityError:  # the same client id raced in from another connection
        found = duplicate()
        if found:
            return found, False
        raise


def _customer_message_store(
    *, visitor: Visitor | None, inbox: Inbox, customer: Customer, body: str, attachments: list[dict], client_id: str
) -> Message:
    from .routing import conversation_enqueue

    now = timezone.now()
    with transaction.atomic():
        if visitor is not None:
            current = visitor_conversation_locked(visitor.pk)
        else:
            current = (
                _customer_scope(visitor, inbox, customer)
                .select_for_update(of=("self",))
                .select_related("inbox", "customer", "team", "assignee", "visitor")
                .order_by("-created_at", "-pk")
                .first()
            )
        if current is None:
            conversation = Conversation.objects.create(
                inbox=inbox,
                customer=customer,
                visitor=visitor,
                team_id=_default_team_id(inbox),
                bot_active=inbox.bot_enabled,
                created_at=now,
                last_activity_at=now,
            )
            conversation = conversation_locked(conversation.pk)
            event_record(conversation, ConversationAction.CREATED, channel=inbox.channel)
        else:
            conversation = current
        changed = current is None  # the summary agents and the visitor hold changes beyond the counters
        at = timezone.now()
        updates = {}  # written by message_append's UPDATE of the conversation
        if conversation.status == ConversationStatus.RESOLVED:
            updates.update(status=ConversationStatus.OPEN, resolved_at=None)
            if conversation.assignee_id is None and conversation.inbox.bot_enabled:  # the bot takes the new question first
                conversation.bot_active = updates["bot_active"] = True
                updates["bot_misses"] = 0
            event_record(conversation, ConversationAction.REOPENED, by="customer")
            changed = True
        new_wait = conversation.waiting_since is None
        first = conversation.first_customer_message_at is None
        if first:
            updates["first_customer_message_at"] = at
        if new_wait:
            updates["waiting_since"] = at
        message = message_append(conversation, sender_kind=SenderKind.CUSTOMER, body=body, attachments=attachments, client_id=client_id, also=updates, at=at)
        if body:
            customer_message_received(message)
        if first:
            greeting_send(conversation)
        if conversation.assignee_id is None and conversation.queued_at is None and not conversation.bot_active:
            conversation_enqueue(conversation)
            changed = True
        if changed or new_wait:  # otherwise message.created tells the clients everything (last message, unread)
            conversation_publish(conversation, customer=changed)  # a new wait alone changes nothing the customer sees
        if new_wait:  # with the bot serving, the timer hands over if the bot never answered (its task failed)
            holding_schedule(conversation)
    return message


def _default_team_id(inbox) -> int | None:
    options = InboxOptions.of(inbox)
    if options.default_team_id:
        return options.default_team_id
    through = Inbox.teams.through._meta.db_table
    with connection.cursor() as cursor:  # the team of lowest id owning the inbox, in one statement: every new chat asks
        cursor.execute(f"SELECT MIN(team_id) FROM {connection.ops.quote_name(through)} WHERE inbox_id = %s", [inbox.pk])
        return cursor.fetchone()[0]


def holding_schedule(conversation: Conversation) -> None:
    from ..tasks import conversation_holding_check

    delay = InboxOptions.of(conversation.inbox).holding_after_seconds
    waiting_since = conversation.waiting_since.isoformat()
    transaction.on_commit(lambda: conversation_holding_check.schedule((conversation.pk, waiting_since), delay=delay), robust=True)


def holding_send_if_unanswered(*, conversation_id: int, waiting_since: str) -> Message | None:
    """Send the holding message if the customer has waited since then with no agent reply; at most once per wait."""
    current = Conversation.objects.filter(pk=conversation_id).values_list("waiting_since", flat=True).first()
    if current is None or current.isoformat() != waiting_since:  # answered meanwhile: decided without the write lock
        return None
    with transaction.atomic():
        conversation = conversation_locked(conversation_id)
        if conversation.waiting_since is None or conversation.waiting_since.isoformat() != waiting_since:
            return None
        if conversation.status == ConversationStatus.RESOLVED:
            return None
        if conversation.bot_active:  # the bot should have answered within the holding time: a person takes over
            from .bot import bot_handover

            bot_handover(conversation, reason=str(_("The bot did not answer in time.")))
            conversation_publish(conversation)
            return None
        if not InboxOptions.of(conversation.inbox).is_open():
            return None
        if conversation.events.filter(action=ConversationAction.HOLDING, params__waiting_since=waiting_since).exists():
            return None
        from .greeting import holding_text

        message = message_append(conversation, sender_kind=SenderKind.SYSTEM, body=holding_text(conversation))
        event_record(conversation, ConversationAction.HOLDING, waiting_since=waiting_since)
        return message


def agent_message_send(
    *,
    agent: User,
    body: object,
    conversation: Conversation | None = None,
    conversation_id: int | None = None,
    attachments: object = (),
    client_id: object = "",
    private: bool = False,
) -> tuple[Message, bool]:
    """Store an agent's reply or private note; replying to a queued conversation claims it.

    Give the conversation, or its id (the socket's case: it is loaded once, locked, inside the
    transaction). Return the message and whether it is new (False: a resend of a stored one).
    """
    from .routing import conversation_visible_to_agent

    body, attachments, client_id = message_content_clean(body, list(attachments) if isinstance(attachments, tuple) else attachments, client_id)
    pk = conversation.pk if conversation is not None else conversation_id
    not_found = ChatError("not_found", _("This conversation does not exist or is not yours to see."))
    try:
        with transaction.atomic():
            try:
                conversation = conversation_locked(pk)
            except Conversation.DoesNotExist:
                raise not_found from None
            if not conversation_visible_to_agent(conversation, agent):
                raise not_found
            duplicate = _existing_message(_existing_id(client_id, conversation_id=pk))
            if duplicate:
                return duplicate, False
            if not private:
                _check_may_reply(conversation, agent)
            at = timezone.now()
            updates = {} if private else _reply_updates(conversation, at)
            message = message_append(
                conversation,
                sender_kind=SenderKind.AGENT,
                sender_user=agent,
                body=body,
                attachments=attachments,
                client_id=client_id,
                is_private=bool(private),
                also=updates,
                at=at,
            )
            if updates:  # the wait ended, unread cleared or a first response: the summary changed
                conversation_publish(conversation, customer="status" in updates)
            return message, True
    except IntegrityError:  # the same client id raced in from another connection
        duplicate = _existing_message(_existing_id(client_id, conversation_id=pk))
        if duplicate:
            return duplicate, False
        raise


def _check_may_reply(conversation: Conversation, agent: User) -> None:
    from .routing import assignment_apply

    if conversation.assignee_id == agent.pk:
        return
    if conversation.assignee_id is None:  # whoever answers a waiting chat takes it, supervisors too: it leaves the queue
        assignment_apply(conversation, agent, action=ConversationAction.CLAIMED, actor=agent)
        return
    if agent.is_supervisor_or_admin:  # a supervisor may step into a colleague's chat without taking it
        return
    raise ChatError("forbidden", _("This conversation is served by %(agent)s.") % {"agent": conversation.assignee})


def _reply_updates(conversation: Conversation, at) -> dict:
    """Return what an agent's reply changes: the wait ends, unread clears, first response times are set, a resolved chat reopens."""
    updates = {}
    if conversation.waiting_since is not None:
        updates["waiting_since"] = None
    if conversation.unread_count:
        updates["unread_count"] = 0
    if conversation.first_agent_response_at is None:
        updates["first_agent_response_at"] = at
    if conversation.first_response_at is None:
        updates["first_response_at"] = at
    if conversation.status == ConversationStatus.RESOLVED:
        updates.update(status=ConversationStatus.OPEN, resolved_at=None)
    return updates


def message_send(
    *,
    conversation: Conversation,
    sender_kind: str,
    body: str,
    sender_user: User | None = None,
    attachments: Sequence[dict] = (),
    is_private: bool = False,
    client_id: str = "",
) -> Message:
    """Post a message from another part of Kefu (bot, follow-up, incident notice) into a conversation."""
    with transaction.atomic():
        conversation = conversation_locked(conversation.pk)
        existing = _existing_in(Conversation.objects.filter(pk=conversation.pk), client_id)
        if existing:
            return existing
        message = message_append(
            conversation, sender_kind=sender_kind, body=body, sender_user=sender_user, attachments=list(attachments), is_private=is_private, client_id=client_id
        )
        if sender_kind in (SenderKind.AGENT, SenderKind.BOT) and not is_private and conversation.first_response_at is None:
            Conversation.objects.filter(pk=conversation.pk).update(first_response_at=message.created_at)
        return message


def conversation_read(*, conversation: Conversation, agent: User, seq: int) -> None:
    """Clear, once the agent saw everything up to seq, the unread count of the conversation they serve."""
    if conversation.assignee_id in (None, agent.pk) and conversation.unread_count:
        Conversation.objects.filter(pk=conversation.pk, last_seq__lte=seq).update(unread_count=0)
