"""The JSON shapes of messages and conversations sent to browsers (docs/realtime-protocol.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kefu.events import _json_ready
from kefu.inboxes.options import InboxOptions

from .enums import Emotion, SenderKind, Stage
from .models import Conversation, Message


def choice_label(choices, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def emotion_view(code: str, intensity: float | None, trend: str = "") -> dict[str, Any] | None:
    """Describe an emotion for the workbench: code, translated label, intensity, trend."""
    if not code:
        return None
    return {"code": code, "label": choice_label(Emotion, code), "intensity": round(intensity or 0.0, 2), "trend": trend or ""}


def stage_view(code: str) -> dict[str, str] | None:
    return {"code": code, "label": choice_label(Stage, code)} if code else None


def customer_display_name(customer) -> str:
    return customer.name or _("Visitor %(number)s") % {"number": customer.pk}


def message_payload(message: Message, *, conversation: Conversation | None = None, for_customer: bool = False) -> dict[str, Any]:
    """Describe one message; the conversation may be passed to avoid a query for names."""
    conversation = conversation or message.conversation
    kind = message.sender_kind
    if kind == SenderKind.AGENT:
        name = str(message.sender_user) if message.sender_user_id else _("Agent")
    elif kind == SenderKind.BOT:
        name = InboxOptions.of(conversation.inbox).bot_name
    elif kind == SenderKind.CUSTOMER:
        name = customer_display_name(conversation.customer)
    else:
        name = ""
    payload = {
        "id": message.pk,
        "conversation": message.conversation_id,
        "seq": message.seq,
        "sender_kind": kind,
        "sender_name": name,
        "body": message.body,
        "attachments": message.attachments,
        "is_private": message.is_private,
        "client_id": message.client_id,
        "created_at": _json_ready(message.created_at),
    }
    if message.choices:
        payload["choices"] = message.choices  # questions to tap (the bot's 猜你想问)
    if for_customer and kind == SenderKind.CUSTOMER:
        payload["sender_name"] = ""
    if for_customer and hasattr(message, "prev_public_seq"):
        payload["prev_seq"] = message.prev_public_seq  # the public message before this one: no gap between them
    return payload


def _assignee_view(conversation: Conversation) -> tuple[dict | None, str, str]:
    if conversation.assignee_id:
        return {"id": conversation.assignee_id, "name": str(conversation.assignee)}, str(conversation.assignee), "agent"
    if conversation.bot_active:
        return None, InboxOptions.of(conversation.inbox).bot_name, "bot"
    return None, "", "none"


def conversation_summary(conversation: Conversation, *, for_customer: bool = False) -> dict[str, Any]:
    """Describe a conversation for lists and headers; customers get only who answers and the status."""
    assignee, assignee_name, assignee_kind = _assignee_view(conversation)
    if for_customer:
        return {"id": conversation.pk, "status": conversation.status, "assignee_name": assignee_name, "assignee_kind": assignee_kind}
    options = InboxOptions.of(conversation.inbox)
    customer = conversation.customer
    returning = getattr(conversation, "customer_returning", None)
    return _json_ready(
        {
            "id": conversation.pk,
            "status": conversation.status,
            "inbox": {"id": conversation.inbox_id, "name": conversation.inbox.name, "channel": conversation.inbox.channel},
            "team": {"id": conversation.team_id, "name": conversation.team.name} if conversation.team_id else None,
            "assignee": assignee,
            "assignee_name": assignee_name,
            "assignee_kind": assignee_kind,
            "customer": {
                "id": customer.pk,
                "name": customer_display_name(customer),
                "returning": bool(returning) if returning is not None else None,
                "value_level": customer.value_level,
            },
            "priority": conversation.priority,
            "queued_at": conversation.queued_at,
            "waiting_since": conversation.waiting_since,
            "reply_target_seconds": options.reply_target_seconds,
            "unread": conversation.unread_count,
            "last_seq": conversation.last_seq,
            "last_message": {"body": conversation.last_message_preview, "sender_kind": conversation.last_message_sender_kind},
            "conversion": conversation.conversion,
            "lost_reason": conversation.lost_reason,
            "handover_reason": conversation.handover_reason,
            "emotion": emotion_view(conversation.emotion, conversation.emotion_intensity, conversation.emotion_trend),
            "stage": stage_view(conversation.stage),
            "escalated": conversation.escalated_at is not None,
            "bot_active": conversation.bot_active,
            "created_at": conversation.created_at,
            "last_activity_at": conversation.last_activity_at,
        }
    )
