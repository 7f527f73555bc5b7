"""SLA clocks: start on the business calendar, pause while waiting on the customer, warn and breach.

The package splits by concern: ``clock`` (the arithmetic and the state it gives),
``lifecycle`` (start, pause, resume, resolve), ``checks`` (the periodic warning and breach
check), ``reads`` (what lists and the ticket page show) and ``reactions`` (registered in
``kefu.reactions``: ``on_ticket_created``, ``on_ticket_transitioned`` and
``on_ticket_updated`` drive the clock from the ticket's own events). Every public name is
importable from ``kefu.tickets.sla``.
"""

from .checks import CHECK_BATCH, sla_check_all, sla_check_one, sla_recipients, ticket_url
from .clock import SlaChanged, calendar_build, sla_policy_for
from .lifecycle import (
    sla_first_response_record,
    sla_pause,
    sla_policy_refresh,
    sla_resolve,
    sla_resume,
    sla_start,
)
from .reactions import on_ticket_created, on_ticket_transitioned, on_ticket_updated
from .reads import SlaStatus, sla_state_for, tickets_filter_sla_state, tickets_with_sla

__all__ = [
    "CHECK_BATCH",
    "SlaChanged",
    "SlaStatus",
    "calendar_build",
    "on_ticket_created",
    "on_ticket_transitioned",
    "on_ticket_updated",
    "sla_check_all",
    "sla_check_one",
    "sla_first_response_record",
    "sla_pause",
    "sla_policy_for",
    "sla_policy_refresh",
    "sla_recipients",
    "sla_resolve",
    "sla_resume",
    "sla_start",
    "sla_state_for",
    "ticket_url",
    "tickets_filter_sla_state",
    "tickets_with_sla",
]
