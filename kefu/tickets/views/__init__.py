"""Ticket pages: one module per page group, every view importable from here (urls.py uses `views.<name>`).

Views parse a form, call one service and render or redirect; the services check permissions.
listing: the list, saved views, the sidebar; detail: one ticket and its actions; money: returns,
refunds and compensation; opening: the workbench's and the customer's forms; rules: playbooks and
compensation rules; settings: SLA policies, business calendars, follow-up and incident settings.
"""

from .detail import (
    ticket_assign,
    ticket_checklist,
    ticket_comment,
    ticket_decline,
    ticket_detail,
    ticket_transition,
)
from .listing import (
    COUNT_CAP,
    LIST_FIELDS,
    PAGE_SIZE,
    CappedPaginator,
    customer_tickets,
    saved_view_delete,
    saved_view_save,
    saved_view_url,
    ticket_list,
)
from .money import (
    RMA_STEPS,
    compensation_decide,
    compensation_propose,
    refund_create,
    refund_decide,
    return_request,
    return_step,
)
from .opening import (
    PUBLIC_FORM_LIMIT,
    PUBLIC_FORM_WINDOW,
    ticket_new,
    ticket_public_new,
)
from .rules import (
    compensation_policies,
    playbook_edit,
    playbook_list,
)
from .settings import (
    business_calendar,
    business_calendar_new,
    holiday_add,
    holiday_remove,
    holidays_import,
    settings_home,
    sla_policies,
    sla_policy_deactivate,
)

__all__ = [
    "COUNT_CAP",
    "CappedPaginator",
    "LIST_FIELDS",
    "PAGE_SIZE",
    "PUBLIC_FORM_LIMIT",
    "PUBLIC_FORM_WINDOW",
    "RMA_STEPS",
    "business_calendar",
    "business_calendar_new",
    "compensation_decide",
    "compensation_policies",
    "compensation_propose",
    "customer_tickets",
    "holiday_add",
    "holiday_remove",
    "holidays_import",
    "playbook_edit",
    "playbook_list",
    "refund_create",
    "refund_decide",
    "return_request",
    "return_step",
    "saved_view_delete",
    "saved_view_save",
    "saved_view_url",
    "settings_home",
    "sla_policies",
    "sla_policy_deactivate",
    "ticket_assign",
    "ticket_checklist",
    "ticket_comment",
    "ticket_decline",
    "ticket_detail",
    "ticket_list",
    "ticket_new",
    "ticket_public_new",
    "ticket_transition",
]
