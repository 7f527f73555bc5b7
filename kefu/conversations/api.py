"""Conversations under /api/v1/conversations, and the channel API under /api/v1/channels/{key}/messages.

Integrators read conversations and messages (poll with ``after_seq``), reply as the token's
agent, and relay customers' messages from other platforms into an API inbox.
"""

from django.http import Http404, HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from kefu.accounts.api_auth import request_actor
from kefu.api_pagination import KefuPagination
from kefu.inboxes.models import Inbox

from . import selectors, services
from .payloads import conversation_summary, message_payload
from .schemas import (
    AgentMessageIn,
    ChannelMessageIn,
    ConversationFilters,
    ConversationOut,
    MessageAccepted,
    MessageOut,
)

router = Router(tags=["conversations"])


@router.get("/conversations", response=list[ConversationOut], summary="List conversations")
@paginate(KefuPagination)
def conversation_list(request: HttpRequest, filters: Query[ConversationFilters]):
    """List the conversations the token's user may see, latest activity first."""
    queryset = selectors.conversations_visible_to(request_actor(request)).select_related(*selectors.LIST_RELATED)
    data = filters.dict()
    for field in ("status", "inbox", "assignee", "customer"):
        if data[field] is not None:
            queryset = queryset.filter(**{f"{field}_id" if field != "status" else field: data[field]})
    if data["updated_since"] is not None:
        queryset = queryset.filter(last_activity_at__gte=data["updated_since"])
    return _Summaries(queryset.order_by("-last_activity_at", "-pk"))


class _Summaries:
    """A lazy sequence: the paginator slices and counts it; only the slice becomes summaries."""

    def __init__(self, queryset):
        self.queryset = queryset

    def __len__(self) -> int:
        return self.queryset.count()

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, index):
        rows = self.queryset[index]
        return [conversation_summary(conversation) for conversation in rows] if isinstance(index, slice) else conversation_summary(rows)


def _conversation(request: HttpRequest, conversation_id: int):
    return selectors.conversation_get_for(request_actor(request), conversation_id)


@router.get("/conversations/{conversation_id}", response=ConversationOut, summary="Get a conversation")
def conversation_get(request: HttpRequest, conversation_id: int):
    return conversation_summary(_conversation(request, conversation_id))


@router.get("/conversations/{conversation_id}/messages", response=list[MessageOut], summary="Read messages")
def conversation_messages(request: HttpRequest, conversation_id: int, after_seq: int = Query(0, le=2**63 - 1), limit: int = 500):
    """Return messages with seq above `after_seq`, in order, at most `limit` (≤ 500); private notes included."""
    conversation = _conversation(request, conversation_id)
    rows = selectors.messages_after(conversation, max(after_seq, 0), include_private=True, limit=min(max(limit, 1), 500))
    return [message_payload(message, conversation=conversation) for message in rows]


@router.post("/conversations/{conversation_id}/messages", response={201: MessageAccepted, 200: MessageAccepted}, summary="Reply")
def conversation_reply(request: HttpRequest, conversation_id: int, payload: AgentMessageIn):
    """Send a reply or a private note as the token's agent; replying to a queued conversation takes it."""
    conversation = _conversation(request, conversation_id)
    message, created = services.agent_message_send(
        conversation=conversation,
        agent=request_actor(request),
        body=payload.body,
        attachments=[item.dict() for item in payload.attachments],
        client_id=payload.client_id,
        private=payload.private,
    )
    body = {"created": created, "conversation": message.conversation_id, "message": message_payload(message)}
    return Status(201 if created else 200, body)


@router.post("/channels/{inbox_key}/messages", response={201: MessageAccepted, 200: MessageAccepted}, summary="Relay a customer's message")
def channel_message(request: HttpRequest, inbox_key: str, payload: ChannelMessageIn):
    """Relay a customer's message from another platform into an API inbox: greeted, queued and routed like a chat."""
    inbox = Inbox.objects.filter(public_key=inbox_key).first()
    if inbox is None:
        raise Http404
    message, created = services.channel_message_receive(
        inbox=inbox,
        actor=request_actor(request),
        platform=payload.platform,
        external_id=payload.external_id,
        name=payload.name,
        body=payload.body,
        attachments=[item.dict() for item in payload.attachments],
        client_id=payload.client_id,
    )
    body = {"created": created, "conversation": message.conversation_id, "message": message_payload(message)}
    return Status(201 if created else 200, body)
