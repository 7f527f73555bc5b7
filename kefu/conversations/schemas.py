"""API shapes of conversations and messages: the same objects the real-time protocol sends."""

import datetime

from ninja import Field, Schema
from pydantic import ConfigDict

from kefu.api_types import Moment
from kefu.customers.enums import Platform

from .enums import ConversationStatus, SenderKind


class AttachmentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=300, description="As returned by an upload endpoint: /media/chat/…")
    name: str = Field("", max_length=120)
    content_type: str = Field("", max_length=64)
    size: int = Field(0, ge=0)


class AttachmentOut(Schema):
    url: str
    name: str = ""
    content_type: str = ""
    size: int = 0


class MessageOut(Schema):
    id: int
    conversation: int
    seq: int = Field(description="1, 2, 3… per conversation: the order")
    sender_kind: SenderKind
    sender_name: str
    body: str
    attachments: list[AttachmentOut]
    is_private: bool
    client_id: str
    created_at: datetime.datetime


class NamedRef(Schema):
    id: int | None
    name: str


class InboxRef(Schema):
    id: int
    name: str
    channel: str


class CustomerRef(Schema):
    id: int
    name: str
    returning: bool | None = None
    value_level: str


class LastMessage(Schema):
    body: str
    sender_kind: str


class ConversationOut(Schema):
    id: int
    status: ConversationStatus
    inbox: InboxRef
    team: NamedRef | None
    assignee: NamedRef | None
    assignee_name: str
    customer: CustomerRef
    priority: int
    queued_at: datetime.datetime | None
    waiting_since: datetime.datetime | None
    unread: int
    last_seq: int
    last_message: LastMessage
    conversion: str
    lost_reason: str
    handover_reason: str
    created_at: datetime.datetime
    last_activity_at: datetime.datetime


class ConversationFilters(Schema):
    status: ConversationStatus | None = None
    inbox: int | None = Field(None, ge=1, le=2**63 - 1, description="Inbox id")
    assignee: int | None = Field(None, ge=1, le=2**63 - 1, description="Agent id")
    customer: int | None = Field(None, ge=1, le=2**63 - 1, description="Customer id")
    updated_since: Moment | None = Field(None, description="Only conversations with activity since then")


class AgentMessageIn(Schema):
    model_config = ConfigDict(extra="forbid")

    body: str = Field("", max_length=2000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=4)
    client_id: str = Field(min_length=1, max_length=64, description="Your id for the message: a resend with the same id is not doubled")
    private: bool = Field(False, description="A note for colleagues, never shown to the customer")


class ChannelMessageIn(Schema):
    model_config = ConfigDict(extra="forbid")

    platform: Platform = Field(Platform.API, description="Where the customer's identity comes from")
    external_id: str = Field(min_length=1, max_length=128, description="The customer's id on that platform, e.g. the Taobao member name")
    name: str = Field("", max_length=64, description="The customer's name or nickname, used when the customer is new")
    body: str = Field("", max_length=2000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=4)
    client_id: str = Field(min_length=1, max_length=64, description="The platform's message id: a resend with the same id is not doubled")


class MessageAccepted(Schema):
    created: bool = Field(description="False when this client_id was already stored: nothing was added")
    conversation: int
    message: MessageOut
