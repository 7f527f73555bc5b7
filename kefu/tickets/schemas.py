"""API shapes of tickets, returns, refunds and compensation."""

import datetime
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import ConfigDict

from kefu.api_types import Moment
from kefu.orders.enums import (
    CompensationKind,
    CompensationStatus,
    CompensationTrigger,
    RefundStatus,
    ReturnKind,
    ReturnResolution,
    ReturnStatus,
)

from .enums import ComplaintCause, TicketChannel, TicketEventAction, TicketPriority, TicketStatus, TicketType
from .transitions import transitions_from

ID = Field(..., ge=1, le=2**63 - 1)
OPTIONAL_ID = Field(None, ge=1, le=2**63 - 1)


class TicketOut(Schema):
    id: int
    number: str
    type: TicketType
    cause: ComplaintCause | None
    priority: TicketPriority
    status: TicketStatus
    channel: TicketChannel
    subject: str
    description: str
    customer_id: int
    customer_name: str
    order_id: int | None
    order_number: str | None
    item_ids: list[int]
    product_id: int | None
    conversation_id: int | None
    team_id: int | None
    assignee_id: int | None
    assignee_name: str | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    assigned_at: datetime.datetime | None
    first_response_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    reopened_count: int
    allowed_transitions: list[TicketStatus] = Field(description="The statuses this ticket may move to now")

    @staticmethod
    def resolve_cause(obj) -> str | None:
        return obj.cause or None

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return str(obj.customer)

    @staticmethod
    def resolve_order_number(obj) -> str | None:
        return obj.order.number if obj.order_id else None

    @staticmethod
    def resolve_item_ids(obj) -> list[int]:
        return sorted(item.pk for item in obj.items.all())

    @staticmethod
    def resolve_assignee_name(obj) -> str | None:
        return str(obj.assignee) if obj.assignee_id else None

    @staticmethod
    def resolve_allowed_transitions(obj) -> list[str]:
        return transitions_from(obj.status)


class TicketFilters(Schema):
    q: str = Field("", description="The ticket number, words of the subject, or the order number")
    status: TicketStatus | None = None
    open_only: bool = Field(False, description="Only tickets that still need work")
    type: TicketType | None = None
    priority: TicketPriority | None = None
    team_id: int | None = OPTIONAL_ID
    assignee_id: int | None = OPTIONAL_ID
    unassigned: bool = False
    product_id: int | None = OPTIONAL_ID
    customer_id: int | None = OPTIONAL_ID
    order_id: int | None = OPTIONAL_ID
    created_after: Moment | None = None
    created_before: Moment | None = None


class TicketCreateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    customer_id: int | None = Field(None, ge=1, le=2**63 - 1, description="Required unless conversation_id is given")
    conversation_id: int | None = Field(None, ge=1, le=2**63 - 1, description="Pre-fills customer and order and quotes the last messages")
    type: TicketType
    cause: ComplaintCause | None = Field(None, description="Required for complaints")
    priority: TicketPriority = TicketPriority.NORMAL
    subject: str = Field("", max_length=200, description="Defaults to the type and the order number")
    description: str = Field("", max_length=20000)
    order_id: int | None = OPTIONAL_ID
    item_ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field([], max_length=100)
    team_id: int | None = OPTIONAL_ID
    assignee_id: int | None = OPTIONAL_ID


class TicketPatchIn(Schema):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(None, min_length=1, max_length=200)
    description: str = Field(None, max_length=20000)
    type: TicketType = None
    cause: ComplaintCause | None = None
    priority: TicketPriority = None


class TransitionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    to_status: TicketStatus
    note: str = Field("", max_length=1000)


class AssignIn(Schema):
    model_config = ConfigDict(extra="forbid")

    assignee_id: int = ID
    team_id: int | None = OPTIONAL_ID


class TicketEventOut(Schema):
    id: int
    action: TicketEventAction
    actor_id: int | None
    actor_name: str | None
    from_status: TicketStatus | None
    to_status: TicketStatus | None
    params: dict[str, Any]
    created_at: datetime.datetime

    @staticmethod
    def resolve_actor_name(obj) -> str | None:
        return str(obj.actor) if obj.actor_id else None

    @staticmethod
    def resolve_from_status(obj) -> str | None:
        return obj.from_status or None

    @staticmethod
    def resolve_to_status(obj) -> str | None:
        return obj.to_status or None


class CommentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=5000)
    is_internal: bool = Field(False, description="An internal note agents see; otherwise the reply goes to the customer")


class CommentOut(Schema):
    id: int
    author_id: int | None
    author_name: str | None
    body: str
    is_internal: bool
    cited_rule: str | None = Field(description="The after-sales rule's code, when the reply declines citing one")
    message_id: int | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_author_name(obj) -> str | None:
        return str(obj.author) if obj.author_id else None

    @staticmethod
    def resolve_cited_rule(obj) -> str | None:
        return obj.cited_rule.code if obj.cited_rule_id else None


class DeclineIn(Schema):
    model_config = ConfigDict(extra="forbid")

    rule_id: int = ID
    body: str = Field("", max_length=5000)


class ChecklistItemOut(Schema):
    key: str
    section: str
    label: str
    done: bool
    done_by: str
    done_at: datetime.datetime | None


class ChecklistTickIn(Schema):
    model_config = ConfigDict(extra="forbid")

    item_key: str = Field(min_length=1, max_length=64)
    done: bool = True


class ReturnItemIn(Schema):
    model_config = ConfigDict(extra="forbid")

    order_item_id: int = ID
    quantity: int = Field(1, ge=1, le=100000)


class ReturnCreateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    order_id: int = ID
    kind: ReturnKind
    items: list[ReturnItemIn] = Field([], max_length=100)
    reason: str = Field("", max_length=2000)
    ticket_id: int | None = OPTIONAL_ID


class ReturnItemOut(Schema):
    order_item_id: int
    title: str
    quantity: int
    unit_price: Decimal

    @staticmethod
    def resolve_title(obj) -> str:
        return obj.order_item.title

    @staticmethod
    def resolve_unit_price(obj) -> Decimal:
        return obj.order_item.unit_price


class ReturnOut(Schema):
    id: int
    order_id: int
    order_number: str
    ticket_id: int | None
    kind: ReturnKind
    status: ReturnStatus
    reason: str
    items: list[ReturnItemOut]
    decided_by_id: int | None
    decided_at: datetime.datetime | None
    decline_rule: str | None
    decline_note: str
    return_carrier: str
    return_tracking_number: str
    shipped_back_at: datetime.datetime | None
    received_at: datetime.datetime | None
    inspected_at: datetime.datetime | None
    inspection_passed: bool | None
    inspection_note: str
    resolution: ReturnResolution | None
    completed_at: datetime.datetime | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_order_number(obj) -> str:
        return obj.order.number

    @staticmethod
    def resolve_items(obj) -> list:
        return list(obj.items.all())

    @staticmethod
    def resolve_decline_rule(obj) -> str | None:
        return obj.decline_rule.code if obj.decline_rule_id else None

    @staticmethod
    def resolve_resolution(obj) -> str | None:
        return obj.resolution or None


class ReturnDeclineIn(Schema):
    model_config = ConfigDict(extra="forbid")

    rule_id: int = ID
    note: str = Field("", max_length=2000)


class ReturnShipBackIn(Schema):
    model_config = ConfigDict(extra="forbid")

    carrier: str = Field(min_length=1, max_length=32)
    tracking_number: str = Field(min_length=1, max_length=64)


class ReturnInspectIn(Schema):
    model_config = ConfigDict(extra="forbid")

    passed: bool
    note: str = Field("", max_length=2000)


class ReturnCompleteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    resolution: ReturnResolution
    refund_amount: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2, description="For a partial refund")


class RefundIn(Schema):
    model_config = ConfigDict(extra="forbid")

    order_id: int = ID
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    reason: str = Field("", max_length=255)
    ticket_id: int | None = OPTIONAL_ID
    rma_id: int | None = OPTIONAL_ID


class RefundOut(Schema):
    id: int
    order_id: int
    rma_id: int | None
    ticket_id: int | None
    amount: Decimal
    reason: str
    status: RefundStatus
    requested_by_id: int | None
    approved_by_id: int | None
    decided_at: datetime.datetime | None
    created_at: datetime.datetime


class CompensationOut(Schema):
    id: int
    ticket_id: int | None
    order_id: int
    policy_id: int | None
    kind: CompensationKind
    amount: Decimal
    evidence: dict[str, Any]
    status: CompensationStatus
    requires_supervisor: bool
    proposed_by_id: int | None
    approved_by_id: int | None
    decided_at: datetime.datetime | None
    refund_id: int | None
    created_at: datetime.datetime


class CompensationPolicyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    trigger: CompensationTrigger = CompensationTrigger.LATE_DELIVERY
    min_days_late: int = Field(0, ge=0, le=365)
    category_id: int | None = OPTIONAL_ID
    carrier: str = Field("", max_length=32)
    kind: CompensationKind
    value: Decimal = Field(gt=0, max_digits=10, decimal_places=2)
    max_amount: Decimal | None = Field(None, gt=0, max_digits=10, decimal_places=2)
    requires_supervisor_above: Decimal = Field(Decimal("50.00"), ge=0, max_digits=10, decimal_places=2)
    active: bool = True


class CompensationPolicyOut(Schema):
    id: int
    name: str
    trigger: CompensationTrigger
    min_days_late: int
    category_id: int | None
    carrier: str
    kind: CompensationKind
    value: Decimal
    max_amount: Decimal | None
    requires_supervisor_above: Decimal
    active: bool


class ReturnFilters(Schema):
    order_id: int | None = OPTIONAL_ID
    ticket_id: int | None = OPTIONAL_ID
    status: ReturnStatus | None = None


class RefundFilters(Schema):
    order_id: int | None = OPTIONAL_ID
    ticket_id: int | None = OPTIONAL_ID
    status: RefundStatus | None = None


class CompensationFilters(Schema):
    order_id: int | None = OPTIONAL_ID
    ticket_id: int | None = OPTIONAL_ID
    status: CompensationStatus | None = None
