"""Pieces shared by the conversation services: locking, sequence numbers, groups and events."""

from __future__ import annotations

import time

from django.db import connection
from django.db.models import F
from django.utils import timezone

from kefu.events import event_send_on_commit
from kefu.inboxes.models import Inbox

from ..enums import ConversationAction, SenderKind
from ..events import ConversationUpdated, MessageCreated
from ..models import Conversation, ConversationEvent, Message
from ..payloads import conversation_summary, message_payload

PREVIEW_LENGTH = 120
_inbox_teams_cache: dict[int, tuple[float, frozenset[int]]] = {}


def conversation_locked(pk: int) -> Conversation:
    """Reload a conversation with a row lock (PostgreSQL) inside the caller's transaction."""
    return Conversation.objects.select_for_update(of=("self",)).select_related("inbox", "customer", "team", "assignee", "visitor").get(pk=pk)


def inbox_team_ids(inbox_id: int) -> frozenset[int]:
    """Return the ids of the teams owning an inbox, cached for 30 seconds per process."""
    now = time.monotonic()
    cached = _inbox_teams_cache.get(inbox_id)
    if cached and now - cached[0] < 30:
        return cached[1]
    ids = frozenset(Inbox.teams.through.objects.filter(inbox_id=inbox_id).values_list("team_id", flat=True))
    _inbox_teams_cache[inbox_id] = (now, ids)
    return ids


def agent_groups(conversation: Conversation) -> list[str]:
    """Return the groups of every agent who may see the conversation."""
    groups = [f"inbox.{conversation.inbox_id}"]
    if conversation.team_id and conversation.team_id not in inbox_team_ids(conversation.inbox_id):
        groups.append(f"team.{conversation.team_id}")
    if conversation.assignee_id:
        groups.append(f"agent.{conversation.assignee_id}")
    return groups


def visitor_group(conversation: Conversation) -> str | None:
    return f"visitor.{conversation.visitor.key.hex}" if conversation.visitor_id else None


def _next_seq(conversation_id: int) -> tuple[int, int]:
    """Take the next sequence number in one statement (UPDATE … RETURNING, SQLite 3.35+ and PostgreSQL)."""
    table = connection.ops.quote_name(Conversation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET last_seq = last_seq + 1 WHERE id = %s RETURNING last_seq, last_public_seq", [conversation_id])
        return cursor.fetchone()


def message_append(
    conversation: Conversation,
    *,
    sender_kind: str,
    body: str,
    sender_user=None,
    attachments: list | tuple = (),
    is_private: bool = False,
    client_id: str = "",
) -> Message:
    """Store one message with the next sequence number and update the counters; the caller holds the transaction."""
    now = timezone.now()
    seq, previous_public = _next_seq(conversation.pk)
    message = Message.objects.create(
        conversation=conversation,
        seq=seq,
        sender_kind=sender_kind,
        sender_user=sender_user,
        body=body,
        attachments=list(attachments),
        is_private=is_private,
        client_id=client_id,
        created_at=now,
    )
    message.prev_public_seq = previous_public  # lets a customer's client see that no public message is missing
    conversation.last_seq = seq
    conversation.last_activity_at = now
    fields = {"last_activity_at": now}
    if not is_private:
        conversation.last_public_seq = seq
        fields["last_public_seq"] = seq
        preview = body[:PREVIEW_LENGTH] if body else "[image]"
        conversation.last_message_preview, conversation.last_message_sender_kind = preview, sender_kind
        fields.update(last_message_preview=preview, last_message_sender_kind=sender_kind)
    if sender_kind == SenderKind.CUSTOMER:
        conversation.unread_count += 1
        conversation.last_customer_message_at = now
        fields.update(unread_count=F("unread_count") + 1, last_customer_message_at=now)
    Conversation.objects.filter(pk=conversation.pk).update(**fields)
    message_publish(conversation, message)
    return message


def message_publish(conversation: Conversation, message: Message) -> None:
    groups = agent_groups(conversation)
    event_send_on_commit(MessageCreated(conversation=conversation.pk, message=message_payload(message, conversation=conversation)), groups=groups)
    visitor = visitor_group(conversation)
    if visitor and not message.is_private:
        payload = message_payload(message, conversation=conversation, for_customer=True)
        event_send_on_commit(MessageCreated(conversation=conversation.pk, message=payload), groups=[visitor])


def conversation_publish(conversation: Conversation, *, action: str = "") -> None:
    """Send the conversation's new summary to its agents and its visitor's tabs after commit."""
    event_send_on_commit(ConversationUpdated(conversation=conversation_summary(conversation), action=action), groups=agent_groups(conversation))
    visitor = visitor_group(conversation)
    if visitor:
        event_send_on_commit(ConversationUpdated(conversation=conversation_summary(conversation, for_customer=True), action=action), groups=[visitor])


def event_record(conversation: Conversation, action: ConversationAction, *, actor=None, **params) -> ConversationEvent:
    return ConversationEvent.objects.create(conversation=conversation, actor=actor, action=action, params=params)
