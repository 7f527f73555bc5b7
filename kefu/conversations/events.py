"""Real-time events of live chat, sent after commit by the conversation services."""

import dataclasses
from typing import Any, ClassVar

from kefu.events import Event


@dataclasses.dataclass(frozen=True, kw_only=True)
class MessageCreated(Event):
    type: ClassVar[str] = "message.created"
    conversation: int
    message: dict[str, Any]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ConversationUpdated(Event):
    type: ClassVar[str] = "conversation.updated"
    conversation: dict[str, Any]
    action: str = ""  # the ConversationAction that caused it, when there was one


@dataclasses.dataclass(frozen=True, kw_only=True)
class QueuePosition(Event):
    type: ClassVar[str] = "queue.position"
    conversation: int
    position: int
    team: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class ConversationResolved(Event):
    """Sent to the reactions only (no browser group): after-sales follow-ups and surveys hook here."""

    type: ClassVar[str] = "conversation.resolved"
    conversation_id: int
    customer_id: int
    actor_id: int | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Notification(Event):
    type: ClassVar[str] = "notification"
    kind: str
    title: str
    body: str
    url: str = ""
    conversation: int | None = None
