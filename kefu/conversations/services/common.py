"""Pieces shared by the conversation services: locking, sequence numbers, groups and events."""

from __future__ import annotations

import time
from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from kefu.events import event_send_on_commit
from kefu.inboxes.models import Inbox

from ..enums import ConversationAction, SenderKind
from ..events import ConversationUpdated, MessageCreated
from ..models import Conversation, ConversationEvent, Message
from ..payloads import conversation_summary, message_payload
from .compiled import CompiledQuery

PREVIEW_LENGTH = 120
RELATED = ("inbox", "customer", "team", "assignee", "visitor")
_inbox_teams_cache: dict[int, tuple[float, frozenset[int]]] = {}
_locked_by_pk = CompiledQuery(lambda pk: Conversation.objects.select_for_update(of=("self",)).select_related(*RELATED).filter(pk=pk))
_by_pk = CompiledQuery(lambda pk: Conversation.objects.select_related(*RELATED).filter(pk=pk))
_latest_of_visitor_locked = CompiledQuery(
    lambda visitor_id: Conversation.objects.select_for_update(of=("self",)).select_related(*RELATED).filter(visitor_id=visitor_id).order_by("-created_at", "-pk")[:1]
)


def conversation_locked(pk: int) -> Conversation:
    """Reload a conversation with a row lock (PostgreSQL) inside the caller's transaction."""
    conversation = _locked_by_pk.first(pk)
    if conversation is None:
        raise Conversation.DoesNotExist(f"Conversation {pk} does not exist.")
    return conversation


def conversation_by_pk(pk: int) -> Conversation | None:
    """Load a conversation with its inbox, customer, team, assignee and visitor (no lock); None when unknown."""
    return _by_pk.first(pk)


def visitor_conversation_locked(visitor_id: int) -> Conversation | None:
    """Return the visitor's latest conversation, locked (PostgreSQL) inside the caller's transaction; None before the first message."""
    return _latest_of_visitor_locked.first(visitor_id)


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


def _prep(model, name: str, value):
    return model._meta.get_field(name).get_db_prep_save(value, connection)


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def message_append(
    conversation: Conversation,
    *,
    sender_kind: str,
    body: str,
    sender_user=None,
    attachments: list | tuple = (),
    choices: Sequence[str] = (),
    is_private: bool = False,
    client_id: str = "",
    also: dict | None = None,
    at=None,
) -> Message:
    """Store one message with the next sequence number and update the counters; the caller holds the transaction.

    Two statements: one UPDATE of the conversation that takes the sequence number and sets the
    counters (and ``also``, more conversation fields the caller changes), and the INSERT. The
    caller holds the conversation locked (its counters are current); ``also`` is applied to the
    instance too. ``at``: the time to stamp (default now).
    """
    now = at or timezone.now()
    sets, params = ["last_seq = last_seq + 1"], []
    fields = {"last_activity_at": now, **(also or {})}
    if not is_private:
        sets.append("last_public_seq = last_seq + 1")
        fields.update(last_message_preview=body[:PREVIEW_LENGTH] if body else "[image]", last_message_sender_kind=sender_kind)
    if sender_kind == SenderKind.CUSTOMER:
        sets.append("unread_count = unread_count + 1")
        fields["last_customer_message_at"] = now
    for name, value in fields.items():
        sets.append(f"{_column(Conversation, name)} = %s")
        params.append(_prep(Conversation, name, value))
    table = connection.ops.quote_name(Conversation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {', '.join(sets)} WHERE id = %s RETURNING last_seq, unread_count", [*params, conversation.pk])
        seq, unread = cursor.fetchone()
        if seq == conversation.last_seq + 1:
            previous_public = conversation.last_public_seq
        else:  # the caller's copy was not current: ask the table
            cursor.execute(
                f"SELECT MAX(seq) FROM {connection.ops.quote_name(Message._meta.db_table)} WHERE conversation_id = %s AND seq < %s AND NOT is_private",
                [conversation.pk, seq],
            )
            previous_public = cursor.fetchone()[0] or 0
        values = {
            "conversation": conversation.pk,
            "seq": seq,
            "sender_kind": sender_kind,
            "sender_user": sender_user.pk if sender_user is not None else None,
            "body": body,
            "attachments": list(attachments),
            "choices": list(choices),
            "is_private": bool(is_private),
            "client_id": client_id,
            "created_at": now,
        }
        columns = ", ".join(_column(Message, name) for name in values)
        placeholders = ", ".join(["%s"] * len(values))
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(Message._meta.db_table)} ({columns}) VALUES ({placeholders}) RETURNING id",
            [_prep(Message, name, value) for name, value in values.items()],
        )
        pk = cursor.fetchone()[0]
    message = Message(
        pk=pk,
        conversation=conversation,
        seq=seq,
        sender_kind=sender_kind,
        sender_user=sender_user,
        body=body,
        attachments=list(attachments),
        choices=list(choices),
        is_private=bool(is_private),
        client_id=client_id,
        created_at=now,
    )
    message._state.adding, message._state.db = False, connection.alias
    message.prev_public_seq = previous_public  # lets a customer's client see that no public message is missing
    conversation.last_seq, conversation.unread_count = seq, unread
    for name, value in fields.items():
        setattr(conversation, name, value)
    if not is_private:
        conversation.last_public_seq = seq
    message_publish(conversation, message)
    return message


def message_publish(conversation: Conversation, message: Message) -> None:
    groups = agent_groups(conversation)
    event_send_on_commit(MessageCreated(conversation=conversation.pk, message=message_payload(message, conversation=conversation)), groups=groups)
    visitor = visitor_group(conversation)
    if visitor and not message.is_private:
        payload = message_payload(message, conversation=conversation, for_customer=True)
        event_send_on_commit(MessageCreated(conversation=conversation.pk, message=payload), groups=[visitor])


def conversation_publish(conversation: Conversation, *, action: str = "", customer: bool = True) -> None:
    """Send the conversation's new summary to its agents and its visitor's tabs after commit.

    ``customer=False``: only what agents see changed (a wait, the unread count), not the status or
    who answers, which is all a customer's summary holds; their tabs are not sent the same again.
    """
    event_send_on_commit(ConversationUpdated(conversation=conversation_summary(conversation), action=action), groups=agent_groups(conversation))
    visitor = visitor_group(conversation) if customer else None
    if visitor:
        event_send_on_commit(ConversationUpdated(conversation=conversation_summary(conversation, for_customer=True), action=action), groups=[visitor])


def event_record(conversation: Conversation, action: ConversationAction, *, actor=None, **params) -> ConversationEvent:
    return ConversationEvent.objects.create(conversation=conversation, actor=actor, action=action, params=params)
