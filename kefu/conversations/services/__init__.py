"""Every write of live chat: messages, visitors, routing, greeting and conversion (one module per concern)."""

from .assist import assist_view, message_analyse
from .attachments import attachment_store
from .channel import channel_customer_resolve, channel_message_receive
from .common import conversation_by_pk
from .conversion import conversions_detect, conversions_detect_recent
from .greeting import customer_is_returning, greeting_send
from .messages import (
    agent_message_send,
    conversation_read,
    customer_message_receive,
    holding_send_if_unanswered,
    message_send,
)
from .routing import (
    agent_heartbeat,
    agent_presence_set,
    conversation_claim,
    conversation_conversion_mark,
    conversation_enqueue,
    conversation_handover,
    conversation_rate,
    conversation_reopen,
    conversation_resolve,
    conversation_transfer,
    conversation_visible_to_agent,
    presence_sweep,
    queue_drain,
    queue_position,
)
from .visitors import (
    visitor_arrive,
    visitor_create,
    visitor_current_conversation,
    visitor_from_token,
    visitor_handover,
    visitor_identify,
    visitor_rate,
    visitor_token,
)


def conversation_for_customer(*, customer, inbox=None):
    """Return the customer's latest conversation (in the inbox, when given), or None without any."""
    from ..models import Conversation

    queryset = Conversation.objects.filter(customer=customer).select_related("inbox", "customer", "team", "assignee", "visitor")
    if inbox is not None:
        queryset = queryset.filter(inbox=inbox)
    return queryset.order_by("-last_activity_at", "-pk").first()


__all__ = [
    "assist_view",
    "message_analyse",
    "agent_heartbeat",
    "agent_message_send",
    "agent_presence_set",
    "attachment_store",
    "channel_customer_resolve",
    "channel_message_receive",
    "conversation_by_pk",
    "conversation_claim",
    "conversation_conversion_mark",
    "conversation_enqueue",
    "conversation_for_customer",
    "conversation_handover",
    "conversation_rate",
    "conversation_read",
    "conversation_reopen",
    "conversation_resolve",
    "conversation_transfer",
    "conversation_visible_to_agent",
    "conversions_detect",
    "conversions_detect_recent",
    "customer_is_returning",
    "customer_message_receive",
    "greeting_send",
    "holding_send_if_unanswered",
    "message_send",
    "presence_sweep",
    "queue_drain",
    "queue_position",
    "visitor_arrive",
    "visitor_create",
    "visitor_current_conversation",
    "visitor_from_token",
    "visitor_handover",
    "visitor_identify",
    "visitor_rate",
    "visitor_token",
]
