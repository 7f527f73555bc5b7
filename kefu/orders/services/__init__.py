"""Writes on orders and their after-sales money: one module per concern, every name importable from here.

orders: creation and changes; returns: RMA; refunds: the money and its limits; compensation: policies and proposals.
"""

from .compensation import (
    COMPENSATION_POLICY_FIELDS,
    TICKET_TYPE_TRIGGER,
    compensation_amount,
    compensation_approve,
    compensation_decline,
    compensation_evidence,
    compensation_policy_match,
    compensation_policy_save,
    compensation_propose,
)
from .orders import (
    ORDER_CREATE_FIELDS,
    ORDER_UPDATE_FIELDS,
    OrderItemInput,
    aware,
    order_create,
    order_update,
)
from .refunds import (
    CENT,
    refund_approve,
    refund_available,
    refund_decline,
    refund_issue,
)
from .returns import (
    PARCEL_STEPS,
    RMA_ALLOWED,
    ReturnItemInput,
    rma_approve,
    rma_archived_ticket_number,
    rma_complete,
    rma_decline,
    rma_inspect,
    rma_items_value,
    rma_mark_shipped_back,
    rma_receive,
    rma_request,
    rma_ticket_move,
)
from .status import (
    PENDING_REASON,
    order_status_after_refunds,
    order_status_change,
)

__all__ = [
    "PENDING_REASON",
    "CENT",
    "COMPENSATION_POLICY_FIELDS",
    "ORDER_CREATE_FIELDS",
    "ORDER_UPDATE_FIELDS",
    "OrderItemInput",
    "RMA_ALLOWED",
    "ReturnItemInput",
    "TICKET_TYPE_TRIGGER",
    "aware",
    "compensation_amount",
    "compensation_approve",
    "compensation_decline",
    "compensation_evidence",
    "compensation_policy_match",
    "compensation_policy_save",
    "compensation_propose",
    "order_create",
    "order_status_after_refunds",
    "order_status_change",
    "order_update",
    "refund_approve",
    "refund_available",
    "refund_decline",
    "refund_issue",
    "PARCEL_STEPS",
    "rma_approve",
    "rma_archived_ticket_number",
    "rma_complete",
    "rma_decline",
    "rma_inspect",
    "rma_items_value",
    "rma_mark_shipped_back",
    "rma_receive",
    "rma_request",
    "rma_ticket_move",
]
